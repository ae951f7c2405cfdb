"""The analysis pipeline on the demo case: provenance, caching, editor decisions, export columns.

Stance here comes from a small rule backend registered by the test, so these tests check the
pipeline's behaviour, not the model's quality (test_stance.py covers the model)."""

import csv
import io
import json
import re
import sqlite3

import pytest

from otklik.analysis import pipeline
from otklik.analysis.summary import case_summary
from otklik.demo.run import DATA, setup_demo
from otklik.store import open_store


@pipeline.stance_backend("rules-for-tests")
def _rules(ctx, items, labelled):
    out = []
    for c in items:
        hostile = re.search(r"террорист|пусть отвечает|пусть выдают", c.text, re.I)
        out.append({"label": -1 if hostile else 1, "relevant": True, "confidence": 0.6})
    return out


CONFIG = {"stance": {"backend": "rules-for-tests"}}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    engine = open_store(home)
    setup_demo(engine)
    first = pipeline.analyze_case(engine, "demo", CONFIG)
    return home, engine, first


def test_every_comment_gets_annotations_with_provenance(demo):
    home, engine, first = demo
    con = sqlite3.connect(home / "otklik.sqlite")
    n = con.execute("SELECT count(*) FROM comment").fetchone()[0]
    for stage in ("language", "normal", "entities", "stance"):
        rows = con.execute("SELECT backend, version, params, input_hash, run_id FROM annotation WHERE stage=?",
                           (stage,)).fetchall()
        assert len(rows) == n
        assert all(r[0] and r[1] and r[2] is not None and len(r[3]) == 32 and r[4] == first["run"] for r in rows)
    assert first["stages"]["stance"]["backend"] == "rules-for-tests"


def test_languages_and_coordinated_burst_match_the_demo_truth(demo):
    home, engine, _ = demo
    truth = json.loads((DATA / "truth.json").read_text(encoding="utf-8"))["instagram"]["comments"]
    with engine.connect() as conn:
        s = case_summary(conn, "demo")
    assert {"ru", "kk", "en", "ce"} <= set(s["languages"])
    [burst] = [g for g in s["coordination"]["groups"] if g["coordinated"]]
    expected = {k for k, v in truth.items() if v.get("burst")}
    found = {pid for pid, cid in zip(burst["platform_ids"], burst["comment_ids"]) if cid in burst["burst_ids"]}
    assert found == expected
    # shares by people and by comments are both given, and discounting the burst changes them
    assert s["stance"]["authors"]["total"] < s["stance"]["comments"]["total"]
    assert s["stance_without_coordinated"]["comments"]["total"] == s["stance"]["comments"]["total"] - len(expected)


def test_unchanged_inputs_are_not_recomputed(demo):
    _, engine, _ = demo
    again = pipeline.analyze_case(engine, "demo", CONFIG)
    assert all(again["stages"][s]["computed"] == 0 for s in ("language", "normal", "entities", "stance"))
    assert not again["stages"]["coordination"]["recomputed"] and not again["stages"]["themes"]["recomputed"]


def test_themes_have_verbatim_quotes_and_are_deterministic(demo, tmp_path):
    home, engine, _ = demo
    con = sqlite3.connect(home / "otklik.sqlite")
    themes = json.loads(con.execute("SELECT payload FROM case_result WHERE stage='themes'").fetchone()[0])["themes"]
    assert len([t for t in themes if t["key"] != "other"]) >= 3
    for t in themes:
        for q in t["quotes"]:
            text = con.execute("SELECT text FROM comment WHERE id=?", (q["comment_id"],)).fetchone()[0]
            assert text[q["start"]:q["end"]] == q["text"]
    other = open_store(tmp_path / "again")
    setup_demo(other)
    pipeline.analyze_case(other, "demo", CONFIG)
    con2 = sqlite3.connect(tmp_path / "again" / "otklik.sqlite")
    themes2 = json.loads(con2.execute("SELECT payload FROM case_result WHERE stage='themes'").fetchone()[0])["themes"]
    assert themes2 == themes


