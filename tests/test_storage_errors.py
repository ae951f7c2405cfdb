"""Storage failures are one line (issue 16 item 5): a full disk, an I/O error or a read-only
workspace during analyze, report, export, verify, import or the web gives exit code 4 and one
line naming the cause and what was left as it was; the store is unchanged and no output file
stays behind.

The failure is SQLite's own error at the moment the command commits (a disk that fills up
while the command writes), raised by the store the CLI opens."""

import sqlite3

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from tests.conftest import DEMO_STANCE, copy_workspace, snapshot, write_instaloader
from tests.test_ingest import base_comments

FULL = "database or disk is full"
READ_ONLY = "attempt to write a readonly database"


@pytest.fixture
def analysed(analysed_demo, home, tmp_path):
    assert home == tmp_path / "ws"
    return copy_workspace(analysed_demo, tmp_path / "ws")  # the workspace of `otk`


@pytest.fixture
def failing_store(monkeypatch):
    """fail(message): every store the CLI opens from now on fails its commits with SQLite's `message`."""
    import otklik.store as store

    real = store.open_store

    def fail(message):
        def open_failing(*a, **kw):
            engine = real(*a, **kw)

            @event.listens_for(engine, "commit")
            def _commit(conn):  # as SQLAlchemy raises SQLite's error
                raise OperationalError("COMMIT", {}, sqlite3.OperationalError(message))
            return engine
        monkeypatch.setattr(store, "open_store", open_failing)
    return fail


def _one_line(res) -> str:
    lines = [x for x in res.output.splitlines() if x.strip()]
    assert res.exit_code == 4, res.output
    assert len(lines) == 1 and "Traceback" not in res.output, res.output
    return lines[0]


@pytest.mark.parametrize("message, cause", [(FULL, "the disk is full"), (READ_ONLY, "the workspace is read-only")])
@pytest.mark.parametrize("command, left", [
    (["analyze", "--case", "demo", "--stance-backend", DEMO_STANCE], "nothing was changed: the analysis run was rolled back"),
    (["report", "--case", "demo", "-o", "{out}/report.md"], "the store was not changed and no report was written to {out}/report.md"),
    (["export", "--case", "demo", "-o", "{out}/out.csv"], "the store was not changed and no export was written ({out}/out.csv is as it was)"),
    (["verify", "--rebuild-search"], "verify did not finish; the store was not changed"),
])
def test_a_command_that_cannot_write_says_why_in_one_line(otk, home, analysed, tmp_path, failing_store,
                                                            command, left, message, cause):
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(home)
    failing_store(message)
    line = _one_line(otk(*[c.format(out=out) for c in command], ok=False))
    assert line == f"error: {cause}; {left.format(out=out)}"
    assert snapshot(home) == before
    assert list(out.iterdir()) == []  # no report, no export, no half-written file


def test_an_import_that_cannot_write_leaves_the_store(otk, home, analysed, tmp_path, failing_store):
    before = snapshot(home)
    failing_store(READ_ONLY)
    line = _one_line(otk("import", "--case", "demo", write_instaloader(tmp_path / "ex", base_comments()), ok=False))
    assert line == "error: the workspace is read-only; nothing was changed: the store's last transaction was rolled back"
    assert snapshot(home) == before


def test_verify_on_a_failing_disk_says_it_did_not_finish(otk, home, analysed, monkeypatch):
    from otklik.store import verify

    def io_error(*a, **kw):
        raise sqlite3.OperationalError("disk I/O error")
    monkeypatch.setattr(verify, "verify_store", io_error)
    line = _one_line(otk("verify", ok=False))
    assert line == "error: a disk I/O error (the disk is full or failing); verify did not finish; the store was not changed"


def test_a_full_disk_is_named_when_sqlite_only_says_io_error(tmp_path, monkeypatch):
    # With no byte free SQLite cannot even make its shared-memory file and says "disk I/O error";
    # the file system says it is the full disk.
    import os

    from otklik.store.errors import storage_problem

    class Full:
        f_flag, f_bavail, f_frsize = 0, 0, 4096
    monkeypatch.setattr(os, "statvfs", lambda p: Full)
    err = sqlite3.OperationalError("disk I/O error")
    assert storage_problem(err, tmp_path) == f"the disk is full (0 bytes free for the workspace {tmp_path})"
    Full.f_flag = os.ST_RDONLY
    assert storage_problem(err, tmp_path) == f"the workspace {tmp_path} is on a read-only file system"
    assert storage_problem(ValueError("disk I/O error"), tmp_path) is None  # only storage errors


def test_serve_on_a_store_that_cannot_be_opened_is_one_line(otk, home, analysed, monkeypatch):
    import otklik.store as store

    def cannot_open(*a, **kw):
        raise sqlite3.OperationalError("unable to open database file")
    monkeypatch.setattr(store, "open_store", cannot_open)
    line = _one_line(otk("serve", ok=False))
    assert line.startswith("error: the store cannot be opened")
    assert line.endswith("; the server did not start; the store was not changed")
