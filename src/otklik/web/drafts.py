"""Report drafts edited in the browser, and their live verification.

The first draft of a language is the Markdown `otklik report` would write (composed from the
digest, rendered, verified). An editor's edits are saved as new versions in `web_report_draft`
(never overwritten) and re-verified with the report verifier on every change: each quote must
still be a verbatim span of its comment, each number a figure of the digest.
"""

from __future__ import annotations

import hashlib

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ..casefile import list_events
from ..cases import get_case
from ..digest import build_digest, digest_quotes
from ..report.service import case_comments, marker, produce
from ..report.verify import REF, Problem, unescape_markdown, verify_report
from ..store import custody, web_report_draft


def _digest(conn: Connection, case_name: str) -> tuple[dict, dict]:
    case = get_case(conn, case_name)
    return case, build_digest(conn, case_name, events=list_events(conn, case["id"]) or None)


def generated(conn: Connection, case_name: str, lang: str) -> str:
    """The verified Markdown report as `otklik report --lang LANG` composes it (raises ReportRejected)."""
    from ..translate import get_translator

    case, digest = _digest(conn, case_name)
    comments = case_comments(conn, case["id"], [q["comment_id"] for q in digest_quotes(digest)])
    data, _ = produce(digest, comments, lang, "md", marker(lang), get_translator("none"))
    return data.decode("utf-8")


def latest(conn: Connection, case_id: int, lang: str) -> dict | None:
    row = conn.execute(select(web_report_draft).where(web_report_draft.c.case_id == case_id, web_report_draft.c.lang == lang)
                       .order_by(web_report_draft.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def save(engine: Engine, case_name: str, lang: str, body: str, user: str) -> dict:
    sha = hashlib.sha256(body.encode("utf-8")).hexdigest()
    with engine.begin() as conn:
        case = get_case(conn, case_name)
        did = conn.execute(web_report_draft.insert().values(case_id=case["id"], lang=lang, text=body, sha256=sha, user=user,
                                                            at=custody.now_utc())).inserted_primary_key[0]
        custody.append(conn, "web-report-draft", actor=user, case_id=case["id"], outputs={"draft": did, "sha256": sha},
                       details={"lang": lang, "bytes": len(body.encode("utf-8"))})
    return {"id": did, "sha256": sha}


def verify(conn: Connection, case_name: str, body: str, lang: str) -> list[Problem]:
    """What `otklik report check` finds in this text (quotes and numbers against the data)."""
    case, digest = _digest(conn, case_name)
    comments = case_comments(conn, case["id"], [m.group(1) for m in REF.finditer(body)])
    return verify_report(body, digest, comments, lang=lang, markdown=True)


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


