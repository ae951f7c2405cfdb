"""Engines of a workspace's store: the writer (`open_store`: pragmas, BEGIN IMMEDIATE, migrated)
and the web's read-only reader (`read_engine`), on SQLite by default or PostgreSQL
(OTKLIK_DATABASE_URL); `bulk_write` for one large write transaction."""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from .errors import StoreBusy
from .schema import migrate


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
    connection has the database open, as a running `otklik serve` always has (`read_engine`), so
    its pages are read from a snapshot meanwhile. synchronous FULL keeps a rollback journal crash-safe.

    Foreign keys are not enforced during the run: the import writes only ids it allocated or
    looked up itself, and enforcing them costs a B-tree probe per reference (eight per comment,
    about a tenth of the run). `otklik verify` checks every reference in the store.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection  # below SQLAlchemy: a PRAGMA must not open a transaction
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
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
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


@contextmanager
def write_now(engine: Engine, wait_ms: int = 200) -> Iterator[Connection]:
    """A write transaction on a store engine if its write lock can be had within `wait_ms`;
    StoreBusy otherwise (an import or analysis is writing), so that work a page read would only
    like to do (a derived table's rebuild) can be put off instead of making the page wait."""
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
        if raw is not None:
            usual = raw.execute("PRAGMA busy_timeout").fetchone()[0]
            raw.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
        try:
            tx = conn.begin()  # BEGIN IMMEDIATE: takes the write lock or waits for it
        except OperationalError as e:
            if "locked" not in str(e).lower() and "busy" not in str(e).lower():
                raise
            raise StoreBusy(str(e.orig)) from e
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA busy_timeout={int(usual)}")
        with tx:
            yield conn


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


def read_engine(home: Path) -> Engine:
    """An engine for the web's reads. The store's own engine begins every transaction with
    BEGIN IMMEDIATE (an import or analysis is one write transaction from its first read), so a
    page read through it would wait for a running analysis. These connections are query-only
    and begin deferred: in WAL mode they read a consistent snapshot while a writer works."""
    eng = create_engine(database_url(home))
    if eng.dialect.name == "sqlite":
        @event.listens_for(eng, "connect")
        def _connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            for pragma in ("query_only=1", "cache_size=-131072", "temp_store=MEMORY", "busy_timeout=5000"):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(eng, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN")

        # An import takes the store for itself (`bulk_write`) only when no other connection has
        # it open: one connection, open (and past its first read) for the engine's life, keeps
        # an import from ever locking these readers out, even before the first page is read.
        eng.held = sqlite3.connect(eng.url.database, check_same_thread=False)
        eng.held.execute("SELECT count(*) FROM sqlite_master").fetchall()
    return eng
