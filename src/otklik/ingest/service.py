"""Import export files into the store: one transaction per run, nothing lost, nothing twice.

The importer reads records; this module writes them. It keeps every raw record with its
SHA-256 and capture time (packed in compressed chunks, see `evidence`), dedupes the records read
(same platform id: one comment, however often seen), records each sighting, adds observations,
resolves reply parents, thread roots and forwarded copies, and marks comments missing from a
complete export as not-seen-since. Any error rolls the whole run back, so the store is exactly
as it was.

A comment's likes are kept on the comment row only (`comment.likes`, the latest value), not
as observation rows: they would be one row per comment and sighting, and every earlier value
stays in the raw record of its sighting. Other counts of comments, and all counts of sources,
posts and authors, are observations.

The pipeline, built for large files on a small machine: the importer runs in a forked child
process that also hashes, packs, sorts each batch by kind and encodes it (see `_read`); a thread
here queues what it sends, so it can run ahead; this process only writes, in batches, with rows
as tuples straight to the driver (executemany on SQLite, COPY on PostgreSQL), inside one
transaction (`store.bulk_write`); SQLite's search index takes the new comments many at a time,
while the writer would wait for the reader and at the end of the file (`_Writer.index_text`).
Look-ups are avoided where they cannot find anything: comments, authors, posts and sources are
looked up only for a platform the store already had rows of. Every item read is a new raw
record, so its sightings are new too and need no look-up.
"""

from __future__ import annotations

import gc
import json
import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from itertools import chain
from pathlib import Path
from time import perf_counter
from typing import Callable, Iterable, Iterator

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from .. import __version__
from ..cases import get_case
from ..importers import REGISTRY, BadInput, Importer, Options, detect
from ..importers.base import iso_utc
from ..model import Complete, Skip
from ..store import bulk_write, custody, import_run
from ..store.evidence import sha256_file
from . import reader
from .errors import ImportFailed
from .reader import IDLE, READ_AHEAD, Batch
from .writer import KINDS, _Writer

FTS_STEP = 100_000  # comments the full-text index takes at least at a time while the writer waits


@dataclass
class Summary:
    files: list[dict] = field(default_factory=list)
    counts: dict = field(default_factory=lambda: {k: {"new": 0, "existing": 0} for k in KINDS})
    skipped: list[dict] = field(default_factory=list)
    phases: dict = field(default_factory=lambda: defaultdict(float))  # seconds per phase, for `bench`

    def as_json(self) -> dict:
        fmts = sorted({f["format"] for f in self.files})
        return {
            "format": fmts[0] if len(fmts) == 1 else fmts,
            **{k: dict(v) for k, v in self.counts.items()},
            "skipped": {"count": len(self.skipped), "reasons": self.skipped},
            "files": self.files,
        }


def summary_lines(s: dict) -> list[str]:
    """The summary as the lines `otklik import` prints (and the web shows)."""
    out = []
    for f in s["files"]:
        if f["unchanged"]:
            out.append(f"{f['file']}: {f['format']}, already imported (run {f['already_imported_in_run']} at "
                       f"{f['already_imported_at']}); nothing changed")
        else:
            out.append(f"{f['file']}: {f['format']}, captured {f['captured_at']} ({f['captured_basis']})")
    out.append(f"{'':<14}{'new':>10}{'existing':>10}")
    for k in ("sources", "posts", "comments", "authors", "observations"):
        out.append(f"{k:<14}{s[k]['new']:>10}{s[k]['existing']:>10}")
    sk = s["skipped"]
    out.append(f"skipped       {sk['count']:>10}")
    for r in sk["reasons"]:
        out.append(f"  {r['file']}, {r['where']}: {r['reason']}")
    marked = sum(f.get("not_seen_since", 0) for f in s["files"])
    if marked:
        out.append(f"{marked} comment(s) missing from a complete export are marked not-seen-since (kept)")
    return out


