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
from . import render_docx, render_html, render_md
from .compose import compose
from .verify import REF, Problem, verify_report

FORMATS = ("md", "html", "docx", "json")


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


def render(report: dict, digest: dict, fmt: str) -> tuple[bytes, str, bool]:
    """(file bytes, the text the verifier reads from them, whether that text is Markdown)."""
    if fmt == "md":
        text = render_md.render(report)
        return text.encode("utf-8"), text, True
    if fmt == "html":
        html = render_html.render(report)
        return html.encode("utf-8"), render_html.html_text(html), False
    if fmt == "docx":
        data = render_docx.render(report)
        return data, render_docx.docx_text(data), False
    if fmt == "json":
        data = json.dumps({"digest": digest, "report": report}, ensure_ascii=False, indent=1).encode("utf-8")
        return data, render_md.render(report), True  # the JSON holds exactly the strings the Markdown shows
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def produce(digest: dict, comments: dict, lang: str, fmt: str, marker=None, translator=None) -> tuple[bytes, dict]:
    """Compose, render and verify in memory; raises ReportRejected. Used by write_report and the benchmark."""
    report = compose(digest, lang, marker, translator)
    data, text, is_md = render(report, digest, fmt)
    problems = verify_report(text, digest, comments, lang=lang, markdown=is_md)
    if problems:
        raise ReportRejected(problems)
    return data, report


def write_report(conn: Connection, case_name: str, lang: str, fmt: str, out_path, translator_name: str = "none",
                 policy=None, events=None, pseudonymiser=None, today=None, actor: str | None = None) -> dict:
    """Build, verify and write the report; returns what was written. Raises ReportRejected
    (nothing written) when any quote or number fails verification. Run inside a transaction:
    the custody entry is appended on `conn`."""
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
    data, report = produce(digest, comments, lang, fmt, marker(lang, policy), translator)

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    tmp.write_bytes(data)
    os.replace(tmp, out)
    sha = hashlib.sha256(data).hexdigest()
    quotes = sum(1 for b in report["blocks"] if b["type"] == "quote")
    try:
        custody.append(conn, "report", actor=actor, case_id=case["id"],
                       inputs={"digest_sha256": digest["provenance"].get("digest_sha256"),
                               "analysis_run": digest["provenance"].get("analysis_run")},
                       outputs={"path": str(out), "sha256": sha, "bytes": len(data)},
                       details={"lang": lang, "format": fmt, "translator": translator_name, "quotes": quotes,
                                "pseudonymised": pseudonymiser is not None})
    except Exception:
        out.unlink(missing_ok=True)  # a report the custody log does not know of must not stay behind
        raise
    return {"path": str(out), "sha256": sha, "bytes": len(data), "lang": lang, "format": fmt,
            "quotes": quotes, "translator": translator_name,
            "digest_sha256": digest["provenance"].get("digest_sha256")}


def check_report(conn: Connection, case_name: str, path, events=None) -> list[Problem]:
    """Re-verify a Markdown report (possibly edited by hand) against the case's current data:
    every quote or number that no longer matches, with its line. Empty = all good."""
    text = Path(path).read_text(encoding="utf-8")
    case = get_case(conn, case_name)
    digest = build_digest(conn, case_name, events=events)
    comments = case_comments(conn, case["id"], [m.group(1) for m in REF.finditer(text)])
    first = next((line for line in text.splitlines() if line.strip()), "")
    lang = "ru" if any("а" <= ch.lower() <= "я" for ch in first) else "en"
    return verify_report(text, digest, comments, lang=lang, markdown=True)
