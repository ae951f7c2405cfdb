"""Storage failures in words: a full disk, an I/O error, a read-only workspace or a busy store
become one line naming the cause, for every command (`cli.main` prints it, exit code 4)."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from sqlalchemy.exc import DBAPIError

_IOERR = "a disk I/O error (the disk is full or failing)"
_CANTOPEN = "the store cannot be opened (a missing or read-only folder, or no space)"
_READONLY = "the workspace is read-only"
_NEARLY_FULL = 1 << 20  # bytes: less free than this and an I/O error is the full disk

# SQLite's messages -> the cause in words
_SQLITE = [
    ("database or disk is full", "the disk is full"),
    ("disk i/o error", _IOERR),
    ("readonly database", _READONLY),
    ("read-only file system", _READONLY),
    ("unable to open database file", _CANTOPEN),
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


def storage_problem(exc: BaseException, where: Path | None = None) -> str | None:
    """The cause of `exc` (or of an exception it was raised from) when it is a storage failure,
    in one line; None for any other error. `where` (the workspace) lets the file system say what
    SQLite cannot: its "disk I/O error" or "unable to open" is a full disk or a read-only one."""
    seen = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        orig = e.orig if isinstance(e, DBAPIError) else e
        if isinstance(orig, sqlite3.Error):
            msg = str(orig).lower()
            for needle, cause in _SQLITE:
                if needle in msg:
                    return _refine(cause, where)
        if isinstance(orig, OSError) and orig.errno in _ERRNO:
            where_ = f" ({orig.filename})" if orig.filename else ""
            return _ERRNO[orig.errno] + where_
        e = e.__cause__ or e.__context__
    return None


def _refine(cause: str, where: Path | None) -> str:
    if where is None or cause not in (_IOERR, _CANTOPEN, _READONLY):
        return cause
    folder = Path(where).resolve()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        st = os.statvfs(folder)
    except OSError:
        return cause
    if st.f_flag & os.ST_RDONLY:
        return f"the workspace {where} is on a read-only file system"
    free = st.f_bavail * st.f_frsize
    if cause != _READONLY and free < _NEARLY_FULL:
        return f"the disk is full ({free:,} bytes free for the workspace {where})"
    return cause


class StoreBusy(Exception):
    """Another connection holds the store's write lock (an import or analysis is writing) and
    did not let go within the wait the caller allowed (`engine.write_now`)."""


STORE_UNCHANGED = "nothing was changed: the store's last transaction was rolled back"
