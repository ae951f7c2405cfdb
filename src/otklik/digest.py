"""The digest: the one contract between analysis and output.

A versioned, JSON-serialisable set of facts about a case, every figure computed from the store
and every quote a comment id plus a verbatim span. Renderers only format a digest; the
verifier checks a rendered text against it. Nothing else crosses from analysis to output.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter

import orjson
from datetime import date, datetime, timezone

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from . import __version__
from .analysis.summary import annotation_backends, case_summary, theme_members
from .cases import get_case, latest_observations
from .analysis.pipeline import annotation
from .analysis import snapshots
from .analysis.quotes import SIDE_MIN_CONFIDENCE
from .analysis.review import digest_view
from .store.evidence import last_capture_of_case
from .store import case_post, comment, post, raw_record, source
from .store.sql import page_comments

DIGEST_VERSION = 1



def _quote_rows(conn: Connection, ids: list[int]) -> dict[int, dict]:
    out = {}
    for i in range(0, len(ids), 900):
        rows = conn.execute(select(comment.c.id, comment.c.platform, comment.c.platform_id, comment.c.author_handle,
                                   comment.c.author_name, comment.c.published_at, comment.c.text,
                                   raw_record.c.sha256, post.c.url)
                            .select_from(comment.join(raw_record, raw_record.c.id == comment.c.raw_id)
                                         .join(post, post.c.id == comment.c.post_id))
                            .where(comment.c.id.in_(ids[i:i + 900]))).mappings()
        for r in rows:
            out[r["id"]] = dict(r)
    return out


def _annotations(conn: Connection, stage: str, ids: list[int]):
    for i in range(0, len(ids), 900):
        yield from conn.execute(select(annotation.c.comment_id, annotation.c.value).where(
            annotation.c.stage == stage, annotation.c.comment_id.in_(ids[i:i + 900])))


def _side(view) -> dict:
    """The side a quote may be shown under: {"side": label or None, "side_source": "editor" |
    "model" | None}; None when neither the editor confirmed it nor the model is confident."""
    if view is None:
        return {"side": None, "side_source": None}
    label, confidence, confirmed = view
    if confirmed:
        return {"side": label, "side_source": "editor"}
    if confidence >= SIDE_MIN_CONFIDENCE:  # why 0.85: analysis/quotes.py
        return {"side": label, "side_source": "model"}
    return {"side": None, "side_source": None}


def _span(r: dict, c_id: int, start: int, end: int, lang_of: dict, expected: str | None = None) -> dict:
    """A verbatim span of a stored comment with everything needed to attribute and check it."""
    text_ = r["text"][start:end]
    if not text_.strip() or (expected is not None and text_ != expected):
        raise ValueError(f"comment {c_id}: [{start}, {end}) is not the stored span of its text; re-run `otklik analyze`")
    return {"comment_id": c_id, "platform": r["platform"], "platform_id": r["platform_id"],
            "author": r["author_handle"] or r["author_name"], "published_at": r["published_at"],
            "start": start, "end": end, "text": text_, "whole": start == 0 and end == len(r["text"]),
            "lang": lang_of.get(c_id), "raw_sha256": r["sha256"], "post_url": r["url"]}


def _stance_mix(theme: dict, members: list[int], adapted: dict) -> dict:
    """A theme's stance mix {"1": n, "0": n, "-1": n, "none": n} counted on the corrected stances
    (the case's adapted model with the editor's labels); the analysis' own mix when the themes
    result names no members."""
    if not members or any(i not in adapted for i in members):
        return {"stances": theme["stances"], "stances_source": "analysis"}
    mix = Counter("none" if adapted[i][0] is None else str(adapted[i][0]) for i in members)
    return {"stances": dict(sorted(mix.items())), "stances_source": "corrected"}


def _reasons(proposed: list[dict], k: int = 5) -> dict:
    """The reasons commenters gave for their proposals: how many people and comments gave one, and
    the `k` most common (the same words, letter case and punctuation aside; by people, then
    comments, then the earliest), each as a verbatim span of its first comment with its counts."""
    groups: dict[str, list[dict]] = {}
    seen = set()
    for p in proposed:
        for r in p["reasons"]:
            if (r["comment_id"], r["start"], r["end"]) not in seen:
                seen.add((r["comment_id"], r["start"], r["end"]))
                groups.setdefault(" ".join(re.findall(r"\w+", r["text"].casefold())), []).append(r)
    rs = [r for g in groups.values() for r in g]
    ranked = sorted(groups.values(), key=lambda g: (-len({r["author_id"] for r in g}),
                                                    -len({r["comment_id"] for r in g}), min(r["comment_id"] for r in g)))
    top = [{k_: v for k_, v in min(g, key=lambda r: (r["comment_id"], r["start"])).items() if k_ != "author_id"}
           | {"n_authors": len({r["author_id"] for r in g}), "n_comments": len({r["comment_id"] for r in g})}
           for g in ranked[:k]]
    return {"n_comments": len({r["comment_id"] for r in rs}), "n_authors": len({r["author_id"] for r in rs}), "top": top}


def _by_platform(posts: list[dict]) -> dict:
    """Per platform: the comments stored under its posts, how many posts, and the first post's time
    (the report's breakdown «в Instagram — 202, в Telegram — 44 под четырьмя публикациями с марта»)."""
    out: dict[str, dict] = {}
    for p in posts:
        row = out.setdefault(p["platform"], {"comments": 0, "posts": 0, "first_post_at": None})
        row["comments"] += p["comments_stored"]
        row["posts"] += 1
        if p["published_at"] and (row["first_post_at"] is None or p["published_at"] < row["first_post_at"]):
            row["first_post_at"] = p["published_at"]
    return dict(sorted(out.items(), key=lambda kv: (-kv[1]["comments"], kv[0])))


def digest_quotes(digest: dict) -> list[dict]:
    """Every quote a report may show from this digest: the themes' and the proposals' most common
    reasons (the comments a verifier needs, the authors a pseudonymiser replaces)."""
    return [q for t in digest["themes"] for q in t["quotes"]] + list((digest.get("proposal_reasons") or {}).get("top", []))


def build_digest(conn: Connection, case_name: str, today: date | None = None, events: list[dict] | None = None) -> dict:
    """Everything a report may say about a case, with the comment ids behind every quote."""
    case = get_case(conn, case_name)
    s = case_summary(conn, case_name)
    cid = case["id"]
    # only the comments a digest names need their own look-ups (quotes, proposals, bursts)
    quote_ids = sorted({q["comment_id"] for t in s["themes"] for q in t["quotes"]})
    members = theme_members(conn, case_name)
    member_ids = sorted({i for t in s["themes"] for i in members.get(t["key"], [])})
    # stance shares as estimates with a 95% interval, and the stances of the quotes and of the
    # themes' members under the case's adapted model (the editor's answers included)
    proposing = snapshots.proposing(conn, cid)
    coordination = [g for g in s["coordination"]["groups"] if g["coordinated"]]
    stance_estimate, adapted, author_of = digest_view(conn, case_name, sorted(set(quote_ids) | set(member_ids)),
                                                      sorted(set(proposing) | {i for g in coordination for i in g["burst_ids"]}))
    reason_ids = sorted({c for c, ents in proposing.items() if any(e["reason"] for e in ents)})
    title_ids = sorted({ti["comment_id"] for t in s["themes"] for ti in (t.get("titles") or {}).values()})
    own = page_comments(conn, title_ids)
    lang_of = {c_id: orjson.loads(v)["lang"] for c_id, v in _annotations(conn, "language", sorted(set(quote_ids) | set(reason_ids)))}

    # sources and posts, with their latest observed counts
    posts = conn.execute(
        select(post.c.id, post.c.platform, post.c.platform_id, post.c.url, post.c.published_at, post.c.text,
               post.c.source_id)
        .select_from(post.join(case_post, case_post.c.post_id == post.c.id))
        .where(case_post.c.case_id == cid, post.c.copy_of_id.is_(None)).order_by(post.c.published_at, post.c.id)).mappings().all()
    sources, post_out = {}, []
    for p in posts:
        n = conn.execute(select(func.count(), func.count(comment.c.parent_id)).where(comment.c.post_id == p["id"])).one()
        if n[0] == 0:
            continue  # a post nobody commented on is not part of the reaction
        if p["source_id"] and p["source_id"] not in sources:
            srow = conn.execute(select(source).where(source.c.id == p["source_id"])).mappings().first()
            latest = latest_observations(conn, "source", p["source_id"])
            followers = latest.get("followers") or latest.get("members") or latest.get("subscribers")
            sources[p["source_id"]] = {"id": p["source_id"], "platform": srow["platform"], "kind": srow["kind"],
                                       "title": srow["title"], "handle": srow["handle"], "url": srow["url"],
                                       "followers": followers}
        latest = latest_observations(conn, "post", p["id"])
        post_out.append({"id": p["id"], "platform": p["platform"], "platform_id": p["platform_id"], "url": p["url"],
                         "source_id": p["source_id"], "published_at": p["published_at"],
                         "text": (p["text"] or "")[:500], "comments_observed": latest.get("comments"),
                         "comments_stored": n[0], "replies_stored": n[1]})
    snapshot = last_capture_of_case(conn, cid)

    # quotes: verbatim spans with everything needed to attribute and check them
    rows = _quote_rows(conn, sorted(set(quote_ids) | set(reason_ids)))
    themes = []
    for t in s["themes"]:
        quotes = [{**_span(rows[q["comment_id"]], q["comment_id"], q["start"], q["end"], lang_of, q["text"]),
                   "stance": q["stance"], **_side(adapted.get(q["comment_id"]))} for q in t["quotes"]]
        titles = {lg: ti for lg, ti in (t.get("titles") or {}).items() if ti["comment_id"] not in own}
        themes.append({**{k: t[k] for k in ("key", "label", "keywords", "n_comments", "n_authors")},
                       "label_source": t.get("label_source"), "titles": titles,
                       **_stance_mix(t, members.get(t["key"], []), adapted),
                       "entities": [{"name": n, "comments": k} for n, k in t["entities"]], "quotes": quotes})

    # what commenters proposed (countries, regions named as a destination)
    proposals: dict[str, dict] = {}
    for c_id, ents in sorted(proposing.items()):
        for e in ents:
            p = proposals.setdefault(e["name"], {"entity": e["name"], "kind": e["kind"], "comment_ids": set(),
                                                 "authors": set(), "reasons": []})
            p["comment_ids"].add(c_id)
            p["authors"].add(author_of.get(c_id))
            if e["reason"]:
                p["reasons"].append(_span(rows[c_id], c_id, *e["reason"], lang_of) | {"author_id": author_of.get(c_id)})
    proposed = sorted(({"entity": p["entity"], "kind": p["kind"], "n_comments": len(p["comment_ids"]),
                        "n_authors": len(p["authors"]), "comment_ids": sorted(p["comment_ids"]), "reasons": p["reasons"]}
                       for p in proposals.values()),
                      key=lambda p: (-p["n_authors"], p["entity"]))
    reasons = _reasons(proposed)
    for p in proposed:  # the author's platform identity only counted people
        p["reasons"] = [{k: v for k, v in r.items() if k != "author_id"} for r in p["reasons"]]

    run = conn.execute(text("SELECT id, code_version, config FROM analysis_run WHERE case_id=:cid AND finished_at IS NOT NULL "
                            "ORDER BY id DESC LIMIT 1"), {"cid": cid}).mappings().first()
    backends = s.get("backends") or annotation_backends(conn, cid)
    files = [r[0] for r in conn.execute(text("SELECT DISTINCT file_sha256 FROM import_run WHERE case_id=:cid ORDER BY 1"),
                                        {"cid": cid})]
    today = today or datetime.now(timezone.utc).date()
    evs = []
    for e in events or []:
        d = date.fromisoformat(e["date"][:10])
        evs.append({**e, "upcoming": bool(e.get("deadline")) and d >= today, "days_left": (d - today).days})
    digest = {
        "digest_version": DIGEST_VERSION,
        "case": {k: case[k] for k in ("name", "subject", "aliases", "tz", "langs")},
        "snapshot_at": snapshot,
        "sources": list(sources.values()),
        "posts": post_out,
        "totals": {"comments": s["comments"], "replies": sum(p["replies_stored"] for p in post_out),
                   "authors": s["authors"], "by_language": s["languages"], "by_platform": _by_platform(post_out)},
        "stance": s["stance"], "stance_without_coordinated": s["stance_without_coordinated"],
        "stance_estimate": stance_estimate,
        "themes": themes,
        "proposals": proposed,
        "proposal_reasons": reasons,
        "coordination": {"window_s": s["coordination"]["window_s"], "bursts": [
            {"comment_ids": g["burst_ids"], "n_comments": len(g["burst_ids"]),
             "n_accounts": len({author_of.get(i) for i in g["burst_ids"]}), "start": g["start"], "end": g["end"]}
            for g in coordination]},
        "events": sorted(evs, key=lambda e: e["date"]),
        "provenance": {"analysis_run": run["id"] if run else None, "code_version": __version__,
                       "analysis_config": json.loads(run["config"]) if run else None, "backends": backends,
                       "input_files_sha256": files},
    }
    digest["provenance"]["digest_sha256"] = hashlib.sha256(
        json.dumps(digest, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    return digest
