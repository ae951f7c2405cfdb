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
import hashlib
import json
import multiprocessing as mp
import os
import queue
import threading
import traceback
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import accumulate, chain, repeat
from operator import itemgetter
from pathlib import Path
from time import perf_counter
from typing import Callable, Iterable, Iterator

import msgspec
from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.engine import Connection, Engine

from . import __version__
from .store import chunked, custody
from .store.codec import CHUNK_CODEC, CHUNK_RECORDS, pack
from .store.evidence import sha256_file
from .cases import get_case
from .importers import REGISTRY, BadInput, Importer, Options, detect
from .importers.base import iso_utc
from .model import AuthorRec, CommentRec, Complete, Item, ObservationRec, PostRec, Skip, SourceRec
from .store import (
    author, bulk_write, case_post, comment, import_run, observation, post, raw_chunk, raw_record, sighting, source,
)

BATCH = CHUNK_RECORDS
READ_AHEAD = 16  # batches that may wait for the writer (queued, or for the file's hash): bounds memory
KINDS = ("sources", "posts", "comments", "authors", "observations")


class ImportFailed(Exception):
    """The run was rolled back. `problems` lists what was wrong, each naming file and record."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


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
    """Import files into a case in one transaction. Raises ImportFailed (store unchanged). `actor`
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
    batches = _read(imp, path, opts)
    waiting = [b for b in [_next_batch(batches)] if b is not None]
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(sha256_file, path)
        try:
            _import_read(conn, case_id, path, imp, summary, skip_bad, captured_at, progress, batches, waiting,
                         hashing, actor)
        finally:
            batches.close()  # stops the reader if the run ended early


def _import_read(conn: Connection, case_id: int, path: Path, imp: Importer, summary: Summary, skip_bad: bool,
                 captured_at: str | None, progress, batches: Iterator[Batch], waiting: list[Batch], hashing,
                 actor: str | None) -> None:
    start_size = os.stat(path).st_size
    same_size = conn.execute(select(import_run.c.id).where(
        import_run.c.case_id == case_id, import_run.c.file_size == start_size).limit(1)).first()
    earlier = None
    if same_size is not None:
        while waiting and len(waiting) < READ_AHEAD and not hashing.done() and (b := _next_batch(batches)) is not None:
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
    if size != start_size:
        raise ImportFailed([f"{path}: the file changed while it was imported "
                            f"({start_size:,} bytes at the start, {size:,} when hashed); import it again"])
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
                   outputs={"import_run": run_id, "raw_records_new": w.raw_new},
                   details={"importer": imp.name, "importer_version": imp.version, "captured_at": file_time,
                            "captured_basis": basis, "counts": counts, "skipped": len(skipped)})


def _key(rec) -> tuple[str, str]:
    return rec.platform, rec.platform_id


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
    w.finish(completes)
    w.lap("finish: parents, roots, copies, not-seen")
    for k, v in w.phases.items():
        summary.phases[k] += v
    return skipped


# ---------------------------------------------------------------- reading, in a second process
#
# Reading (parsing JSON, building records) and hashing cost about as much as writing, so on a
# machine with two cores the importer runs in a forked child while this process only writes.
# The child streams batches through a pipe; a full pipe makes it wait, so memory stays bounded.
# Batches travel as MessagePack, encoded and decoded in C by msgspec straight from and into
# msgspec Structs (pickling dataclasses cost 6 µs a record, this costs 1.5 µs); comments and raw
# records travel as columns (`Comments`, `Reads`), which decode faster still. Without
# fork (Windows, macOS' default) it all runs in this process and nothing is encoded.


Key = tuple[str, str]  # (platform, platform id)


class Reads(msgspec.Struct, array_like=True):
    """The raw records of a batch (Items), column by column: read n's bytes are the next
    `size[n]` bytes of the chunk."""

    size: list[int] = []
    sha256: list[bytes] = []
    where: list[str] = []
    captured_at: list[str | None] = []


class Comments(msgspec.Struct, array_like=True):
    """The comments of a batch, column by column (comment j: `platform[j]`, `text[j]`, ...).

    Columns rather than one record per comment: they decode faster, and the writer builds its
    rows from them with `zip` and `map`, in C (the largest part of an import is comments).
    `post` indexes the batch's `post_keys` (-1: a reply whose export does not name its post);
    `author` is the author's number in the file (`Batch.authors`) plus one (0: none). `first` is
    the read each was first read from.
    """

    platform: list[str] = []
    platform_id: list[str] = []
    post: list[int] = []
    parent_id: list[str | None] = []
    author: list[int] = []
    author_handle: list[str | None] = []  # as seen with this comment
    author_name: list[str | None] = []
    text: list[str] = []
    published_at: list[str | None] = []
    published_approx: list[bool] = []
    likes: list[int | None] = []
    first: list[int] = []

    def keys(self) -> list[Key]:
        return list(zip(self.platform, self.platform_id))


