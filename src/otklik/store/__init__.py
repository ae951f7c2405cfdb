"""The store: the one owner of the database and its SQL.

    schema    every table and the one list of versioned migrations (`migrate`)
    engine    `open_store` (the writer: pragmas, migrated), `read_engine` (the web's reader), `bulk_write`
    sql       SQL shared by the modules that read the store: comments of a case, chunked IN, JSON fields, search
    codec     how raw records are packed into compressed chunks
    evidence  raw records' bytes and hashes, a comment's sightings, a file's SHA-256
    custody   the hash-chained custody log (`append` with an explicit actor; its head as an anchor)
    verify    recompute every hash and each import's record digest, check references, the search
              index, the custody chain (against an anchor) and the append-only triggers; read each
              comment with its raw records for ingest/recheck.py

The names below are the ones other modules import as `from otklik.store import X`.
"""

from .engine import bulk_write, database_url, default_home, open_store, read_engine
from .schema import (
    ANALYSIS_TABLES, analysis_run, annotation, case_result, editor_label, review_draw, theme_decision,
    FTS_HASHSIZE, MIGRATIONS, SCHEMA_VERSION, Sha256, author, case_post, cases, comment, event,
    import_run, meta, metadata, migrate, observation, platform, post, raw_chunk, raw_record, schema_version, sighting,
    source, web_comment_facet, web_facet_state, web_report_draft, web_session, web_user,
)
from .schema import _m1  # noqa: F401 (tests build a schema-1 store)
from .sql import chunked, in_case, json_field, of_case, pg_comment_words, pg_search_query

__all__ = [
    "ANALYSIS_TABLES", "analysis_run", "annotation", "case_result", "editor_label", "review_draw", "theme_decision",
    "bulk_write", "database_url", "default_home", "open_store", "read_engine",
    "FTS_HASHSIZE", "MIGRATIONS", "SCHEMA_VERSION", "Sha256", "author", "case_post", "cases", "comment",
    "event", "import_run", "meta", "metadata", "migrate", "observation", "platform", "post",
    "raw_chunk", "raw_record", "schema_version", "sighting", "source", "web_comment_facet", "web_facet_state",
    "web_report_draft", "web_session", "web_user",
    "chunked", "in_case", "json_field", "of_case", "pg_comment_words", "pg_search_query",
]
