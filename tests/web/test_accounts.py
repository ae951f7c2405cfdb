"""Login hardening, account management by admins, and input checks on ids and case names."""

import json
import re
import sqlite3
import threading
import time

import pytest
from starlette.testclient import TestClient

from otklik.web import auth
from tests.web.conftest import PASSWORD, csrf_of, login


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
    ada, vic = as_role("ada"), as_role("vic")
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


# ------------------------------------------------------------ the login throttle

class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def attempt(app, name, password, client="127.0.0.1", headers=None):
    """One login from a fresh browser at `client`; the status code."""
    c = TestClient(app, client=(client, 5000), headers=headers or {})
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post("/login", data={"name": name, "password": password, "csrf": token}, follow_redirects=False)
    return r


def test_wrong_passwords_slow_the_account_down_but_never_for_longer_than_the_cap(app_factory, demo_home):
    app = app_factory(demo_home, login_limit=5, login_window=60)
    clock = app.state.throttle.clock = Clock()
    assert [attempt(app, "eve", "wrong password!").status_code for _ in range(5)] == [401] * 5
    # the right password now waits too, and is told how long
    r = attempt(app, "eve", PASSWORD)
    assert r.status_code == 429 and r.headers["retry-after"] == "2"
    waits = []
    for _ in range(8):  # each further failure doubles the wait, up to the cap (60 s)
        r = attempt(app, "eve", "wrong password!")
        assert r.status_code == 429
        wait = int(r.headers["retry-after"])
        clock.t += wait
        assert attempt(app, "eve", "wrong password!").status_code == 401
        waits.append(wait)
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]
    clock.t += 60.5
    assert attempt(app, "eve", PASSWORD).status_code == 303  # the right password after the longest wait
    # and a success starts the count again: five free tries
    assert [attempt(app, "eve", "wrong password!").status_code for _ in range(5)] == [401] * 5


def test_an_attack_from_many_addresses_does_not_keep_the_owner_out(app_factory, demo_home):
    app = app_factory(demo_home, login_limit=5, login_window=60)
    clock = app.state.throttle.clock = Clock()
    assert attempt(app, "eve", PASSWORD, client="10.0.0.99").status_code == 303  # eve's usual address
    outcomes = [attempt(app, "eve", "wrong password!", client=f"10.1.0.{i}").status_code for i in range(40)]
    assert outcomes.count(401) == 10 and outcomes.count(429) == 30  # the account closes after 10
    assert attempt(app, "eve", PASSWORD, client="10.2.0.1").status_code == 429  # a new address waits
    assert attempt(app, "eve", PASSWORD, client="10.0.0.99").status_code == 303  # eve's own does not
    assert attempt(app, "ada", PASSWORD, client="10.2.0.1").status_code == 303  # nor do other accounts
    clock.t += 61
    assert attempt(app, "eve", PASSWORD, client="10.2.0.1").status_code == 303  # not beyond the cap


def test_behind_a_trusted_proxy_the_forwarded_address_counts(app_factory, demo_home):
    app = app_factory(demo_home, trusted_proxies=["127.0.0.1"])
    app.state.throttle.clock = Clock()

    def via_proxy(name, password, who):
        return attempt(app, name, password, headers={"X-Forwarded-For": f"{who}, 127.0.0.1"}).status_code
    assert [via_proxy("vic", "wrong password!", "203.0.113.5") for _ in range(6)] == [401] * 5 + [429]
    assert via_proxy("vic", PASSWORD, "203.0.113.6") == 303  # another person behind the same proxy
    assert [via_proxy(f"ghost{i}", "wrong password!", "203.0.113.7") for i in range(25)].count(401) == 20
    assert via_proxy("eve", PASSWORD, "203.0.113.8") == 303  # one address' attack is not everyone's
    failed = [json.loads(d)["client"] for a, _, d in custody(demo_home) if a == "web-login-failed"]
    assert failed[0] == "203.0.113.5"


