"""Write a verified report, or refuse to: the service behind `otklik report`.

The order matters: build the digest, compose, render, read the rendered output back as text
and verify it against the digest and the stored comments; only a report with no problems is
written (atomically), and writing it appends a custody entry with the file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..store import custody
from ..cases import get_case
from ..digest import build_digest, digest_quotes
from ..store import author, chunked, comment, of_case
from . import render_docx, render_html, render_md, slotcheck, slots
from .compose import compose
from .verify import REF, Problem, verify_report

FORMATS = ("md", "html", "docx", "json")
COPIES = ("annotated", "publication", "marked")  # marked: [#N] references, no appendix (the web's drafts)
SLOTS_SUFFIX = ".slots.json"


def slots_path(report_path) -> Path:
    """Where a report's slot map is kept: beside it, report.ru.md -> report.ru.md.slots.json."""
    p = Path(report_path)
    return p.with_name(p.name + SLOTS_SUFFIX)


class ReportRejected(Exception):
    """Verification found problems; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"report not written: {len(problems)} problem(s) found by verification")


def case_comments(conn: Connection, case_id: int, ids) -> dict[int, str]:
    """Stored texts of the given comment ids that belong to the case's posts."""
    ids = sorted({int(i) for i in ids})
    out = {}
    for part in chunked(ids):
        rows = conn.execute(select(comment.c.id, comment.c.text).where(comment.c.id.in_(part), of_case(case_id)))
        out.update({r[0]: r[1] for r in rows})
    return out


def pseudonymise_digest(conn: Connection, digest: dict, pseudo) -> dict:
    """A copy of the digest with quote authors replaced by their workspace pseudonyms
    (`otklik.export.Pseudonymiser`). Quote texts stay verbatim, @mentions included."""
    ids = [q["comment_id"] for q in digest_quotes(digest)]
    who = {}
    if ids:
        rows = conn.execute(select(comment.c.id, comment.c.platform, comment.c.author_handle, author.c.platform_id)
                            .select_from(comment.outerjoin(author, author.c.id == comment.c.author_id))
                            .where(comment.c.id.in_(ids)))
        for cid, platform, handle, account in rows:
            who[cid] = pseudo.name(platform, account or (f"@{handle}" if handle else None))
    out = json.loads(json.dumps(digest, ensure_ascii=False))
    for q in digest_quotes(out):
        q["author"] = who.get(q["comment_id"]) or q["author"]
    return out


def marker(lang: str, policy=None):
    """The labelling marker of a report: the shipped registry under `policy` (default: Policy())."""
    from ..labelling import Marker, Policy, load_registry

    return Marker(load_registry(), policy or Policy(), lang)


def render(report: dict, digest: dict, fmt: str, profile=None, copy: str = "annotated") -> tuple[bytes, str, bool]:
    """(file bytes, the text the verifier reads from them, whether that text is Markdown).
    `copy` is for Markdown: "publication" has no [#N] store ids in its body, "annotated" has them
    (its appendix of sources is added by `produce`, which knows the slot map)."""
    if copy not in COPIES:
        raise ValueError(f"unknown copy {copy!r}; one of {', '.join(COPIES)}")
    if fmt == "md":
        text = render_md.render(report, profile=profile, markers=copy != "publication")
        return text.encode("utf-8"), text, True
    if fmt == "html":
        html = render_html.render(report, profile=profile)
        return html.encode("utf-8"), render_html.html_text(html), False
    if fmt == "docx":
        data = render_docx.render(report, profile=profile)
        return data, render_docx.docx_text(data), False
    if fmt == "json":
        data = json.dumps({"digest": digest, "report": report}, ensure_ascii=False, indent=1).encode("utf-8")
        return data, render_md.render(report), True  # the JSON holds exactly the strings the Markdown shows
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def produce_with_slots(digest: dict, comments: dict, lang: str, fmt: str, marker=None, translator=None, *,
                       profile=None, copy: str = "annotated") -> tuple[bytes, dict, dict | None]:
    """Compose, render and verify in memory: (file bytes, report, slot map); raises ReportRejected.

    Every copy passes two checks: the value check of the text with its [#N] references
    (`verify_report`, on the marked rendering for the publication copy), and the slot check of
    the very text written against its own slot map (what `otklik report check` runs later)."""
    report = compose(digest, lang, marker, translator, **({"profile": profile} if profile is not None else {}))
    data, text, is_md = render(report, digest, fmt, profile, copy)
    marked = render_md.render(report, profile=profile) if copy == "publication" and fmt == "md" else text
    problems = verify_report(marked, digest, comments, lang=lang, markdown=is_md)
    slotmap = None
    if fmt == "md":  # the copy an editor edits and `otklik report check` reads back
        idx = slots.digest_index(digest)
        slotmap = slots.build(text, report, digest, copy=copy, idx=idx)
        problems += slotcheck.check(text, slotmap, digest, comments, idx=idx)
    if problems:
        raise ReportRejected(problems)
    if slotmap is not None:
        if copy == "annotated":
            text += render_md.annotation_appendix(slotmap)
            data = text.encode("utf-8")
        slotmap["text"] = text  # the generated text an edited copy is refreshed from
    return data, report, slotmap


