"""The store: tables, versioned migrations and connections.

SQLite by default (WAL, foreign keys, FTS5 over comment text); the tables are SQLAlchemy Core
so a PostgreSQL URL can replace the file later. Raw records and the custody log are
append-only: triggers refuse UPDATE and DELETE on them.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import (
    Boolean, Column, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text,
    TypeDecorator, UniqueConstraint, create_engine, event, text,
)
from sqlalchemy.engine import Connection, Engine

metadata = MetaData()


class Sha256(TypeDecorator):
    """A SHA-256 digest stored as its 32 bytes (half the size of hex in the table and its unique
    index); Core queries read and write it as the usual hex text. The import's hot path binds
    the raw digest straight to the driver."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return bytes.fromhex(value) if isinstance(value, str) else value

    def process_result_value(self, value, dialect):
        return value.hex() if value is not None else None

meta = Table("meta", metadata, Column("key", String, primary_key=True), Column("value", Text))

platform = Table(
    "platform", metadata,
    Column("name", String, primary_key=True),
    Column("title", String, nullable=False),
)

cases = Table(
    "cases", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
    Column("subject", Text, nullable=False),
    Column("aliases", Text, nullable=False, default="[]"),  # JSON list
    Column("tz", String, nullable=False),
    Column("langs", Text, nullable=False),  # JSON list
    Column("created_at", String, nullable=False),
)

import_run = Table(
    "import_run", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("started_at", String, nullable=False),
    Column("finished_at", String),
    Column("importer", String, nullable=False),
    Column("importer_version", String, nullable=False),
    Column("file_path", Text, nullable=False),
    Column("file_sha256", String, nullable=False),
    Column("file_size", Integer, nullable=False),
    Column("captured_at", String),  # file-level capture time
    Column("captured_basis", String),  # export | file-mtime | override | per-record
    Column("os_user", String),
    Column("tool_version", String, nullable=False),
    Column("summary", Text),  # JSON
    Index("ix_import_run_file", "case_id", "file_sha256"),
)

raw_record = Table(
    "raw_record", metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", Sha256, nullable=False, unique=True),
    Column("size", Integer, nullable=False),
    Column("codec", String, nullable=False),  # identity | zlib
    Column("data", LargeBinary, nullable=False),
    Column("import_id", Integer, ForeignKey("import_run.id"), nullable=False),
    Column("where", String, nullable=False),  # locator in the first file it was read from
)

source = Table(
    "source", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String, ForeignKey("platform.name"), nullable=False),
    Column("platform_id", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("handle", String),
    Column("title", Text),
    Column("url", Text),
    UniqueConstraint("platform", "platform_id"),
)

author = Table(
    "author", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String, ForeignKey("platform.name"), nullable=False),
    Column("platform_id", String, nullable=False),
    Column("handle", String),  # the latest seen; each comment keeps the one seen with it
    Column("display_name", Text),
    UniqueConstraint("platform", "platform_id"),
)

post = Table(
    "post", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String, ForeignKey("platform.name"), nullable=False),
    Column("platform_id", String, nullable=False),
    Column("source_id", Integer, ForeignKey("source.id")),
    Column("author_id", Integer, ForeignKey("author.id")),
    Column("url", Text),
    Column("text", Text),
    Column("published_at", String),
    Column("raw_id", Integer, ForeignKey("raw_record.id")),
    Column("first_import_id", Integer, ForeignKey("import_run.id"), nullable=False),
    Column("last_import_id", Integer, ForeignKey("import_run.id"), nullable=False),
    Column("not_seen_since", String),
    Column("copy_of_id", Integer, ForeignKey("post.id")),  # forwarded copy of this post
    Column("copy_of_platform_id", String),
    Column("copy_hint", Text),  # JSON, until the original is found
    UniqueConstraint("platform", "platform_id"),
)

comment = Table(
    "comment", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String, ForeignKey("platform.name"), nullable=False),
    Column("platform_id", String, nullable=False),
    Column("post_id", Integer, ForeignKey("post.id"), nullable=False),
    Column("parent_platform_id", String),
    Column("parent_id", Integer, ForeignKey("comment.id")),
    Column("root_id", Integer, ForeignKey("comment.id")),  # top-level comment of the thread
    Column("author_id", Integer, ForeignKey("author.id")),
    Column("author_handle", String),  # as seen at capture time
    Column("author_name", Text),
    Column("text", Text, nullable=False),
    Column("published_at", String),
    Column("published_approx", Boolean, nullable=False, default=False),
    Column("likes", Integer),
    Column("edited", Boolean, nullable=False, default=False),  # text changed between exports
    Column("raw_id", Integer, ForeignKey("raw_record.id"), nullable=False),
    Column("first_import_id", Integer, ForeignKey("import_run.id"), nullable=False),
    Column("last_import_id", Integer, ForeignKey("import_run.id"), nullable=False),
    Column("not_seen_since", String),
    UniqueConstraint("platform", "platform_id"),
    Index("ix_comment_post", "post_id"),
    # Replies whose parent (or an ancestor) is not in the store yet; partial, so it stays as
    # small as the threads still open, and the import finds them without a table scan.
    Index("ix_comment_orphan", "platform", "parent_platform_id",
          sqlite_where=text("parent_id IS NULL AND parent_platform_id IS NOT NULL"),
          postgresql_where=text("parent_id IS NULL AND parent_platform_id IS NOT NULL")),
    Index("ix_comment_rootless", "id", sqlite_where=text("root_id IS NULL"),
          postgresql_where=text("root_id IS NULL")),
)

