"""The store on PostgreSQL: the same commands, the same results as on SQLite.

A throwaway PostgreSQL cluster is started for the session from the server binaries on this
machine (.ci/run installs Debian's `postgresql` when they are missing); as root it runs as
`nobody`, because PostgreSQL refuses to run as root.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import write_instaloader
from tests.test_ingest import _tiktok_line, base_comments


def _pg_bin(name):
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


@pytest.fixture(scope="session")
def pg_server():
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("no PostgreSQL server binaries on this machine (.ci/run installs Debian's postgresql)")
    pytest.importorskip("psycopg")
    # not under pytest's base temp: that is private to this user (and `nobody` must reach it)
    root = Path(tempfile.mkdtemp(prefix="otklik-pg-"))
    data = root / "data"
    as_user = []
    if os.geteuid() == 0:
        shutil.chown(root, "nobody")
        as_user = ["runuser", "-u", "nobody", "--"]
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, text=True)  # noqa: E731
    run(initdb, "-D", str(data), "-U", "otklik", "--auth=trust", "-E", "UTF8", "--locale=C")
    run(pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "-o",
        f"-k {root} -p 54329 -c listen_addresses='' -c fsync=off", "start")
    try:
        yield root
    finally:
        run(pg_ctl, "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server, request, monkeypatch):
    """A new empty database, and OTKLIK_DATABASE_URL pointing at it."""
    import psycopg

    name = "t_" + request.node.name.lower()[:50].replace("[", "_").replace("]", "").replace("-", "_")
    with psycopg.connect(host=str(pg_server), port=54329, user="otklik", dbname="postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://otklik@/{name}?host={pg_server}&port=54329"
    monkeypatch.setenv("OTKLIK_DATABASE_URL", url)
    return url


def test_the_demo_on_postgresql_gives_the_same_report_as_on_sqlite(tmp_path, pg_url):
    # the whole main job (import, analysis, digest, reports with their verification) on each store
    env = dict(os.environ)
    out = {}
    for store in ("postgresql", "sqlite"):
        if store == "sqlite":
            env.pop("OTKLIK_DATABASE_URL")
        home = tmp_path / store
        res = subprocess.run([sys.executable, "-m", "otklik.cli", "--home", str(home), "demo"], env=env,
                             capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
        out[store] = res.stdout
        assert (home / "otklik.sqlite").exists() == (store == "sqlite")
    assert "26 quotes verified" in out["postgresql"]  # 25 shared by theme size, and the proposals' reason
    for name in ("report.json", "report.ru.md", "report.en.md", "report.html", "report.docx"):
        assert (tmp_path / "postgresql" / name).read_bytes() == (tmp_path / "sqlite" / name).read_bytes(), name


def test_postgresql_store_import_is_transactional_and_search_export_verify_work(otk, home, tmp_path, pg_url,
                                                                                monkeypatch):
    import psycopg

    from otklik.ingest import reader

    otk("case", "new", "pg", "--subject", "Ильяс Мударов")
    path = write_instaloader(tmp_path / "ex", base_comments())
    res = json.loads(otk("import", "--case", "pg", *sorted(path.parent.iterdir()), "--json").output)
    assert res["comments"] == {"new": 4, "existing": 0}
    again = json.loads(otk("import", "--case", "pg", *sorted(path.parent.iterdir()), "--json").output)
    assert again["comments"] == {"new": 0, "existing": 4} and all(f["unchanged"] for f in again["files"])

    def rows():
        with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql")) as c:
            return {t: c.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall()
                    for t in ("comment", "raw_record", "raw_chunk", "import_run", "author", "custody")}
    before = rows()
    # two good comments, each written in its own batch, then a line cut short: nothing may stay
    monkeypatch.setattr(reader, "BATCH", 1)
    bad = tmp_path / "zeeschuimer-export-tiktok-comments.ndjson"
    bad.write_text(_tiktok_line("7400000000000000001", "Свободу ему", 1764633600000) + "\n"
                   + _tiktok_line("7400000000000000002", "Держись", 1764633600000) + "\n"
                   + _tiktok_line("7400000000000000003", "Мы с тобой", 1764633600000)[:60] + "\n", encoding="utf-8")
    res = otk("import", "--case", "pg", bad, ok=False)
    assert res.exit_code != 0 and "line 3" in res.output
    assert rows() == before  # one transaction: nothing of the bad file stays

    found = json.loads(otk("search", "--case", "pg", "казахстанцы", "--json").output)
    assert [r["text"] for r in found] == ["Помогите ему, казахстанцы"]
    csv = otk("export", "--case", "pg", "--format", "csv").output
    assert "Помогите ему, казахстанцы" in csv
    assert otk("verify").exit_code == 0
    with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql")) as c:
        for sql in ("UPDATE raw_record SET size = 1", "DELETE FROM raw_chunk", "TRUNCATE custody CASCADE"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                c.execute(sql)
            c.rollback()
        # someone with the database: a trigger disabled, another dropped, a comment's likes edited
        c.execute("ALTER TABLE raw_chunk DISABLE TRIGGER raw_chunk_append_only")
        c.execute("DROP TRIGGER custody_append_only ON custody")
        c.execute("UPDATE comment SET likes = 938 WHERE platform_id = '103'")
        c.commit()
    res = otk("verify", ok=False)
    assert res.exit_code == 3
    assert "append-only trigger raw_chunk_append_only on raw_chunk is disabled" in res.output
    assert "append-only trigger custody_append_only on custody is missing" in res.output
    assert "(instagram:103): likes is 938 but its raw record" in res.output


def test_the_web_workspace_shows_the_same_comments_on_both_stores_and_edits_work(tmp_path, pg_url, monkeypatch):
    import re

    from starlette.testclient import TestClient

    from otklik.analysis.pipeline import analyze_case
    from otklik.demo.run import setup_demo
    from otklik.store import open_store
    from otklik.web import auth, create_app
    from tests.web.conftest import PASSWORD, csrf_of, login

    monkeypatch.setattr(auth, "SCRYPT_N", 2 ** 10)
    clients = {}
    for store in ("postgresql", "sqlite"):
        if store == "sqlite":
            monkeypatch.delenv("OTKLIK_DATABASE_URL")
        home = tmp_path / store
        engine = open_store(home)
        assert engine.dialect.name == store
        setup_demo(engine)
        analyze_case(engine, "demo")
        auth.add_user(engine, "eve", "editor", PASSWORD)
        engine.dispose()
        clients[store] = TestClient(create_app(home))
        login(clients[store], "eve")

    def ids(client, query):
        return re.findall(r'/cases/demo/comments/(\d+)"', client.get("/cases/demo/comments" + query).text)

    for query in ("", "?stance=-1", "?lang=kk", "?coordinated=1", "?q=выдавайте", "?q=еще", "?date_from=2026-11-25"):
        got = ids(clients["postgresql"], query)
        assert got == ids(clients["sqlite"], query), query
        assert got or query == "?lang=kk", query
    pg = clients["postgresql"]
    first = pg.get("/cases/demo/comments").text
    nxt = re.search(r'rel="next" href="\?([^"]+)"', first).group(1).replace("&amp;", "&")
    assert ids(pg, "?" + nxt) and not set(ids(pg, "?" + nxt)) & set(ids(pg, ""))

    token = csrf_of(pg)
    cid = ids(pg, "")[0]
    assert pg.post(f"/cases/demo/comments/{cid}/label", data={"stance": "-1", "csrf": token}).status_code == 200
    assert "overrides the model" in pg.get(f"/cases/demo/comments/{cid}").text
    themes = re.findall(r'name="keys" value="(t\d+)"', pg.get("/cases/demo/themes").text)
    pg.post("/cases/demo/themes/rename", data={"key": themes[0], "label": "Страх пыток", "csrf": token})
    assert "Страх пыток" in pg.get("/cases/demo/themes").text
    assert "Verified: every quote and number matches the data." in pg.get("/cases/demo/report?lang=ru").text
    for c in clients.values():
        c.close()