class Batch(msgspec.Struct, array_like=True, tag=True):
    """What the importer read next, sorted by kind for the writer.

    `chunk` packs the raw bytes of `reads` (`evidence.pack`; None when there are none). Each
    comment, post and source read appears once, as the last record read with its key, in the
    order keys were first met; a post or source paired with None was only referenced. `authors`
    are the authors the file names for the first time, numbered in the file in this order (so
    the writer resolves each author once per file, and a comment names its author by number);
    `author_changes` are authors met before whose handle or name changed since.
    `post_first` gives the read each post was first read from (-1: none). `sightings` are
    (entity type, key, read): each read that names a post or source, and each read of a comment
    but its first one in the batch (that one is its own raw record, or a sighting the writer
    adds when the comment was in the store already).
    """

    chunk: bytes | None
    chunk_size: int
    reads: Reads = msgspec.field(default_factory=Reads)
    other: list[Skip | Complete] = []
    comments: Comments = msgspec.field(default_factory=Comments)
    author_keys: list[Key] = []
    authors: list[AuthorRec] = []
    author_changes: list[AuthorRec] = []
    post_keys: list[Key] = []
    posts: list[PostRec | None] = []
    post_first: list[int] = []
    source_keys: list[Key] = []
    sources: list[SourceRec | None] = []
    observations: list[tuple[ObservationRec, int]] = []
    sightings: list[tuple[str, Key, int]] = []


class _Sorter:
    """Builds the Batches of one file, in the reader. `author_numbers` gives each author of the
    file met so far (in earlier batches too) its number, handle and name as last sent."""

    def __init__(self, author_numbers: dict[Key, tuple[int, str | None, str | None]]):
        self.author_numbers = author_numbers
        self.raws: list[bytes] = []
        self.reads = Reads([], [], [], [])
        self.other: list = []
        self.comments: dict[Key, CommentRec] = {}
        self.comment_first: dict[Key, int] = {}
        self.authors: dict[Key, AuthorRec] = {}
        self.posts: dict[Key, PostRec | None] = {}
        self.post_first: dict[Key, int] = {}
        self.sources: dict[Key, SourceRec | None] = {}
        self.observations: list = []
        self.sightings: list = []

    def __len__(self) -> int:
        return len(self.raws) + len(self.other)

    def add(self, item: Item) -> None:
        raw = item.raw
        n = len(self.raws)
        self.raws.append(raw)
        reads = self.reads
        reads.size.append(len(raw))
        reads.sha256.append(hashlib.sha256(raw).digest())
        reads.where.append(item.where)
        reads.captured_at.append(item.captured_at)
        comments, authors, posts, sources = self.comments, self.authors, self.posts, self.sources
        seen = set()  # (entity type, key) sighted in this read
        for e in item.entities:
            t = type(e)
            if t is CommentRec:
                k = (e.platform, e.platform_id)
                comments[k] = e
                if self.comment_first.setdefault(k, n) != n and ("comment", k) not in seen:
                    seen.add(("comment", k))
                    self.sightings.append(("comment", k, n))
                a = e.author
                if a:
                    authors[(a.platform, a.platform_id)] = a
                if e.post_id is not None:
                    posts.setdefault((e.platform, e.post_id), None)
            elif t is PostRec:
                k = (e.platform, e.platform_id)
                posts[k] = e
                self.post_first.setdefault(k, n)
                if ("post", k) not in seen:
                    seen.add(("post", k))
                    self.sightings.append(("post", k, n))
                if e.author:
                    authors[_key(e.author)] = e.author
                if e.source_id:
                    sources.setdefault((e.platform, e.source_id), None)
            elif t is SourceRec:
                k = (e.platform, e.platform_id)
                sources[k] = e
                if ("source", k) not in seen:
                    seen.add(("source", k))
                    self.sightings.append(("source", k, n))
            elif t is AuthorRec:
                authors[_key(e)] = e
            elif t is ObservationRec:
                if e.entity == "comment" and e.metric == "likes":
                    continue  # a comment's likes live on the comment row (see the module docstring)
                self.observations.append((e, n))
                if e.entity == "source":
                    sources.setdefault(_key(e), None)
                elif e.entity == "post":
                    posts.setdefault(_key(e), None)

    def batch(self) -> Batch:
        data, size = pack(self.raws) if self.raws else (None, 0)
        cs = list(self.comments.values())
        post_index = {k: j for j, k in enumerate(self.posts)}
        # number the authors new to the file (each batch names ~half as many authors as comments);
        # one met before is sent again when its handle or name changed since
        numbers, new_keys, new_authors, changed, number = self.author_numbers, [], [], [], {}
        for k, a in self.authors.items():
            got = numbers.get(k)
            if got is None:
                n = len(numbers)
                numbers[k] = (n, a.handle, a.display_name)
                new_keys.append(k)
                new_authors.append(a)
            else:
                n, handle, name = got
                if (a.handle and a.handle != handle) or (a.display_name and a.display_name != name):
                    numbers[k] = (n, a.handle or handle, a.display_name or name)
                    changed.append(a)
            number[k] = n + 1
        authors = [c.author for c in cs]
        comments = Comments(
            [c.platform for c in cs], [c.platform_id for c in cs],
            [-1 if c.post_id is None else post_index[(c.platform, c.post_id)] for c in cs],
            [c.parent_id for c in cs],
            [0 if a is None else number[(a.platform, a.platform_id)] for a in authors],
            [a and a.handle for a in authors], [a and a.display_name for a in authors],
            [c.text for c in cs], [c.published_at for c in cs], [c.published_approx for c in cs],
            [c.likes for c in cs], list(self.comment_first.values()))
        p = self.post_first
        return Batch(data, size, self.reads, self.other, comments,
                     new_keys, new_authors, changed,
                     list(self.posts), list(self.posts.values()), [p.get(k, -1) for k in self.posts],
                     list(self.sources), list(self.sources.values()), self.observations, self.sightings)


