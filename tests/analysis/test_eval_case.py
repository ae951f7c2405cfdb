"""`otklik eval case`: the scorers on tiny hand-made gold/predictions, the folder reader, the
simulated editor's loop against the review API, and one whole run on the bundled demo."""

import json
import os
import sys
import types
from pathlib import Path

import pytest

from otklik.analysis import pipeline
from otklik.evaluation.case import (CaseEvalError, author_stance, interval_check, language_scores,
                                    proposal_scores, score, set_scores, simulate_review, stance_scores,
                                    theme_scores)
from otklik.evaluation.case_gold import CaseDirError, GoldCase, load_case_dir

REPO = Path(__file__).resolve().parents[2]
DEMO_DATA = REPO / "src" / "otklik" / "demo" / "data"
GAZDIEV = REPO.parent / "shared" / "data" / "cases" / "gazdiev"


# ---------------------------------------------------------------- scorers


def test_author_stance_is_the_most_frequent_non_null_and_a_tie_is_neutral():
    assert author_stance([1, 1, -1]) == 1
    assert author_stance([-1, None, None, 1, -1]) == -1
    assert author_stance([1, 0]) == 0  # two-way tie
    assert author_stance([1, 0, -1]) == 0  # three-way tie
    assert author_stance([1, 1, 0, 0, -1]) == 0  # a tie between the most frequent values only
    assert author_stance([None, None]) is None
    assert author_stance([None, 1]) == 1


def test_stance_scores_count_four_outcomes_and_a_confusion_matrix():
    gold = [1, 1, 1, 0, -1, None]
    pred = [1, 1, -1, 0, -1, 1]
    r = stance_scores(gold, pred)
    assert r["n"] == 6 and r["accuracy"] == round(4 / 6, 4)
    assert r["confusion"]["1"] == {"1": 2, "0": 0, "-1": 1, "none": 0}
    assert r["confusion"]["none"]["1"] == 1
    assert sum(sum(row.values()) for row in r["confusion"].values()) == 6
    # F1: +1 P 2/3 R 2/3; 0: 1; -1: P 1/2 R 1 -> 2/3; none: 0  -> mean over the four present classes
    assert r["macro_f1"] == round((2 / 3 + 1 + 2 / 3 + 0) / 4, 4)
    assert r["per_class"]["none"]["support"] == 1


def test_language_accuracy_reads_ingush_as_chechen_but_not_mixed_as_one_language():
    r = language_scores(["inh", "mixed", "und", "ru"], ["ce", "ru", "und", "ru"])
    assert r["accuracy"] == 0.75 and r["accuracy_exact"] == 0.5
    assert r["per_lang"]["inh"]["recall"] == 1.0 and r["per_lang"]["mixed"]["recall"] == 0.0
    assert r["per_lang"]["mixed"]["predicted_as"] == {"ru": 1}


def test_proposals_per_author_count_each_country_once_per_person():
    gold = {"c1": ["Germany"], "c2": ["Germany", "France"], "c3": ["Europe"], "c4": []}
    author = {"c1": "ann", "c2": "ann", "c3": "bob", "c4": "bob"}
    # ann's Germany found on one of her two comments; bob's "European Union" is the gold's Europe,
    # but on his other comment; France missed; Russia is a wrong proposal
    pred = {"c1": ["Germany"], "c2": [], "c3": [], "c4": ["European Union", "Russia"]}
    r = proposal_scores(gold, pred, author)
    assert r["per_author"] == {"precision": round(2 / 3, 4), "recall": round(2 / 3, 4), "f1": round(2 / 3, 4),
                               "tp": 2, "n_gold": 3, "n_pred": 3}
    assert r["per_comment"]["tp"] == 1 and r["per_comment"]["n_gold"] == 4 and r["per_comment"]["n_pred"] == 3
    assert r["missed"] == ["Europe", "France", "Germany"] and r["extra"] == ["Europe", "Russia"]


def test_set_scores_leave_undefined_figures_undefined():
    assert set_scores({1, 2}, set())["precision"] is None
    assert set_scores({1, 2}, set())["recall"] == 0.0
    assert set_scores(set(), {1})["recall"] is None


