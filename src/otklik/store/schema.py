"""The store's schema: every table and the one list of versioned migrations.

SQLite by default (WAL, foreign keys, FTS5 over comment text); the tables are SQLAlchemy Core
so a PostgreSQL URL can replace the file. Raw records and the custody log are append-only:
triggers refuse UPDATE and DELETE on them.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text,
    TypeDecorator, UniqueConstraint, exc, text,
)
from sqlalchemy.engine import Connection, Engine

from ..model import PLATFORMS
from .codec import CHUNK_CODEC, CHUNK_RECORDS, decode, pack

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

# Raw records, exactly as read. The bytes of a batch of records from one file are stored
# together, compressed, as one chunk; each record is a span of its chunk with its own SHA-256.
# (One compressed chunk per 2,000 records costs a tenth of the space and of the write time of a
# blob per record.) Records are not de-duplicated by hash: the same bytes read again, from
# another line or another file, are another record at another place, as they were read.
raw_chunk = Table(
    "raw_chunk", metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", Integer, ForeignKey("import_run.id"), nullable=False),
    Column("codec", String, nullable=False),  # lz4 (see codec.CHUNK_CODEC)
    Column("size", Integer, nullable=False),  # bytes of the records, decoded
    Column("data", LargeBinary, nullable=False),
)
raw_record = Table(
    "raw_record", metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", Sha256, nullable=False),
    Column("size", Integer, nullable=False),
    Column("chunk_id", Integer, ForeignKey("raw_chunk.id"), nullable=False),
    Column("offset", Integer, nullable=False),  # in the decoded chunk
    Column("import_id", Integer, ForeignKey("import_run.id"), nullable=False),
    Column("where", String, nullable=False),  # locator in the file it was read from
    Column("captured_at", String, nullable=False),  # when these bytes were captured
    Column("basis", String, nullable=False),  # how captured_at is known: export | export-file | file-mtime | override
)
# Schema 1 kept each record's bytes in its own row, unique by hash (migration 2 converts).
_v1 = MetaData()
_raw_record_v1 = Table(
    "raw_record", _v1,
    Column("id", Integer, primary_key=True),
    Column("sha256", Sha256, nullable=False, unique=True),
    Column("size", Integer, nullable=False),
    Column("codec", String, nullable=False),  # identity | zlib
    Column("data", LargeBinary, nullable=False),
    Column("import_id", Integer, nullable=False),
    Column("where", String, nullable=False),
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

# A sighting: a record seen in a raw record at a capture time. A comment's first sighting is
# its own raw record (comment.raw_id, with the raw record's captured_at), which is not repeated
# here: the table holds a comment's later sightings, and every sighting of posts and sources.
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


# ---------------------------------------------------------------- the case file and the web
# (created by migration 5; the analysis' own tables are still in analysis/pipeline.py)

event = Table(
    "event", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("date", String, nullable=False),  # ISO YYYY-MM-DD; first day of the month/year when less precise
    Column("date_precision", String, nullable=False),  # day | month | year
    Column("text_ru", Text), Column("text_en", Text),
    Column("deadline", Boolean, nullable=False, default=False),
    Column("source_url", Text),
    Column("added_by", String), Column("added_at", String, nullable=False),
    Column("origin", String, nullable=False),  # manual | extracted
)

web_user = Table(
    "web_user", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
    Column("role", String, nullable=False),
    Column("password_hash", String, nullable=False),
    Column("created_at", String, nullable=False),
    Column("disabled", Integer, nullable=False, default=0))
web_session = Table(
    "web_session", metadata,
    Column("token_sha256", String, primary_key=True),
    Column("user_id", Integer, nullable=False),
    Column("csrf", String, nullable=False),
    Column("created_at", String, nullable=False),
    Column("expires_at", String, nullable=False))
web_report_draft = Table(
    "web_report_draft", metadata,
    Column("id", Integer, primary_key=True), Column("case_id", Integer, nullable=False),
    Column("lang", String, nullable=False), Column("text", Text, nullable=False),
    Column("sha256", String, nullable=False), Column("user", String, nullable=False), Column("at", String, nullable=False))

# The web's comments table reads one row per comment of a case with the columns it filters and
# orders by (derived data, see web/queries.py). One index per filter, each ending in the thread
# order, so a filtered page is an index range.
_THREAD = ("thread_at", "root_id", "published_at", "comment_id")
web_comment_facet = Table(
    "web_comment_facet", metadata,
    Column("case_id", Integer, primary_key=True), Column("comment_id", Integer, primary_key=True),
    Column("thread_at", Text, nullable=False), Column("root_id", Integer, nullable=False),
    Column("published_at", Text, nullable=False), Column("is_reply", Integer, nullable=False),
    Column("author", Text), Column("lang", Text), Column("stance", Text), Column("theme", Text),
    Column("coordinated", Integer, nullable=False, server_default=text("0")),
    Column("author_name", Text),  # the display name, for the author filter's "starts with" (migration 7)
    Index("ix_wf_thread", "case_id", *_THREAD),
    Index("ix_wf_time", "case_id", "published_at", "comment_id"),
    *(Index(f"ix_wf_{name}", "case_id", col, *_THREAD)
      for name, col in (("stance", "stance"), ("lang", "lang"), ("theme", "theme"), ("author", "author"))),
    Index("ix_wf_coord", "case_id", *_THREAD, sqlite_where=text("coordinated = 1"),
          postgresql_where=text("coordinated = 1")),
    Index("ix_wf_author_name", "case_id", "author_name"),
    sqlite_with_rowid=False,
)
web_facet_state = Table(
    "web_facet_state", metadata,
    Column("case_id", Integer, primary_key=True, autoincrement=False), Column("stamp", Text, nullable=False))
# The analysis: its runs, one annotation per comment and stage, one result per case and stage,
# and the editor's decisions (labels, theme decisions, the review queue's draws).
analysis_run = Table(
    "analysis_run", metadata,
    Column("id", Integer, primary_key=True), Column("case_id", Integer, nullable=False),
    Column("started_at", String, nullable=False), Column("finished_at", String),
    Column("code_version", String, nullable=False), Column("config", Text, nullable=False),
    Column("summary", Text))
annotation = Table(
    "annotation", metadata,
    Column("comment_id", Integer, primary_key=True), Column("stage", String, primary_key=True),
    Column("value", Text, nullable=False),  # JSON
    Column("backend", String, nullable=False), Column("version", String, nullable=False),
    Column("params", Text, nullable=False), Column("input_hash", String, nullable=False),
    Column("run_id", Integer, nullable=False))
case_result = Table(
    "case_result", metadata,
    Column("case_id", Integer, primary_key=True), Column("stage", String, primary_key=True),
    Column("payload", Text, nullable=False), Column("backend", String, nullable=False),
    Column("version", String, nullable=False), Column("params", Text, nullable=False),
    Column("input_hash", String, nullable=False), Column("run_id", Integer, nullable=False))
editor_label = Table(
    "editor_label", metadata,
    Column("id", Integer, primary_key=True), Column("case_id", Integer, nullable=False),
    Column("comment_id", Integer, nullable=False), Column("field", String, nullable=False),
    Column("value", Text, nullable=False), Column("user", String), Column("at", String, nullable=False),
    UniqueConstraint("case_id", "comment_id", "field"))
theme_decision = Table(
    "theme_decision", metadata,
    Column("id", Integer, primary_key=True), Column("case_id", Integer, nullable=False),
    Column("kind", String, nullable=False),  # rename | merge | move | pin | reject
    Column("payload", Text, nullable=False), Column("user", String), Column("at", String, nullable=False))
review_draw = Table(
    "review_draw", metadata,
    Column("id", Integer, primary_key=True), Column("case_id", Integer, nullable=False),
    Column("step", Integer, nullable=False), Column("unit", String, nullable=False),  # the author's identity
    Column("comment_ids", Text, nullable=False),  # JSON: the unit's comments when drawn
    Column("q", Float, nullable=False),
    Column("f_unit", Text, nullable=False), Column("f_sum", Text, nullable=False),  # JSON (8,) before the answer
    Column("n_comments", Integer, nullable=False), Column("n_authors", Integer, nullable=False),
    Column("status", String, nullable=False),  # pending | done | skipped
    Column("backend", String, nullable=False), Column("at", String, nullable=False))
ANALYSIS_TABLES = [analysis_run, annotation, case_result, editor_label, theme_decision, review_draw]


COMPONENT_TABLES = [event, web_user, web_session, web_report_draft, web_comment_facet, web_facet_state]


APPEND_ONLY = ("raw_record", "raw_chunk", "custody")  # the tables whose rows never change


def append_only_triggers(dialect: str, table: str) -> dict[str, str]:
    """The triggers that keep `table` append-only, by name: their SQL as created (what `otklik
    verify` expects to find)."""
    if dialect == "postgresql":
        return {f"{table}_append_only": f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
                                        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION otklik_append_only()"}
    if dialect != "sqlite":
        return {}
    return {f"{table}_no_{op.lower()}": f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                                        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            for op in ("UPDATE", "DELETE")}


def _append_only(conn: Connection, *tables: str) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION otklik_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME; END $$")  # (%% for the driver)
    for table in tables:
        for sql in append_only_triggers(conn.dialect.name, table).values():
            conn.exec_driver_sql(sql)


def _m1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[meta, platform, cases, import_run])
    _v1.create_all(conn)
    metadata.create_all(conn, tables=[source, author, post, comment, observation, sighting, case_post, custody])
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE comment_fts USING fts5(text, content='comment', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')")
    _append_only(conn, "raw_record", "custody")
    conn.execute(platform.insert(), [{"name": k, "title": v} for k, v in PLATFORMS.items()])


def _m2(conn: Connection) -> None:
    """Raw records move into compressed chunks and lose the unique index on their hash. Every
    record keeps its id, bytes, hash and locator, and gains its capture time (its first
    sighting's), which also stands for each comment's first sighting."""

    sqlite = conn.dialect.name == "sqlite"
    metadata.create_all(conn, tables=[raw_chunk])
    if sqlite:
        for op in ("update", "delete"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS raw_record_no_{op}")
        # keep the other tables' REFERENCES raw_record as they are (migrate() has foreign keys off)
        conn.exec_driver_sql("PRAGMA legacy_alter_table=ON")
    conn.exec_driver_sql("ALTER TABLE raw_record RENAME TO raw_record_v1")
    if sqlite:
        conn.exec_driver_sql("PRAGMA legacy_alter_table=OFF")
    metadata.create_all(conn, tables=[raw_record])
    captured = {}
    for rid, at, basis in conn.exec_driver_sql(
            "SELECT raw_id, captured_at, basis FROM sighting ORDER BY captured_at DESC, id DESC"):
        captured[rid] = (at, basis)  # the earliest wins
    for rid, at, basis in conn.exec_driver_sql(
            "SELECT r.id, i.captured_at, i.captured_basis FROM raw_record_v1 r JOIN import_run i ON i.id = r.import_id"):
        captured.setdefault(rid, (at or "unknown", basis or "unknown"))
    conn.exec_driver_sql(
        "DELETE FROM sighting WHERE id IN (SELECT min(s.id) FROM sighting s JOIN comment c ON c.id = s.entity_id "
        "AND s.entity_type = 'comment' AND s.raw_id = c.raw_id GROUP BY c.id)")
    chunk_id, part = 0, []

    def flush():
        nonlocal chunk_id
        if not part:
            return
        chunk_id += 1
        data, size = pack([d for _, _, d, _, _ in part])
        conn.execute(raw_chunk.insert().values(id=chunk_id, import_id=part[0][1], codec=CHUNK_CODEC, size=size, data=data))
        rows, off = [], 0
        for rid, imp, d, sha, where in part:
            rows.append({"id": rid, "sha256": sha, "size": len(d), "chunk_id": chunk_id, "offset": off,
                         "import_id": imp, "where": where, "captured_at": captured[rid][0],
                         "basis": captured[rid][1]})
            off += len(d)
        conn.execute(raw_record.insert(), rows)
        part.clear()

    # streamed, a chunk's worth at a time: a schema-1 store of a million comments holds 1.2 GB of blobs
    old = conn.exec_driver_sql('SELECT id, import_id, codec, data, sha256, "where" FROM raw_record_v1 ORDER BY id')
    for rid, imp, codec, data, sha, where in old:
        if part and (imp != part[-1][1] or len(part) >= CHUNK_RECORDS):
            flush()
        part.append((rid, imp, decode(codec, data), sha, where))
    flush()
    if sqlite:
        conn.exec_driver_sql("DROP TABLE raw_record_v1")
    else:  # PostgreSQL moved the references along with the rename: point them at the new table
        conn.exec_driver_sql("DROP TABLE raw_record_v1 CASCADE")
        for table, col in (("post", "raw_id"), ("comment", "raw_id"), ("sighting", "raw_id")):
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD FOREIGN KEY ({col}) REFERENCES raw_record (id)")
    _append_only(conn, "raw_record", "raw_chunk")


def pg_comment_words(column: str = "text") -> str:
    """PostgreSQL's full-text words of a comment (SQLite has the FTS5 table comment_fts): as
    written, lower-cased, ё read as е (as `cases.fts_query` does for SQLite). Search must use
    this very expression for the index of migration 3 to serve it."""
    return f"to_tsvector('simple', translate({column}, 'ёЁ', 'еЕ'))"


def _m3(conn: Connection) -> None:
    """PostgreSQL gets an index for full-text search; SQLite has had comment_fts since 1."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"CREATE INDEX ix_comment_text_search ON comment USING gin ({pg_comment_words()})")


FTS_HASHSIZE = 16 * 1024 * 1024


def _m4(conn: Connection) -> None:
    """SQLite's search index gathers up to 16 MB of new terms in memory before it writes them out
    (FTS5's `hashsize`; 1 MB by default): fewer, larger segments, so less merging. The index
    phase of an import is 8-14% shorter; searches read the same or fewer segments. An SQLite
    without the option refuses it (only this statement fails) and imports as before."""
    if conn.dialect.name == "sqlite":
        try:
            conn.exec_driver_sql(f"INSERT INTO comment_fts(comment_fts, rank) VALUES('hashsize', {FTS_HASHSIZE})")
        except exc.OperationalError:
            pass


def _m5(conn: Connection) -> None:
    """The case file's events and the web's accounts, sessions, report drafts and comment facets,
    which their modules used to create on first use (each under its own key in `meta`): now in
    the one migration list. A store that has them already keeps them as they are."""
    metadata.create_all(conn, tables=COMPONENT_TABLES, checkfirst=True)


def _m6(conn: Connection) -> None:
    """The analysis' tables, which analysis/pipeline.py and analysis/review.py used to create on
    first use (under their own keys in `meta`): now in the one migration list. A store that has
    them already keeps them as they are."""
    metadata.create_all(conn, tables=ANALYSIS_TABLES, checkfirst=True)


def _m7(conn: Connection) -> None:
    """The display name in the web's comment facets, indexed: the author filter matched it by
    scanning every comment of the case (p95 354 ms at 1M comments). The web rebuilds its facets
    when their version changes (web/queries.FACET_VERSION), which fills the column."""
    from sqlalchemy import inspect

    if "author_name" not in {c["name"] for c in inspect(conn).get_columns("web_comment_facet")}:
        conn.execute(text("ALTER TABLE web_comment_facet ADD COLUMN author_name TEXT"))
    next(i for i in web_comment_facet.indexes if i.name == "ix_wf_author_name").create(conn, checkfirst=True)


# Versioned migrations: append, never edit a released one.
MIGRATIONS = [(1, "initial schema", _m1), (2, "raw records in compressed chunks", _m2),
              (3, "full-text search index on PostgreSQL", _m3), (4, "larger write buffer of the search index", _m4),
              (5, "case file and web tables", _m5), (6, "analysis tables", _m6),
              (7, "display names in the web's comment facets", _m7)]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def schema_version(conn: Connection) -> int:
    if not conn.dialect.has_table(conn, "meta"):
        return 0
    row = conn.execute(text("SELECT value FROM meta WHERE key='schema_version'")).first()
    return int(row[0]) if row else 0


def migrate(engine: Engine) -> int:
    """Bring the store to SCHEMA_VERSION in one transaction. On SQLite a migration may rebuild a
    table that others reference, so foreign keys are off while it runs and checked before commit."""
    with engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
        if dbapi is not None:
            dbapi.execute("PRAGMA foreign_keys=OFF")  # outside a transaction, where it takes effect
        try:
            with conn.begin():
                current = schema_version(conn)
                if current > SCHEMA_VERSION:
                    raise RuntimeError(f"the store has schema version {current}, newer than this otklik "
                                       f"({SCHEMA_VERSION}); upgrade otklik")
                for version, _name, fn in MIGRATIONS:
                    if version > current:
                        fn(conn)
                        conn.execute(text("DELETE FROM meta WHERE key='schema_version'"))
                        conn.execute(meta.insert().values(key="schema_version", value=str(version)))
                if dbapi is not None and current < SCHEMA_VERSION:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left {len(broken)} broken reference(s), e.g. {broken[0]}")
        finally:
            if dbapi is not None:
                dbapi.execute("PRAGMA foreign_keys=ON")
    return SCHEMA_VERSION
