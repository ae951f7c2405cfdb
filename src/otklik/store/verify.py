"""Recompute every evidence hash in the store and check the custody chain."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from . import custody
from .evidence import check_records, sha256_file
from .schema import import_run


def broken_references(conn: Connection) -> list[str]:
    """Rows whose foreign key points at no row (the import does not enforce them row by row)."""
    if conn.dialect.name != "sqlite":
        return []
    return [f"{table} row {rowid}: references a missing {parent} row"
            for table, rowid, parent, _ in conn.exec_driver_sql("PRAGMA foreign_key_check")]


def search_index_problems(conn: Connection) -> list[str]:
    """The full-text index must hold exactly the stored comment texts, or search misses or
    misplaces comments. FTS5's integrity-check re-reads every comment (about 4 s per 1M)."""
    if conn.dialect.name != "sqlite":
        return []
    try:
        conn.exec_driver_sql("INSERT INTO comment_fts(comment_fts, rank) VALUES('integrity-check', 1)")
    except DBAPIError as e:
        return [f"the full-text search index does not match the stored comment texts ({e.orig}); "
                "search may miss comments until `otklik verify --rebuild-search` rebuilds it"]
    return []


def rebuild_search_index(conn: Connection, actor: str | None = None) -> None:
    """Rebuild the full-text index from the stored comment texts (evidence is not touched)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO comment_fts(comment_fts) VALUES('rebuild')")
        custody.append(conn, "rebuild-search", actor=actor)


def verify_store(conn: Connection, check_files: bool = False) -> dict:
    """{raw_records, mismatches: [...], custody_entries, custody_problems: [...], files: [...]}"""
    mismatches = []
    n = 0
    for rid, problem in check_records(conn):
        n += rid is not None
        if problem:
            mismatches.append(problem)
    mismatches += broken_references(conn)
    mismatches += search_index_problems(conn)
    problems = custody.verify_chain(conn)
    entries = conn.execute(select(custody.log.c.id)).all()
    files = []
    if check_files:
        for run_id, path, sha in conn.execute(select(import_run.c.id, import_run.c.file_path, import_run.c.file_sha256)):
            p = Path(path)
            if not p.exists():
                files.append({"run": run_id, "file": path, "status": "missing"})
            elif sha256_file(p)[0] != sha:
                files.append({"run": run_id, "file": path, "status": "changed since import"})
                mismatches.append(f"source file {path} (import run {run_id}) changed since import")
            else:
                files.append({"run": run_id, "file": path, "status": "ok"})
    return {"raw_records": n, "mismatches": mismatches, "custody_entries": len(entries),
            "custody_problems": problems, "files": files,
            "ok": not mismatches and not problems}
