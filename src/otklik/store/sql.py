"""SQL shared by every module that reads or writes the store: the comments of a case, IN lists
cut to the size SQLite binds, JSON fields and full-text search on either database."""

from __future__ import annotations

from typing import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from .schema import case_post, comment, pg_comment_words  # noqa: F401 (search's half of the index)

IN_CHUNK = 900  # ids per `IN (...)`: SQLite binds at most 999 parameters per statement by default


def chunked(ids: Sequence, size: int = IN_CHUNK) -> Iterator[Sequence]:
    """`ids` in slices small enough for one `IN (...)`."""
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def in_case(alias: str = "c", param: str = "cid") -> str:
    """SQL text: the comment `alias` belongs to the case bound as `:param` (through its post)."""
    return f"{alias}.post_id IN (SELECT post_id FROM case_post WHERE case_id = :{param})"


def of_case(case_id: int) -> ColumnElement[bool]:
    """Core clause: a `comment` row belongs to the case (through its post)."""
    return comment.c.post_id.in_(select(case_post.c.post_id).where(case_post.c.case_id == case_id))


def json_field(conn: Connection, expr: str, key: str) -> str:
    """SQL for one top-level field of a JSON text column, read by the database itself: SQLite's
    json_extract, PostgreSQL's jsonb (either gives numbers, text and booleans as such)."""
    if conn.dialect.name == "postgresql":
        return f"(({expr})::jsonb -> '{key}')"
    return f"json_extract({expr}, '$.{key}')"


def pg_search_query(param: str = ":q") -> str:
    """PostgreSQL's query for what a user typed, matched against `pg_comment_words`: web-search
    syntax (words, "a phrase", or, -word), ё read as е."""
    return f"websearch_to_tsquery('simple', translate({param}, 'ёЁ', 'еЕ'))"
