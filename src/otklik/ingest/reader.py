"""Reading an export file in a second process: the importer runs in a forked child that hashes,
packs, sorts each batch by kind and encodes it; this side decodes what arrives (the wire format
is `Batch`, of columns `Reads` and `Comments`), and gives IDLE when nothing is ready yet."""

from __future__ import annotations

import ctypes
import gc
import hashlib
import os
import signal
import sys
import multiprocessing as mp
import queue
import threading
import traceback
from pathlib import Path
from typing import Iterator

import msgspec

from ..importers import BadInput, Importer, Options
from ..importers.base import printable, read_checked
from ..model import AuthorRec, CommentRec, Complete, Item, ObservationRec, PostRec, Skip, SourceRec
from ..store.codec import CHUNK_RECORDS, pack
from .errors import ImportFailed

BATCH = CHUNK_RECORDS
READ_AHEAD = 16  # batches that may wait for the writer (queued, or for the file's hash): bounds memory


def _key(rec) -> tuple[str, str]:
    return rec.platform, rec.platform_id


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
    for rec in read_checked(imp, path, opts):
        if type(rec) is Item:
            sorter.add(rec)
        else:
            sorter.other.append(rec)
        if len(sorter) >= BATCH:
            yield sorter.batch()
            sorter = _Sorter(author_numbers)
    if len(sorter):
        yield sorter.batch()


def _die_with_parent(parent: int) -> None:
    """End this process when the import that forked it ends, however it ends (kill -9 included):
    Linux sends SIGKILL at the parent's death (prctl PR_SET_PDEATHSIG); elsewhere a write to the
    pipe fails once the parent is gone, because the child holds no read end of its own."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover  (no prctl: the pipe still ends it)
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


PR_SET_PDEATHSIG = 1


def _text(value):
    return printable(value) if isinstance(value, str) else value


def _read_in_child(imp: Importer, path: Path, opts: Options, out, unused, parent: int) -> None:
    _die_with_parent(parent)
    unused.close()  # the parent's end: held here, it would keep the pipe open after the parent died
    gc.disable()  # a short-lived process that makes no reference cycles
    encode = msgspec.msgpack.Encoder().encode
    try:
        for batch in _batches(imp, path, opts):
            out.send_bytes(encode(batch))
        out.send_bytes(encode(_Done()))
    except BadInput as e:  # a problem may quote the bad value itself, lone surrogates included
        out.send_bytes(encode(_Failed(path=_text(e.path), where=_text(e.where), problem=_text(e.problem))))
    except (BrokenPipeError, ConnectionResetError):
        os._exit(1)  # the import is gone: nobody to tell
    except BaseException:
        try:
            out.send_bytes(encode(_Failed(traceback=printable(traceback.format_exc()))))
        except OSError:
            os._exit(1)


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


IDLE = object()  # what `read` gives when the reader has no batch ready: the writer may do other work


def next_batch(batches: Iterator[Batch]) -> Batch | None:
    """The next batch (waiting for it), or None at the end."""
    return next((b for b in batches if b is not IDLE), None)


def read(imp: Importer, path: Path, opts: Options) -> Iterator[Batch]:
    """Batches of `_batches`, read in a child process when the platform can fork; IDLE when the
    next one is not ready yet."""
    if "fork" not in mp.get_all_start_methods():
        yield from _batches(imp, path, opts)
        return
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_read_in_child, args=(imp, path, opts, send, recv, os.getpid()), daemon=True)
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