def produce(digest: dict, comments: dict, lang: str, fmt: str, marker=None, translator=None, *,
            profile=None, copy: str = "annotated") -> tuple[bytes, dict]:
    """Compose, render and verify in memory; raises ReportRejected. Used by write_report and the benchmark."""
    data, report, _ = produce_with_slots(digest, comments, lang, fmt, marker, translator, profile=profile, copy=copy)
    return data, report


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_report(conn: Connection, case_name: str, lang: str, fmt: str, out_path, translator_name: str = "none",
                 policy=None, events=None, pseudonymiser=None, today=None, actor: str | None = None,
                 profile=None, copy: str = "annotated") -> dict:
    """Build, verify and write the report and its slot map (beside it, `slots_path`); returns
    what was written. Raises ReportRejected (nothing written) when any quote or number fails
    verification. `profile` (report.profile.Profile) is the house style: its labelling policy
    replaces `policy`. Run inside a transaction: the custody entry is appended on `conn`."""
    from ..translate import get_translator

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    case = get_case(conn, case_name)
    digest = build_digest(conn, case_name, today=today, events=events)
    if pseudonymiser is not None:
        digest = pseudonymise_digest(conn, digest, pseudonymiser)
    comments = case_comments(conn, case["id"], [q["comment_id"] for q in digest_quotes(digest)])
    translator = get_translator(translator_name) if isinstance(translator_name, str) else translator_name
    translator_name = translator.name  # an engine configured by the caller (cli: from the configuration)
    if profile is not None:
        policy = profile.policy()
    data, report, slotmap = produce_with_slots(digest, comments, lang, fmt, marker(lang, policy), translator,
                                               profile=profile, copy=copy)
    out = Path(out_path)
    sha = hashlib.sha256(data).hexdigest()
    _write(out, data)
    side_path = side_sha = None
    if slotmap is not None:
        slotmap["report_sha256"] = sha
        slotmap["translator"] = translator_name
        side = json.dumps(slotmap, ensure_ascii=False, indent=1).encode("utf-8")
        side_path, side_sha = slots_path(out), hashlib.sha256(side).hexdigest()
        _write(side_path, side)
    quotes = sum(1 for b in report["blocks"] if b["type"] == "quote")
    try:
        custody.append(conn, "report", actor=actor, case_id=case["id"],
                       inputs={"digest_sha256": digest["provenance"].get("digest_sha256"),
                               "analysis_run": digest["provenance"].get("analysis_run")},
                       outputs={"path": str(out), "sha256": sha, "bytes": len(data),
                                **({"slots": {"path": str(side_path), "sha256": side_sha}} if side_path else {})},
                       details={"lang": lang, "format": fmt, "copy": copy, "translator": translator_name,
                                "quotes": quotes, "pseudonymised": pseudonymiser is not None})
    except Exception:
        out.unlink(missing_ok=True)  # a report the custody log does not know of must not stay behind
        if side_path:
            side_path.unlink(missing_ok=True)
        raise
    return {"path": str(out), "sha256": sha, "bytes": len(data), "lang": lang, "format": fmt, "copy": copy,
            "quotes": quotes, "translator": translator_name, "slots": side_path and str(side_path), "slots_sha256": side_sha,
            "digest_sha256": digest["provenance"].get("digest_sha256")}


class SlotsError(ValueError):
    """A slot map that cannot be read; the message names the file."""