def test_a_gold_theme_is_recovered_by_one_theme_holding_half_of_it_with_half_purity():
    gold = {i: "A" for i in range(4)} | {i: "B" for i in range(4, 10)} | {10: None}
    pred = {0: "p", 1: "p", 4: "p",  # p holds 2/4 of A at purity 2/3: recovered
            2: "q", 3: "other",
            5: "r", 6: "r", 7: "r", 8: "s", 9: "s", 10: "r"}  # r holds 3/6 of B, purity 1 (10 has no gold theme)
    r = theme_scores(gold, pred)
    assert r["per_theme"]["A"] == {"n": 4, "predicted": "p", "share": 0.5, "purity": round(2 / 3, 4), "recovered": True}
    assert r["per_theme"]["B"]["predicted"] == "r" and r["per_theme"]["B"]["recovered"]
    assert r["recovered"] == 2 and r["n_comments"] == 10
    # the same theme holding most of A but diluted by B below 50% purity does not recover it
    diluted = {0: "p", 1: "p", 2: "p"} | {i: "p" for i in range(4, 8)}
    r = theme_scores(gold, diluted)
    assert r["per_theme"]["A"]["share"] == 0.75 and r["per_theme"]["A"]["purity"] == round(3 / 7, 4)
    assert not r["per_theme"]["A"]["recovered"]
    # "other" never recovers a theme
    assert theme_scores({1: "A", 2: "A"}, {1: "other", 2: "other"})["recovered"] == 0


def test_interval_coverage_is_read_from_the_estimate_and_null_without_one():
    assert interval_check({"share": 0.5, "low": 0.45, "high": 0.58}, 0.516)["covers"] is True
    miss = interval_check({"share": 0.41, "low": 0.36, "high": 0.46}, 0.516)
    assert miss["covers"] is False and miss["error"] == round(0.41 - 0.516, 4)
    assert interval_check(None, 0.516)["covers"] is None


def _tiny_gold():
    comments = {("telegram", str(i)): {"stance": s, "lang": "ru", "theme": "T1", "proposals": [],
                                       "coordinated": False, "author": a}
                for i, (s, a) in enumerate([(1, "a"), (1, "a"), (-1, "b"), (0, "c"), (None, "d")])}
    return GoldCase(Path("."), "gazdiev", "eval", "X", [], "UTC", ["ru"], None, [], [], comments)


def test_score_uses_the_digest_interval_when_there_is_one_and_says_so_when_not():
    gold = _tiny_gold()
    pred = {k: {"stance": v["stance"], "lang": "ru", "theme": "t1", "coordinated": False, "proposals": []}
            for k, v in gold.comments.items()}
    pred[("telegram", "2")]["stance"] = 1  # one wrong comment
    digest = {"stance": {"comments": {"supportive": {"share": 0.6}}, "authors": {"supportive": {"share": 0.5}}}}
    r = score(gold, pred, digest)
    assert r["stance"]["accuracy"] == 0.8
    sh = r["supportive_share"]["by_comments"]
    assert sh["true"] == 0.4 and sh["predicted"] == 0.6 and sh["error"] == 0.2 and sh["reported"] == 0.6
    assert r["supportive_share"]["by_authors"]["true"] == 0.25  # a +1, b -1, c 0, d null
    assert r["interval"]["available"] is False and "no stance_estimate" in r["interval"]["note"]
    assert sh["interval"]["covers"] is None
    digest["stance_estimate"] = {"by_comments": {"supportive": {"share": 0.5, "low": 0.3, "high": 0.7}},
                                 "by_authors": {"supportive": {"share": 0.6, "low": 0.5, "high": 0.7}}, "n_checked": 0}
    r = score(gold, pred, digest, answered={("telegram", "2")})
    assert r["supportive_share"]["by_comments"]["interval"]["covers"] is True
    assert r["supportive_share"]["by_authors"]["interval"]["covers"] is False
    assert r["stance"]["n"] == 4 and r["stance"]["accuracy"] == 1.0  # scored on the comments not answered


# ---------------------------------------------------------------- the simulated editor


def test_the_simulated_editor_answers_the_queue_in_order_from_the_gold_and_stops_when_it_is_empty():
    queue = ["g/1", "g/2", "g/3"]
    answers = []

    def next_questions(engine, case_name, n=1):
        left = [p for p in queue if p not in {a[0] for a in answers}]
        return [{"comment_id": 0, "platform_id": p, "text": "", "machine_stance": 1, "confidence": 0.5} for p in left[:n]]

    def answer(engine, case_name, platform_id, stance, user=None):
        answers.append((platform_id, stance))
        return {}

    gold = {"g/1": 1, "g/2": None, "g/3": -1}
    assert simulate_review(None, "c", 2, gold.get, next_questions, answer) == ["g/1", "g/2"]
    assert answers == [("g/1", 1), ("g/2", None)]
    assert simulate_review(None, "c", 10, gold.get, next_questions, answer) == ["g/3"]
    with pytest.raises(CaseEvalError, match="twice"):
        simulate_review(None, "c", 2, gold.get, lambda *a, **k: [{"platform_id": "g/1"}], lambda *a, **k: {})


