"""The web workspace through Starlette's TestClient: access control, CSRF, escaping, uploads,
the custody log, live report verification, pagination."""

import json
import re
import sqlite3
import time

import pytest
from starlette.testclient import TestClient

from tests.conftest import comment as ig_comment, write_instaloader
from tests.web.conftest import PASSWORD, csrf_of, login


def wait_job(client, location, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        j = client.get(location + "?format=json").json()
        if j["status"] != "running":
            return j
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def custody_rows(home):
    con = sqlite3.connect(home / "otklik.sqlite")
    rows = con.execute("SELECT action, os_user, details FROM custody ORDER BY id").fetchall()
    con.close()
    return rows


def first_comment_id(client):
    return int(re.search(r'/cases/demo/comments/(\d+)"', client.get("/cases/demo/comments").text).group(1))


# ------------------------------------------------------------------ access

def test_health_is_open_and_everything_else_needs_login(demo_app):
    c = TestClient(demo_app)
    assert c.get("/health").json()["ok"] is True
    for path in ("/", "/cases/demo", "/cases/demo/comments", "/cases/demo/report", "/users"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert c.post("/cases/demo/analyze", data={}).status_code == 401


def test_session_cookie_flags_and_security_headers(demo_home, app_factory):
    c = TestClient(app_factory(demo_home, secure_cookies=True), base_url="https://testserver")
    r = login(c, "eve")
    cookie = r.headers["set-cookie"]
    assert "otklik_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    page = c.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_viewer_reads_but_cannot_edit(as_role):
    v = as_role("vic")
    cid = first_comment_id(v)
    assert v.get(f"/cases/demo/comments/{cid}").status_code == 200
    token = csrf_of(v)
    for path, data in ((f"/cases/demo/comments/{cid}/label", {"stance": "1"}),
                       ("/cases/demo/themes/rename", {"key": "other", "label": "x"}),
                       ("/cases/demo/analyze", {}),
                       ("/cases", {"name": "x", "subject": "y"}),
                       ("/cases/demo/report/save", {"lang": "ru", "text": "x"}),
                       ("/users", {"name": "mallory", "role": "admin", "password": "0123456789ab"})):
        r = v.post(path, data={**data, "csrf": token})
        assert r.status_code == 403, path
    assert "Set stance" not in v.get(f"/cases/demo/comments/{cid}").text  # no edit controls shown


def test_forms_without_csrf_token_are_refused(as_role, demo_app):
    e = as_role("eve")
    cid = first_comment_id(e)
    assert e.post(f"/cases/demo/comments/{cid}/label", data={"stance": "1"}).status_code == 403
    assert e.post(f"/cases/demo/comments/{cid}/label", data={"stance": "1", "csrf": "forged"}).status_code == 403
    assert e.post(f"/cases/demo/comments/{cid}/label", data={"stance": "1", "csrf": csrf_of(e)},
                  follow_redirects=False).status_code == 303
    fresh = TestClient(demo_app)  # the login form has its own token (double-submit cookie)
    r = fresh.post("/login", data={"name": "eve", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403


def test_login_rate_limit(demo_app):
    c = TestClient(demo_app)
    for _ in range(5):
        login(c, "eve", "wrong password!", expect=401)
    r = login(c, "eve", PASSWORD, expect=429)  # even the right password waits now
    assert "too many failed logins" in r.text


def test_wrong_password_and_unknown_user_look_alike(demo_app):
    c = TestClient(demo_app)
    a = login(c, "eve", "nope nope nope", expect=401).text
    b = login(c, "nobody", "nope nope nope", expect=401).text
    assert "wrong user name or password" in a and "wrong user name or password" in b


# ------------------------------------------------------------------ hostile comment text

def test_script_in_a_comment_renders_as_text(home, tmp_path, app_factory):
    from otklik.cases import create_case
    from otklik.store import open_store

    engine = open_store(home)
    with engine.begin() as conn:
        create_case(conn, "x", "Мансур Мовлаев")
    engine.dispose()
    evil = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
    folder = write_instaloader(tmp_path / "exp", [ig_comment(1, evil, 1), ig_comment(2, "Свободу Мансуру!", 2)])
    c = TestClient(app_factory(home))
    login(c, "eve")
    files = [("files", (p.name, p.read_bytes(), "application/json")) for p in sorted(folder.parent.iterdir())]
    r = c.post("/cases/x/upload", data={"csrf": csrf_of(c)}, files=files, follow_redirects=False)
    assert r.status_code == 303
    job = wait_job(c, r.headers["location"])
    assert job["status"] == "done", job
    for page in (c.get("/cases/x/comments").text, c.get("/cases/x/comments?q=alert").text):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in page
    cid = re.search(r'/cases/x/comments/(\d+)"', c.get("/cases/x/comments").text).group(1)
    detail = c.get(f"/cases/x/comments/{cid}").text
    assert "<script>alert" not in detail and "&lt;script&gt;" in detail


# ------------------------------------------------------------------ uploads

def test_upload_summary_matches_the_cli(home, tmp_path, app_factory, otk):
    from otklik.demo.run import DATA

    otk("case", "new", "demo", "--subject", "Ильяс Мударов")
    c = TestClient(app_factory(home))
    login(c, "eve")
    files = [("files", (p.name, p.read_bytes(), "application/json"))
             for p in sorted((DATA / "instagram" / "ilyas_mudarov_svoboda").iterdir())]
    r = c.post("/cases/demo/upload", data={"csrf": csrf_of(c)}, files=files, headers={"X-Requested-With": "fetch"})
    job = wait_job(c, r.json()["job"])
    assert job["status"] == "done"
    text = "\n".join(job["lines"])
    assert re.search(r"comments\s+\d+\s+0", text) and "instaloader, captured" in text
    con = sqlite3.connect(home / "otklik.sqlite")
    records = con.execute("SELECT count(*) FROM raw_record").fetchone()[0]
    con.close()
    assert job["done"] == records  # the job's progress counts every record read, not the last batch
    saved = list((home / "uploads").rglob("*.json"))
    assert len(saved) == 3 and all(home.resolve() in p.resolve().parents for p in saved)
    # the same files again: the CLI's "already imported ... nothing changed"
    r = c.post("/cases/demo/upload", data={"csrf": csrf_of(c)}, files=files, headers={"X-Requested-With": "fetch"})
    again = wait_job(c, r.json()["job"])
    assert "already imported" in "\n".join(again["lines"]) and "nothing changed" in "\n".join(again["lines"])


def test_bad_upload_gives_the_cli_error_and_changes_nothing(home, app_factory, otk):
    otk("case", "new", "demo", "--subject", "Ильяс Мударов")
    c = TestClient(app_factory(home))
    login(c, "eve")
    r = c.post("/cases/demo/upload", data={"csrf": csrf_of(c)},
               files=[("files", ("broken.json", b'{"node": {"id": ', "application/json"))], follow_redirects=False)
    job = wait_job(c, r.headers["location"])
    assert job["status"] == "failed"
    assert job["lines"][-1] == "nothing was imported (the store is unchanged)"
    assert job["lines"][0].startswith("error: ") and "broken.json" in job["lines"][0]


def test_upload_size_limit(home, app_factory, otk):
    otk("case", "new", "demo", "--subject", "Ильяс Мударов")
    c = TestClient(app_factory(home, max_upload_bytes=10_000))
    login(c, "eve")
    big = b"[" + b" " * 200_000 + b"]"
    r = c.post("/cases/demo/upload", data={"csrf": csrf_of(c)}, files=[("files", ("big.json", big, "application/json"))])
    assert r.status_code == 413 and "upload too large" in r.text
    assert not list((home / "uploads").rglob("*.json")) if (home / "uploads").exists() else True


@pytest.mark.parametrize("name", ["../evil.json", "..\\evil.json", "/etc/evil.json", "sub/evil.json", ".hidden.json", ".."])
def test_upload_path_traversal_refused(home, tmp_path, app_factory, otk, name):
    otk("case", "new", "demo", "--subject", "Ильяс Мударов")
    c = TestClient(app_factory(home))
    login(c, "eve")
    before = set(home.parent.rglob("*"))
    r = c.post("/cases/demo/upload", data={"csrf": csrf_of(c)}, files=[("files", (name, b"[]", "application/json"))])
    assert r.status_code == 400 and "refused file name" in r.text
    created = {p for p in set(home.parent.rglob("*")) - before if p.is_file() and "otklik.sqlite" not in p.name}
    assert not created


# ------------------------------------------------------------------ edits and the custody log

def test_edits_are_in_the_custody_log_with_the_user(as_role, demo_home):
    from otklik.store.custody import verify_chain
    from otklik.store import open_store

    e = as_role("eve")
    token = csrf_of(e)
    cid = first_comment_id(e)
    assert e.post(f"/cases/demo/comments/{cid}/label", data={"stance": "-1", "csrf": token}).status_code == 200
    themes = re.findall(r'name="keys" value="(t\d+)"', e.get("/cases/demo/themes").text)
    assert len(themes) >= 2
    e.post("/cases/demo/themes/rename", data={"key": themes[0], "label": "Страх пыток", "csrf": token})
    e.post("/cases/demo/themes/merge", data={"keys": themes[:2], "into": themes[1], "csrf": token})
    e.post(f"/cases/demo/comments/{cid}/move", data={"key": "other", "csrf": token})
    e.post("/cases/demo/report/save", data={"lang": "ru", "text": "# draft", "csrf": token})
    rows = custody_rows(demo_home)
    mine = [(a, json.loads(d)) for a, u, d in rows if u == "web:eve"]
    actions = [a for a, _ in mine]
    for a in ("label", "theme-rename", "theme-merge", "theme-move", "web-report-draft"):
        assert a in actions, (a, actions)
    merge = next(d for a, d in mine if a == "theme-merge")
    assert merge["keys"][0] == themes[1]  # the chosen theme names the merged one
    engine = open_store(demo_home)
    with engine.connect() as conn:
        assert verify_chain(conn) == []
        who = conn.exec_driver_sql("SELECT user FROM editor_label").scalar()
    assert who == "web:eve"
    page = e.get(f"/cases/demo/comments/{cid}").text
    assert "web:eve" in page and "overrides the model" in page


def test_analysis_runs_in_the_background_with_progress(as_role):
    e = as_role("eve")
    r = e.post("/cases/demo/analyze", data={"csrf": csrf_of(e)}, follow_redirects=False)
    assert r.headers["location"].startswith("/jobs/")
    page = e.get(r.headers["location"]).text
    assert "<progress" in page or "done" in page
    job = wait_job(e, r.headers["location"])
    assert job["status"] == "done" and job["lines"][0].startswith("analysis run")


# ------------------------------------------------------------------ report

def test_live_verification_flags_an_edited_quote(as_role):
    e = as_role("eve")
    page = e.get("/cases/demo/report?lang=ru").text
    assert "Verified: every quote and number matches the data." in page
    body = re.search(r'<textarea id="report-text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    import html

    body = html.unescape(body)
    m = re.search(r"«([^»]{8,})» \[#(\d+)\]", body)
    edited = body.replace(m.group(0), f"«{m.group(1)[:-3]}XYZ» [#{m.group(2)}]", 1)
    r = e.post("/cases/demo/report/verify", data={"lang": "ru", "text": edited, "csrf": csrf_of(e)},
               headers={"X-Requested-With": "fetch"})
    assert r.status_code == 200 and "problem(s)" in r.text
    assert '<mark class="bad"' in r.text and "XYZ" in r.text
    # a number that is not a figure of the data (above the notes block, which is not checked)
    head, _, rest = body.partition("\n")
    r = e.post("/cases/demo/report/verify", data={"lang": "ru", "text": head + "\n\nВсего 987654 комментариев.\n" + rest,
                                                   "csrf": csrf_of(e)}, headers={"X-Requested-With": "fetch"})
    assert "987654" in re.search(r'<mark class="bad"[^>]*>([^<]*)</mark>', r.text).group(1)


def test_report_exports_are_verified_files(as_role, demo_home):
    e = as_role("eve")
    token = csrf_of(e)
    for fmt, sig in (("md", b"# "), ("html", b"<!doctype html"), ("docx", b"PK")):
        r = e.post("/cases/demo/report/export", data={"lang": "ru", "format": fmt, "csrf": token})
        assert r.status_code == 200 and r.content[:20].lower().startswith(sig.lower()), fmt
    r = e.post("/cases/demo/report/export", data={"lang": "ru", "format": "draft", "csrf": token})
    assert r.status_code == 400  # nothing saved yet
    e.post("/cases/demo/report/save", data={"lang": "ru", "text": "Всего 987654 комментариев.", "csrf": token})
    r = e.post("/cases/demo/report/export", data={"lang": "ru", "format": "draft", "csrf": token})
    assert r.status_code == 409 and "987654" in r.text
    rows = custody_rows(demo_home)
    # each written report is logged once, by the report service, in the web user's name
    assert sorted(json.loads(d)["format"] for a, u, d in rows if a == "report" and u == "web:eve") == ["docx", "html", "md"]
    assert not [a for a, u, _ in rows if a.startswith("web-report-export")]  # the refused draft wrote nothing


def test_comments_export(as_role):
    e = as_role("eve")
    r = e.post("/cases/demo/export", data={"format": "csv", "pseudonymise": "1", "csrf": csrf_of(e)})
    assert r.status_code == 200 and r.text.splitlines()[0].startswith("platform,") and "stance" in r.text.splitlines()[0]


# ------------------------------------------------------------------ comments table

def test_filters_and_keyset_pages(as_role):
    v = as_role("vic")
    first = v.get("/cases/demo/comments").text
    ids1 = re.findall(r'/cases/demo/comments/(\d+)"', first)
    nxt = re.search(r'rel="next" href="\?([^"]+)"', first).group(1)
    second = v.get("/cases/demo/comments?" + nxt.replace("&amp;", "&")).text
    ids2 = re.findall(r'/cases/demo/comments/(\d+)"', second)
    assert ids2 and not set(ids1) & set(ids2)
    prev = re.search(r'rel="prev" href="\?([^"]+)"', second).group(1)
    back = re.findall(r'/cases/demo/comments/(\d+)"', v.get("/cases/demo/comments?" + prev.replace("&amp;", "&")).text)
    assert back == ids1
    hostile = v.get("/cases/demo/comments?stance=-1").text
    assert "hostile" in hostile
    bad = v.get("/cases/demo/comments?q=%22unclosed").text  # searched as the word (test_authors_search.py)
    assert "fts5" not in bad and 'role="alert"' not in bad


def test_thread_and_evidence_on_comment_page(as_role, demo_home):
    v = as_role("vic")
    con = sqlite3.connect(demo_home / "otklik.sqlite")
    cid, root, raw_sha = con.execute(
        "SELECT c.id, c.root_id, hex(r.sha256) FROM comment c JOIN raw_record r ON r.id=c.raw_id "
        "WHERE c.parent_id IS NOT NULL LIMIT 1").fetchone()
    con.close()
    page = v.get(f"/cases/demo/comments/{cid}").text
    assert raw_sha.lower() in page
    assert f'href="/cases/demo/comments/{root}"' in page  # the thread's first comment is linked
    for stage in ("language", "stance", "entities"):
        assert f"<td>{stage}</td>" in page
    assert "Capture time" in page


def test_pin_and_reject_a_quote(as_role):
    """An editor's reject drops a quote and a pin brings a theme member into the quotes on the next analysis."""
    e = as_role("eve")
    token = csrf_of(e)
    themes = e.get("/cases/demo/themes").text
    quoted = re.findall(r'id="reject-(\d+)"', themes)
    rejected = int(quoted[0])
    r = e.post(f"/cases/demo/comments/{rejected}/reject",
               data={"csrf": token, "back": "/cases/demo/themes"})
    assert "reject: quote from comment" in r.text
    # pin a member of the first theme that is not quoted now
    first_theme = re.search(r'name="keys" value="(t\d+)"', themes).group(1)
    members = re.findall(r'/cases/demo/comments/(\d+)"', e.get(f"/cases/demo/comments?theme={first_theme}").text)
    pinned = int(next(m for m in members if m not in quoted))
    e.post(f"/cases/demo/comments/{pinned}/pin", data={"csrf": token})
    job = wait_job(e, e.post("/cases/demo/analyze", data={"csrf": token}, follow_redirects=False).headers["location"])
    assert job["status"] == "done", job
    after = e.get("/cases/demo/themes").text
    assert f'id="reject-{rejected}"' not in after
    assert f'id="reject-{pinned}"' in after
