"""What every command module shares: the workspace context, JSON-or-text output, and the one
error helper with the exit codes (1 an error, 2 bad input, 3 verification failed, 4 storage
failed: disk full, I/O error, read-only workspace)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import NoReturn

import click

EXIT_ERROR = 1
EXIT_BAD_INPUT = 2  # a file, record or option that cannot be used; nothing was changed
EXIT_VERIFY_FAILED = 3  # a hash, reference, quote or number does not match the store
EXIT_STORAGE = 4  # the disk is full, failing or read-only; the store's last transaction was rolled back


class Ctx:
    """click's obj: the configuration, the workspace folder and its store, opened (and migrated) on
    first use.

    A workspace is created only when the user asked for one: `--home`, $OTKLIK_HOME or the user
    file's `workspace` name it, or the command creates things (`case new`, `demo` call
    `allow_create()`). The built-in default, ./otklik-data, is never created silently: a command run
    in the wrong folder says there is no workspace and exits instead of starting an empty store."""

    quiet = False  # -q: no progress display, only errors on stderr

    def __init__(self, home: Path | None = None, config=None):
        from ..config import load_config

        self.config = config if config is not None else load_config(home)
        self.home = Path(self.config.get("workspace"))
        self._engine = None
        self._may_create = not self.config.home_is_default
        self.unchanged: str | None = None
        """What a storage failure leaves as it was, when the command has more to say than that
        the store's transaction was rolled back (an output file it did not write)."""

    def allow_create(self) -> None:
        """This command may create the workspace (case new, demo)."""
        self._may_create = True

    @property
    def engine(self):
        if self._engine is None:
            import os

            from ..store import open_store

            exists = (self.home / "otklik.sqlite").exists() or os.environ.get("OTKLIK_DATABASE_URL")
            if not exists and not self._may_create:
                fail(f"no otklik workspace in {self.home.resolve()}: run the command in the folder that holds "
                     f"{self.home}, pass --home FOLDER (or set $OTKLIK_HOME, or `workspace` in "
                     f"the user configuration), or create one with `otklik case new`", EXIT_BAD_INPUT)
            self._engine = open_store(self.home)
        return self._engine


class _ClickHandler(logging.Handler):
    """Log records on the current stderr (click's, so a test runner's captured stream works too)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # a log line must never break a command
            self.handleError(record)


_HANDLER = _ClickHandler()
_HANDLER.setFormatter(logging.Formatter("otklik: %(levelname)s: %(message)s"))


def setup_logging(verbose: int, quiet: bool) -> None:
    """Diagnostics through `logging` on stderr: warnings by default, -v info, -vv debug, -q errors only.
    Python warnings (warnings.warn) are logged too, so -q silences them. Command output is not logging."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO)[verbose] if verbose < 2 else logging.DEBUG
    for name in ("otklik", "py.warnings"):
        logger = logging.getLogger(name)
        if _HANDLER not in logger.handlers:
            logger.addHandler(_HANDLER)
        logger.setLevel(level)
        logger.propagate = False
    logging.captureWarnings(True)


def emit(data, as_json: bool, human) -> None:
    """Print `data` as indented JSON, or as `human(data)` prints it."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        human(data)


def storage_failure(exc: BaseException, obj: "Ctx | None") -> str | None:
    """The one line for a storage failure (disk full, I/O error, read-only workspace) of any
    command: its cause and what was left as it was; None when `exc` is no storage failure.
    `cli.main` prints it with exit code 4 (EXIT_STORAGE)."""
    from ..store.errors import STORE_UNCHANGED, storage_problem

    cause = storage_problem(exc, obj.home if obj is not None else None)
    if cause is None:
        return None
    return f"{cause}; {(obj.unchanged if obj is not None else None) or STORE_UNCHANGED}"


def fail(msg: str, code: int = EXIT_ERROR) -> NoReturn:
    """Print `error: msg` on stderr and exit with `code`."""
    click.echo(f"error: {msg}", err=True)
    sys.exit(code)
