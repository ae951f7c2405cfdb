"""Moved to otklik.store.custody (where `append` takes an explicit actor). This name stays until
the analysis side imports the store's module; `append(..., user=)` is the old signature."""

from .store.custody import GENESIS, now_utc, os_user, verify_chain  # noqa: F401
from .store import custody as _log


def append(conn, action: str, *, user: str | None = None, **fields) -> str:
    return _log.append(conn, action, actor=user, **fields)
