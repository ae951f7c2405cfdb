"""Report drafts edited in the browser, and their live verification.

The first draft of a language is the Markdown `otklik report` would write (composed from the
digest, rendered, verified). An editor's edits are saved as new versions in `web_report_draft`
(never overwritten) and re-verified on every change against the slot map of the generated report
the draft started from (its *base*, kept in `meta` under ``report-draft-base:CASE:LANG``): each
figure must stay the figure of its place, each quote a verbatim span of its comment under its
author and heading. A draft saved before bases existed is checked by value only.

After a re-analysis the draft is refreshed (`refresh`, run before an export): a three-way merge
of the base, the draft and the newly generated report (`report.draft.refresh`) takes the new
figures where the editor did not touch a sentence and flags the edited sentences whose figures
changed. An edited draft exports as Markdown, HTML or DOCX.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ..casefile import list_events
from ..cases import get_case
from ..digest import build_digest, digest_quotes
from ..report import draft, render_docx, render_html, slotcheck
from ..report.service import ReportRejected, case_comments, marker, produce_with_slots
from ..report.verify import REF, Problem, unescape_markdown, verify_report
from ..store import custody, meta, web_report_draft

DRAFT_FORMATS = {"draft": ("md", "text/markdown; charset=utf-8"), "draft-html": ("html", "text/html; charset=utf-8"),
                 "draft-docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")}


class DraftError(Exception):
    """A draft that cannot be exported; `status` is the HTTP status the web answers with."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


def _digest(conn: Connection, case_name: str) -> tuple[dict, dict]:
    case = get_case(conn, case_name)
    return case, build_digest(conn, case_name, events=list_events(conn, case["id"]) or None)


def generated_full(conn: Connection, case_name: str, lang: str) -> tuple[str, dict, dict]:
    """(Markdown, report dict, slot map) of the report as `otklik report --lang LANG` composes it,
    with its [#N] references and without the annotated copy's appendix (raises ReportRejected)."""
    from ..translate import get_translator

    case, digest = _digest(conn, case_name)
    comments = case_comments(conn, case["id"], [q["comment_id"] for q in digest_quotes(digest)])
    data, report, slotmap = produce_with_slots(digest, comments, lang, "md", marker(lang), get_translator("none"),
                                               copy="marked")
    return data.decode("utf-8"), report, slotmap


def generated(conn: Connection, case_name: str, lang: str) -> str:
    """The verified Markdown report as `otklik report --lang LANG` composes it (raises ReportRejected)."""
    return generated_full(conn, case_name, lang)[0]


def _base_key(case_id: int, lang: str) -> str:
    return f"report-draft-base:{case_id}:{lang}"


def base(conn: Connection, case_id: int, lang: str) -> dict | None:
    """The slot map (with its text) of the generated report the case's draft started from."""
    row = conn.execute(select(meta.c.value).where(meta.c.key == _base_key(case_id, lang))).first()
    return json.loads(row[0]) if row else None


def _set_base(conn: Connection, case_id: int, lang: str, slotmap: dict) -> None:
    key = _base_key(case_id, lang)
    conn.execute(meta.delete().where(meta.c.key == key))
    conn.execute(meta.insert().values(key=key, value=json.dumps(slotmap, ensure_ascii=False)))


