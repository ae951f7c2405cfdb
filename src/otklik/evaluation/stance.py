"""Stance evaluation: metrics and the runner behind `otklik eval stance --data FILE [--json]`.

Why the protocol check: a score on the data a model was trained on says nothing. If the shipped
model's recorded training-file hash equals the scored file's hash, the runner scores by 5-fold
cross-validation instead, retraining the same recipe without each held-out fold (plus the other
licensed training files the model used, when they are present next to the scored file).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from .datasets import read_any, sha256_file

LABELS = (-1, 0, 1)


def prf(gold: list, pred: list, cls) -> dict:
    tp = sum(1 for g, p in zip(gold, pred) if g == cls and p == cls)
    fp = sum(1 for g, p in zip(gold, pred) if g != cls and p == cls)
    fn = sum(1 for g, p in zip(gold, pred) if g == cls and p != cls)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
            "support": sum(1 for g in gold if g == cls)}


def stance_metrics(gold: list, pred: list) -> dict:
    """Scores of predicted labels (-1/0/1/None) against gold labels (-1/0/1/None).

    macro_f1 and f1_pn are over rows whose GOLD label is relevant; there a predicted None
    ("not about the target") counts as 0. relevance_f1 (F1 of "relevant", and of "not relevant")
    is given when the gold has None labels.
    """
    rel = [(g, 0 if p is None else p) for g, p in zip(gold, pred) if g is not None]
    g3 = [g for g, _ in rel]
    p3 = [p for _, p in rel]
    per = {str(c): prf(g3, p3, c) for c in LABELS}
    present = [c for c in LABELS if per[str(c)]["support"] > 0]
    out = {
        "n": len(gold),
        "n_relevant": len(rel),
        "macro_f1": round(float(np.mean([per[str(c)]["f1"] for c in present])) if present else 0.0, 4),
        "f1_pn": round((per["-1"]["f1"] + per["1"]["f1"]) / 2, 4),
        "per_class": per,
    }
    if any(g is None for g in gold):
        gr = [g is not None for g in gold]
        pr = [p is not None for p in pred]
        out["relevance_f1"] = prf(gr, pr, True)["f1"]
        out["irrelevance_f1"] = prf(gr, pr, False)["f1"]
    return out


def grouped_metrics(rows: list[dict], pred: list) -> dict:
    """macro_f1 per row group (entity type, claim, target), for groups of 20+ relevant rows."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r.get("group"):
            groups.setdefault(str(r["group"]), []).append(i)
    out = {}
    for g, idx in sorted(groups.items()):
        if sum(rows[i]["label"] is not None for i in idx) >= 20:
            m = stance_metrics([rows[i]["label"] for i in idx], [pred[i] for i in idx])
            out[g] = {k: m[k] for k in ("n", "macro_f1", "f1_pn") + (("relevance_f1",) if "relevance_f1" in m else ())}
    return out


def _specs(rows):
    from ..analysis.stance_features import TargetSpec

    return [TargetSpec(r["target"], tuple(r.get("aliases") or ()), r.get("start"), r.get("end")) for r in rows]


def kfold_predict(rows: list[dict], model, data_dir: Path | None, scored_hash: str, k: int = 5,
                  seed: int = 13) -> list:
    """Predict every row with a model retrained (same recipe) on the other k-1 folds.

    The other licensed training files the shipped model used are added to each fold's training
    set when they are found under data_dir, so the recipe stays the same minus the scored rows.
    """
    from .training import load_training_rows, train_from_rows

    extra: list[dict] = []
    if data_dir is not None:
        try:
            train_rows, hashes = load_training_rows(data_dir)
            skip = {key for key, h in hashes.items() if h["sha256"] == scored_hash}
            extra = [r for r in train_rows if r["source"] not in skip]
        except FileNotFoundError:
            extra = []
    embed = _memo_embedder()  # every fold re-reads the same strings: embed each once
    rng = np.random.RandomState(seed)
    fold = rng.permutation(len(rows)) % k
    pred: list = [None] * len(rows)
    for f in range(k):
        train = [dict(r, source=r.get("source") or "scored") for i, r in enumerate(rows) if fold[i] != f and r["label"] is not None]
        m = train_from_rows(train + extra, embed=embed)
        m.embed = embed
        idx = [i for i in range(len(rows)) if fold[i] == f]
        preds = m.predict([rows[i]["text"] for i in idx], _specs([rows[i] for i in idx]))
        for i, p in zip(idx, preds):
            pred[i] = p.label
    return pred


def _memo_embedder():
    from ..analysis.stance import default_embedder

    base, cache = default_embedder(), {}

    def embed(strings):
        missing = [s for s in dict.fromkeys(strings) if s not in cache]
        if missing:
            cache.update(zip(missing, base(missing)))
        return np.stack([cache[s] for s in strings]) if strings else np.zeros((0, 512), np.float32)

    return embed