class _Done(msgspec.Struct, array_like=True, tag=True):
    """The reader reached the end of the file."""


class _Failed(msgspec.Struct, array_like=True, tag=True):
    """The reader stopped: bad input (path, where and problem set) or a crash (traceback)."""

    path: str | None = None
    where: str | None = None
    problem: str | None = None
    traceback: str | None = None


# Lax as SQLite's column affinity is: a count read as 1200.0 becomes 1200. A platform id that is
# not a string still fails (the model's contract; "7" and 7 must not become two comments).
_MESSAGE = msgspec.msgpack.Decoder(Batch | _Done | _Failed, strict=False)


def _batches(imp: Importer, path: Path, opts: Options) -> Iterator[Batch]:
    """What the importer reads, in Batches of up to BATCH records."""
    author_numbers: dict[Key, tuple[int, str | None, str | None]] = {}
    sorter = _Sorter(author_numbers)
    for rec in imp.read(path, opts):
        if type(rec) is Item:
            sorter.add(rec)
        else:
            sorter.other.append(rec)
        if len(sorter) >= BATCH:
            yield sorter.batch()
            sorter = _Sorter(author_numbers)
    if len(sorter):
        yield sorter.batch()


def _read_in_child(imp: Importer, path: Path, opts: Options, out) -> None:
    gc.disable()  # a short-lived process that makes no reference cycles
    encode = msgspec.msgpack.Encoder().encode
    try:
        for batch in _batches(imp, path, opts):
            out.send_bytes(encode(batch))
        out.send_bytes(encode(_Done()))
    except BadInput as e:
        out.send_bytes(encode(_Failed(path=e.path, where=e.where, problem=e.problem)))
    except BaseException:
        out.send_bytes(encode(_Failed(traceback=traceback.format_exc())))


def _pump(recv, q: queue.Queue, stop: threading.Event) -> None:
    """Move the reader's messages from the pipe into `q` as they come, so that the reader does
    not wait for the writer to finish a batch before it can send the next (a pipe holds far
    less than one batch). None marks the end of the pipe."""
    while True:
        try:
            msg = recv.recv_bytes()  # waits without holding the GIL
        except (EOFError, OSError):
            msg = None
        while not stop.is_set():
            try:
                q.put(msg, timeout=0.1)
                break
            except queue.Full:
                continue
        if msg is None or stop.is_set():
            return


IDLE = object()  # what _read gives when the reader has no batch ready: the writer may do other work
FTS_STEP = 100_000  # comments the full-text index takes at least at a time while the writer waits


def _next_batch(batches: Iterator[Batch]) -> Batch | None:
    """The next batch (waiting for it), or None at the end."""
    return next((b for b in batches if b is not IDLE), None)


def _read(imp: Importer, path: Path, opts: Options) -> Iterator[Batch]:
    """Batches of `_batches`, read in a child process when the platform can fork; IDLE when the
    next one is not ready yet."""
    if "fork" not in mp.get_all_start_methods():
        yield from _batches(imp, path, opts)
        return
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_read_in_child, args=(imp, path, opts, send), daemon=True)
    child.start()
    send.close()
    q: queue.Queue = queue.Queue(maxsize=READ_AHEAD)
    stop = threading.Event()
    pump = threading.Thread(target=_pump, args=(recv, q, stop), daemon=True)
    pump.start()
    try:
        while True:
            try:
                data = q.get_nowait()
            except queue.Empty:
                yield IDLE
                data = q.get()
            if data is None:
                child.join()
                raise ImportFailed([f"reading {path} failed: the reader process ended "
                                    f"unexpectedly (exit code {child.exitcode})"])
            try:
                msg = _MESSAGE.decode(data)
            except msgspec.ValidationError as e:  # a bug in the importer, not in the file
                raise ImportFailed([f"reading {path} failed: the {imp.name} importer made a record "
                                    f"that does not fit the model ({e})"]) from None
            if type(msg) is Batch:
                yield msg
            elif type(msg) is _Done:
                return
            elif msg.traceback is None:
                raise BadInput(msg.path, msg.where, msg.problem)
            else:
                raise ImportFailed([f"reading {path} failed:\n{msg.traceback}"])
    finally:
        stop.set()
        if child.is_alive():  # the run failed before the end of the file: the pipe ends with it
            child.kill()
        child.join()
        pump.join()
        recv.close()


# ---------------------------------------------------------------- writing

# Column order of the rows the hot path builds as tuples.
RAW_COLS = ("id", "sha256", "size", "chunk_id", "offset", "import_id", "where", "captured_at", "basis")
CHUNK_COLS = ("id", "import_id", "codec", "size", "data")
COMMENT_COLS = ("id", "platform", "platform_id", "post_id", "parent_platform_id", "parent_id", "root_id",
                "author_id", "author_handle", "author_name", "text", "published_at", "published_approx", "likes",
                "edited", "raw_id", "first_import_id", "last_import_id")
