"""The interface in Russian and English: every template string has a Russian entry, the language
follows the browser or the switch, and store keys are never shown raw."""

import re
from pathlib import Path

from starlette.testclient import TestClient

from otklik.web.i18n import RU, from_accept_language

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "otklik" / "web" / "templates"
LITERAL = re.compile(r'_\(\s*"((?:[^"\\]|\\.)+)"\s*\)|_\(\s*\'([^\']+)\'\s*\)')


def test_every_template_string_has_a_russian_entry():
    missing = []
    for f in sorted(TEMPLATES.glob("*.html")):
        for a, b in LITERAL.findall(f.read_text(encoding="utf-8")):
            s = (a or b).replace('\\"', '"')
            if s not in RU:
                missing.append(f"{f.name}: {s}")
    assert not missing, missing


def test_accept_language_weights():
    assert from_accept_language("ru-RU,ru;q=0.9,en;q=0.8") == "ru"
    assert from_accept_language("de-DE,de;q=0.9,en;q=0.5,ru;q=0.7") == "ru"
    assert from_accept_language("en-US,en;q=0.9,ru;q=0.8") == "en"
    assert from_accept_language("de, fr") == "en"


def test_login_page_in_russian_for_a_russian_browser(demo_app):
    c = TestClient(demo_app)
    page = c.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).text
    assert '<html lang="ru">' in page and "Войти" in page and "Пароль" in page and "Password" not in page
    assert "Log in" in TestClient(demo_app).get("/login", headers={"Accept-Language": "en"}).text


def test_pages_in_russian_with_stances_named_never_keys(as_role):
    eve = as_role("eve")
    r = eve.get("/lang?to=ru&next=/cases/demo", follow_redirects=True)
    assert '<html lang="ru">' in r.text
    for path in ("/cases/demo", "/cases/demo/comments", "/cases/demo/themes", "/cases/demo/review"):
        page = eve.get(path).text
        assert "not_about_case" not in re.sub(r'data-stance="[a-z_]+"', "", page), path
        assert "не о деле" in page or path.endswith("themes"), path
    overview = eve.get("/cases/demo").text
    assert "Реакция во времени" in overview and "Позиции по темам" in overview and "поддерживает" in overview
    assert "Stance toward" not in overview
    # and back to English
    page = eve.get("/lang?to=en&next=/cases/demo", follow_redirects=True).text
    assert "Reaction over time" in page and "not about the case" in page and "not_about_case" not in re.sub(
        r'data-stance="[a-z_]+"', "", page)


def test_language_switch_keeps_to_this_site(as_role):
    eve = as_role("eve")
    r = eve.get("/lang?to=ru&next=//evil.example/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_review_messages_in_russian(as_role):
    from tests.web.conftest import csrf_of

    eve = as_role("eve")
    eve.get("/lang?to=ru&next=/")
    page = eve.get("/cases/demo/review").text
    cid = re.search(r'name="comment_id" value="(\d+)"', page).group(1)
    page = eve.post("/cases/demo/review", data={"csrf": csrf_of(eve), "comment_id": cid, "answer": "3"}).text
    assert re.search(r"комментарий \S+: враждебно\. Поддерживают теперь \d+% людей", page)
