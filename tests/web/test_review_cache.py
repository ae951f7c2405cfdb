"""The review page shows the estimate its last answer computed only while nothing changed since:
what it shows is what a fresh computation from the store gives, after answers, undo and skips."""

import re

from otklik.analysis import review as rv
from otklik.store import open_store
from tests.web.conftest import csrf_of


def shown(page: str) -> list[str]:
    table = re.search(r'<table class="estimate" id="estimate">.*?</table>', page, re.S).group(0)
    return re.findall(r"(\d+%) <span class=\"muted\">\((\d+%)–(\d+%)\)", table)


def fresh(home) -> list[tuple]:
    engine = open_store(home)
    with engine.begin() as conn:
        e = rv.current_estimate(conn, "demo")
    engine.dispose()
    pct = lambda x: f"{100 * x:.0f}%"  # noqa: E731 (the page's filter)
    return [(pct(e[s][n]["share"]), pct(e[s][n]["low"]), pct(e[s][n]["high"]))
            for n in ("supportive", "neutral", "hostile", "not_about_case") for s in ("by_authors", "by_comments")]


def test_the_estimate_shown_is_the_stores_after_answers_undo_and_skip(as_role, demo_home):
    eve = as_role("eve")
    token = csrf_of(eve)
    for answer in ("1", "3", "2", "1"):
        page = eve.get("/cases/demo/review").text
        cid = re.search(r'name="comment_id" value="(\d+)"', page).group(1)
        page = eve.post("/cases/demo/review", data={"csrf": token, "comment_id": cid, "answer": answer}).text
        assert shown(page) == fresh(demo_home)
    page = eve.post("/cases/demo/review/undo", data={"csrf": token, "comment_id": cid}).text
    assert "undone" in page and shown(page) == fresh(demo_home)
    draw = re.search(r'name="draw" value="(\d+)"', page).group(1)
    page = eve.post("/cases/demo/review", data={"csrf": token, "answer": "s", "draw": draw}).text
    assert "skipped" in page and shown(page) == fresh(demo_home)