def latest(conn: Connection, case_id: int, lang: str) -> dict | None:
    row = conn.execute(select(web_report_draft).where(web_report_draft.c.case_id == case_id, web_report_draft.c.lang == lang)
                       .order_by(web_report_draft.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def _save(conn: Connection, case_id: int, lang: str, body: str, user: str, **details) -> dict:
    sha = hashlib.sha256(body.encode("utf-8")).hexdigest()
    did = conn.execute(web_report_draft.insert().values(case_id=case_id, lang=lang, text=body, sha256=sha, user=user,
                                                        at=custody.now_utc())).inserted_primary_key[0]
    custody.append(conn, "web-report-draft", actor=user, case_id=case_id, outputs={"draft": did, "sha256": sha},
                   details={"lang": lang, "bytes": len(body.encode("utf-8")), **details})
    return {"id": did, "sha256": sha}


def save(engine: Engine, case_name: str, lang: str, body: str, user: str) -> dict:
    """A new version of the draft. The first one (or one equal to the generated report: a reset)
    also records the generated report's slot map as the draft's base."""
    with engine.begin() as conn:
        case = get_case(conn, case_name)
        try:
            text, _, slotmap = generated_full(conn, case_name, lang)
        except (ReportRejected, ValueError):  # nothing analysed, or a report that fails: no base
            text, slotmap = None, None
        if slotmap is not None and (body == text or base(conn, case["id"], lang) is None):
            _set_base(conn, case["id"], lang, slotmap)
        return _save(conn, case["id"], lang, body, user)


def verify(conn: Connection, case_name: str, body: str, lang: str) -> list[Problem]:
    """What `otklik report check` finds in this text: against the draft's base slot map when there
    is one (every figure in its place), else quotes and numbers by value."""
    case, digest = _digest(conn, case_name)
    slotmap = base(conn, case["id"], lang)
    ids = [m.group(1) for m in REF.finditer(body)] + [q["comment_id"] for q in (slotmap or {}).get("quotes", [])]
    comments = case_comments(conn, case["id"], ids)
    if slotmap is not None and slotmap.get("lang") == lang:
        return slotcheck.check(body, slotmap, digest, comments)
    return verify_report(body, digest, comments, lang=lang, markdown=True)


def refresh(conn: Connection, case_name: str, lang: str, user: str) -> dict | None:
    """Bring the latest draft up to the current data when the data changed since its base: saves
    the merged draft as a new version and the new report as its base. Returns {"id", "flagged":
    [(line, text, why)]} or None when there was nothing to refresh."""
    case = get_case(conn, case_name)
    saved, old = latest(conn, case["id"], lang), base(conn, case["id"], lang)
    if saved is None or old is None or not old.get("text"):
        return None
    text, _, new = generated_full(conn, case_name, lang)
    if new.get("digest_sha256") == old.get("digest_sha256"):
        return None
    merged, flagged = draft.refresh(old["text"], saved["text"], text, lang, new["names"])
    _set_base(conn, case["id"], lang, new)
    res = _save(conn, case["id"], lang, merged, user, refreshed_from=saved["id"],
                digest_sha256=new.get("digest_sha256"), flagged=len(flagged))
    return {**res, "flagged": flagged}


def export(engine: Engine, case_name: str, case_id: int, lang: str, fmt: str, out_dir: Path,
           user: str) -> tuple[Path, str]:
    """Write the latest draft as Markdown, HTML or DOCX, refreshed to the current data first (the
    refresh is saved even when the export is then refused), only while it verifies; returns
    (path, media type). Raises DraftError."""
    kind, media = DRAFT_FORMATS[fmt]
    with engine.begin() as conn:
        refresh(conn, case_name, lang, user)
    with engine.begin() as conn:
        return _export(conn, case_name, case_id, lang, kind, media, out_dir, user)


def _export(conn, case_name, case_id, lang, kind, media, out_dir, user) -> tuple[Path, str]:
    saved = latest(conn, case_id, lang)
    if saved is None:
        raise DraftError(400, "no saved draft yet: save your edits first")
    problems = verify(conn, case_name, saved["text"], lang)
    if problems:
        raise DraftError(409, f"the draft has {len(problems)} problem(s) against the data; "
                              f"fix them before exporting: " + "; ".join(map(str, problems[:5])))
    if kind == "md":
        data = saved["text"].encode("utf-8")
    else:
        _, report, _ = generated_full(conn, case_name, lang)
        known = {b["comment_id"]: b for b in report["blocks"] if b["type"] == "quote"}
        edited = draft.parse(saved["text"], lang, known)
        data = render_html.render(edited).encode("utf-8") if kind == "html" else render_docx.render(edited)
    path = out_dir / f"case-{case_id}" / f"report.{lang}.edited.{kind}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    custody.append(conn, "web-report-export", actor=user, case_id=case_id,
                   outputs={"path": str(path), "sha256": hashlib.sha256(data).hexdigest()},
                   details={"lang": lang, "format": kind, "draft": saved["id"], "draft_sha256": saved["sha256"],
                            "verified": True})
    return path, media


def highlighted(body: str, problems: list[Problem]) -> Markup:
    """The draft, escaped, line by line, with what failed verification in <mark>."""
    by_line: dict[int, list[Problem]] = {}
    for p in problems:
        by_line.setdefault(p.line, []).append(p)
    out = []
    for i, line in enumerate(body.split("\n"), start=1):
        ps = by_line.get(i)
        if not ps:
            out.append(str(escape(line)))
            continue
        shown = line if all(p.found and p.found in line for p in ps) else unescape_markdown(line)
        spans = []
        for p in ps:
            at = shown.find(p.found) if p.found else -1
            if at >= 0:
                spans.append((at, at + len(p.found), p))
        if not spans:
            out.append(f'<mark class="bad" title="{escape(ps[0].message)}">{escape(shown)}</mark>')
            continue
        spans.sort(key=lambda s: s[0])
        pos, parts = 0, []
        for a, b, p in spans:
            if a < pos:
                continue
            parts.append(str(escape(shown[pos:a])))
            parts.append(f'<mark class="bad" title="{escape(p.kind + ": " + p.message)}">{escape(shown[a:b])}</mark>')
            pos = b
        parts.append(str(escape(shown[pos:])))
        out.append("".join(parts))
    return Markup("\n".join(out))


def clean_lang(lang: str | None) -> str:
    return lang if lang in ("ru", "en") else "ru"