SIGHTING_COLS = ("entity_type", "entity_id", "raw_id", "import_id", "captured_at", "basis")
SOURCE_COLS = ("id", "platform", "platform_id", "kind", "handle", "title", "url")
AUTHOR_COLS = ("id", "platform", "platform_id", "handle", "display_name")
POST_COLS = ("id", "platform", "platform_id", "source_id", "author_id", "url", "text", "published_at", "raw_id",
             "first_import_id", "last_import_id", "copy_of_platform_id", "copy_hint")


class _Writer:
    """Writes batches of Items for one import run.

    Sources, posts and authors are few, so their ids are cached for the whole run. Comments are
    many: the run keeps platform id -> row id of the comments it met (for reply parents and to
    know a repeat), and looks comments up in the store only for a platform the store already
    had comments of, or for a repeat within the run (`last_import_id == run` then tells that it
    was counted already). The same holds for the lookups of sources, posts and authors.
    """

    def __init__(self, conn: Connection, case_id: int, run_id: int, file_time: str, basis: str, override: bool,
                 path: Path):
        self.conn, self.case_id, self.run_id, self.path = conn, case_id, run_id, path
        self.file_time, self.basis, self.override = file_time, basis, override
        self.cache: dict[str, dict[tuple[str, str], int]] = {"sources": {}, "posts": {}, "authors": {}}
        self.comment_ids: dict[str, dict[str, int]] = defaultdict(dict)  # platform -> platform id -> id
        self.author_ids: list[int | None] = [None]  # the file's author number + 1 -> id (0: none)
        self.roots: dict[int, int | None] = {}  # reply id -> thread root id (None: not known yet)
        self.new = dict.fromkeys(KINDS, 0)
        self.existing = dict.fromkeys(KINDS, 0)
        self.case_posts: set[int] = set()
        self.raw_new = 0
        self.not_seen = 0
        self.had: dict[tuple[str, str], bool] = {}  # (table, platform) -> the store had rows before the run
        self.next_id = {t.name: (conn.execute(select(func.max(t.c.id))).scalar() or 0) + 1
                        for t in (source, post, comment, author, raw_record, raw_chunk)}
        self.first_id = dict(self.next_id)
        tables = ((raw_record, RAW_COLS), (raw_chunk, CHUNK_COLS), (comment, COMMENT_COLS), (sighting, SIGHTING_COLS),
                  (source, SOURCE_COLS), (author, AUTHOR_COLS), (post, POST_COLS))
        # PostgreSQL takes new rows by COPY, several times faster than one INSERT per row there
        self.copy = conn.dialect.name == "postgresql"
        self.sql = {t.name: (copy_sql if self.copy else insert_sql)(conn, t, cols) for t, cols in tables}
        self.fts = conn.dialect.name == "sqlite"
        self.fts_next = self.next_id["comment"]  # the first comment not in the full-text index yet
        # SQLite's driver binds an int directly but looks up an adapter for a bool; PostgreSQL
        # wants booleans
        self.booleans = (1, 0) if conn.dialect.name == "sqlite" else (True, False)
        self.phases: dict[str, float] = defaultdict(float)
        self._t = perf_counter()

    def _insert(self, table: str, rows: list[tuple]) -> None:
        """New rows of `table`, each a tuple in the column order of `self.sql[table]`."""
        if not self.copy:
            self.conn.exec_driver_sql(self.sql[table], rows)
            return
        with self.conn.connection.dbapi_connection.cursor() as cur, cur.copy(self.sql[table]) as copy:
            for row in rows:
                copy.write_row(row)

    def index_text(self, at_least: int = 1) -> None:
        """Add the comments written since the last call to the full-text index (SQLite), if there
        are at least `at_least`, with their latest text.

        Each statement starts a new segment of the FTS5 index, and segments are merged later, so
        the index takes many comments at a time: the run's new comments at its end (finish), and
        FTS_STEP or more whenever the writer would otherwise wait for the reader (_write_all).
        Edits of comments indexed already update the index at once (_update_comment)."""
        if not self.fts or self.next_id["comment"] - self.fts_next < at_least:
            return
        self.conn.exec_driver_sql("INSERT INTO comment_fts(rowid, text) SELECT id, text FROM comment WHERE id >= ?",
                                  (self.fts_next,))
        self.fts_next = self.next_id["comment"]
        self.lap("full-text index")

    def lap(self, phase: str) -> None:
        """Add the time since the last lap to `phase` (the per-phase figures of `otklik bench`)."""
        t = perf_counter()
        self.phases[phase] += t - self._t
        self._t = t

    def _had(self, table, platform: str) -> bool:
        """Did the store have rows of this platform in `table` before this run? If not, a key the
        run has not met is new, and needs no look-up."""
        k = (table.name, platform)
        if k not in self.had:
            self.had[k] = self.conn.execute(select(table.c.id).where(
                table.c.platform == platform, table.c.id < self.first_id[table.name]).limit(1)).first() is not None
        return self.had[k]

    def _lookup(self, table, keys, cols: tuple) -> dict:
        """Rows (as mappings) of records already in the store, by (platform, platform_id)."""
        found = {}
        by_platform = defaultdict(list)
        for p, pid in keys:
            by_platform[p].append(pid)
        sel = [table.c.id, table.c.platform_id, *[table.c[c] for c in cols]]
        for p, pids in by_platform.items():
            for part in chunked(pids):
                for row in self.conn.execute(select(*sel).where(
                        table.c.platform == p, table.c.platform_id.in_(part))).mappings():
                    found[(p, row["platform_id"])] = row
        return found

    def _resolve(self, kind: str, table, recs: dict, to_row: Callable, cols: tuple, on_existing,
                 ids: dict) -> list[int]:
        """Give every key in `recs` an id in `ids`, inserting new records (None = a stub that is
        only referenced; `to_row` gives the row, in the column order of `self.sql[table]`) and
        updating existing ones. Returns the ids of `recs`, in its order."""
        keys = list(recs)
        got = list(map(ids.get, keys))
        missing = [j for j, i in enumerate(got) if i is None]
        if not missing:
            return got
        todo = [keys[j] for j in missing]
        run_scoped = "last_import_id" in table.c
        had = {p: self._had(table, p) for p in {k[0] for k in todo}}
        found = self._lookup(table, [k for k in todo if had[k[0]]], cols + (("last_import_id",) if run_scoped else ()))
        if found:
            updates = []
            for k, row in found.items():
                ids[k] = row["id"]
                if not (run_scoped and row["last_import_id"] == self.run_id):
                    self.existing[kind] += 1
                u = on_existing(row, recs[k])
                if u:
                    updates.append(u)
            if updates:
                self._apply_updates(table, updates)
            todo = [k for k in todo if k not in found]
        if todo:
            first = self.next_id[table.name]
            self.next_id[table.name] = first + len(todo)
            self.new[kind] += len(todo)
            ids.update(zip(todo, range(first, first + len(todo))))
            self._insert(table.name, [to_row(i, k, recs[k]) for i, k in enumerate(todo, first)])
        for j in missing:
            got[j] = ids[keys[j]]
        return got

    def _apply_updates(self, table, updates: list[dict]) -> None:
        """Batch updates that set the same columns together (executemany)."""
        groups = defaultdict(list)
        for u in updates:
            groups[tuple(sorted(u))].append(u)
        for cols, us in groups.items():
            stmt = update(table).where(table.c.id == bindparam("_id")).values(
                {c: bindparam(c) for c in cols if c != "_id"})
            self.conn.execute(stmt, us)

    # -- one batch

    def write(self, b: Batch) -> None:
        conn, run = self.conn, self.run_id
        # 1. raw records, exactly as read: the batch's chunk, then each record as a span of it
        cid = self.next_id["raw_chunk"]
        self.next_id["raw_chunk"] += 1
        self._insert("raw_chunk", [(cid, run, CHUNK_CODEC, b.chunk_size, b.chunk)])
        # (a read's capture time: the export's, unless --captured-at overrides it, else the file's)
        r = b.reads
        n = len(r.size)
        if self.override or not any(r.captured_at):
            read_at, read_basis = [self.file_time] * n, [self.basis] * n
        else:
            read_at = [t or self.file_time for t in r.captured_at]
            read_basis = ["export" if t else self.basis for t in r.captured_at]
        first = self.next_id["raw_record"]
        self.next_id["raw_record"] = first + n
        self._insert("raw_record", list(zip(range(first, first + n), r.sha256, r.size, repeat(cid),
                                             accumulate(r.size[:-1], initial=0), repeat(run), r.where,
                                             read_at, read_basis)))
        self.raw_new += n
        self.lap("raw records")

        # 2. records by kind (sorted by the reader); a key mapped to None is only referenced
        # (becomes a stub if new)
        self.post_raw = {k: first + i for k, i in zip(b.post_keys, b.post_first) if i >= 0}
        posts = dict(zip(b.post_keys, b.posts))
        c = b.comments
        if -1 in c.post:
            self._posts_from_parents(c, b.post_keys, posts)
        self._resolve("sources", source, dict(zip(b.source_keys, b.sources)), self._source_row,
                      ("title", "handle", "url"), self._update_source, self.cache["sources"])
        self.author_ids += self._resolve("authors", author, dict(zip(b.author_keys, b.authors)), self._author_row,
                                         ("handle", "display_name"), self._update_author, self.cache["authors"])
        if b.author_changes:  # (the reader sends only a handle or name that changed)
            self._apply_updates(author, [u for a in b.author_changes
                                         if (u := self._update_author({"id": self.cache["authors"][_key(a)]}, a))])
        post_ids = self._resolve("posts", post, posts, self._post_row, ("text", "url", "published_at", "source_id"),
                                 self._update_post, self.cache["posts"])
        self.lap("sources, posts, authors")
        # (comment id, raw id) of the first read of each comment the store had: a sighting
        found_first = self._comments(c, first, post_ids) if c.platform else []
        self.case_posts.update(self.cache["posts"][k] for k in posts)

        # 3. sightings: every read of a record, with the read's capture time, except a comment's
        # first read when the comment is new: that is its own raw record (see store.sighting). The
        # raw record is new, so each sighting is too.
        ids = {"comment": None, "post": self.cache["posts"], "source": self.cache["sources"]}
        cids = self.comment_ids
        sight = [("comment", i, r, run, read_at[r - first], read_basis[r - first]) for i, r in found_first]
        for etype, k, j in b.sightings:
            i = cids[k[0]][k[1]] if etype == "comment" else ids[etype][k]
            sight.append((etype, i, first + j, run, read_at[j], read_basis[j]))
        if sight:
            self._insert("sighting", sight)
        self.lap("sightings")

        # 4. observations: a count at a time (the export's own, else its read's capture time); the
        # same count at the same time is not added twice
        if b.observations:
            rows = {}
            for o, j in b.observations:
                eid = self._entity_id(o)
                when, basis = (o.observed_at, "export") if o.observed_at else (read_at[j], read_basis[j])
                rows[(o.entity, eid, o.metric, when)] = {
                    "entity_type": o.entity, "entity_id": eid, "metric": o.metric, "value": float(o.value),
                    "observed_at": when, "basis": basis, "import_id": self.run_id}
            added = bulk_insert(conn, observation, list(rows.values()), ignore_conflicts=True)
            self.new["observations"] += added
            self.existing["observations"] += len(rows) - added
            self.lap("observations")

    def _comments(self, c: Comments, first_raw: int, post_ids: list[int]) -> list[tuple[int, int]]:
        """Insert the new comments of a batch (with their reply parent and thread root when those
        are known already) and update the ones the store has; returns (id, raw id of this read)
        of the latter. `first_raw` is the id of the batch's first raw record; `post_ids` are the ids
        of the batch's posts (`c.post` indexes them)."""
        run, cids, roots = self.run_id, self.comment_ids, self.roots
        keys = c.keys()
        raw_ids = [first_raw + j for j in c.first]
        platforms = set(c.platform)
        had = {p: self._had(comment, p) for p in platforms}
        # look up the comments met before in this run and all of a platform the store had before;
        # and the parents stored before this run that the run has not met yet
        lookup, parents = [], set()
        if any(had.values()):
            for k, parent in zip(keys, c.parent_id):
                p = k[0]
                if had[p]:
                    lookup.append(k)
                    if parent and parent not in cids[p]:
                        parents.add((p, parent))
                elif k[1] in cids[p]:
                    lookup.append(k)
        elif len(platforms) == 1:  # (the usual case: a set intersection, in C)
            p = c.platform[0]
            lookup = [(p, x) for x in cids[p].keys() & c.platform_id]
        else:
            lookup = [k for k in keys if k[1] in cids[k[0]]]
        found = self._lookup(comment, lookup, ("text", "last_import_id", "root_id")) if lookup else {}
        if parents:
            for k, row in self._lookup(comment, parents, ("root_id",)).items():
                cids[k[0]][k[1]] = row["id"]
                roots[row["id"]] = row["root_id"]
        cols = (c.platform, c.platform_id, c.post, c.parent_id, c.author, c.author_handle, c.author_name, c.text,
                c.published_at, c.published_approx, c.likes, raw_ids)
        updates, found_first = [], []
        if found:
            new = []
            for j, k in enumerate(keys):
                row = found.get(k)
                if row is None:
                    new.append(j)
                    continue
                cids[k[0]][k[1]] = row["id"]
                roots[row["id"]] = row["root_id"]
                found_first.append((row["id"], raw_ids[j]))
                if row["last_import_id"] != run:
                    self.existing["comments"] += 1
                updates.append(self._update_comment(row, c.text[j], c.likes[j]))
            cols = [[col[j] for j in new] for col in cols]
        platform, pid, post_ix, parent_pid, author_ix, handle, name, text_, published, approx, likes, raw_ids = cols
        m = len(pid)
        if m:
            nid = self.next_id["comment"]
            self.next_id["comment"] = nid + m
            ids = range(nid, nid + m)
            # The batch's new comments are known by platform id before any parent is looked up, so
            # a reply read before its parent gets it here too; a thread root only when the parent's
            # is known already (the others: finish()).
            if len(platforms) == 1:
                cids[platform[0]].update(zip(pid, ids))
            else:
                for p, x, i in zip(platform, pid, ids):
                    cids[p][x] = i
            parents_col, roots_col = [None] * m, list(ids)  # a top-level comment is its thread's root
            replies = [j for j, x in enumerate(parent_pid) if x is not None]
            roots.update(dict.fromkeys([nid + j for j in replies]))  # reply id -> root: not known yet
            for j in replies:
                parent = cids[platform[j]].get(parent_pid[j])
                root = None if parent is None else roots.get(parent, parent)
                parents_col[j], roots_col[j] = parent, root
                roots[nid + j] = root
            yes, no = self.booleans
            approx = [yes if a else no for a in approx] if any(approx) else repeat(no)
            self._insert("comment", list(zip(
                ids, platform, pid, map(post_ids.__getitem__, post_ix), parent_pid, parents_col, roots_col,
                map(self.author_ids.__getitem__, author_ix), handle, name, text_, published, approx, likes, repeat(no),
                raw_ids, repeat(run), repeat(run))))
            self.new["comments"] += m
        if updates:
            self._apply_updates(comment, updates)
        self.lap("comments")
        return found_first

    def _posts_from_parents(self, c: Comments, post_keys: list[Key], posts: dict) -> None:
        """Give replies whose export names no post (`c.post` -1) the post of their parent comment,
        adding that post to the batch's `post_keys` and `posts` when it is not there."""
        index = {k: j for j, k in enumerate(c.keys())}
        post_index = {k: j for j, k in enumerate(post_keys)}
        stored = {}
        for j in [j for j, x in enumerate(c.post) if x == -1]:
            p, cur, seen, post_id = c.platform[j], j, set(), None
            while True:  # up the thread to a comment that names its post
                if c.post[cur] >= 0:
                    post_id = post_keys[c.post[cur]][1]
                    break
                parent = c.parent_id[cur]
                if not parent or c.platform_id[cur] in seen:
                    break
                seen.add(c.platform_id[cur])
                nxt = index.get((p, parent))
                if nxt is None:  # the parent was imported before (or earlier in this run)
                    if parent not in stored:
                        stored[parent] = self.conn.execute(
                            select(post.c.platform_id).select_from(comment.join(post, post.c.id == comment.c.post_id))
                            .where(comment.c.platform == p, comment.c.platform_id == parent)).scalar()
                    post_id = stored[parent]
                    break
                cur = nxt
            if post_id is None:
                raise BadInput(self.path, None, f"comment {p}:{c.platform_id[j]}: the export does not name its post "
                                 f"and its parent comment {c.parent_id[j]} is neither in this file nor in the store; "
                                 "import the page that holds the parent first")
            k = (p, post_id)
            if k not in post_index:
                post_index[k] = len(post_keys)
                post_keys.append(k)
                posts[k] = None
            c.post[j] = post_index[k]

    def _entity_id(self, o: ObservationRec) -> int:
        k = _key(o)
        if o.entity == "comment":
            ids = self.comment_ids[o.platform]
            if o.platform_id in ids:
                return ids[o.platform_id]
        else:
            ids = {"source": self.cache["sources"], "post": self.cache["posts"], "author": self.cache["authors"]}[o.entity]
            if k in ids:
                return ids[k]
        # an observation of a comment or author read in another file
        table = {"comment": comment, "author": author}[o.entity]
        found = self._lookup(table, [k], ())
        if k not in found:
            raise BadInput(self.path, None, f"observation of an unknown {o.entity} {o.platform}:{o.platform_id}")
        return found[k]["id"]

    # -- new rows (r is None for a stub that is only referenced)

    def _source_row(self, i: int, k, r: SourceRec | None) -> tuple:
        if r is None:
            return i, k[0], k[1], "page", None, None, None
        return i, r.platform, r.platform_id, r.kind, r.handle, r.title, r.url

    def _author_row(self, i: int, k, r: AuthorRec) -> tuple:
        return i, r.platform, r.platform_id, r.handle, r.display_name

    def _post_row(self, i: int, k, r: PostRec | None) -> tuple:
        run = self.run_id
        if r is None:
            return i, k[0], k[1], None, None, None, None, None, None, run, run, None, None
        return (i, k[0], k[1],
                self.cache["sources"].get((r.platform, r.source_id)) if r.source_id else None,
                self.cache["authors"].get(_key(r.author)) if r.author else None,
                r.url, r.text, r.published_at, self.post_raw.get(k), run, run, r.copy_of,
                json.dumps(r.copy_hint, ensure_ascii=False) if r.copy_hint else None)

    # -- records already in the store: return an update (or None)

    def _update_source(self, row, r: SourceRec | None) -> dict | None:
        if r is None:
            return None
        vals = {c: getattr(r, c) for c in ("title", "handle", "url") if getattr(r, c) and getattr(r, c) != row[c]}
        if r.kind and vals:
            vals["kind"] = r.kind
        return {"_id": row["id"], **vals} if vals else None

    def _update_author(self, row, r: AuthorRec) -> dict | None:
        # the author row keeps the latest handle and name; each comment keeps the ones seen with
        # it. (`row` may hold just the id: then every handle and name the record has is set.)
        vals = {c: getattr(r, c) for c in ("handle", "display_name") if getattr(r, c) and getattr(r, c) != row.get(c)}
        return {"_id": row["id"], **vals} if vals else None

    def _update_post(self, row, r: PostRec | None) -> dict:
        vals = {"_id": row["id"], "last_import_id": self.run_id, "not_seen_since": None}
        if r is not None:
            for c in ("text", "url", "published_at"):
                if getattr(r, c) and not row[c]:  # fill what a stub or a thinner export lacked
                    vals[c] = getattr(r, c)
            if r.source_id and not row["source_id"]:
                vals["source_id"] = self.cache["sources"].get((r.platform, r.source_id))
            if r.copy_of:
                vals["copy_of_platform_id"] = r.copy_of
            if r.copy_hint:
                vals["copy_hint"] = json.dumps(r.copy_hint, ensure_ascii=False)
        return vals

    def _update_comment(self, row, text: str, likes: int | None) -> dict:
        vals = {"_id": row["id"], "last_import_id": self.run_id, "not_seen_since": None}
        if likes is not None:
            vals["likes"] = likes
        if text != row["text"]:
            # The text changed between exports: the working copy follows the latest; every
            # earlier version stays in its raw record.
            vals["text"], vals["edited"] = text, True
            if self.fts and row["id"] < self.fts_next:  # (the others are indexed with their latest text)
                self.conn.exec_driver_sql("INSERT INTO comment_fts(comment_fts, rowid, text) VALUES('delete', ?, ?)",
                                          (row["id"], row["text"]))
                self.conn.exec_driver_sql("INSERT INTO comment_fts(rowid, text) VALUES(?, ?)", (row["id"], text))
        return vals

    # -- after the last batch

    def finish(self, completes: list[Complete]) -> None:
        conn = self.conn
        self.index_text()
        # Reply parents and thread roots the write pass could not give: a reply read before its
        # parent, or a reply stored earlier whose parent came now. The partial indexes
        # ix_comment_orphan and ix_comment_rootless hold just these rows.
        conn.execute(text(
            "UPDATE comment SET parent_id = (SELECT p.id FROM comment p WHERE p.platform=comment.platform "
            "AND p.platform_id=comment.parent_platform_id) "
            "WHERE parent_id IS NULL AND parent_platform_id IS NOT NULL"))
        conn.execute(text("UPDATE comment SET root_id = id WHERE root_id IS NULL AND parent_platform_id IS NULL"))
        for _ in range(1000):  # one step of thread depth per pass
            n = conn.execute(text(
                "UPDATE comment SET root_id = (SELECT p.root_id FROM comment p WHERE p.id=comment.parent_id) "
                "WHERE root_id IS NULL AND parent_id IS NOT NULL AND "
                "(SELECT p.root_id FROM comment p WHERE p.id=comment.parent_id) IS NOT NULL")).rowcount
            if not n:
                break
        self._resolve_copies()
        for c in completes:
            pid = self.cache["posts"].get((c.platform, c.post_id))
            if pid is None:
                continue
            orig = conn.execute(select(post.c.copy_of_id).where(post.c.id == pid)).scalar()
            self.not_seen += conn.execute(
                update(comment).where(comment.c.post_id == (orig or pid), comment.c.not_seen_since.is_(None),
                                      comment.c.last_import_id != self.run_id)
                .values(not_seen_since=self.file_time)).rowcount
        if self.case_posts:
            bulk_insert(conn, case_post, [{"case_id": self.case_id, "post_id": p} for p in sorted(self.case_posts)], ignore_conflicts=True)

    def _resolve_copies(self) -> None:
        """Point forwarded copies at their originals and move the copies' comments there."""
        conn = self.conn
        pending = conn.execute(select(post.c.id, post.c.platform, post.c.copy_of_platform_id, post.c.copy_hint)
                               .where(post.c.copy_of_id.is_(None),
                                      (post.c.copy_of_platform_id.is_not(None)) | (post.c.copy_hint.is_not(None))))
        for pid, plat, copy_of, hint in pending.all():
            orig = None
            if copy_of:
                orig = conn.execute(select(post.c.id).where(post.c.platform == plat,
                                                            post.c.platform_id == copy_of)).scalar()
            if orig is None and hint:
                orig = _match_hint(conn, plat, pid, json.loads(hint))
            if orig is None or orig == pid:
                continue
            conn.execute(update(post).where(post.c.id == pid).values(copy_of_id=orig))
            conn.execute(update(comment).where(comment.c.post_id == pid).values(post_id=orig))
            cases = {r[0] for r in conn.execute(select(case_post.c.case_id).where(case_post.c.post_id == pid))}
            cases.add(self.case_id)
            bulk_insert(conn, case_post, [{"case_id": c, "post_id": orig} for c in sorted(cases)], ignore_conflicts=True)




