"""`otklik eval themes --argkp DIR`: any split present is scored (train, dev, test)."""

import csv

from otklik.evaluation import themes as ev

ARGS = {
    ("kp1", 1): ["Torture is common in those prisons", "Prisoners there are tortured routinely",
                 "He would be tortured after extradition", "Torture awaits anyone sent back there"],
    ("kp2", 1): ["Germany should grant him asylum", "A European country must give him refuge",
                 "He deserves political asylum in Europe", "France could offer him protection as a refugee"],
    ("kp3", -1): ["A court should decide his case", "Let the judges rule on the evidence",
                  "The law must take its course in court", "Only a trial can settle this"],
}


def write_split(folder, split):
    rows, kps, labels = [], [], []
    for (kp, stance), texts in ARGS.items():
        kps.append({"key_point_id": kp, "key_point": kp, "topic": "T", "stance": stance})
        for j, t in enumerate(texts):
            aid = f"{kp}_{j}"
            rows.append({"arg_id": aid, "argument": t, "topic": "T", "stance": stance})
            labels += [{"arg_id": aid, "key_point_id": k["key_point_id"], "label": int(k["key_point_id"] == kp)}
                       for k in kps if k["stance"] == stance]
    for name, data in (("arguments", rows), ("key_points", kps), ("labels", labels)):
        with (folder / f"{name}_{split}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(data[0]))
            w.writeheader()
            w.writerows(data)


def test_a_folder_with_only_a_test_split_is_scored(tmp_path, capsys):
    write_split(tmp_path, "test")
    result = ev.run(tmp_path, json_out=True)
    assert "test" in result and "dev" not in result and "train" not in result
    r = result["test"]
    assert (r["arguments"], r["key_points"], r["topics"]) == (12, 3, 1)
    for m in ev.METRICS:
        assert -1.0 <= r[m] <= 1.0
    assert 0.0 <= r["kp_coverage_random"] <= 1.0 and r["themes_per_group"] >= 1
    assert '"test"' in capsys.readouterr().out


def test_a_folder_without_argkp_files_is_skipped_with_the_reason(tmp_path, capsys):
    result = ev.run(tmp_path)
    assert "arguments_" in result["skipped"] and "train" not in result
    assert "skipped" in capsys.readouterr().out
