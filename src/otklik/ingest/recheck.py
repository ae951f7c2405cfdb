"""The comment rows checked against their raw records (`otklik verify`): the importer that read
each record reads it again, alone, and the row must hold what the import made of its reads.

How an import sets a comment's row (writer.py), which this replays: a batch of the reader (one
raw chunk) gives a comment the fields of its last read in the batch; the batch that first meets
the comment sets them all; each later batch sets the text (marking the comment edited when it
changed) and the likes when the read has a count. Author, time and the rest stay as first set.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.engine import Connection

from ..importers import Options
from ..importers.base import all_importers
from ..model import CommentRec
from ..store.verify import comment_reads, import_readers

CHECKED = ("text", "author", "author_handle", "author_name", "published_at", "published_approx", "likes", "edited")


class _Unreadable(Exception):
    """A raw record that its importer can no longer read (the message says why)."""


def check_comments(conn: Connection) -> dict:
    """{comments_checked, mismatches: [...], notes: [...]}: each mismatch names the comment, the
    field, the stored value and what its raw records say."""
    readers = _readers(conn)
    mismatches, unchecked = [], Counter()
    checked = 0
    last: list = [None, None]  # the last raw record read again and its comments (a page holds many)

    def reread(read, platform_id: str) -> CommentRec | None:
        rid, _, run, where, raw = read
        if last[0] != rid:
            imp, opts = readers[run]
            try:
                got = {c.platform_id: c for c in imp.record_comments(raw, where, opts, platform_id)}
            except Exception as e:  # whatever the record parser raises: the record is not what was read
                raise _Unreadable(f"the {imp.name} importer cannot read it again ({type(e).__name__}: {e})") from None
            last[:] = rid, got
        return last[1].get(platform_id)

    for stored, reads in comment_reads(conn):
        why = [r for r in (readers.get(read[2], _NO_RUN) for read in reads) if type(r) is str]
        if why:
            unchecked[why[0]] += 1
            continue
        checked += 1
        try:
            expected, source = _replay(stored, reads, reread)
        except _Unreadable as e:
            mismatches.append(f"{_name(stored)}: its raw record {e}")
            continue
        stored["published_approx"], stored["edited"] = bool(stored["published_approx"]), bool(stored["edited"])
        for field in CHECKED:
            if stored[field] != expected[field]:
                mismatches.append(f"{_name(stored)}: {field} is {_short(stored[field])} but its raw record "
                                  f"{source[field]} says {_short(expected[field])}")
    notes = [f"{n} comment(s) not checked against their raw records: {why}" for why, n in sorted(unchecked.items())]
    return {"comments_checked": checked, "mismatches": mismatches, "notes": notes}


def _readers(conn: Connection) -> dict:
    """import run id -> (importer, options) to read its records again, or why they cannot be."""
    importers = all_importers()
    out: dict = {}
    for run, r in import_readers(conn).items():
        imp = importers.get(r["importer"])
        if imp is None:
            out[run] = f"read by an importer this otklik does not have ({r['importer']})"
        elif not imp.rereads_records:
            out[run] = f"the {imp.name} format's records need their whole file to be read"
        elif imp.version != r["importer_version"]:
            out[run] = f"read by {imp.name} version {r['importer_version']}, and this otklik has version {imp.version}"
        else:
            try:
                out[run] = (imp, Options(**(r["options"] or {})))
            except TypeError:
                out[run] = f"the options in the custody entry of import run {run} are unreadable"
    return out


_NO_RUN = "their raw record names an import run that is not in the store"


def _replay(stored: dict, reads: list, reread) -> tuple[dict, dict]:
    """The fields the import gave the comment, from its reads (see the module docstring), and
    the raw record each was taken from."""
    pid = stored["platform_id"]
    groups: list[list] = [reads]
    if len(reads) > 1:
        groups = []
        for read in reads:  # reads of one batch share its chunk and follow each other
            if groups and groups[-1][-1][1] == read[1]:
                groups[-1].append(read)
            else:
                groups.append([read])
    out: dict = {}
    source: dict = {}
    for group in groups:
        rid, where = group[-1][0], group[-1][3]
        try:
            rec = reread(group[-1], pid)
        except _Unreadable as e:
            raise _Unreadable(f"{rid} ({where}): {e}") from None
        if rec is None:
            raise _Unreadable(f"{rid} ({where}) holds no comment {pid}")
        if not out:
            a = rec.author
            out = {"text": rec.text, "author": a and a.platform_id, "author_handle": a and a.handle,
                   "author_name": a and a.display_name, "published_at": rec.published_at,
                   "published_approx": bool(rec.published_approx), "likes": rec.likes, "edited": False}
            source = dict.fromkeys(out, rid)
        else:
            if rec.text != out["text"]:
                out["text"], out["edited"] = rec.text, True
                source["text"] = source["edited"] = rid
            if rec.likes is not None:
                out["likes"], source["likes"] = rec.likes, rid
    return out, source


def _name(stored: dict) -> str:
    return f"comment {stored['id']} ({stored['platform']}:{stored['platform_id']})"


def _short(value) -> str:
    r = repr(value)
    return r if len(r) <= 80 else r[:77] + "..."
