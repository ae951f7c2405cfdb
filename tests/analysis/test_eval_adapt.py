"""`otklik eval stance --adapt`: the adaptation curve an editor's labels buy, reproducibly."""

import json

import pytest

from otklik.evaluation.stance import adaptation_curve

SUPPORT = ["Не выдавайте {n}, там его убьют", "Свободу {n}!", "{n} ни в чём не виноват, держись",
           "Помогите {n}, он просил защиты", "Мы с тобой, {n}"]
HOSTILE = ["{n} преступник, пусть сидит", "Выдать {n} и забыть", "Закон есть закон, {n} должен ответить",
           "Правильно что задержали {n}", "Не надо защищать {n}"]


def write_rows(path, names):
    rows = []
    for name in names:
        for i in range(4):
            rows += [{"text": t.format(n=name) + "!" * i, "target": name, "label": 1} for t in SUPPORT]
            rows += [{"text": t.format(n=name) + "!" * i, "target": name, "label": -1} for t in HOSTILE]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_curve_has_a_point_per_label_count_for_each_target(tmp_path):
    out = adaptation_curve(write_rows(tmp_path / "rows.jsonl", ["Тимура", "Асхабова"]), (5, 10), seeds=2)
    assert set(out["groups"]) == {"Тимура", "Асхабова"}
    assert list(out["macro_f1_by_labels"]) == ["0", "5", "10"]
    assert all(0.0 <= v <= 1.0 for v in out["macro_f1_by_labels"].values())


def test_curve_needs_enough_rows_per_target(tmp_path):
    with pytest.raises(ValueError, match="200 rows or more"):
        adaptation_curve(write_rows(tmp_path / "rows.jsonl", ["Тимура"]), (100,), seeds=1)


def test_curve_refuses_a_file_the_model_was_trained_on():
    from otklik.evaluation.training import SEED_FILE

    with pytest.raises(ValueError, match="trained the shipped model"):
        adaptation_curve(SEED_FILE, (10,), seeds=1)


def test_cli_prints_the_curve_and_rejects_bad_counts(otk, tmp_path):
    path = write_rows(tmp_path / "rows.jsonl", ["Тимура"])
    res = otk("eval", "stance", "--data", path, "--adapt", "5,10", "--seeds", "1", "--json")
    assert set(json.loads(res.output)["macro_f1_by_labels"]) == {"0", "5", "10"}
    bad = otk("eval", "stance", "--data", path, "--adapt", "ten", ok=False)
    assert bad.exit_code == 2 and "10,30,100" in bad.output
