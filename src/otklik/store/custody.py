"""The chain-of-custody log: an append-only, hash-chained record of every action on the data.

Each entry stores the SHA-256 of the previous entry's hash plus its own content, so removing
or editing an entry (which the store's triggers refuse anyway) breaks the chain visibly.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from .. import __version__
from .schema import custody as log

GENESIS = "0" * 64


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some containers)
        return "unknown"


def _entry_hash(prev: str, row: dict) -> str:
    body = json.dumps({k: row[k] for k in ("at", "action", "os_user", "tool_version", "case_id",
                                            "inputs", "outputs", "details")},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


def append(conn: Connection, action: str, *, actor: str | None, case_id: int | None = None, inputs: dict | None = None,
           outputs: dict | None = None, details: dict | None = None) -> str:
    """Add one entry in the caller's transaction; returns its hash. `actor` is who acted: the
    web's signed-in user, or None for the operating-system user running the command. Services
    take it from their caller, so the interface that knows the person never writes entries."""
    last = conn.execute(select(log.c.entry_hash).order_by(log.c.id.desc()).limit(1)).scalar()
    prev = last or GENESIS
    row = {
        "at": now_utc(), "action": action, "os_user": actor or os_user(), "tool_version": __version__,
        "case_id": case_id,
        "inputs": json.dumps(inputs or {}, sort_keys=True, ensure_ascii=False),
        "outputs": json.dumps(outputs or {}, sort_keys=True, ensure_ascii=False),
        "details": json.dumps(details or {}, sort_keys=True, ensure_ascii=False),
    }
    row["prev_hash"] = prev
    row["entry_hash"] = _entry_hash(prev, row)
    conn.execute(log.insert().values(**row))
    return row["entry_hash"]


def verify_chain(conn: Connection) -> list[str]:
    """Problems found in the log (empty when every link holds)."""
    problems = []
    prev = GENESIS
    for row in conn.execute(select(log).order_by(log.c.id)).mappings():
        if row["prev_hash"] != prev:
            problems.append(f"custody entry {row['id']}: previous-hash link broken")
        if _entry_hash(row["prev_hash"], dict(row)) != row["entry_hash"]:
            problems.append(f"custody entry {row['id']} ({row['action']}): content does not match its hash")
        prev = row["entry_hash"]
    return problems


# ---------------------------------------------------------------- the head, kept elsewhere

def head(conn: Connection) -> dict | None:
    """The last entry of the log, as an anchor to keep outside the store: its id, hash, time and
    action, and how many entries the log held then."""
    row = conn.execute(select(log.c.id, log.c.entry_hash, log.c.at, log.c.action)
                       .order_by(log.c.id.desc()).limit(1)).mappings().first()
    if row is None:
        return None
    n = conn.execute(select(func.count()).select_from(log)).scalar()
    return {"anchor": "otklik custody head", "entry_id": row["id"], "entry_hash": row["entry_hash"],
            "at": row["at"], "action": row["action"], "entries": n}


def anchor_problems(conn: Connection, anchor: dict) -> list[str]:
    """Problems of the log against an anchor written earlier by `head`: the anchored entry must
    still be there unchanged (the chain check then holds every entry after it to it)."""
    try:
        eid, want = int(anchor["entry_id"]), str(anchor["entry_hash"])
    except (KeyError, TypeError, ValueError):
        return ["the anchor file is not an otklik custody head (no entry_id and entry_hash)"]
    got = conn.execute(select(log.c.entry_hash).where(log.c.id == eid)).scalar()
    if got is None:
        last = conn.execute(select(func.max(log.c.id))).scalar() or 0
        return [f"custody entry {eid} of the anchor is missing: the log ends at entry {last} "
                f"(entries were removed from its end)"]
    if got != want:
        return [f"custody entry {eid} differs from the anchor (hash {got[:12]}..., anchored {want[:12]}...): "
                "the log was rewritten from there on"]
    return []
