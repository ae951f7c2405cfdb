"""Progress on a terminal for the long commands (import, analyze, train): a bar per stage on
stderr. Nothing is drawn when stderr is not a terminal (a pipe, a log file, a test), with --json or
with -q. The services only call back (`stage(name, done, total)`, `count(n)`); drawing is here."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


class Progress:
    """`stage` is the callback of analyze_case and train_default; `count` the one of import_files
    (records written so far; the total is not known before the files are read)."""

    def __init__(self, enabled: bool, file=None):
        self.file = file if file is not None else sys.stderr
        isatty = getattr(self.file, "isatty", None)
        self.enabled = enabled and bool(isatty and isatty())
        self._bar: ProgressBar | None = None
        self._name: str | None = None
        self._done = 0
        self._records = 0

    def stage(self, name: str, done: int, total: int) -> None:
        if not self.enabled or not total:
            return
        bar = self._bar
        if bar is None or name != self._name or total != bar.length:
            self._finish_bar()
            bar = self._bar = click.progressbar(length=total, label=f"  {name:<12}", file=self.file, show_pos=True)
            bar.__enter__()
            self._name, self._done = name, 0
        bar.update(max(done - self._done, 0))
        self._done = done
        if done >= total:
            self._finish_bar()

    def count(self, n: int) -> None:
        if not self.enabled:
            return
        self._records += n
        click.echo(f"\r  import       {self._records:>10,} records", file=self.file, nl=False)

    def _finish_bar(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar, self._name = None, None

    def close(self) -> None:
        self._finish_bar()
        if self.enabled and self._records:
            click.echo("", file=self.file)
            self._records = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress(obj, as_json: bool = False) -> Progress:
    """The progress display of a command: on only on a terminal, without --json and without -q."""
    return Progress(enabled=not as_json and not getattr(obj, "quiet", False))
