"""The review queue in the web workspace: questions, answers in the editor's name, skip, undo,
the estimate's interval, and who may use it."""

import re
import sqlite3

from tests.web.conftest import csrf_of


def question(client):
    page = client.get("/cases/demo/review").text
    m = re.search(r'name="comment_id" value="(\d+)">\s*<input type="hidden" name="draw" value="(\d+)"', page)
    machine = re.search(r'<button name="answer" value="(\d)" data-key="\d" class="machine"', page)
    return page, int(m.group(1)), int(m.group(2)), machine.group(1)


def width(page):
    row = re.search(r'<tr data-stance="supportive">.*?\((\d+)%–(\d+)%\)', page, re.S)
    return int(row.group(2)) - int(row.group(1))


def test_answers_are_labels_in_the_editors_name_and_narrow_the_interval(as_role, demo_home):
    eve = as_role("eve")
    token = csrf_of(eve)
    page, cid, draw, machine = question(eve)
    assert "Machine: <strong>" in page and "confidence 0." in page
    assert "unchecked estimate" in page
    start = width(page)
    seen = set()
    for _ in range(12):
        page, cid, draw, machine = question(eve)
        assert cid not in seen  # an answered comment is not asked again
        seen.add(cid)
        r = eve.post("/cases/demo/review", data={"csrf": token, "comment_id": cid, "answer": machine})
        assert r.status_code == 200 and "Supportive now" in r.text
    assert "queue draw(s) completed" in r.text
    assert width(r.text) < start
    con = sqlite3.connect(demo_home / "otklik.sqlite")
    users = {u for (u,) in con.execute("SELECT user FROM editor_label")}
    n = con.execute("SELECT count(*) FROM editor_label").fetchone()[0]
    con.close()
    assert users == {"web:eve"} and n == 12


def test_undo_brings_the_question_back(as_role, demo_home):
    eve = as_role("eve")
    token = csrf_of(eve)
    _, cid, _, _ = question(eve)
    r = eve.post("/cases/demo/review", data={"csrf": token, "comment_id": cid, "answer": "3"})
    assert re.search(rf'id="undo-form">.*?name="comment_id" value="{cid}"', r.text, re.S)
    r = eve.post("/cases/demo/review/undo", data={"csrf": token, "comment_id": cid})
    assert "undone" in r.text
    _, again, _, _ = question(eve)
    assert again == cid
    con = sqlite3.connect(demo_home / "otklik.sqlite")
    assert con.execute("SELECT count(*) FROM editor_label").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM custody WHERE action='label-remove' AND os_user='web:eve'").fetchone()[0] == 1
    con.close()


def test_skip_moves_on(as_role):
    eve = as_role("eve")
    token = csrf_of(eve)
    _, cid, draw, _ = question(eve)
    r = eve.post("/cases/demo/review", data={"csrf": token, "answer": "s", "draw": draw})
    assert "skipped" in r.text
    _, nxt, _, _ = question(eve)
    assert nxt != cid


def test_review_needs_an_editor_and_a_csrf_token(as_role):
    vic, eve = as_role("vic"), as_role("eve")
    assert vic.get("/cases/demo/review").status_code == 403
    _, cid, _, _ = question(eve)
    assert eve.post("/cases/demo/review", data={"comment_id": cid, "answer": "1"}).status_code == 403
    r = eve.post("/cases/demo/review", data={"csrf": csrf_of(eve), "comment_id": cid, "answer": "9"})
    assert r.status_code == 400
