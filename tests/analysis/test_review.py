"""The review queue on a small analysed case: questions, answers, draws, adaptation, and the
estimate and its wording in the digest and the report.

Stance comes from a rule backend registered here (confidence 0.6, no "probs"), so these tests
check the queue, not the model."""

import json
import re

import pytest

from otklik.analysis import pipeline
from otklik.analysis import review as rv
from click.testing import CliRunner

from otklik.cases import create_case
from otklik.cli import main
from otklik.digest import build_digest
from otklik.ingest import import_files
from otklik.report.service import write_report
from otklik.store import open_store
from tests.conftest import comment, copy_workspace, write_instaloader

TEXTS = [
    "Не отдавайте его, там ему грозит тюрьма и пытки",
    "Пусть отвечает по закону, нечего его жалеть",
    "Держись, брат, мы все за тебя молимся",
    "Где доказательства? Суд опять решает по звонку",
    "Кто знает, когда следующее заседание суда?",
    "Продаю квартиру в центре, пишите в личку",
    "Это позор, он должен сидеть в тюрьме",
    "Подпишите петицию, нельзя молчать",
]


@pipeline.stance_backend("review-rules-for-tests")
def _rules(ctx, items, labelled):
    out = []
    for c in items:
        t = c.text.lower()
        label = -1 if re.search(r"отвечает|позор", t) else None if "продаю" in t else 0 if "кто знает" in t else 1
        out.append({"label": label, "relevant": label is not None, "confidence": 0.6})
    return out


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    home = tmp_path_factory.mktemp("review")
    comments = [comment(f"c{i:03d}", f"{TEXTS[i % len(TEXTS)]} ({i})", i % 13, t=1772360000 + 60 * i) for i in range(40)]
    path = write_instaloader(home / "ex", comments)
    engine = open_store(home / "ws")
    with engine.begin() as conn:
        create_case(conn, "rc", "Тимур Бекмурзаев", ["Бекмурзаев"])
    import_files(engine, "rc", [path])
    pipeline.analyze_case(engine, "rc", {"stance": {"backend": "review-rules-for-tests"}})
    engine.dispose()
    return home / "ws"


@pytest.fixture
def ws(analysed, tmp_path):
    return copy_workspace(analysed, tmp_path)


def _draws(engine):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(rv.review_draw.select().order_by(rv.review_draw.c.step)).mappings()]


def test_questions_ask_every_comment_of_a_drawn_person_and_are_stable_until_answered(ws):
    engine = open_store(ws)
    qs = rv.next_questions(engine, "rc", 3)
    assert qs and {"comment_id", "platform_id", "text", "machine_stance", "confidence"} <= set(qs[0])
    [first, *_] = _draws(engine)
    assert first["status"] == "pending" and 0 < first["q"] <= 1
    assert qs[0]["comment_id"] in json.loads(first["comment_ids"])
    assert [q["platform_id"] for q in rv.next_questions(engine, "rc", 3)] == [q["platform_id"] for q in qs]


def test_an_answer_completes_the_draw_adapts_the_model_and_moves_the_queue(ws):
    engine = open_store(ws)
    with engine.connect() as conn:
        before = rv.current_estimate(conn, "rc")
    assert before["method"] == "model-documented-error" and before["n_draws"] == 0
    asked = []
    est = None
    for _ in range(12):
        [q] = rv.next_questions(engine, "rc", 1)
        asked.append(q["platform_id"])
        # the editor disagrees with the machine: everything is "not about the case"
        est = rv.answer(engine, "rc", q["platform_id"], None)
    assert len(set(asked)) == len(asked)  # an answered question is not asked again
    assert est["method"] == "active-ppi" and est["n_draws"] >= 1 and est["n_checked"] == 12
    assert all(d["status"] in ("done", "pending") for d in _draws(engine))
    assert est["by_comments"]["not_about_case"]["share"] > before["by_comments"]["not_about_case"]["share"]
    [nxt] = rv.next_questions(engine, "rc", 1)
    assert nxt["machine_stance"] is None  # the adapted model now reads unlabelled comments as the editor did


def test_a_label_outside_the_queue_fixes_the_comment_but_adds_no_draw(ws):
    engine = open_store(ws)
    with engine.connect() as conn:
        before = rv.current_estimate(conn, "rc")
    pipeline.set_label(engine, "rc", "c005", "stance", 1)  # a spam comment the editor calls supportive
    with engine.connect() as conn:
        after = rv.current_estimate(conn, "rc")
    assert after["n_draws"] == 0 and after["n_checked"] == 1
    assert after["by_comments"]["supportive"]["share"] > before["by_comments"]["supportive"]["share"]


