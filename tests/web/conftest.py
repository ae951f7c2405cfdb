"""Fixtures for the web workspace: a copy of the session's analysed demo workspace per test and
logged-in TestClients for each role."""

import re

import pytest

from otklik.web import auth
from tests.conftest import copy_workspace

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fast_scrypt(monkeypatch):
    """Real scrypt, lower cost: the tests log in often (production uses N=2^17)."""
    monkeypatch.setattr(auth, "SCRYPT_N", 2 ** 10)


@pytest.fixture
def demo_home(analysed_demo, tmp_path):
    return copy_workspace(analysed_demo, tmp_path / "ws")


def make_users(home):
    from otklik.store import open_store

    engine = open_store(home)
    for name, role in (("ada", "admin"), ("eve", "editor"), ("vic", "viewer")):
        auth.add_user(engine, name, role, PASSWORD)
    engine.dispose()


def login(client, name, password=PASSWORD, expect=303):
    r = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    r = client.post("/login", data={"name": name, "password": password, "csrf": token, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == expect, r.text
    return r


def csrf_of(client, path="/"):
    r = client.get(path)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', r.text).group(1)


@pytest.fixture
def app_factory():
    from otklik.web import create_app

    def make(home, **kw):
        make_users(home)
        return create_app(home, **kw)
    return make


@pytest.fixture
def demo_app(demo_home, app_factory):
    return app_factory(demo_home)


@pytest.fixture
def as_role(demo_app):
    from starlette.testclient import TestClient

    clients = []

    def make(name):
        c = TestClient(demo_app)
        clients.append(c)
        login(c, name)
        return c
    yield make
    for c in clients:
        c.close()


def demo_digest(home):
    """The demo case's digest as the report and the overview read it (with the case file's events)."""
    from otklik.casefile import list_events
    from otklik.cases import get_case
    from otklik.digest import build_digest
    from otklik.store import open_store

    engine = open_store(home)
    with engine.connect() as conn:
        d = build_digest(conn, "demo", events=list_events(conn, get_case(conn, "demo")["id"]) or None)
    engine.dispose()
    return d
