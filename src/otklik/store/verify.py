"""What `otklik verify` checks in the store itself: every evidence hash, the custody chain (and
its head against an anchor kept elsewhere), each import's digest of the records it wrote, that
every import run is in the log, the append-only triggers, references and the search index.
(The comment rows against their raw records are re-read by the importers: ingest/recheck.py.)"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from . import custody
from .codec import decode
from .evidence import check_records, sha256_file
from .schema import APPEND_ONLY, append_only_triggers, import_run, raw_chunk

NO_ANCHOR_NOTE = ("no --anchor given: entries removed from the end of the custody log cannot be detected "
                  "(keep `otklik verify --export-anchor FILE` elsewhere and check with --anchor FILE)")


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
                "search may miss comments until `otklik verify --rebuild-search` rebuilds it, which it "
                "does only when every other check passes"]
    return []


def rebuild_search_index(conn: Connection, actor: str | None = None) -> None:
    """Rebuild the full-text index from the stored comment texts (evidence is not touched)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO comment_fts(comment_fts) VALUES('rebuild')")
        custody.append(conn, "rebuild-search", actor=actor)


def trigger_problems(conn: Connection) -> list[str]:
    """Each append-only trigger must exist with the SQL it was created with. SQLite keeps a
    trigger's statement as written; PostgreSQL is checked for each trigger being present and
    enabled and for its function still raising (its text is the server's rendering, not ours)."""
    dialect = conn.dialect.name
    expected = {name: (table, sql) for table in APPEND_ONLY
                for name, sql in append_only_triggers(dialect, table).items()}
    problems = []
    if dialect == "sqlite":
        found = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all())
        for name, (table, sql) in expected.items():
            if name not in found:
                problems.append(f"append-only trigger {name} on {table} is missing (rows of {table} could be "
                                "edited or deleted)")
            elif found[name] != sql:
                problems.append(f"append-only trigger {name} on {table} differs from the one otklik created")
    elif dialect == "postgresql":
        found = dict(conn.exec_driver_sql(
            "SELECT t.tgname, t.tgenabled FROM pg_trigger t WHERE NOT t.tgisinternal").all())
        for name, (table, _) in expected.items():
            if name not in found:
                problems.append(f"append-only trigger {name} on {table} is missing")
            elif found[name] == "D":
                problems.append(f"append-only trigger {name} on {table} is disabled")
        body = conn.exec_driver_sql("SELECT prosrc FROM pg_proc WHERE proname = 'otklik_append_only'").scalar()
        if body is None or "RAISE EXCEPTION" not in body:
            problems.append("the function otklik_append_only() behind the append-only triggers is missing or "
                            "no longer refuses changes")
    return problems


def _import_entries(conn: Connection) -> tuple[dict[int, dict], list[str]]:
    """import run id -> the outputs of its custody entry; and runs with no entry, or more than one."""
    entries: dict[int, dict] = {}
    problems = []
    for eid, outputs in conn.execute(select(custody.log.c.id, custody.log.c.outputs)
                                     .where(custody.log.c.action == "import").order_by(custody.log.c.id)):
        try:
            out = json.loads(outputs)
            run = int(out["import_run"])
        except (ValueError, KeyError, TypeError):
            problems.append(f"custody entry {eid} (import) names no import run")
            continue
        if run in entries:
            problems.append(f"import run {run} has more than one custody entry")
        entries[run] = out
    for (run,) in conn.execute(select(import_run.c.id).order_by(import_run.c.id)):
        if run not in entries:
            problems.append(f"import run {run} has no custody entry (the log lost the entry of this import)")
    return entries, problems


def import_digest_problems(conn: Connection) -> tuple[list[str], list[str]]:
    """Each import's custody entry holds the SHA-256 over the SHA-256s of the raw records it wrote,
    in order, and their number: recomputed here, so a record deleted, added or changed (with its
    stored hash recomputed) is found. Returns (problems, notes); a note names runs imported before
    the digest was recorded."""
    entries, problems = _import_entries(conn)
    digests: dict[int, "hashlib._Hash"] = defaultdict(hashlib.sha256)
    counts: dict[int, int] = defaultdict(int)
    rows = conn.execution_options(yield_per=20000).exec_driver_sql(
        "SELECT import_id, sha256 FROM raw_record ORDER BY id")
    for run, sha in rows:
        digests[run].update(bytes(sha))
        counts[run] += 1
    old = []
    for run, out in sorted(entries.items()):
        want = out.get("raw_records_sha256")
        if want is None:
            old.append(run)
            continue
        n = counts.get(run, 0)
        if n != out.get("raw_records_new"):
            problems.append(f"import run {run}: {n} raw record(s) stored, its custody entry says "
                            f"{out.get('raw_records_new')}")
        if digests[run].hexdigest() != want:
            problems.append(f"import run {run}: the raw records' hashes do not match the digest in its custody "
                            "entry (a record was changed, added or removed and its hash recomputed)")
    for run in sorted(counts.keys() - entries.keys()):
        problems.append(f"raw records of import run {run}, which has no custody entry")
    notes = [f"import run(s) {', '.join(map(str, old))}: imported before otklik recorded a digest of the raw "
             "records; their records are checked against their own hashes only"] if old else []
    return problems, notes


