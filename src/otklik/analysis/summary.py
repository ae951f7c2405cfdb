"""What an analysis found, computed from the stored annotations: stance shares by comments and by
distinct people (with and without coordinated comments), languages, themes, coordination."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import orjson

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from ..cases import get_case
from ..store import json_field
from ..store.sql import in_case
from ..store.schema import case_result

@dataclass(slots=True)
class _Row:
    id: int
    author: str
    platform_id: str


STANCE_NAMES = {1: "supportive", -1: "hostile", 0: "neutral", None: "not_about_case"}


def author_stance(labels: list) -> int | None:
    """One person's position, the rule the case labels use: the most frequent of their comments'
    stances about the case (None = not about the case is left out); a tie between the most
    frequent gives 0 (neutral); a person who wrote only about other things is "not about the case"."""
    counts = Counter(x for x in labels if x is not None).most_common()
    if not counts:
        return None
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return 0
    return counts[0][0]


def shares(rows: list[tuple[str, int | None]]) -> dict:
    """rows: (author, stance label). Counts and shares by comments and by distinct authors."""
    by_comment = Counter(STANCE_NAMES[lab] for _, lab in rows)
    per_author: dict[str, list] = {}
    for a, lab in rows:
        per_author.setdefault(a, []).append(lab)
    by_author = Counter(STANCE_NAMES[author_stance(v)] for v in per_author.values())
    out = {}
    for name, counts, total in (("comments", by_comment, len(rows)), ("authors", by_author, len(per_author))):
        out[name] = {"total": total, **{k: {"n": counts.get(k, 0), "share": round(counts.get(k, 0) / total, 4) if total else 0.0}
                                        for k in STANCE_NAMES.values()}}
    return out


def theme_members(conn: Connection, case_name: str) -> dict[str, list[int]]:
    """Theme key -> the ids of its comments, from the case's latest themes result (kept out of
    the summary, which `analyze --json` prints)."""
    case = get_case(conn, case_name)
    row = conn.execute(select(case_result.c.payload).where(case_result.c.case_id == case["id"],
                                                           case_result.c.stage == "themes")).first()
    if row is None:
        return {}
    return {th["key"]: th.get("member_ids") or [] for th in orjson.loads(row[0])["themes"]}


def case_summary(conn: Connection, case_name: str) -> dict:
    """The summary of the case's latest analysis. Stored by `analyze` when the run ends and used
    while it still describes the store (same run, same number of comments); else recomputed."""
    case = get_case(conn, case_name)
    row = conn.execute(select(case_result.c.payload).where(case_result.c.case_id == case["id"],
                                                           case_result.c.stage == "summary")).first()
    if row is not None:
        stored = orjson.loads(row[0])
        latest = conn.execute(text("SELECT max(id) FROM analysis_run WHERE case_id = :cid AND finished_at IS NOT NULL"),
                              {"cid": case["id"]}).scalar()
        n = conn.execute(text("SELECT count(*) FROM comment WHERE post_id IN "
                              "(SELECT post_id FROM case_post WHERE case_id = :cid)"), {"cid": case["id"]}).scalar()
        if stored.get("analysis_run") == latest and stored["comments"] == n:
            return stored
    return compute_case_summary(conn, case_name)


def compute_case_summary(conn: Connection, case_name: str) -> dict:
    case = get_case(conn, case_name)
    # one pass over the case's comments with the two annotation fields it needs, read by the
    # database (store.json_field); no texts (a report for a 100,000-comment case has two seconds)
    comments, ann = [], {}
    for cid, who, pid, lang, label, relevant in conn.execute(text(
            "SELECT c.id, COALESCE(a.platform || ':' || a.platform_id, c.author_handle, '?'), c.platform_id, "
            f"{json_field(conn, 'l.value', 'lang')}, {json_field(conn, 's.value', 'label')}, "
            f"{json_field(conn, 's.value', 'relevant')} "
            "FROM comment c LEFT JOIN author a ON a.id = c.author_id "
            "LEFT JOIN annotation l ON l.comment_id = c.id AND l.stage = 'language' "
            "LEFT JOIN annotation s ON s.comment_id = c.id AND s.stage = 'stance' "
            "WHERE c.post_id IN (SELECT post_id FROM case_post WHERE case_id = :cid) ORDER BY c.id"),
            {"cid": case["id"]}).fetchall():
        comments.append(_Row(cid, who, pid))
        if lang is not None and relevant is not None:
            ann[cid] = {"language": {"lang": lang}, "stance": {"label": label, "relevant": bool(relevant)}}
    results = {k: json.loads(v) for k, v in conn.execute(
        select(case_result.c.stage, case_result.c.payload).where(case_result.c.case_id == case["id"],
                                                                 case_result.c.stage != "summary"))}
    if not ann or "themes" not in results:
        raise ValueError(f"case {case_name!r} has not been analysed yet: run `otklik analyze --case {case_name}`")
    if len(ann) < len(comments):
        raise ValueError(f"{len(comments) - len(ann)} comment(s) of case {case_name!r} were imported after its "
                         f"last analysis: run `otklik analyze --case {case_name}` first")
    coord = results["coordination"]
    burst = {i for g in coord["groups"] if g["coordinated"] for i in g["burst_ids"]}

    def label(c):
        s = ann[c.id]["stance"]
        return s["label"] if s["relevant"] else None
    rows = [(c.author, label(c)) for c in comments]
    rows_wo = [(c.author, label(c)) for c in comments if c.id not in burst]
    langs = Counter(ann[c.id]["language"]["lang"] for c in comments)
    by_id = {c.id: c for c in comments}
    themes = []
    for th in results["themes"]["themes"]:
        themes.append({k: th[k] for k in ("key", "label", "keywords", "n_comments", "n_authors", "stances", "entities")}
                      | {"label_source": th.get("label_source"), "titles": th.get("titles") or {}}
                      | {"quotes": [{**q, "platform_id": by_id[q["comment_id"]].platform_id} for q in th["quotes"]]})
    themes.sort(key=lambda t: (t["key"] == "other", -t["n_authors"], -t["n_comments"], t["key"]))
    return {
        "case": case["name"], "subject": case["subject"], "comments": len(comments),
        "authors": len({c.author for c in comments}),
        "languages": dict(langs.most_common()),
        "stance": shares(rows), "stance_without_coordinated": shares(rows_wo),
        "coordination": {"window_s": coord["window_s"], "groups": [
            {**g, "platform_ids": [by_id[i].platform_id for i in g["comment_ids"]]} for g in coord["groups"]]},
        "themes": themes,
        "discovered_names": results.get("discovery", {}).get("names", []),
        "backends": annotation_backends(conn, case["id"]),
    }


def annotation_backends(conn: Connection, case_id: int) -> dict[str, str]:
    """Stage -> "backend version" of the case's comment annotations (the last in order when a stage
    was annotated by several): a scan of every annotation, so `analyze` stores it in the summary."""
    return {st: b for st, b in conn.execute(text(
        "SELECT DISTINCT a.stage, a.backend || ' ' || a.version FROM annotation a JOIN comment c ON c.id=a.comment_id "
        f"WHERE {in_case('c')} ORDER BY 1, 2"), {"cid": case_id})}
