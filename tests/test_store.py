"""The store's one migration list: a store whose web and case-file tables were made by the old
per-module set-up (before migration 5) opens with its accounts, drafts and events as they were."""

from sqlalchemy import create_engine, text

from otklik import store
from otklik.store import schema

# The tables as web/auth.py, web/drafts.py and casefile.py created them on first use, before migration 5.
OLD_COMPONENT_DDL = [
    "CREATE TABLE web_user (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, role VARCHAR NOT NULL, "
    "password_hash VARCHAR NOT NULL, created_at VARCHAR NOT NULL, disabled INTEGER NOT NULL)",
    "CREATE TABLE event (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES cases(id), date VARCHAR NOT NULL, "
    "date_precision VARCHAR NOT NULL, text_ru TEXT, text_en TEXT, deadline BOOLEAN NOT NULL, source_url TEXT, "
    "added_by VARCHAR, added_at VARCHAR NOT NULL, origin VARCHAR NOT NULL)",
    "INSERT INTO meta VALUES ('web_auth_schema_version', '1'), ('casefile_schema_version', '1')",
]


def _old_store(tmp_path, version: int, statements: list, tables: list = ()) -> str:
    """A store at schema `version`, with `tables` made the old way and `statements` run; its URL."""
    url = f"sqlite:///{tmp_path / 'otklik.sqlite'}"
    old = create_engine(url)
    with old.begin() as conn:
        for _version, _name, fn in schema.MIGRATIONS[:version]:
            fn(conn)
        conn.execute(text(f"INSERT INTO meta VALUES ('schema_version', '{version}')"))
        schema.metadata.create_all(conn, tables=list(tables))
        conn.execute(text("INSERT INTO cases VALUES (1, 'c', 'S', '[]', 'UTC', '[\"ru\"]', 'x')"))
        for sql in statements:
            conn.execute(text(sql))
    old.dispose()
    return url


def test_a_store_from_before_migration_5_keeps_its_web_and_case_file_rows(tmp_path):
    url = _old_store(tmp_path, 4, OLD_COMPONENT_DDL + [
        "INSERT INTO web_user VALUES (1, 'eve', 'editor', 'h', 'x', 0)",
        "INSERT INTO event VALUES (1, 1, '2026-12-08', 'day', 'срок', NULL, 1, NULL, 'eve', 'x', 'manual')"])
    engine = store.open_store(url=url)
    with engine.connect() as conn:
        assert store.schema_version(conn) == store.SCHEMA_VERSION
        assert conn.execute(text("SELECT name, role FROM web_user")).all() == [("eve", "editor")]
        assert conn.execute(text("SELECT date, text_ru FROM event")).all() == [("2026-12-08", "срок")]
        # the tables the old store did not have yet are there, empty
        for table in ("web_session", "web_report_draft", "web_comment_facet", "web_facet_state"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        # keyed by (case, comment) alone, as the comments table reads it
        assert "WITHOUT ROWID" in conn.execute(text("SELECT sql FROM sqlite_master WHERE name='web_comment_facet'")).scalar()
        indexes = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='index' "
                                                   "AND tbl_name='web_comment_facet'"))}
    assert {"ix_wf_thread", "ix_wf_time", "ix_wf_stance", "ix_wf_lang", "ix_wf_theme", "ix_wf_author",
            "ix_wf_coord"} <= indexes
    engine.dispose()


def test_a_store_from_before_migration_6_keeps_its_analysis_and_gains_the_missing_tables(tmp_path):
    """Analysis tables made on first use by the old analysis (and no review queue yet): the rows
    stay, the review queue's table is created, and the store is at the current version."""
    url = _old_store(tmp_path, 5, ["INSERT INTO meta VALUES ('analysis_schema_version', '1')",
                                   "INSERT INTO editor_label VALUES (1, 1, 7, 'stance', '1', 'eve', 'x')"],
                     tables=[schema.analysis_run, schema.editor_label])
    engine = store.open_store(url=url)
    with engine.connect() as conn:
        assert store.schema_version(conn) == store.SCHEMA_VERSION
        assert conn.execute(text("SELECT comment_id, value FROM editor_label")).all() == [(7, "1")]
        for table in ("annotation", "case_result", "theme_decision", "review_draw"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
    engine.dispose()