def _guess_data_dir(path: Path) -> Path | None:
    """The shared data root above a dataset file (the folder holding rusentne2023/, argkp2021/)."""
    for parent in path.resolve().parents:
        if (parent / "rusentne2023").exists() or (parent / "argkp2021").exists():
            return parent
    return None


def run(path: str | Path, json_out: bool = False, model=None) -> dict:
    """Score the stance model on one labelled file (JSONL, RuSentNE, RuArg, RUW, KazSAnDRA, ArgKP).

    Returns the metrics dict; prints a JSON dump (json_out) or a short human summary.
    """
    from ..analysis.stance import StanceModel
    from .training import training_hashes

    path = Path(path)
    kind, rows = read_any(path)
    model = model or StanceModel.load_default()
    scored_hash = sha256_file(path)
    t0 = time.perf_counter()
    if scored_hash in training_hashes(model):
        pred = kfold_predict(rows, model, _guess_data_dir(path), scored_hash)
        protocol = "5-fold, model retrained without the scored file"
    else:
        pred = [p.label for p in model.predict([r["text"] for r in rows], _specs(rows))]
        protocol = "shipped model"
    seconds = time.perf_counter() - t0
    out = {"dataset": kind, "file": str(path), "protocol": protocol}
    out.update(stance_metrics([r["label"] for r in rows], pred))
    out["groups"] = grouped_metrics(rows, pred)
    out["seconds"] = round(seconds, 2)
    if json_out:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"{kind} ({path.name}): n={out['n']} macro-F1={out['macro_f1']:.3f} "
              f"F1(+/-)={out['f1_pn']:.3f}"
              + (f" relevance-F1={out['relevance_f1']:.3f}" if "relevance_f1" in out else "")
              + f" [{protocol}, {seconds:.1f}s]")
        for g, m in out["groups"].items():
            print(f"  {g}: n={m['n']} macro-F1={m['macro_f1']:.3f}")
    return out


def _take(F, idx):
    """The rows `idx` of a Features batch."""
    from ..analysis.stance import Features

    return Features(F.X[idx], F.R[idx], F.cue[idx], F.mentioned[idx])


def adaptation_curve(path: str | Path, ks: tuple[int, ...] = (10, 30, 100), seeds: int = 5,
                     json_out: bool = False, model=None) -> dict:
    """How much k editor labels help: per target group (a case has one subject), k labelled rows
    drawn at random (seeded) adapt the shipped model (`analysis.stance.adapt`, as the pipeline
    does), which then scores the group's other rows; macro-F1 is averaged over groups and seeds.
    k = 0 is the shipped model on the same rows. Refuses a file the model was trained on."""
    from ..analysis.stance import StanceModel, adapt
    from .training import training_hashes

    path = Path(path)
    kind, rows = read_any(path)
    model = model or StanceModel.load_default()
    if sha256_file(path) in training_hashes(model):
        raise ValueError(f"{path} trained the shipped model: an adaptation curve on it would say nothing")
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(str(r.get("group") or r["target"]), []).append(i)
    ks = tuple(sorted(set(ks)))
    groups = {g: idx for g, idx in groups.items() if len(idx) >= 2 * max(ks)}
    if not groups:
        raise ValueError(f"no target group in {path} has {2 * max(ks)} rows or more")
    t0 = time.perf_counter()
    scores: dict[int, list[float]] = {k: [] for k in (0, *ks)}
    per_group: dict[str, dict[int, float]] = {}
    for g, idx in sorted(groups.items()):
        sub = [rows[i] for i in idx]
        F = model.featurize([r["text"] for r in sub], _specs(sub))
        gold = [r["label"] for r in sub]
        per_group[g] = {}
        for k in (0, *ks):
            vals = []
            for seed in range(seeds if k else 1):
                order = np.random.RandomState(seed).permutation(len(sub))
                train, test = order[:k], order[max(ks):]  # the same held-out rows for every k
                m = model if k == 0 else adapt(model, [sub[i]["text"] for i in train],
                                               [_specs([sub[i]])[0] for i in train], [gold[i] for i in train],
                                               features=_take(F, train))
                pred = [p.label for p in m.predict_features(_take(F, test))]
                vals.append(stance_metrics([gold[i] for i in test], pred)["macro_f1"])
            per_group[g][k] = round(float(np.mean(vals)), 4)
            scores[k].extend(vals)
    out = {"dataset": kind, "file": str(path), "seeds": seeds, "groups": per_group,
           "macro_f1_by_labels": {str(k): round(float(np.mean(v)), 4) for k, v in scores.items()},
           "seconds": round(time.perf_counter() - t0, 1)}
    if json_out:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"{kind} ({path.name}): macro-F1 with k editor labels per target, mean of {seeds} seeds: "
              + ", ".join(f"{k}: {v:.3f}" for k, v in out["macro_f1_by_labels"].items()))
        for g, by_k in per_group.items():
            print(f"  {g}: " + ", ".join(f"{k}: {v:.3f}" for k, v in by_k.items()))
    return out