def verify_store(conn: Connection, check_files: bool = False, anchor: dict | None = None,
                 search: bool = True) -> dict:
    """{raw_records, mismatches: [...], custody_entries, custody_problems: [...], files: [...],
    notes: [...], ok}. `search`: also check the full-text index (left out before a rebuild)."""
    mismatches = []
    n = 0
    for rid, problem in check_records(conn):
        n += rid is not None
        if problem:
            mismatches.append(problem)
    digest_problems, notes = import_digest_problems(conn)
    mismatches += digest_problems
    mismatches += broken_references(conn)
    if search:
        mismatches += search_index_problems(conn)
    problems = custody.verify_chain(conn)
    problems += trigger_problems(conn)
    if anchor is not None:
        problems += custody.anchor_problems(conn, anchor)
    else:
        notes.append(NO_ANCHOR_NOTE)
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
            "custody_problems": problems, "files": files, "notes": notes,
            "ok": not mismatches and not problems}


# ---------------------------------------------------------------- comments and their raw records
# (read here; ingest/recheck.py has the importers read them again and compares)

COMMENT_FIELDS = ("id", "platform", "platform_id", "text", "author", "author_handle", "author_name",
                  "published_at", "published_approx", "likes", "edited")


def import_readers(conn: Connection) -> dict[int, dict]:
    """import run id -> {importer, importer_version, options}: the options the run was read with
    (from its custody entry; None when not recorded)."""
    options = {}
    for outputs, details in conn.execute(select(custody.log.c.outputs, custody.log.c.details)
                                         .where(custody.log.c.action == "import")):
        try:
            options[int(json.loads(outputs)["import_run"])] = json.loads(details).get("options")
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # the digest check names an entry that names no run
    return {run: {"importer": name, "importer_version": version, "options": options.get(run)}
            for run, name, version in conn.execute(select(import_run.c.id, import_run.c.importer,
                                                          import_run.c.importer_version))}


_READ_COLS = 'r.id, r.chunk_id, r."offset", r.size, r.import_id, r."where"'


def comment_reads(conn: Connection):
    """(comment, reads) for every comment, in id order: the comment's stored fields (COMMENT_FIELDS;
    `author` is its author's platform id) and every read of it, first its own raw record, then its
    later sightings in the order they were stored: (raw id, chunk id, import run id, where, bytes).
    Streamed; decoded chunks are kept a few at a time."""
    later: dict[int, list] = defaultdict(list)
    for row in conn.exec_driver_sql(
            f"SELECT s.entity_id, {_READ_COLS} FROM sighting s JOIN raw_record r ON r.id = s.raw_id "
            "WHERE s.entity_type = 'comment' ORDER BY s.entity_id, r.id"):
        later[row[0]].append(tuple(row[1:]))
    chunks: dict[int, bytes] = {}

    def read(rid, cid, off, size, run, where):
        data = chunks.get(cid)
        if data is None:
            if len(chunks) >= 8:
                del chunks[next(iter(chunks))]
            got = conn.execute(select(raw_chunk.c.codec, raw_chunk.c.data).where(raw_chunk.c.id == cid)).first()
            try:
                data = decode(got[0], bytes(got[1])) if got else b""
            except (zlib.error, RuntimeError, ValueError):  # (check_records names the chunk)
                data = b""
            chunks[cid] = data
        return rid, cid, run, where, data[off:off + size]

    rows = conn.execution_options(yield_per=5000).exec_driver_sql(
        "SELECT c.id, c.platform, c.platform_id, c.text, a.platform_id, c.author_handle, c.author_name, "
        f"c.published_at, c.published_approx, c.likes, c.edited, {_READ_COLS} "
        "FROM comment c JOIN raw_record r ON r.id = c.raw_id LEFT JOIN author a ON a.id = c.author_id ORDER BY c.id")
    n = len(COMMENT_FIELDS)
    for row in rows:
        stored = dict(zip(COMMENT_FIELDS, row[:n]))
        reads = [read(*row[n:])] + [read(*r) for r in later.get(row[0], ())]
        yield stored, reads