def load_slots(path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise SlotsError(f"{path}: cannot read the slot map: {e.strerror or e}") from e
    except json.JSONDecodeError as e:
        raise SlotsError(f"{path}: not a slot map (invalid JSON: {e})") from e
    if not isinstance(data, dict) or data.get("version") != slots.VERSION or "units" not in data:
        raise SlotsError(f"{path}: not a slot map of this otklik version (expected version {slots.VERSION})")
    return data


def check_text(conn: Connection, case_name: str, text: str, slotmap: dict | None = None, events=None,
               lang: str | None = None) -> list[Problem]:
    """Problems of a Markdown report text against the case's current data: through its slot map
    when there is one (every figure in its place), else the value check of its [#N] quotes and
    numbers."""
    case = get_case(conn, case_name)
    digest = build_digest(conn, case_name, events=events)
    ids = [m.group(1) for m in REF.finditer(text)] + [q["comment_id"] for q in (slotmap or {}).get("quotes", [])]
    comments = case_comments(conn, case["id"], ids)
    if slotmap is not None:
        return slotcheck.check(text, slotmap, digest, comments, markdown=True)
    first = next((line for line in text.splitlines() if line.strip()), "")
    lang = lang or ("ru" if any("а" <= ch.lower() <= "я" for ch in first) else "en")
    return verify_report(text, digest, comments, lang=lang, markdown=True)


def check_report(conn: Connection, case_name: str, path, events=None, slots_file=None) -> list[Problem]:
    """Re-verify a Markdown report (possibly edited by hand) against the case's current data:
    every quote or number that no longer matches, with its line. Empty = all good. The slot map
    beside the report (or `slots_file`) is used when present; a publication copy needs it."""
    text = Path(path).read_text(encoding="utf-8")
    side = Path(slots_file) if slots_file else slots_path(path)
    slotmap = load_slots(side) if slots_file or side.exists() else None
    return check_text(conn, case_name, text, slotmap, events=events)


def refresh_report(conn: Connection, case_name: str, path, translator=None, policy=None, profile=None, events=None,
                   actor: str | None = None) -> dict:
    """Bring a Markdown report edited by hand up to the case's current data (after a re-analysis):
    a three-way merge (`draft.refresh`) of the report as generated (kept in its slot map), the
    edited file and the report generated now. Sentences the editor did not touch take the new
    figures; edited ones stay as written and are returned as `flagged` when their figures changed.
    The merged file replaces the edited one and the new slot map its map (custody entry
    "report-refresh"). Returns {"path", "changed", "flagged": [(line, text, why)]}."""
    from ..translate import get_translator
    from .draft import refresh

    path = Path(path)
    side = slots_path(path)
    old = load_slots(side)
    if not old.get("text"):
        raise SlotsError(f"{side}: holds no generated text to refresh from")
    case = get_case(conn, case_name)
    digest = build_digest(conn, case_name, events=events)
    if old.get("digest_sha256") == digest["provenance"].get("digest_sha256"):
        return {"path": str(path), "changed": False, "flagged": []}
    lang = old["lang"]
    comments = case_comments(conn, case["id"], [q["comment_id"] for q in digest_quotes(digest)])
    translator = translator or get_translator("none")
    if profile is not None:
        policy = profile.policy()
    data, _, new = produce_with_slots(digest, comments, lang, "md", marker(lang, policy), translator, profile=profile,
                                      copy=old.get("copy") or "annotated")
    assert new is not None  # a Markdown report always has its slot map
    edited = path.read_text(encoding="utf-8")
    merged, flagged = refresh(old["text"], edited, data.decode("utf-8"), lang, new["names"])
    body = merged.encode("utf-8")
    new["report_sha256"] = hashlib.sha256(data).hexdigest()  # the generated report the merge was made from
    new["translator"] = translator.name
    side_bytes = json.dumps(new, ensure_ascii=False, indent=1).encode("utf-8")
    _write(path, body)
    _write(side, side_bytes)
    custody.append(conn, "report-refresh", actor=actor, case_id=case["id"],
                   inputs={"path": str(path), "sha256": hashlib.sha256(edited.encode("utf-8")).hexdigest(),
                           "digest_sha256": digest["provenance"].get("digest_sha256")},
                   outputs={"path": str(path), "sha256": hashlib.sha256(body).hexdigest(),
                            "slots": {"path": str(side), "sha256": hashlib.sha256(side_bytes).hexdigest()}},
                   details={"lang": lang, "flagged": len(flagged)})
    return {"path": str(path), "changed": True, "flagged": flagged}
