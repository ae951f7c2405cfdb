"""Threads and forwarded copies, resolved at the end of an import run: reply parents and thread
roots the write pass could not give, and forwarded copies pointed at their originals."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection

from ..store import case_post, comment, post, source
from ..store.sql import bulk_insert


def link_threads(conn: Connection) -> None:
    """Reply parents and thread roots the write pass could not give: a reply read before its
    parent, or a reply stored earlier whose parent came now. The partial indexes
    ix_comment_orphan and ix_comment_rootless hold just these rows."""
    conn.execute(text(
        "UPDATE comment SET parent_id = (SELECT p.id FROM comment p WHERE p.platform=comment.platform "
        "AND p.platform_id=comment.parent_platform_id) "
        "WHERE parent_id IS NULL AND parent_platform_id IS NOT NULL"))
    conn.execute(text("UPDATE comment SET root_id = id WHERE root_id IS NULL AND parent_platform_id IS NULL"))
    for _ in range(1000):  # one step of thread depth per pass
        n = conn.execute(text(
            "UPDATE comment SET root_id = (SELECT p.root_id FROM comment p WHERE p.id=comment.parent_id) "
            "WHERE root_id IS NULL AND parent_id IS NOT NULL AND "
            "(SELECT p.root_id FROM comment p WHERE p.id=comment.parent_id) IS NOT NULL")).rowcount
        if not n:
            break


def resolve_copies(conn: Connection, case_id: int) -> None:
    """Point forwarded copies at their originals and move the copies' comments there."""
    pending = conn.execute(select(post.c.id, post.c.platform, post.c.copy_of_platform_id, post.c.copy_hint)
                           .where(post.c.copy_of_id.is_(None),
                                  (post.c.copy_of_platform_id.is_not(None)) | (post.c.copy_hint.is_not(None))))
    for pid, plat, copy_of, hint in pending.all():
        orig = None
        if copy_of:
            orig = conn.execute(select(post.c.id).where(post.c.platform == plat,
                                                        post.c.platform_id == copy_of)).scalar()
        if orig is None and hint:
            orig = _match_hint(conn, plat, pid, json.loads(hint))
        if orig is None or orig == pid:
            continue
        conn.execute(update(post).where(post.c.id == pid).values(copy_of_id=orig))
        conn.execute(update(comment).where(comment.c.post_id == pid).values(post_id=orig))
        cases = {r[0] for r in conn.execute(select(case_post.c.case_id).where(case_post.c.post_id == pid))}
        cases.add(case_id)
        bulk_insert(conn, case_post, [{"case_id": c, "post_id": orig} for c in sorted(cases)], ignore_conflicts=True)


def _norm_ws(s: str | None) -> str:
    return " ".join((s or "").split())


def _match_hint(conn: Connection, plat: str, pid: int, hint: dict) -> int | None:
    """Find the original of a forwarded copy: same platform, source named as in the hint, same
    text, published within ten minutes before the copy. Unique match only."""
    q = select(post.c.id, post.c.text, post.c.published_at).join(source, source.c.id == post.c.source_id).where(
        post.c.platform == plat, post.c.id != pid, post.c.copy_hint.is_(None), post.c.copy_of_platform_id.is_(None))
    if hint.get("source_id"):
        q = q.where((source.c.platform_id == str(hint["source_id"])) | (source.c.title == hint.get("source_title")))
    elif hint.get("source_title"):
        q = q.where(source.c.title == hint["source_title"])
    else:
        return None
    want_text = _norm_ws(hint.get("text"))
    t = hint.get("published_at")
    cands = []
    for oid, otext, opub in conn.execute(q):
        if _norm_ws(otext) != want_text:
            continue
        if t and opub:
            dt = (datetime.fromisoformat(t.replace("Z", "+00:00")) - datetime.fromisoformat(opub.replace("Z", "+00:00"))).total_seconds()
            if not -60 <= dt <= 600:
                continue
        cands.append(oid)
    return cands[0] if len(cands) == 1 else None
