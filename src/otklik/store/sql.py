"""SQL shared by every module that reads or writes the store: the comments of a case, IN lists
cut to the size SQLite binds, JSON fields and full-text search on either database."""

from __future__ import annotations

from operator import itemgetter
from typing import Iterable, Iterator, Sequence

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from .schema import author, case_post, comment, pg_comment_words, post, source  # noqa: F401 (pg_comment_words: search's half of the index)

IN_CHUNK = 900  # ids per `IN (...)`: SQLite binds at most 999 parameters per statement by default


def case_data_stamp(conn: Connection, case_id: int) -> tuple:
    """Changes whenever the case's comments or their analysis may have changed: its imports, its
    latest finished analysis run (annotations are written only by runs) and its number of comments.
    Cheap (indexed lookups), so caches of derived data (the web's facets, the review state) can
    check it on every request."""
    imports = tuple(conn.execute(text("SELECT count(*), max(id) FROM import_run WHERE case_id = :c"),
                                 {"c": case_id}).one())
    run = conn.execute(text("SELECT max(id) FROM analysis_run WHERE case_id = :c AND finished_at IS NOT NULL"),
                       {"c": case_id}).scalar()
    n = conn.execute(text(f"SELECT count(*) FROM comment c WHERE {in_case('c', 'c')}"), {"c": case_id}).scalar()
    return (*imports, run, n)


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


# ---------------------------------------------------------------- bulk writes


def _target(conn: Connection, table, cols: list[str]) -> str:
    """`table (col, ...)`, quoted for the dialect ("where" and "offset" are keywords)."""
    prep = conn.dialect.identifier_preparer
    return f"{prep.format_table(table)} ({', '.join(prep.quote(c) for c in cols)})"


def insert_sql(conn: Connection, table, cols: Iterable[str], ignore_conflicts: bool = False) -> str:
    """INSERT of one row into `table` with a driver placeholder per column."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cols = list(cols)
    sql = f"INSERT INTO {_target(conn, table, cols)} VALUES ({', '.join([mark] * len(cols))})"
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"  # SQLite and PostgreSQL alike
    return sql


def copy_sql(conn: Connection, table, cols: Iterable[str]) -> str:
    """PostgreSQL's COPY of rows with these columns into `table`."""
    return f"COPY {_target(conn, table, list(cols))} FROM STDIN"


def bulk_insert(conn: Connection, table, rows: list[dict], ignore_conflicts: bool = False) -> int:
    """executemany straight on the driver: SQLAlchemy's per-row parameter processing costs more
    than SQLite's own work on this path. All rows have the keys of the first. Returns rows added."""
    if not rows:
        return 0
    cols = list(rows[0])
    get = itemgetter(*cols)
    params = [get(r) for r in rows] if len(cols) > 1 else [(get(r),) for r in rows]
    return conn.exec_driver_sql(insert_sql(conn, table, cols, ignore_conflicts), params).rowcount


def page_comments(conn: Connection, ids: Sequence[int]) -> set[int]:
    """Those of `ids` the page or channel itself wrote (its author is the post's author, or the
    post's source by platform id or handle): they answer commenters, they are not the reaction."""
    out: set[int] = set()
    for part in chunked(list(ids)):
        out |= {r[0] for r in conn.execute(
            select(comment.c.id).select_from(comment.join(post, post.c.id == comment.c.post_id)
                                             .outerjoin(source, source.c.id == post.c.source_id)
                                             .outerjoin(author, author.c.id == comment.c.author_id))
            .where(comment.c.id.in_(part),
                   (comment.c.author_id == post.c.author_id)
                   | ((author.c.platform == source.c.platform) & (author.c.platform_id == source.c.platform_id))
                   | (func.lower(comment.c.author_handle) == func.lower(source.c.handle))))}
    return out
