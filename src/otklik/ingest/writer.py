"""Writing an import run's batches: rows as tuples straight to the driver (executemany on SQLite,
COPY on PostgreSQL), ids allocated here, look-ups only where the store can have the record."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from itertools import accumulate, repeat
from pathlib import Path
from time import perf_counter
from typing import Callable

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.engine import Connection

from ..importers import BadInput
from ..model import AuthorRec, Complete, ObservationRec, PostRec, SourceRec
from ..store import (
    author, case_post, chunked, comment, observation, post, raw_chunk, raw_record, sighting, source,
)
from ..store.codec import CHUNK_CODEC
from ..store.sql import bulk_insert, copy_sql, insert_sql
from .reader import Batch, Comments, Key, _key
from .threads import link_threads, resolve_copies

KINDS = ("sources", "posts", "comments", "authors", "observations")


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
        # SHA-256 over the SHA-256 digests of the raw records this run writes, in order (custody)
        self.records_digest = hashlib.sha256()
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
        self.records_digest.update(b"".join(r.sha256))
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
        link_threads(conn)
        resolve_copies(conn, self.case_id)
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