def import_files(engine: Engine, case_name: str, paths: Iterable[Path], *, fmt: str | None = None,
                 skip_bad: bool = False, captured_at: str | None = None, opts: Options | None = None,
                 progress: Callable[[int], None] | None = None, actor: str | None = None) -> Summary:
    """Import files into a case in one transaction. Raises ImportFailed (store unchanged).
    `progress(n)` is called after each batch with the number of records in that batch. `actor`
    is who imports, for the custody log (None: the operating-system user)."""
    opts = opts or Options()
    paths = [Path(p) for p in paths]
    if captured_at:
        try:
            captured_at = iso_utc(captured_at)
        except ValueError as e:
            raise ImportFailed([f"--captured-at: {e}"]) from None
    problems = []
    plan = []
    for p in paths:  # detect all formats before writing anything
        if not p.is_file():
            problems.append(f"{p}: no such file")
            continue
        try:
            imp = REGISTRY[fmt] if fmt else detect(p)
        except KeyError:
            raise ImportFailed([f"unknown format {fmt!r}; known: {', '.join(sorted(REGISTRY))}"]) from None
        except BadInput as e:
            problems.append(str(e))
            continue
        plan.append((p, imp))
    if problems:
        raise ImportFailed(problems)
    summary = Summary()
    # The run allocates millions of short-lived tuples and no reference cycles: the cyclic
    # garbage collector would only rescan them, again and again.
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        with engine.connect() as conn, bulk_write(conn):
            with conn.begin():
                case_id = get_case(conn, case_name)["id"]
                for p, imp in plan:
                    _import_one(conn, case_id, p, imp, summary, skip_bad, captured_at, opts, progress, actor)
                t = perf_counter()
            summary.phases["commit"] += perf_counter() - t
    except BadInput as e:
        raise ImportFailed([str(e)]) from None
    finally:
        if gc_was_on:
            gc.enable()
    return summary


def _import_one(conn: Connection, case_id: int, path: Path, imp: Importer, summary: Summary,
                skip_bad: bool, captured_at: str | None, opts: Options, progress, actor: str | None) -> None:
    # The file's SHA-256 decides whether the file was imported before; it takes a second per
    # gigabyte. The reader starts first and the hash runs beside it (the reader forks before the
    # thread starts). Only when an earlier run of the case read a file of the same size can the
    # bytes be the same: then the batches wait here until the hash is known; otherwise the run
    # writes at once and takes the hash at its end.
    start = _state(path)  # before the reader opens the file
    batches = reader.read(imp, path, opts)
    waiting = [b for b in [reader.next_batch(batches)] if b is not None]
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(sha256_file, path)
        try:
            _import_read(conn, case_id, path, imp, summary, skip_bad, captured_at, progress, batches, waiting,
                         hashing, actor, start, opts)
        finally:
            batches.close()  # stops the reader if the run ended early