def _norm_ws(s: str | None) -> str:
    return " ".join((s or "").split())


def _match_hint(conn: Connection, plat: str, pid: int, hint: dict) -> int | None:
    """Find the original of a forwarded copy: same platform, source named as in the hint, same
    text, published within ten minutes before the copy. Unique match only."""
    q = select(post.c.id, post.c.text, post.c.published_at).join(source, source.c.id == post.c.source_id).where(
        post.c.platform == plat, post.c.id != pid, post.c.copy_hint.is_(None), post.c.copy_of_platform_id.is_(None))
    if hint.get("source_id"):
        q = q.where((source.c.platform_id == str(hint["source_id"])) | (source.c.title == hint.get("source_title")))
    elif hint.get("source_title"):
        q = q.where(source.c.title == hint["source_title"])
    else:
        return None
    want_text = _norm_ws(hint.get("text"))
    t = hint.get("published_at")
    cands = []
    for oid, otext, opub in conn.execute(q):
        if _norm_ws(otext) != want_text:
            continue
        if t and opub:
            dt = (datetime.fromisoformat(t.replace("Z", "+00:00")) - datetime.fromisoformat(opub.replace("Z", "+00:00"))).total_seconds()
            if not -60 <= dt <= 600:
                continue
        cands.append(oid)
    return cands[0] if len(cands) == 1 else None


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