# ---------------------------------------------------------------- the folder


def test_a_folder_without_gold_is_refused_with_its_name(tmp_path, otk):
    with pytest.raises(CaseDirError, match="neither gold.json"):
        load_case_dir(tmp_path)
    (tmp_path / "gold.json").write_text("{not json")
    with pytest.raises(CaseDirError, match="gold.json: cannot read"):
        load_case_dir(tmp_path)
    res = otk("eval", "case", tmp_path, ok=False)
    assert res.exit_code == 2 and "gold.json" in res.output


def test_gazdiev_folder_is_read_as_the_gold_describes_it():
    if not GAZDIEV.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{GAZDIEV} is missing (the shared data must be next to the repository in CI)")
        pytest.skip(f"{GAZDIEV} is not next to this checkout")
    g = load_case_dir(GAZDIEV)
    gold = json.loads((GAZDIEV / "gold.json").read_text(encoding="utf-8"))
    assert len(g.comments) == gold["summary"]["totals"]["comments_total"]
    assert len(g.non_case) == len(gold["non_case_messages"])
    assert [p.parent.name for p in g.files] == ["channel", "discussion"]
    assert g.subject == gold["summary"]["subject"]["name_ru"] and g.tz == "Europe/Moscow"
    assert any(e["deadline"] for e in g.events)


# ---------------------------------------------------------------- a whole run on the demo


def _demo_truth():
    t = json.loads((DEMO_DATA / "truth.json").read_text(encoding="utf-8"))
    return t, {(p, k): v for p in ("instagram", "telegram") for k, v in t[p]["comments"].items()}


@pipeline.stance_backend("eval-case-wrong-on-telegram")
def _wrong_on_telegram(ctx, items, labelled):
    """The truth on Instagram, always hostile on Telegram: a deliberately wrong prediction."""
    _, truth = _demo_truth()
    out = []
    for c in items:
        g = truth.get(("instagram", c.platform_id))
        label = g["stance"] if g is not None else -1
        out.append({"label": label, "relevant": label is not None, "confidence": 1.0})
    return out


def test_eval_case_on_the_demo_scores_what_the_pipeline_and_the_simulated_editor_did(otk, monkeypatch):
    from otklik.analysis.pipeline import set_label

    asked = []

    def next_questions(engine, case_name, n=1, rng=None):  # the store's first comments nobody answered yet
        from sqlalchemy import text

        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, platform_id, text FROM comment ORDER BY id")).all()
        return [{"comment_id": i, "platform_id": p, "text": t, "machine_stance": 1, "confidence": 0.5}
                for i, p, t in rows if p not in asked][:n]

    def answer(engine, case_name, platform_id, stance, user=None):
        asked.append(platform_id)
        set_label(engine, case_name, platform_id, "stance", stance, user)
        return {}

    fake = types.ModuleType("otklik.analysis.review")
    fake.next_questions, fake.answer = next_questions, answer
    monkeypatch.setitem(sys.modules, "otklik.analysis.review", fake)

    r = json.loads(otk("eval", "case", DEMO_DATA, "--backend", "eval-case-wrong-on-telegram", "--review", "3",
                       "--json").output)
    t, truth = _demo_truth()
    assert r["layout"] == "demo" and r["comments"]["gold"] == len(truth) and not r["comments"]["missing_from_store"]
    assert r["review"]["answered"] == 3 and r["review"]["platform_ids"] == asked
    answered = {("instagram", p) if ("instagram", p) in truth else ("telegram", p.rsplit("/", 1)[-1]) for p in asked}
    rest = [k for k in truth if k not in answered]
    st = r["stance"]
    assert st["n"] == len(rest) == sum(sum(row.values()) for row in st["confusion"].values())
    right = sum(k[0] == "instagram" or truth[k]["stance"] == -1 for k in rest)
    assert st["accuracy"] == round(right / len(rest), 4) < 1.0
    assert st["confusion"]["1"]["-1"] == sum(k[0] == "telegram" and truth[k]["stance"] == 1 for k in rest)
    sh = r["supportive_share"]["by_comments"]
    assert sh["true"] == round(sum(v["stance"] == 1 for v in truth.values()) / len(truth), 4)
    assert r["coordination"]["per_comment"]["n_gold"] == sum(v["burst"] for v in truth.values())
    assert r["proposals"]["per_comment"]["n_gold"] == sum(len(v["proposals"]) for v in truth.values())
    assert r["themes"]["n_gold_themes"] == len({v["theme"] for v in truth.values()} - {None})
    assert r["language"]["n"] == len(truth)
    assert r["interval"]["available"] == (r["interval"]["note"] is None)