def _import_read(conn: Connection, case_id: int, path: Path, imp: Importer, summary: Summary, skip_bad: bool,
                 captured_at: str | None, progress, batches: Iterator[Batch], waiting: list[Batch], hashing,
                 actor: str | None, start: tuple, opts: Options) -> None:
    start_size = start[0]
    same_size = conn.execute(select(import_run.c.id).where(
        import_run.c.case_id == case_id, import_run.c.file_size == start_size).limit(1)).first()
    earlier = None
    if same_size is not None:
        while waiting and len(waiting) < READ_AHEAD and not hashing.done() and (b := reader.next_batch(batches)) is not None:
            waiting.append(b)
        file_sha, _ = hashing.result()
        earlier = conn.execute(
            select(import_run.c.id, import_run.c.started_at, import_run.c.summary)
            .where(import_run.c.case_id == case_id, import_run.c.file_sha256 == file_sha)
            .order_by(import_run.c.id).limit(1)).first()
    if earlier is not None:
        # The same bytes were imported into this case before: nothing can be new. Report what
        # that run found as already present, so the user sees the same totals.
        before = json.loads(earlier.summary)
        entry = {"file": str(path), "format": imp.name, "sha256": file_sha, "unchanged": True,
                 "already_imported_in_run": earlier.id, "already_imported_at": earlier.started_at,
                 "skipped": 0, "not_seen_since": 0}
        for k in KINDS:
            n = before["counts"][k]["new"] + before["counts"][k]["existing"]
            summary.counts[k]["existing"] += n
            entry[k] = {"new": 0, "existing": n}
        summary.files.append(entry)
        return

    if captured_at:
        file_time, basis = captured_at, "override"
    elif (t := imp.file_captured_at(path)):
        file_time, basis = t, "export-file"
    else:
        mtime = datetime.fromtimestamp(os.stat(path).st_mtime, tz=timezone.utc)
        file_time, basis = mtime.strftime("%Y-%m-%dT%H:%M:%SZ"), "file-mtime"

    run_id = conn.execute(import_run.insert().values(
        case_id=case_id, started_at=custody.now_utc(), importer=imp.name, importer_version=imp.version,
        file_path=str(path.resolve()), file_sha256="", file_size=start_size, captured_at=file_time,
        captured_basis=basis, os_user=custody.os_user(), tool_version=__version__)).inserted_primary_key[0]

    w = _Writer(conn, case_id, run_id, file_time, basis, override=bool(captured_at), path=path)
    skipped = _write_all(w, chain(waiting, batches), path, skip_bad, progress, summary)
    file_sha, size = hashing.result()
    _check_unchanged(path, start, file_sha, size)
    counts = {k: {"new": w.new[k], "existing": w.existing[k]} for k in KINDS}
    for k in KINDS:
        for kind in ("new", "existing"):
            summary.counts[k][kind] += counts[k][kind]
    summary.skipped.extend(skipped)
    file_entry = {"file": str(path), "format": imp.name, "sha256": file_sha, "unchanged": False,
                  "captured_at": file_time, "captured_basis": basis, "run": run_id, **counts,
                  "skipped": len(skipped), "not_seen_since": w.not_seen}
    summary.files.append(file_entry)
    record = {"counts": counts, "skipped": skipped, "not_seen_since": w.not_seen}
    conn.execute(update(import_run).where(import_run.c.id == run_id).values(
        file_sha256=file_sha, file_size=size, finished_at=custody.now_utc(),
        summary=json.dumps(record, ensure_ascii=False)))
    custody.append(conn, "import", actor=actor, case_id=case_id,
                   inputs={"file": str(path.resolve()), "sha256": file_sha, "size": size},
                   outputs={"import_run": run_id, "raw_records_new": w.raw_new,
                            "raw_records_sha256": w.records_digest.hexdigest()},
                   details={"importer": imp.name, "importer_version": imp.version, "captured_at": file_time,
                            "captured_basis": basis, "counts": counts, "skipped": len(skipped),
                            "options": asdict(opts)})


def _state(path: Path) -> tuple:
    """What changes when a file is written: size, modification time, inode."""
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev


def _check_unchanged(path: Path, start: tuple, file_sha: str, size: int) -> None:
    """The stored hash must describe the bytes the reader read: the hash (taken beside the
    reading) fails the run when the file's size, time or inode moved since the reader opened it,
    or when a second hash at the end differs (an edit that kept size and time)."""
    end = _state(path)
    if size != start[0] or end != start or sha256_file(path) != (file_sha, size):
        what = (f"{start[0]:,} bytes at the start, {size:,} when hashed" if size != start[0]
                else "its contents or modification time moved during the import")
        raise ImportFailed([f"{path}: the file changed while it was imported ({what}); import it again"])


def _write_all(w: _Writer, batches: Iterable[Batch], path: Path, skip_bad: bool, progress,
               summary: Summary) -> list[dict]:
    """Write every batch of one file; returns the records skipped."""
    skipped = []
    completes: list[Complete] = []
    w.lap("start")
    for batch in batches:
        w.lap("waiting for the reader")
        if batch is IDLE:
            w.index_text(FTS_STEP)
            continue
        for rec in batch.other:
            if isinstance(rec, Skip):
                if not skip_bad:
                    raise BadInput(path, rec.where, rec.reason + " (use --skip-bad to import the other records)")
                skipped.append({"file": str(path), "where": rec.where, "reason": rec.reason})
            else:
                completes.append(rec)
        if batch.reads.size:
            w.write(batch)
            if progress:
                progress(len(batch.reads.size))
    w.lap("waiting for the reader")
    # A record that could not be read may be any comment of the file: none of its listings is
    # then complete, and no comment is marked not seen since (skipped is not missing).
    w.finish([] if skipped else completes)
    w.lap("finish: parents, roots, copies, not-seen")
    for k, v in w.phases.items():
        summary.phases[k] += v
    return skipped
