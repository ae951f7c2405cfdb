"""Storage failures in words: a full disk, an I/O error, a read-only workspace or a busy store
become one line naming the cause, for every command (`cli.main` prints it, exit code 4)."""

from __future__ import annotations

import errno
import sqlite3

from sqlalchemy.exc import DBAPIError

# SQLite's messages -> the cause in words
_SQLITE = [
    ("database or disk is full", "the disk is full"),
    ("disk i/o error", "a disk I/O error (the disk is full or failing)"),
    ("readonly database", "the workspace is read-only"),
    ("read-only file system", "the workspace is read-only"),
    ("unable to open database file", "the store cannot be opened (a missing or read-only folder, or no space)"),
    ("database is locked", "the store is busy (another otklik command is writing); try again"),
]
_ERRNO = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.EROFS: "the file system is read-only",
    errno.EIO: "a disk I/O error",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def storage_problem(exc: BaseException) -> str | None:
    """The cause of `exc` (or of an exception it was raised from) when it is a storage failure,
    in one line; None for any other error."""
    seen = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        orig = e.orig if isinstance(e, DBAPIError) else e
        if isinstance(orig, sqlite3.Error):
            msg = str(orig).lower()
            for needle, cause in _SQLITE:
                if needle in msg:
                    return cause
        if isinstance(orig, OSError) and orig.errno in _ERRNO:
            where = f" ({orig.filename})" if orig.filename else ""
            return _ERRNO[orig.errno] + where
        e = e.__cause__ or e.__context__
    return None


class StoreBusy(Exception):
    """Another connection holds the store's write lock (an import or analysis is writing) and
    did not let go within the wait the caller allowed (`engine.write_now`)."""


STORE_UNCHANGED = "nothing was changed: the store's last transaction was rolled back"
