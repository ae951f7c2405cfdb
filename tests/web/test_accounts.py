"""Login hardening, account management by admins, and input checks on ids and case names."""

import json
import re
import sqlite3
import threading
import time

import pytest
from starlette.testclient import TestClient

from otklik.web import auth
from tests.web.conftest import csrf_of, login


def custody(home):
    con = sqlite3.connect(home / "otklik.sqlite")
    rows = con.execute("SELECT action, os_user, details FROM custody ORDER BY id").fetchall()
    con.close()
    return rows


def test_a_burst_of_logins_never_runs_more_than_the_allowed_password_checks(demo_app, monkeypatch):
    running, peak, lock = [0], [0], threading.Lock()
    real = auth.check_password

    def slow_check(password, stored):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.2)
        try:
            return real(password, stored)
        finally:
            with lock:
                running[0] -= 1
    monkeypatch.setattr(auth, "check_password", slow_check)
    clients, tokens = [], []
    for _ in range(30):
        c = TestClient(demo_app)
        tokens.append(re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1))
        clients.append(c)
    statuses, start = [], threading.Barrier(30)

    def attempt(c, token):
        start.wait()
        r = c.post("/login", data={"name": "eve", "password": "wrong password!", "csrf": token}, follow_redirects=False)
        statuses.append(r.status_code)
    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] <= auth.CHECK_SLOTS
    assert len(statuses) == 30 and set(statuses) <= {401, 429, 503}
    assert statuses.count(401) <= 5  # the per-user limit holds for simultaneous attempts too
    # another address, the right password, straight afterwards
    other = TestClient(demo_app, client=("127.0.0.2", 5000))
    login(other, "ada")


def test_logins_and_failures_are_in_the_custody_log(demo_app, demo_home):
    c = TestClient(demo_app)
    login(c, "eve", "wrong password!", expect=401)
    login(c, "eve")
    entries = [(a, u, json.loads(d)) for a, u, d in custody(demo_home) if a.startswith("web-login")]
    assert [(a, u) for a, u, _ in entries] == [("web-login-failed", "web:eve"), ("web-login", "web:eve")]
    assert entries[0][2]["client"] == "testclient"


def test_a_success_does_not_leave_counted_failures_behind(demo_app):
    c = TestClient(demo_app)
    for _ in range(4):
        login(c, "eve", "wrong password!", expect=401)
    login(c, "eve")
    for _ in range(4):
        login(c, "eve", "wrong password!", expect=401)
    login(c, "eve")


def manage(client, token, name, action, **extra):
    return client.post("/users/manage", data={"csrf": token, "name": name, "action": action, **extra})


def test_admin_disables_enables_and_revokes(as_role):
    ada, eve = as_role("ada"), as_role("eve")
    token = csrf_of(ada)
    assert eve.get("/").status_code == 200
    r = manage(ada, token, "eve", "disable")
    assert "disabled &#39;eve&#39;" in r.text
    assert eve.get("/", follow_redirects=False).status_code == 303  # the session ended
    login(TestClient(eve.app), "eve", expect=401)  # and the account cannot log in
    manage(ada, token, "eve", "enable")
    eve2 = TestClient(ada.app)
    login(eve2, "eve")
    manage(ada, token, "eve", "revoke")
    assert eve2.get("/", follow_redirects=False).status_code == 303


def test_admin_changes_role_and_password_and_deletes(as_role, demo_home):
    ada, _vic = as_role("ada"), as_role("vic")
    token = csrf_of(ada)
    manage(ada, token, "vic", "role", role="editor")
    v = TestClient(ada.app)
    login(v, "vic")
    assert "Upload" in v.get("/cases/demo/upload").text  # an editor's page now
    r = manage(ada, token, "vic", "passwd", password="short")
    assert "at least 10 characters" in r.text
    manage(ada, token, "vic", "passwd", password="a brand new secret")
    login(TestClient(ada.app), "vic", expect=401)
    login(TestClient(ada.app), "vic", "a brand new secret")
    manage(ada, token, "vic", "delete")
    assert "vic" not in re.findall(r"<td>([^<]+)</td>", ada.get("/users").text)
    actions = [a for a, u, _ in custody(demo_home) if u == "web:ada"]
    for a in ("web-user-role", "web-user-passwd", "web-user-delete"):
        assert a in actions


def test_the_last_admin_cannot_lock_everyone_out(as_role):
    ada = as_role("ada")
    r = manage(ada, csrf_of(ada), "ada", "disable")
    assert "last active admin" in r.text
    assert ada.get("/users").status_code == 200


def test_only_admins_manage_accounts(as_role):
    eve = as_role("eve")
    r = manage(eve, csrf_of(eve), "vic", "disable")
    assert r.status_code == 403


@pytest.mark.parametrize("bad", ["a/b", "../../pwn", "<b>c</b>", "two words"])
def test_bad_case_names_are_refused(as_role, bad):
    eve = as_role("eve")
    r = eve.post("/cases", data={"csrf": csrf_of(eve), "name": bad, "subject": "Someone"}, follow_redirects=False)
    assert r.status_code == 400
    assert "is not allowed" in r.text
    assert bad not in [m for m in re.findall(r'href="/cases/([^"]+)"', eve.get("/").text)]


def test_the_cli_refuses_the_same_case_names(otk):
    res = otk("case", "new", "../../pwn", "--subject", "X", ok=False)
    assert res.exit_code != 0 and "is not allowed" in res.output


def test_huge_ids_are_not_found(as_role):
    eve = as_role("eve")
    r = eve.get("/cases/demo/comments/99999999999999999999999")
    assert r.status_code == 404
