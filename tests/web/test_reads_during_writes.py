"""Readers never fail because of a writer (issue 16): the comments page answers while an import
or analysis holds the store's write lock, and an import never takes the store for itself while
the web has it open."""

import threading

from starlette.testclient import TestClient

from otklik.store import bulk_write, open_store, read_engine
from tests.conftest import comment, write_instaloader
from tests.test_ingest import base_comments
from tests.web.conftest import login

PAGE = "/cases/c1/comments"


def _case_with_comments(otk, tmp_path):
    otk("case", "new", "c1", "--subject", "Тимур Асхабов")
    otk("import", "--case", "c1", write_instaloader(tmp_path / "a", base_comments()))


def test_the_comments_page_answers_while_a_writer_holds_the_store(otk, home, tmp_path, app_factory):
    _case_with_comments(otk, tmp_path)
    client = TestClient(app_factory(home))
    login(client, "vic")
    assert client.get(PAGE).status_code == 200  # the page's facets are built
    # a second import commits (the facets are now out of date), then another writer takes the
    # store's write lock and keeps it, as the next import or an analysis would
    otk("import", "--case", "c1", write_instaloader(tmp_path / "b", [comment(301, "Вторая волна", 7)],
                                                     prefix="2026-03-02_10-00-00_UTC", shortcode="DEMOPOST2"))
    writer = open_store(home).connect()
    tx = writer.begin()  # BEGIN IMMEDIATE: the write lock, held
    statuses = []
    try:
        def read():
            statuses.append(client.get(PAGE).status_code)
        threads = [threading.Thread(target=read) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses.append(client.get(PAGE + "?lang=ru").status_code)
    finally:
        tx.rollback()
        writer.close()
    assert statuses == [200] * 9  # never "the store is busy" for a page read
    page = client.get(PAGE)  # the writer is gone: the facets catch up with the second import
    assert page.status_code == 200 and "Вторая волна" in page.text


def test_an_import_does_not_lock_out_the_web_readers(home, tmp_path):
    # An import may take the store for itself (a faster journal) only when no one else has it
    # open; the web's read engine, once made, keeps it shared even before its first page.
    from otklik.cases import create_case
    from otklik.ingest import import_files

    engine = open_store(home)
    with engine.begin() as conn:
        create_case(conn, "c1", "Тимур Асхабов")
    import_files(engine, "c1", [write_instaloader(tmp_path / "a", base_comments())])
    engine.dispose()  # no connection of the store is open now
    reader = read_engine(home)
    engine = open_store(home)
    with engine.connect() as conn, bulk_write(conn):
        with conn.begin():
            conn.exec_driver_sql("UPDATE comment SET likes = likes + 1000")
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            with reader.connect() as r:  # a page read in the middle of the import
                likes = r.exec_driver_sql("SELECT max(likes) FROM comment").scalar()
    assert mode == "wal"
    assert likes < 1000  # the snapshot before the import, read without waiting for it
    reader.dispose()
    engine.dispose()


def test_an_edit_on_a_full_disk_is_one_line_and_changes_nothing(demo_home, app_factory, monkeypatch):
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from otklik.web import app as web_app
    from tests.conftest import snapshot
    from tests.web.conftest import csrf_of
    from tests.web.test_web import first_comment_id

    engines = []
    real = web_app.open_store
    monkeypatch.setattr(web_app, "open_store", lambda *a, **kw: engines.append(real(*a, **kw)) or engines[-1])
    client = TestClient(app_factory(demo_home))
    login(client, "eve")
    cid, token = first_comment_id(client), csrf_of(client)
    before = snapshot(demo_home)

    @event.listens_for(engines[0], "commit")  # the web's writer: the disk fills as the label is written
    def _full(conn):
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))

    r = client.post(f"/cases/demo/comments/{cid}/label", data={"stance": "-1", "csrf": token})
    assert r.status_code == 507
    assert "the disk is full; nothing was changed: the store&#39;s last transaction was rolled back" in r.text
    assert snapshot(demo_home) == before