observation = Table(
    "observation", metadata,
    Column("id", Integer, primary_key=True),
    Column("entity_type", String, nullable=False),  # source | post | comment
    Column("entity_id", Integer, nullable=False),
    Column("metric", String, nullable=False),
    Column("value", Float, nullable=False),
    Column("observed_at", String, nullable=False),
    Column("basis", String, nullable=False),  # how observed_at is known
    Column("import_id", Integer, ForeignKey("import_run.id"), nullable=False),
    UniqueConstraint("entity_type", "entity_id", "metric", "observed_at"),
)

sighting = Table(
    "sighting", metadata,
    Column("id", Integer, primary_key=True),
    Column("entity_type", String, nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("raw_id", Integer, ForeignKey("raw_record.id"), nullable=False),
    Column("import_id", Integer, ForeignKey("import_run.id"), nullable=False),
    Column("captured_at", String, nullable=False),
    Column("basis", String, nullable=False),
    # Not unique on (entity, raw record, captured_at): a sighting can only repeat one whose raw
    # record was stored before, and the import checks just those (a unique index costs more).
    Index("ix_sighting_entity", "entity_type", "entity_id"),
)

case_post = Table(
    "case_post", metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("post_id", Integer, ForeignKey("post.id"), primary_key=True),
)

custody = Table(
    "custody", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String, nullable=False),
    Column("action", String, nullable=False),
    Column("os_user", String),
    Column("tool_version", String, nullable=False),
    Column("case_id", Integer),
    Column("inputs", Text, nullable=False),  # JSON: hashes in
    Column("outputs", Text, nullable=False),  # JSON: hashes out
    Column("details", Text, nullable=False),  # JSON
    Column("prev_hash", String, nullable=False),
    Column("entry_hash", String, nullable=False),  # sha256 over prev_hash + this entry
)


def _m1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[meta, platform, cases, import_run, raw_record, source, author, post,
                                      comment, observation, sighting, case_post, custody])
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE comment_fts USING fts5(text, content='comment', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')")
        for table in ("raw_record", "custody"):
            for op in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
    from .model import PLATFORMS

    conn.execute(platform.insert(), [{"name": k, "title": v} for k, v in PLATFORMS.items()])


# Versioned migrations: append, never edit a released one.
MIGRATIONS = [(1, "initial schema", _m1)]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def default_home() -> Path:
    return Path(os.environ.get("OTKLIK_HOME") or "otklik-data")


def database_url(home: Path) -> str:
    url = os.environ.get("OTKLIK_DATABASE_URL")
    return url or f"sqlite:///{(home / 'otklik.sqlite').resolve()}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # Pages of 16 KB suit a store that is mostly raw JSON records of one or two kilobytes (about
    # 10% faster imports than 4 KB); SQLite applies this only when it creates the file.
    cur.execute("PRAGMA page_size=16384")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-262144")  # 256 MB page cache
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


@contextmanager
def bulk_write(conn: Connection) -> Iterator[None]:
    """Settings for one large write transaction (an import run), restored afterwards.

    In WAL mode a transaction is written twice, to the WAL and then by the checkpoint into the
    database; for a run that adds a gigabyte that doubles its time. So the run takes the database
    for itself (locking_mode EXCLUSIVE: readers wait until it commits) and uses a rollback
    journal, which does not journal pages appended to the file. It falls back to WAL when another
    connection has the database open. synchronous FULL keeps a rollback journal crash-safe.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection  # below SQLAlchemy: a PRAGMA must not open a transaction
    raw.execute("PRAGMA locking_mode=EXCLUSIVE")
    try:
        raw.execute("PRAGMA journal_mode=TRUNCATE")
    except sqlite3.OperationalError:  # "database is locked": another connection has it open
        raw.execute("PRAGMA locking_mode=NORMAL")
        yield
        return
    raw.execute("PRAGMA synchronous=FULL")
    try:
        yield
    finally:
        raw.execute("PRAGMA locking_mode=NORMAL")
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")


def open_store(home: Path | None = None, url: str | None = None) -> Engine:
    """Open (creating and migrating as needed) the store of a workspace."""
    home = home or default_home()
    if url is None:
        home.mkdir(parents=True, exist_ok=True)
        url = database_url(home)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling begins lazily; take the write lock at BEGIN so an
        # import run is one transaction from its first read.
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    migrate(engine)
    return engine


def ensure_component_schema(engine: Engine, key: str, version: int, component_metadata: MetaData,
                            tables: list | None = None) -> None:
    """Create a component's own tables (analysis, case file, web accounts) once, recording the
    component's schema version under `key` in the meta table, beside the core schema's."""
    with engine.begin() as conn:
        row = conn.execute(text("SELECT value FROM meta WHERE key=:k"), {"k": key}).first()
        if row is None:
            component_metadata.create_all(conn, tables=tables)
            conn.execute(meta.insert().values(key=key, value=str(version)))
        elif int(row[0]) > version:
            raise RuntimeError(f"the store's {key} is {row[0]}, newer than this otklik ({version}); upgrade otklik")


def schema_version(conn: Connection) -> int:
    if not conn.dialect.has_table(conn, "meta"):
        return 0
    row = conn.execute(text("SELECT value FROM meta WHERE key='schema_version'")).first()
    return int(row[0]) if row else 0


def migrate(engine: Engine) -> int:
    with engine.begin() as conn:
        current = schema_version(conn)
        if current > SCHEMA_VERSION:
            raise RuntimeError(f"the store has schema version {current}, newer than this otklik "
                               f"({SCHEMA_VERSION}); upgrade otklik")
        for version, _name, fn in MIGRATIONS:
            if version > current:
                fn(conn)
                conn.execute(text("DELETE FROM meta WHERE key='schema_version'"))
                conn.execute(meta.insert().values(key="schema_version", value=str(version)))
        return SCHEMA_VERSION
