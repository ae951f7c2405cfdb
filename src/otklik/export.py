"""Export a case's comments as CSV or JSONL, optionally pseudonymised.

CSV cells are neutralised by default: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading apostrophe, so a spreadsheet shows it as text instead of running
it as a formula (`=HYPERLINK(...)`, `@SUM(...)`, `+cmd|...`). The apostrophe is the only change;
`neutralise=False` (`otklik export --no-neutralise`) writes the cells exactly as stored. JSONL is
never changed.

Pseudonyms are HMAC-SHA256 of the platform and account id under a secret key kept in the
workspace (`pseudonym.key`), so the same person gets the same pseudonym in every export and
report of this workspace, and nobody without the key can reverse or recompute it.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import secrets
from pathlib import Path
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.engine import Connection

from .cases import get_case
from .store import author, comment, custody, of_case, post, raw_record

COLUMNS = ["platform", "platform_id", "post_platform_id", "parent_platform_id", "published_at",
           "published_approx", "author", "author_id", "text", "likes", "not_seen_since", "edited",
           "raw_sha256"]


# Added by the analysis; names fixed so other tools can rely on them.
ANALYSIS_COLUMNS = ["lang", "stance", "stance_confidence", "theme", "theme_label", "coordinated"]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """A text that a spreadsheet would read as a formula, with an apostrophe in front; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Pseudonymiser:
    def __init__(self, home: Path):
        keyfile = home / "pseudonym.key"
        if not keyfile.exists():
            keyfile.write_text(secrets.token_hex(32))
            keyfile.chmod(0o600)
        self.key = bytes.fromhex(keyfile.read_text().strip())

    def name(self, platform: str, account_id: str | None) -> str | None:
        if account_id is None:
            return None
        digest = hmac.new(self.key, f"{platform}:{account_id}".encode(), hashlib.sha256).hexdigest()
        return f"user_{digest[:10]}"

    def text(self, text: str, handles: dict[str, str]) -> str:
        """Replace @mentions of known handles with their pseudonyms."""
        if not handles or "@" not in text:
            return text
        return re.sub(r"@([\w.]+)", lambda m: "@" + handles[m.group(1).lower()]
                      if m.group(1).lower() in handles else m.group(0), text)


def iter_rows(conn: Connection, case_id: int, pseudo: Pseudonymiser | None = None,
              extra: dict[int, dict] | None = None) -> Iterator[dict]:
    """Comment rows of a case in thread order. `extra` adds columns per comment id (analysis)."""
    parent = comment.alias("parent")
    q = (select(comment.c.id, comment.c.platform, comment.c.platform_id, post.c.platform_id.label("post_pid"),
                parent.c.platform_id.label("parent_pid"), comment.c.parent_platform_id, comment.c.published_at,
                comment.c.published_approx, comment.c.author_handle, author.c.platform_id.label("author_pid"),
                comment.c.text, comment.c.likes, comment.c.not_seen_since, comment.c.edited,
                raw_record.c.sha256)
         .select_from(comment.join(post, post.c.id == comment.c.post_id)
                      .outerjoin(parent, parent.c.id == comment.c.parent_id)
                      .outerjoin(author, author.c.id == comment.c.author_id)
                      .join(raw_record, raw_record.c.id == comment.c.raw_id))
         .where(of_case(case_id))
         .order_by(comment.c.post_id, comment.c.root_id, comment.c.published_at, comment.c.id))
    handles = {}
    if pseudo:
        for plat, pid, h in conn.execute(select(author.c.platform, author.c.platform_id, author.c.handle).where(
                author.c.id.in_(select(comment.c.author_id).where(of_case(case_id))))):
            if h:
                handles[h.lower().lstrip("@")] = pseudo.name(plat, pid)
    for r in conn.execute(q).mappings():
        row = {
            "platform": r["platform"], "platform_id": r["platform_id"], "post_platform_id": r["post_pid"],
            "parent_platform_id": r["parent_pid"] or r["parent_platform_id"], "published_at": r["published_at"],
            "published_approx": bool(r["published_approx"]), "author": r["author_handle"],
            "author_id": r["author_pid"], "text": r["text"], "likes": r["likes"],
            "not_seen_since": r["not_seen_since"], "edited": bool(r["edited"]), "raw_sha256": r["sha256"]}
        if pseudo:
            row["author"] = row["author_id"] = pseudo.name(r["platform"], r["author_pid"])
            row["text"] = pseudo.text(r["text"], handles)
        if extra:
            row.update(extra.get(r["id"], {}))
        yield row


def export_case(conn: Connection, home: Path, case_name: str, fmt: str, out: io.TextIOBase,
                pseudonymise: bool = False, extra: dict[int, dict] | None = None,
                columns: list[str] | None = None, actor: str | None = None, neutralise: bool = True) -> dict:
    """Write the case's comments to `out`; return {rows, sha256}. Logged in the custody log as `actor`'s.
    `neutralise`: CSV cells that would start a formula get a leading apostrophe (see the module)."""
    c = get_case(conn, case_name)
    pseudo = Pseudonymiser(home) if pseudonymise else None
    cols = COLUMNS + (columns or [])
    h = hashlib.sha256()
    n = 0
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore") if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for row in iter_rows(conn, c["id"], pseudo, extra):
        if writer:
            writer.writerow({k: neutralise_cell(v) for k, v in row.items()} if neutralise else row)
        else:
            buf.write(json.dumps({k: row.get(k) for k in cols}, ensure_ascii=False) + "\n")
        n += 1
        if buf.tell() > 1 << 20:
            chunk = buf.getvalue()
            out.write(chunk)
            h.update(chunk.encode("utf-8"))
            buf.seek(0)
            buf.truncate()
    chunk = buf.getvalue()
    out.write(chunk)
    h.update(chunk.encode("utf-8"))
    digest = h.hexdigest()
    custody.append(conn, "export", actor=actor, case_id=c["id"], outputs={"sha256": digest, "rows": n},
                   details={"format": fmt, "pseudonymised": pseudonymise} | (
                       {"formulas_neutralised": neutralise} if fmt == "csv" else {}))
    return {"rows": n, "sha256": digest, "pseudonymised": pseudonymise}
