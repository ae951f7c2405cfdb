"""The digest of a small analysed case: proposals and their stated reasons, the page's own
replies, and theme stance mixes on the corrected stances (the editor's answers included).

Stance comes from a rule backend registered here, so these tests check the digest, not the model."""

import re

import pytest

from otklik.analysis import pipeline
from otklik.analysis import review as rv
from otklik.analysis.summary import shares
from otklik.cases import create_case
from otklik.digest import build_digest, digest_quotes
from otklik.store.sql import page_comments
from otklik.ingest import import_files
from otklik.report.service import write_report
from otklik.store import open_store
from tests.conftest import comment, copy_workspace, write_instaloader

TEXTS = [
    "Не отдавайте его, там ему грозит тюрьма и пытки",
    "Пусть отвечает по закону, нечего его жалеть",
    "Держись, брат, мы все за тебя молимся",
    "Где доказательства? Суд опять решает по звонку",
    "Подпишите петицию, нельзя молчать",
]
# two people give the same reason for one place, a third another reason for another place
PROPOSALS = ["Пусть его примет Норвегия, там не выдают никого", "Лучше в Норвегию, там не выдают никого!",
             "Отпустите его в Канаду, там безопасно"]
PAGE_REPLY = "Спасибо за поддержку, адвокаты готовят жалобу"


@pipeline.stance_backend("digest-rules-for-tests")
def _rules(ctx, items, labelled):
    out = []
    for c in items:
        label = -1 if re.search(r"отвечает", c.text.lower()) else 1
        out.append({"label": label, "relevant": True, "confidence": 0.6})
    return out


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    home = tmp_path_factory.mktemp("digest")
    cs = [comment(f"c{i:03d}", f"{TEXTS[i % len(TEXTS)]} ({i})", i % 11, t=1772360000 + 60 * i) for i in range(30)]
    cs += [comment(f"p{i}", t, 20 + i, t=1772370000 + 60 * i) for i, t in enumerate(PROPOSALS)]
    page = comment("own1", PAGE_REPLY, 0, t=1772380000)
    page["owner"] = {"id": "5550001", "username": "free_test_page"}  # the page answers in its own thread
    cs.append(page)
    path = write_instaloader(home / "ex", cs)
    engine = open_store(home / "ws")
    with engine.begin() as conn:
        create_case(conn, "dg", "Тимур Бекмурзаев", ["Бекмурзаев"])
    # the page's profile and post metadata too: they say whose page it is
    import_files(engine, "dg", [path.parent / "free_test_page_5550001.json", path.parent / "2026-03-01_10-00-00_UTC.json", path])
    pipeline.analyze_case(engine, "dg", {"stance": {"backend": "digest-rules-for-tests"}})
    engine.dispose()
    return home / "ws"


@pytest.fixture
def ws(analysed, tmp_path):
    return copy_workspace(analysed, tmp_path / "ws")


def _ids(conn, *platform_ids):
    return [conn.exec_driver_sql("SELECT id FROM comment WHERE platform_id = ?", (p,)).scalar() for p in platform_ids]


def test_proposals_carry_their_verbatim_reasons_and_the_most_common_one_is_quoted(ws):
    engine = open_store(ws)
    with engine.begin() as conn:
        d = build_digest(conn, "dg")
        p0, p1, p2 = _ids(conn, "p0", "p1", "p2")
    by = {p["entity"]: p for p in d["proposals"]}
    assert by["Norway"]["n_authors"] == 2 and by["Norway"]["comment_ids"] == sorted([p0, p1])
    assert [r["text"] for r in by["Norway"]["reasons"]] == ["там не выдают никого"] * 2
    assert [r["text"] for r in by["Canada"]["reasons"]] == ["там безопасно"]
    why = d["proposal_reasons"]
    assert (why["n_authors"], why["n_comments"]) == (3, 3)
    top = why["top"][0]
    assert (top["text"], top["comment_id"], top["n_authors"]) == ("там не выдают никого", p0, 2)
    assert PROPOSALS[0][top["start"]:top["end"]] == top["text"]
    assert top in digest_quotes(d)
    with engine.begin() as conn:
        write_report(conn, "dg", "ru", "md", ws / "r.md")  # verified, or it raises
    ru = (ws / "r.md").read_text(encoding="utf-8").replace("\u00a0", " ")
    assert "Чаще всего называли такую причину (2 пользователя):" in ru
    assert f"«там не выдают никого» [#{p0}]" in ru


def test_the_pages_own_replies_are_told_apart(ws):
    engine = open_store(ws)
    with engine.begin() as conn:
        own, other = _ids(conn, "own1", "c001")
        assert page_comments(conn, [own, other]) == {own}
        d = build_digest(conn, "dg")
    assert all(t["comment_id"] != own for th in d["themes"] for t in th["titles"].values())


def test_an_editors_answer_changes_the_theme_stance_mix_and_the_quotes_side(ws):
    engine = open_store(ws)
    with engine.begin() as conn:
        before = build_digest(conn, "dg")
    theme = next(t for t in before["themes"] if t["quotes"] and t["stances"].get("1", 0) >= 2)
    assert theme["stances_source"] == "corrected" and sum(theme["stances"].values()) == theme["n_comments"]
    q = next(q for q in theme["quotes"] if q["stance"] == 1)
    rv.answer(engine, "dg", q["platform_id"], -1)  # the editor: this comment is hostile
    with engine.begin() as conn:
        after = build_digest(conn, "dg")
    th = next(t for t in after["themes"] if t["key"] == theme["key"])
    assert th["stances"].get("-1", 0) >= theme["stances"].get("-1", 0) + 1
    assert sum(th["stances"].values()) == theme["n_comments"]
    aq = next(x for x in th["quotes"] if x["comment_id"] == q["comment_id"])
    assert (aq["side"], aq["side_source"]) == (-1, "editor")


def test_a_person_counts_by_their_most_frequent_stance():
    # one supportive and two neutral comments: neutral (the sign of the sum would say supportive)
    rows = [("a", 1), ("a", 0), ("a", 0), ("b", 1), ("b", -1), ("c", None), ("d", -1), ("d", -1), ("d", 1)]
    s = shares(rows)["authors"]
    assert (s["neutral"]["n"], s["supportive"]["n"], s["hostile"]["n"], s["not_about_case"]["n"]) == (2, 0, 1, 1)