def test_review_cli_prints_questions_and_a_label_answers_the_pending_one(ws):
    def run(*args):
        res = CliRunner().invoke(main, ["--home", str(ws), *args], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return res.output
    out = json.loads(run("review", "--case", "rc", "--next", "2", "--json"))
    assert len(out["questions"]) == 2 and out["estimate"]["n_draws"] == 0
    q = out["questions"][0]
    assert {"platform_id", "text", "machine_stance", "confidence"} <= set(q)
    assert set(out["estimate"]["by_authors"]) == {"supportive", "neutral", "hostile", "not_about_case"}
    engine = open_store(ws)
    unit = _draws(engine)[0]
    for cid in json.loads(unit["comment_ids"]):  # answer the whole drawn person through `otklik label`
        with engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT platform_id FROM comment WHERE id = ?", (cid,)).scalar()
        run("label", "--case", "rc", pid, "--stance", "-1")
    out2 = json.loads(run("review", "--case", "rc", "--next", "2", "--json"))
    assert out2["estimate"]["n_draws"] == 1 and out2["estimate"]["method"] == "active-ppi"
    assert q["platform_id"] not in {x["platform_id"] for x in out2["questions"]}


def test_digest_and_report_state_the_estimate_and_how_far_it_was_checked(ws):
    engine = open_store(ws)
    with engine.begin() as conn:
        d = build_digest(conn, "rc")
    e = d["stance_estimate"]
    assert e["n_draws"] == 0 and e["n_comments"] == 40
    for scale in ("by_comments", "by_authors"):
        for k in ("supportive", "neutral", "hostile", "not_about_case"):
            v = e[scale][k]
            assert 0 <= v["low"] <= v["share"] <= v["high"] <= 1
    assert all(q["side_source"] in ("editor", "model", None) for t in d["themes"] for q in t["quotes"])
    with engine.begin() as conn:
        write_report(conn, "rc", "ru", "md", ws / "r0.md")  # verified, or it raises
    ru0 = (ws / "r0.md").read_text(encoding="utf-8").replace("\u00a0", " ")
    assert re.search(r"около \d+% \(\d+–\d+%\) пользователей", ru0) or re.search(r"около \d+% \(\d+–\d+%\) выразили", ru0)
    assert "непроверенная машинная оценка" in ru0
    for _ in range(10):
        [q] = rv.next_questions(engine, "rc", 1)
        rv.answer(engine, "rc", q["platform_id"], 1)
    with engine.begin() as conn:
        write_report(conn, "rc", "en", "md", ws / "r1.md")
        n = build_digest(conn, "rc")["stance_estimate"]["n_checked"]
    en1 = (ws / "r1.md").read_text(encoding="utf-8")
    assert f"an editor checked the machine's reading on {n} comments" in en1
    assert re.search(r"about \d+% \(\d+–\d+%\)", en1)


def test_interactive_review_takes_one_key_per_answer_and_skip_leaves_the_draw_out(ws):
    res = CliRunner().invoke(main, ["--home", str(ws), "review", "--case", "rc"], input="0\ns\nq\n",
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "machine: " in res.output and "1 answer(s) recorded" in res.output
    engine = open_store(ws)
    statuses = [d["status"] for d in _draws(engine)]
    assert "skipped" in statuses
    with engine.connect() as conn:
        e = rv.current_estimate(conn, "rc")
    assert e["n_checked"] == 1 and e["n_skipped"] >= 1


def test_review_of_a_case_not_analysed_fails_with_a_clear_error(ws):
    engine = open_store(ws)
    with engine.begin() as conn:
        create_case(conn, "fresh", "Имя Фамилия", [])
    res = CliRunner().invoke(main, ["--home", str(ws), "review", "--case", "fresh", "--next", "1", "--json"])
    assert res.exit_code != 0 and "otklik analyze" in res.output
    res = CliRunner().invoke(main, ["--home", str(ws), "review", "--case", "nosuch", "--next", "1"])
    assert res.exit_code != 0 and "nosuch" in res.output


def test_adapted_stances_give_every_comment_and_keep_the_editor_labels(ws):
    engine = open_store(ws)
    rv.answer(engine, "rc", "c001", 1)  # the rules read c001 as hostile
    with engine.connect() as conn:
        got = rv.adapted_stances(conn, "rc")
    assert len(got) == 40 and got["c001"] == (1, 1.0, True)
    assert all(not confirmed for pid, (_, _, confirmed) in got.items() if pid != "c001")


def test_the_stored_array_of_probabilities_is_what_the_annotations_say_and_a_stale_one_is_ignored(ws):
    from sqlalchemy import text

    from otklik.analysis.snapshots import STANCE as SNAPSHOT_STAGE

    engine = open_store(ws)
    with engine.begin() as conn:
        rv._BASE_CACHE.clear()
        cid = conn.execute(text("SELECT id FROM cases WHERE name = 'rc'")).scalar()
        from_snapshot = rv._load_base(conn, cid)
        assert conn.execute(text("SELECT count(*) FROM case_result WHERE stage = :s"), {"s": SNAPSHOT_STAGE}).scalar() == 1
        conn.execute(text("UPDATE case_result SET payload = json_set(payload, '$.run', -1) WHERE stage = :s"),
                     {"s": SNAPSHOT_STAGE})
        rv._BASE_CACHE.clear()
        from_annotations = rv._load_base(conn, cid)
    assert from_snapshot.platform_ids == from_annotations.platform_ids and from_snapshot.units == from_annotations.units
    assert from_snapshot.backend == from_annotations.backend
    for field in ("comment_ids", "author_idx", "base", "machine"):
        assert (getattr(from_snapshot, field) == getattr(from_annotations, field)).all(), field
    assert from_snapshot.base.shape == (40, 4)


def test_the_kept_state_is_reused_only_for_the_same_labels_and_a_callers_changes_do_not_leak(ws):
    from sqlalchemy import text

    engine = open_store(ws)
    rv._STATE_CACHE.clear()
    with engine.connect() as conn:
        cid = conn.execute(text("SELECT id FROM cases WHERE name = 'rc'")).scalar()
        first = rv.load_state(conn, cid)
        first.set_label(0, 1)  # a caller's own change
        first.refresh()
        again = rv.load_state(conn, cid)
        fresh = rv.CaseState(rv._load_base(conn, cid), {}, cid)
    assert 0 not in again.labels and len(rv._STATE_CACHE) == 1
    assert (again.P == fresh.P).all()
    pid = again.platform_ids[0]
    rv.answer(engine, "rc", pid, -1)
    with engine.connect() as conn:
        after = rv.load_state(conn, cid)
    assert after.labels.get(0) == rv.est.class_index(-1)  # the answer is in the state the next question uses
    engine.dispose()