def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(app_factory, demo_home):
    app = app_factory(demo_home, trusted_proxies=["10.9.9.9"])
    app.state.throttle.clock = Clock()
    outcomes = [attempt(app, "vic", "wrong password!", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
                for i in range(6)]
    assert outcomes == [401] * 5 + [429]  # a client cannot pick a new address per attempt


def test_only_the_allowed_hosts_are_served(app_factory, demo_home):
    app = app_factory(demo_home, allowed_hosts=["otklik.example.org"])
    c = TestClient(app, base_url="http://otklik.example.org")
    assert c.get("/health").status_code == 200
    evil = TestClient(app, base_url="http://evil.example.com")
    assert evil.get("/health").status_code == 400
    assert evil.get("/login").status_code == 400


# ------------------------------------------------------------ the same from the command line

def cli(home, *args, stdin=None):
    from click.testing import CliRunner

    from otklik.cli import main
    return CliRunner().invoke(main, ["--home", str(home), "user", *args], input=stdin, catch_exceptions=False)


def test_the_cli_disables_enables_revokes_and_changes_passwords_and_roles(demo_app, demo_home):
    eve = TestClient(demo_app)
    login(eve, "eve")
    res = cli(demo_home, "disable", "eve")
    assert res.exit_code == 0 and "disabled 'eve'" in res.output
    assert eve.get("/", follow_redirects=False).status_code == 303  # the session ended
    login(TestClient(demo_app), "eve", expect=401)
    assert "DISABLED" in [line for line in cli(demo_home, "list").output.splitlines() if line.startswith("eve")][0]
    cli(demo_home, "enable", "eve")
    login(eve, "eve")
    assert cli(demo_home, "sessions", "revoke", "eve").exit_code == 0
    assert eve.get("/", follow_redirects=False).status_code == 303
    res = cli(demo_home, "passwd", "eve", "--password-stdin", stdin="too short\n")
    assert res.exit_code != 0 and "at least 10 characters" in res.output
    assert cli(demo_home, "passwd", "eve", "--password-stdin", stdin="another long secret\n").exit_code == 0
    login(TestClient(demo_app), "eve", expect=401)
    login(eve, "eve", "another long secret")
    assert cli(demo_home, "role", "eve", "viewer").exit_code == 0
    login(eve, "eve", "another long secret")
    assert eve.get("/cases/demo/upload").status_code == 403
    actions = [a for a, _, _ in custody(demo_home)]
    for a in ("web-user-disable", "web-user-enable", "web-user-revoke", "web-user-passwd", "web-user-role"):
        assert a in actions


def test_the_cli_keeps_the_last_admin_and_names_unknown_users(demo_app, demo_home):
    res = cli(demo_home, "role", "ada", "editor")
    assert res.exit_code != 0 and "last active admin" in res.output
    res = cli(demo_home, "disable", "nobody")
    assert res.exit_code != 0 and "no user named 'nobody'" in res.output
    login(TestClient(demo_app), "ada")


# ------------------------------------------------------------ a burst against a real server

def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One client of the real server, from a chosen loopback address, keeping the login CSRF cookie."""

    def __init__(self, port: int, source: str, headers: dict | None = None):
        self.port, self.source, self.cookies, self.headers = port, source, {}, headers or {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(self.source, 0))
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **self.headers}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie" and "=" in v:
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";")[0]
        text = r.read().decode("utf-8", "replace")
        conn.close()
        return r.status, text

    def login_form(self) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.request("GET", "/login")[1]).group(1)

    def login(self, name: str, password: str, token: str) -> int:
        from urllib.parse import urlencode

        return self.request("POST", "/login", urlencode({"name": name, "password": password, "csrf": token,
                                                        "next": "/"}))[0]


def _vm(pid: int, key: str) -> int:
    """VmRSS / VmHWM of a process, in MB."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) // 1024 for line in f if line.startswith(key + ":"))


def _serve(home):
    """`otklik serve` on a free port, in its own process, once /health answers."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import otklik

    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(otklik.__file__).parents[1]), HF_HUB_OFFLINE="1")
    server = subprocess.Popen([sys.executable, "-c", "from otklik.cli import main; main()", "--home", str(home),
                               "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.time() + 90
    while True:
        try:
            status, _ = Browser(port, "127.0.0.1").request("GET", "/health")
            if status in (200, 400):
                return server, port
        except OSError:
            pass
        if time.time() > deadline or server.poll() is not None:
            server.terminate()
            raise AssertionError("the server did not start")
        time.sleep(0.2)


def test_fifty_simultaneous_wrong_logins_neither_exhaust_memory_nor_keep_others_out(home, otk, monkeypatch):
    from otklik.store import open_store

    otk("case", "new", "b1", "--subject", "Someone")
    monkeypatch.setattr(auth, "SCRYPT_N", 2 ** 17)  # the production cost: each check holds 128 MiB
    engine = open_store(home)
    auth.add_user(engine, "eve", "editor", PASSWORD)
    engine.dispose()
    server, port = _serve(home)
    try:
        rss_before = _vm(server.pid, "VmRSS")
        attackers = [Browser(port, "127.0.0.1") for _ in range(50)]
        tokens = [a.login_form() for a in attackers]
        statuses, start = [], threading.Barrier(50)

        def attack(a, token):
            start.wait()
            statuses.append(a.login(name="eve", password="wrong password!", token=token))
        threads = [threading.Thread(target=attack, args=pair) for pair in zip(attackers, tokens)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        burst = time.perf_counter() - t0
        peak = _vm(server.pid, "VmHWM")
        legit = Browser(port, "127.0.0.2")
        t1 = time.perf_counter()
        status = legit.login("eve", PASSWORD, legit.login_form())
        latency = time.perf_counter() - t1
        print(f"\n50 wrong logins in {burst:.2f} s: {statuses.count(401)}x401 {statuses.count(429)}x429 "
              f"{statuses.count(503)}x503; server RSS {rss_before} MB before, peak {peak} MB; "
              f"the right password from 127.0.0.2: {status} in {latency:.2f} s")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert len(statuses) == 50 and set(statuses) <= {401, 429, 503}
    assert 1 <= statuses.count(401) <= 5  # checked, and never more than the account's free tries
    assert peak < 600
    assert status == 303 and latency < 5


def test_serve_reads_allowed_hosts_and_trusted_proxies_from_the_workspace_configuration(home, otk):
    import http.client

    otk("case", "new", "b1", "--subject", "Someone")
    (home / "otklik.toml").write_text('[web]\nallowed_hosts = ["otklik.example.org"]\ntrusted_proxies = ["127.0.0.1"]\n')
    server, port = _serve(home)
    try:
        answers = {}
        for host in ("otklik.example.org", "evil.example.com"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/health", headers={"Host": host})
            answers[host] = conn.getresponse().status
            conn.close()
        proxied = Browser(port, "127.0.0.1", {"Host": "otklik.example.org", "X-Forwarded-For": "203.0.113.9"})
        assert proxied.login("nobody", "wrong password!", proxied.login_form()) == 401
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert answers == {"otklik.example.org": 200, "evil.example.com": 400}
    failed = [json.loads(d)["client"] for a, _, d in custody(home) if a == "web-login-failed"]
    assert failed == ["203.0.113.9"]  # the address the trusted proxy forwarded


def test_the_client_is_the_first_untrusted_hop_from_the_right():
    from otklik.web.lockout import client_address, parse_networks

    trusted = parse_networks(["127.0.0.1", "10.0.0.0/8"])
    # whatever a client writes on the left, the hop our proxy saw is what counts
    assert client_address("127.0.0.1", "6.6.6.6, 203.0.113.5", trusted) == "203.0.113.5"
    assert client_address("127.0.0.1", "203.0.113.5, 10.1.2.3", trusted) == "203.0.113.5"  # two proxies of ours
    assert client_address("198.51.100.1", "203.0.113.5", trusted) == "198.51.100.1"  # not from a proxy of ours
    assert client_address("127.0.0.1", "not-an-address", trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", None, trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", "203.0.113.5", ()) == "127.0.0.1"  # no trusted proxies: the header is ignored
    with pytest.raises(ValueError, match="web.trusted_proxies: 'proxy.local'"):
        parse_networks(["proxy.local"])


def test_serve_refuses_a_trusted_proxy_that_is_not_an_address(home, otk):
    otk("case", "new", "b1", "--subject", "Someone")
    (home / "otklik.toml").write_text('[web]\ntrusted_proxies = ["proxy.local"]\n')
    res = otk("serve", "--port", "1", ok=False)
    assert res.exit_code != 0 and "web.trusted_proxies: 'proxy.local' is not an IP address" in res.output