def test_editor_decisions_survive_a_rerun(demo):
    home, engine, _ = demo
    con = sqlite3.connect(home / "otklik.sqlite")
    themes = json.loads(con.execute("SELECT payload FROM case_result WHERE stage='themes'").fetchone()[0])["themes"]
    a, b = [t["key"] for t in themes if t["key"] != "other"][:2]
    pipeline.add_theme_decision(engine, "demo", "rename", {"key": a, "label": "Fear for his life"})
    pipeline.add_theme_decision(engine, "demo", "merge", {"keys": [a, b]})
    target = con.execute("SELECT platform_id FROM comment ORDER BY id LIMIT 1").fetchone()[0]
    pipeline.set_label(engine, "demo", target, "stance", -1)
    run = pipeline.analyze_case(engine, "demo", CONFIG)
    assert run["stages"]["themes"]["recomputed"]
    con = sqlite3.connect(home / "otklik.sqlite")
    themes = json.loads(con.execute("SELECT payload FROM case_result WHERE stage='themes'").fetchone()[0])["themes"]
    merged = [t for t in themes if t["label"] == "Fear for his life"]
    assert len(merged) == 1 and not any(t["key"] == b for t in themes)
    stance = json.loads(con.execute(
        "SELECT a.value FROM annotation a JOIN comment c ON c.id=a.comment_id WHERE a.stage='stance' AND c.platform_id=?",
        (target,)).fetchone()[0])
    assert stance["label"] == -1 and stance["source"] == "editor"
    # and once more: the decisions are replayed, not lost
    pipeline.analyze_case(engine, "demo", CONFIG)
    themes = json.loads(con.execute("SELECT payload FROM case_result WHERE stage='themes'").fetchone()[0])["themes"]
    assert [t for t in themes if t["label"] == "Fear for his life"]


def test_export_carries_the_analysis_columns(demo, otk, home):
    dhome, engine, _ = demo
    from click.testing import CliRunner

    from otklik.cli import main

    out = CliRunner().invoke(main, ["--home", str(dhome), "export", "--case", "demo", "--format", "csv"]).output
    rows = list(csv.DictReader(io.StringIO(out)))
    for col in ("platform_id", "text", "author", "lang", "stance", "stance_confidence", "theme", "theme_label",
                "coordinated"):
        assert col in rows[0]
    assert sum(r["coordinated"] == "True" for r in rows) == 8
    assert {r["lang"] for r in rows} >= {"ru", "kk", "ce", "en"}


def test_secrets_in_the_configuration_never_reach_the_store(tmp_path):
    engine = open_store(tmp_path)
    setup_demo(engine)
    pipeline.analyze_case(engine, "demo", {"stance": {"backend": "rules-for-tests", "api_key": "sekret-123"}})
    dump = "\n".join(sqlite3.connect(tmp_path / "otklik.sqlite").iterdump())
    assert "sekret-123" not in dump


def test_stored_summary_is_used_only_while_it_describes_the_store(tmp_path):
    from otklik.analysis.summary import case_summary, compute_case_summary
    from tests.conftest import comment as ig_comment, write_instaloader

    engine = open_store(tmp_path / "ws")
    setup_demo(engine)
    pipeline.analyze_case(engine, "demo", CONFIG)
    with engine.connect() as conn:
        assert case_summary(conn, "demo") == compute_case_summary(conn, "demo") | {"analysis_run": 1}
    # comments imported after the analysis: the stored summary no longer describes the store
    from otklik.ingest import import_files

    path = write_instaloader(tmp_path / "more", [ig_comment(990001, "Новый комментарий после анализа", 77)],
                             prefix="2026-11-26_10-00-00_UTC", shortcode="NEWPOST")
    import_files(engine, "demo", [path])
    with engine.connect() as conn:
        with pytest.raises(ValueError, match="1 comment.* imported after its last analysis"):
            case_summary(conn, "demo")


def test_the_run_order_comes_from_the_configuration_and_is_checked_before_the_run(demo):
    _, engine, _ = demo

    def runs():
        with engine.connect() as conn:
            return len(conn.execute(pipeline.analysis_run.select()).all())
    before = runs()
    with pytest.raises(pipeline.PipelineError, match="unknown stage 'sentiment'"):
        pipeline.analyze_case(engine, "demo", {"pipeline": ["language", "sentiment"]})
    # themes read the stance, which no earlier stage assigns in this order
    with pytest.raises(pipeline.PipelineError, match="stage 'themes' requires comment.stance"):
        pipeline.analyze_case(engine, "demo", {"pipeline": ["language", "normal", "entities", "coordination", "themes"]})
    with pytest.raises(pipeline.PipelineError, match="summary requires .*case.themes"):
        pipeline.analyze_case(engine, "demo", {"pipeline": ["language", "normal", "entities", "stance", "coordination"]})
    assert runs() == before  # nothing ran
    order = ["normal", "language", "discovery", "coordination", "entities", "stance", "themes"]
    run = pipeline.analyze_case(engine, "demo", CONFIG | {"pipeline": order})
    assert list(run["stages"]) == order and runs() == before + 1
    assert run["stages"]["stance"]["computed"] == 0 and run["stages"]["themes"]["recomputed"] is False


def test_secrets_are_masked_by_declaration_of_the_stage_and_its_backend():
    recorded = pipeline.public_params({"stance": {"backend": "llm", "api_key": "k-1", "api_key_env": "MY_KEY",
                                                  "model": "m"},
                                       "themes": {"keywords": 8}})
    assert recorded == {"stance": {"backend": "llm", "api_key": "<secret>", "api_key_env": "MY_KEY", "model": "m"},
                        "themes": {"keywords": 8}}
