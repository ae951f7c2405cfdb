"""What every command module shares: the workspace context, JSON-or-text output, and the one
error helper with the exit codes (1 an error, 2 bad input, 3 verification failed, 4 storage
failed: disk full, I/O error, read-only workspace)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

EXIT_ERROR = 1
EXIT_BAD_INPUT = 2  # a file, record or option that cannot be used; nothing was changed
EXIT_VERIFY_FAILED = 3  # a hash, reference, quote or number does not match the store
EXIT_STORAGE = 4  # the disk is full, failing or read-only; the store's last transaction was rolled back


class Ctx:
    """click's obj: the workspace folder and its store, opened (and migrated) on first use."""

    def __init__(self, home: Path):
        self.home = home
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            from ..store import open_store

            self._engine = open_store(self.home)
        return self._engine


def emit(data, as_json: bool, human) -> None:
    """Print `data` as indented JSON, or as `human(data)` prints it."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        human(data)


def fail(msg: str, code: int = EXIT_ERROR) -> None:
    """Print `error: msg` on stderr and exit with `code`."""
    click.echo(f"error: {msg}", err=True)
    sys.exit(code)
