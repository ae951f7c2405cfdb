"""Correcting the machine from the web: the model's verdict preselected, labels removed, many
comments relabelled at once, theme names and the verdict before the evidence."""

import json
import re
import sqlite3

from tests.web.conftest import csrf_of


def ids_with_stance(client, key):
    page = client.get(f"/cases/demo/comments?stance={key}").text
    return [int(i) for i in re.findall(r'name="ids" value="(\d+)"', page)]


def selected(page):
    form = page[page.index('id="label-form"'):page.index("Set stance")]
    return re.search(r'<option value="([^"]+)" selected', form).group(1)


def labels(home):
    con = sqlite3.connect(home / "otklik.sqlite")
    rows = dict(con.execute("SELECT comment_id, value FROM editor_label WHERE field='stance'").fetchall())
    con.close()
    return {k: json.loads(v) for k, v in rows.items()}


def test_the_stance_control_starts_at_the_models_verdict(as_role):
    eve = as_role("eve")
    for key in ("-1", "1"):  # the test workspace's model reads no comment as neutral
        cid = ids_with_stance(eve, key)[0]
        page = eve.get(f"/cases/demo/comments/{cid}").text
        assert selected(page) == key


def test_an_editor_label_is_preselected_and_can_be_removed(as_role, demo_home):
    eve = as_role("eve")
    token = csrf_of(eve)
    cid = ids_with_stance(eve, "-1")[0]
    eve.post(f"/cases/demo/comments/{cid}/label", data={"stance": "1", "csrf": token})
    page = eve.get(f"/cases/demo/comments/{cid}").text
    assert selected(page) == "1" and labels(demo_home) == {cid: 1}
    r = eve.post(f"/cases/demo/comments/{cid}/unlabel", data={"csrf": token})
    assert "label removed" in r.text
    assert labels(demo_home) == {}
    assert selected(r.text) == "-1" and 'id="unlabel-form"' not in r.text


def test_bulk_relabel_of_ticked_comments(as_role, demo_home):
    eve = as_role("eve")
    token = csrf_of(eve)
    hostile = ids_with_stance(eve, "-1")[:4]
    assert len(hostile) == 4
    r = eve.post("/cases/demo/comments/relabel", data={"csrf": token, "stance": "1", "ids": hostile,
                                                       "back": "/cases/demo/comments?stance=-1"})
    assert r.status_code == 200 and "4 comment(s): stance supportive" in r.text
    assert labels(demo_home) == {i: 1 for i in hostile}
    bad = eve.post("/cases/demo/comments/relabel", data={"csrf": token, "stance": "1", "ids": ["99999999"]})
    assert bad.status_code == 400


def test_viewers_cannot_relabel(as_role):
    vic = as_role("vic")
    assert 'name="ids"' not in vic.get("/cases/demo/comments").text
    r = vic.post("/cases/demo/comments/relabel", data={"csrf": csrf_of(vic), "stance": "1", "ids": ["1"]})
    assert r.status_code == 403


def test_comment_page_names_the_theme_and_puts_the_verdict_first(as_role):
    eve = as_role("eve")
    themed = re.search(r'/cases/demo/comments/(\d+)"', eve.get("/cases/demo/comments?theme=" + re.search(
        r'name="theme">.*?<option value="(t\d+)"', eve.get("/cases/demo/comments").text, re.S).group(1)).text).group(1)
    page = eve.get(f"/cases/demo/comments/{themed}").text
    theme = re.search(r'<dd id="theme">([^<]*)</dd>', page).group(1)
    assert theme not in ("—", "") and not re.fullmatch(r"t\d+", theme)
    assert page.index('id="verdict"') < page.index('id="raw-sha"')
    assert "confidence 0." in page[page.index('id="machine-stance"'):]


def test_themes_page_has_its_controls_first_and_quotes_folded(as_role):
    eve = as_role("eve")
    page = eve.get("/cases/demo/themes").text
    first_theme = page.index('<section class="theme"')
    assert page.index('id="merge-form"') < first_theme
    assert page.index("blockquote") > page.index('<details class="theme-body">')
    assert '<details class="theme-body" open' not in page
    key = re.search(r'name="keys" value="(t\d+)"', page).group(1)
    section = page[page.index(f'id="theme-{key}"'):]
    assert section.index('class="inline rename-form"') < section.index("<details")  # rename beside the theme
    r = eve.post("/cases/demo/themes/rename", data={"csrf": csrf_of(eve), "key": key, "label": "Новое имя"})
    assert "rename:" in r.text


def test_russian_interface_by_browser_language_and_by_the_switch(demo_app, as_role):
    from starlette.testclient import TestClient

    anon = TestClient(demo_app, headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    page = anon.get("/login").text
    assert '<html lang="ru">' in page and "Имя пользователя" in page and "Войти" in page
    eve = as_role("eve")
    assert "Комментарии" not in eve.get("/cases/demo/comments").text
    r = eve.get("/lang", params={"to": "ru", "next": "/cases/demo/review"})
    assert r.url.path == "/cases/demo/review"
    assert "На чьей стороне этот комментарий?" in r.text and "поддерживает" in r.text
    cid = re.search(r'name="ids" value="(\d+)"', eve.get("/cases/demo/comments?stance=-1").text).group(1)
    page = eve.get(f"/cases/demo/comments/{cid}").text
    assert "Позиция (машина)" in page and "враждебно" in page
    eve.get("/lang", params={"to": "en", "next": "//evil.example"})
    assert "Whose side" in eve.get("/cases/demo/review").text
