"""Stance shares as estimates with an honest 95% interval: active prediction-powered inference.

What is estimated. For a case's comments (the whole finite population, N comments by A people),
the share of each of four outcomes — supportive (+1), neutral (0), hostile (-1), not about the
case (None) — by comments and by people. A person's stance is the one `summary.py` reports and
the case labels use (`summary.author_stance`): the most frequent stance of their comments about
the case; a tie between the most frequent is neutral; only "not about the case" comments make them
"not about the case".

Method: active prediction-powered inference (Zrnic & Candès 2024) in its sequential,
finite-population form, with the AUTHOR as the sampling unit.
- The model gives every comment class probabilities; a comment the editor labelled has its
  label as a one-hot "probability". From them, for every author i, the expected value f(i) of
  each of eight targets: the number of their comments in each class, and the probability of
  each class for the person (`author_probs`: exact — a dynamic programme over the counts of their
  comments' classes — for up to MAX_EXACT comments, a fixed-seed sample of joint labels beyond).
- At step t the review queue draws an author i with probability q_t(i) — half uniform, half in
  proportion to the model's uncertainty about them per question asked (so weights stay bounded:
  q_t(i) >= 0.5 / A) — and the editor labels all of that author's comments. The step's term is
      Z_t = ( sum_j f_t(j) + (y(i) - f_t(i)) / q_t(i) ) / N_target
  with f_t the model's values BEFORE the answer (the model adapts after every answer, so f_t
  changes with t) and N_target the number of comments or of people.
- E[Z_t | everything before step t] is the true share exactly, whatever the model and however it
  adapted, because q_t and f_t are fixed before the draw. So theta = mean(Z_t) is unbiased and the
  martingale CLT gives theta ± t_{0.975} * sd(Z) / sqrt(T).
- Power tuning (PPI++): Z_t = U_t + V_t where V_t (the model's correction) has expectation 0, so
  U_t + lambda V_t is unbiased for any fixed lambda; with >= 30 draws lambda in [0, 1] is chosen per
  target to minimise the terms' variance, so a poor model widens the interval less (a bias of
  order 1/T, the usual price).
- Small T: the variance estimate is pooled with N0 = 10 pseudo-draws whose variance is chosen so
  that, with no draws, the half-width is exactly the documented error of the model (below); the
  t-quantile has T + N0 - 1 degrees of freedom. Bounds are clipped to [0, 1]. Why 10 (and lambda
  tuned only from 30 draws): with people as the unit, a prolific commenter's draw is a large term, so
  with 20 or so draws the sample variance is often far too small; with N0 = 4 and tuning from 10
  draws, ten seeded 40-question runs on the two in-genre cases missed the true share by comments
  3 times in 10 (by people 0 in 10).
- With no completed draws: the point estimate is the mean of the model's (adapted) values and the
  half-width is the backend's documented share error (`documented_error`) times the part of the
  population the editor has not labelled.

Assumptions (what the interval does NOT cover):
- The editor's labels are the truth (the interval is about the machine's error, not the editor's).
- Draws the editor skipped are left out; if skipping depends on the answer, the estimate can be
  biased (the number of skipped draws is reported).
- The population is the case's comments when the draw was made; draws made before comments were
  imported since are not used (their labels still fix those comments' values).
- Labels the editor gave outside the queue fix the model's values for those comments but are not
  random draws, so they add no term.
- The 0-answer interval is only as good as the documented error; it is a claim about the model on
  in-genre cases, not a guarantee (the README says where the figure comes from).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

CLASSES = (1, 0, -1, None)
NAMES = ("supportive", "neutral", "hostile", "not_about_case")
N_PSEUDO = 10  # pseudo-draws carrying the documented error into small-T variance (see the docstring)
UNIFORM_SHARE = 0.5  # the uniform floor of the sampling probabilities
MIN_DRAWS_TO_TUNE = 30  # fewer completed draws: the model's correction is taken whole (lambda = 1)
MAX_EXACT = 16  # authors with more comments get sampled person-stance probabilities (author_probs)
MC_SAMPLES = 4000
EXACT_STATES = 2_000_000  # count states held at once by the exact programme (memory: 16 MB)

# Backends with no documented error (NLI model directories, LLM endpoints, a default model file
# without one): a deliberately wide bound.
UNDOCUMENTED_SHARE_ERROR = 0.5


@lru_cache(maxsize=None)
def documented_error(backend: str) -> float:
    """The absolute error bound (~95%) of a stance backend's share estimates, with no editor labels:
    for the default backend, the `share_error_95` its model file carries (measured on held-out
    writers' cases by `analysis/thread_training.py`, see MODEL_CARD.md)."""
    if backend == "default":
        from .thread_stance import default_model

        err = default_model().meta.get("share_error_95")
        if isinstance(err, (int, float)) and 0 < err <= 1:
            return float(err)
    return UNDOCUMENTED_SHARE_ERROR


def class_index(label) -> int:
    return CLASSES.index(label)


def _mode_class(c1, c0, cm):
    """Index (CLASSES order) of a person's stance from their counts of +1, 0 and -1 comments: the
    most frequent; a tie between the most frequent is 0; no comment about the case is None."""
    c1, c0, cm = np.broadcast_arrays(c1, c0, cm)
    top = np.maximum(np.maximum(c1, c0), cm)
    n_top = (c1 == top).astype(int) + (c0 == top) + (cm == top)
    out = np.where(n_top > 1, 1, np.where(c1 == top, 0, np.where(c0 == top, 1, 2)))
    return np.where(top == 0, 3, out)


@lru_cache(maxsize=64)
def _mode_masks(m: int) -> np.ndarray:
    """(4, m+1, m+1, m+1) boolean: which count triples (c1, c0, c-1) give each person stance."""
    cls = _mode_class(*np.indices((m + 1,) * 3))
    return np.stack([cls == k for k in range(4)])


def _exact_author_probs(Pm: np.ndarray) -> np.ndarray:
    """(a, 4) for a authors of m comments each, Pm (a, m, 4): a dynamic programme over the counts
    (c1, c0, c-1) of their comments, O(m^4) per author."""
    a, m, _ = Pm.shape
    S = np.zeros((a, m + 1, m + 1, m + 1))
    S[:, 0, 0, 0] = 1.0
    for j in range(m):
        p1, p0, pm, pn = (Pm[:, j, k][:, None, None, None] for k in range(4))
        new = S * pn
        new[:, 1:] += S[:, :-1] * p1
        new[:, :, 1:] += S[:, :, :-1] * p0
        new[:, :, :, 1:] += S[:, :, :, :-1] * pm
        S = new
    masks = _mode_masks(m)
    return np.stack([S[:, masks[k]].sum(1) for k in range(4)], axis=1)


def _sampled_author_probs(P: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(4,) for one author whose comments have class probabilities P (m, 4): the share of
    MC_SAMPLES joint draws of their labels giving each person stance (fixed seed: the same input
    gives the same values)."""
    cum = np.cumsum(P, axis=1)
    draws = np.minimum((rng.random((MC_SAMPLES, len(P), 1)) >= cum[None, :, :3]).sum(-1), 3)  # (K, m)
    counts = np.stack([(draws == k).sum(1) for k in range(3)])
    return np.bincount(_mode_class(*counts), minlength=4) / MC_SAMPLES


def author_probs(P: np.ndarray, author_idx: np.ndarray, n_authors: int) -> np.ndarray:
    """(A, 4) probability of each person's stance (`summary.author_stance`: the most frequent of
    their comments' stances about the case, a tie between the most frequent is 0, none about the
    case is None), given independent per-comment class probabilities P (n, 4) in CLASSES order.

    Exact for authors of up to MAX_EXACT comments (a dynamic programme over their class counts).
    Beyond, an approximation: the share of MC_SAMPLES joint draws of the author's labels, within
    about ±0.02 (95%) of the exact probability; exact again when their comments' probabilities are
    one-hot (the editor labelled them all). Only the model's values f use it, and the estimate is
    unbiased for any f fixed before a draw (estimate.py's header), so the approximation costs
    precision, never validity."""
    out = np.zeros((n_authors, 4))
    counts = np.bincount(author_idx, minlength=n_authors)
    order = np.argsort(author_idx, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)])
    rng = np.random.default_rng(0)
    for m in np.unique(counts[counts > 0]):
        who = np.flatnonzero(counts == m)
        if m <= MAX_EXACT:
            chunk = max(1, EXACT_STATES // (m + 1) ** 3)
            for i in range(0, len(who), chunk):
                w = who[i:i + chunk]
                out[w] = _exact_author_probs(P[order[starts[w][:, None] + np.arange(m)]])
        else:
            for w in who:
                out[w] = _sampled_author_probs(P[order[starts[w]:starts[w] + m]], rng)
    return out


def unit_values(P: np.ndarray, author_idx: np.ndarray, n_authors: int) -> np.ndarray:
    """(A, 8): per author, the expected number of their comments in each class, then the
    probability of each class for the person."""
    counts = np.stack([np.bincount(author_idx, P[:, k], minlength=n_authors) for k in range(4)], axis=1)
    return np.hstack([counts, author_probs(P, author_idx, n_authors)])


def unit_uncertainty(P: np.ndarray, author_idx: np.ndarray, n_authors: int, F: np.ndarray | None = None) -> np.ndarray:
    """Per author, the expected squared error of the model's values on both scales (comments
    rescaled by the mean comments per person, so each scale weighs the same)."""
    F = unit_values(P, author_idx, n_authors) if F is None else F
    v_c = np.bincount(author_idx, 1.0 - (P ** 2).sum(1), minlength=n_authors)
    per = len(author_idx) / max(n_authors, 1)
    v_a = 1.0 - (F[:, 4:] ** 2).sum(1)
    return np.clip(v_c / per ** 2 + v_a, 0.0, None)


def sampling_probs(uncertainty: np.ndarray, cost: np.ndarray, uniform: float = UNIFORM_SHARE) -> np.ndarray:
    """q(i): `uniform` spread evenly, the rest in proportion to sqrt(uncertainty / cost) (the
    variance-optimal rule per keystroke), so no weight 1/q exceeds A / uniform."""
    A = len(uncertainty)
    w = np.sqrt(np.clip(uncertainty, 0, None) / np.maximum(cost, 1))
    if w.sum() <= 0:
        return np.full(A, 1.0 / A)
    return uniform / A + (1 - uniform) * w / w.sum()


@dataclass
class Draw:
    """One step of the queue: the unit drawn, its probability, and the model's values before the answer."""

    unit: int
    q: float
    f_unit: np.ndarray  # (8,)
    f_sum: np.ndarray  # (8,) sum over all units


def z_parts(draws: list[Draw], y_units: np.ndarray, n_comments: int, n_authors: int) -> tuple[np.ndarray, np.ndarray]:
    """(U, V), each (T, 8): the term of step t is Z_t = U_t + V_t, with U_t = y / (N q) the plain
    inverse-probability term and V_t = (sum f - f(i) / q) / N the model's correction, whose
    expectation is exactly 0 (so U + lambda V is unbiased for any fixed lambda)."""
    if not draws:
        return np.zeros((0, 8)), np.zeros((0, 8))
    N = np.array([n_comments] * 4 + [n_authors] * 4, dtype=float)
    f_sum = np.stack([d.f_sum for d in draws])
    f_unit = np.stack([d.f_unit for d in draws])
    q = np.array([d.q for d in draws])[:, None]
    return y_units / q / N, (f_sum - f_unit / q) / N


def z_terms(draws: list[Draw], y_units: np.ndarray, n_comments: int, n_authors: int) -> np.ndarray:
    """(T, 8) terms Z_t = (sum f + (y - f(i)) / q) / N; y_units (T, 8) the drawn units' true values."""
    U, V = z_parts(draws, y_units, n_comments, n_authors)
    return U + V


def power_tuned(U: np.ndarray, V: np.ndarray, min_draws: int = MIN_DRAWS_TO_TUNE) -> np.ndarray:
    """Terms U + lambda V with lambda in [0, 1] per target chosen to minimise their variance
    (PPI++, Angelopoulos et al. 2023): lambda = 1 trusts the model as a control variate, 0 ignores
    it (plain inverse-probability weighting), which is what a poor model deserves. Choosing lambda
    from the same draws adds a bias of order 1/T; with fewer than `min_draws` draws lambda = 1."""
    T = len(U)
    if T < min_draws:
        return U + V
    Vc = V - V.mean(0)
    var_v = (Vc ** 2).mean(0)
    cov = ((U - U.mean(0)) * Vc).mean(0)
    lam = np.clip(np.divide(-cov, var_v, out=np.ones_like(var_v), where=var_v > 0), 0.0, 1.0)
    return U + lam * V


def _t975(df: float) -> float:
    from scipy.stats import t

    return float(t.ppf(0.975, df))


def interval(Z: np.ndarray, model_mean: np.ndarray, model_error: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(share, low, high) per target. Z: (T, 8) terms; model_mean, model_error (8,): the model's
    shares and its documented half-width (used alone with T = 0, as N0 pseudo-draws otherwise)."""
    T = len(Z)
    if T == 0:
        point, half = model_mean, model_error
    else:
        point = Z.mean(0)
        s2 = Z.var(0, ddof=1) if T > 1 else np.zeros(Z.shape[1])
        s0 = model_error * math.sqrt(N_PSEUDO) / 1.96  # gives half-width model_error at T = 0
        var = (N_PSEUDO * s0 ** 2 + (T - 1) * s2) / (N_PSEUDO + T - 1)
        half = _t975(N_PSEUDO + T - 1) * np.sqrt(var / T)
    point = np.clip(point, 0, 1)
    return point, np.clip(point - half, 0, 1), np.clip(point + half, 0, 1)


def shares_dict(point, low, high) -> dict:
    """{"by_comments": {name: {share, low, high}}, "by_authors": {...}} from (8,) arrays."""
    out = {}
    for scale, o in (("by_comments", 0), ("by_authors", 4)):
        out[scale] = {n: {"share": round(float(point[o + k]), 4), "low": round(float(low[o + k]), 4),
                          "high": round(float(high[o + k]), 4)} for k, n in enumerate(NAMES)}
    return out


def model_error_vector(err: float, known_comments: int, n_comments: int, known_authors: int, n_authors: int) -> np.ndarray:
    """The documented error applied to the part of the population the editor has not labelled."""
    c = err * (1 - known_comments / n_comments) if n_comments else 0.0
    a = err * (1 - known_authors / n_authors) if n_authors else 0.0
    return np.array([c] * 4 + [a] * 4)


def pack_array(a: np.ndarray) -> dict:
    """A numeric array as JSON: dtype, shape and its little-endian bytes in base64 (decoding 100,000
    rows of probabilities this way takes milliseconds; as JSON numbers, a tenth of a second)."""
    a = np.ascontiguousarray(a, dtype=np.dtype(a.dtype).newbyteorder("<"))
    return {"dtype": a.dtype.str, "shape": list(a.shape), "b64": base64.b64encode(a.tobytes()).decode("ascii")}


def unpack_array(d: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(d["b64"]), dtype=np.dtype(d["dtype"])).reshape(d["shape"])


def probs_row(value: dict) -> tuple[list[float], bool]:
    """Unnormalised class probabilities (CLASSES order) of one stance annotation as a list (cheap
    for 100,000 rows), and whether they are the machine's own (an editor override without "probs"
    carries no machine verdict)."""
    probs = value.get("probs")
    if isinstance(probs, dict):
        try:
            return [float(probs["1"]), float(probs["0"]), float(probs["-1"]), float(probs["none"])], True
        except (KeyError, TypeError, ValueError):
            pass
    label = value.get("label") if value.get("relevant") else None
    conf = min(max(float(value.get("confidence") or 0.0), 0.25), 1.0)
    p = [(1 - conf) / 3] * 4
    p[class_index(label)] = conf
    return p, value.get("source") != "editor"


def normalised(P: np.ndarray) -> np.ndarray:
    s = P.sum(axis=1, keepdims=True)
    return np.where(s > 0, P / np.where(s > 0, s, 1.0), 0.25)
