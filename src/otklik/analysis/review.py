"""The editor's review queue: ask the labels that most reduce the uncertainty of the reported
stance shares, adapt the case's model after every answer, and keep the draws so that the
interval (`estimate.py`) can be recomputed from the store at any time.

- The sampling unit is the author: a draw asks every not-yet-labelled case comment of one person
  (one keystroke each), so both the by-comments and the by-people shares get valid terms. An
  author drawn again whose comments are all labelled costs nothing: the draw is complete at once.
- Draws are rows of `review_draw` (unit, q, step, the model's values before the answer). A draw is
  "pending" until all of its comments carry an editor stance label — however the label arrived
  (`otklik review`, `otklik label`, the web), so a script answering the pending question with
  `otklik label` answers the queue. "skipped" draws are left out of the estimate.
- Answers are ordinary editor labels (`editor_label`, field "stance").
- The model the queue uses is the stance annotation's class probabilities ("probs": {"1", "0",
  "-1", "none"}; else the label with its confidence and the rest spread evenly) passed through a
  per-case adapter: a multinomial logistic regression on the log-probabilities, fitted on the
  editor's labels with an L2 pull toward "change nothing" (so a few labels move it a little).
  Sentence embeddings are not cached between runs, so the adapter is a calibration; it is refitted
  whenever the labels changed (milliseconds), never re-running the analysis.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import orjson
from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine

from ..store import custody
from ..cases import get_case
from ..store.schema import review_draw
from ..store.sql import case_data_stamp, in_case
from . import estimate as est
from . import snapshots
from .pipeline import editor_label, set_label


ADAPTER_STRENGTH = 3.0  # L2 pull of the adapter toward the backend (in labels' worth of evidence)
KEYS = {"1": 1, "0": 0, "-1": -1, "none": None}


# ------------------------------------------------------------------ the model's probabilities

def _features(base: np.ndarray) -> np.ndarray:
    return np.log(np.clip(base, 1e-4, 1.0))


def fit_adapter(base: np.ndarray, y: np.ndarray, strength: float = ADAPTER_STRENGTH, steps: int = 25) -> np.ndarray:
    """(4, 5) weights of softmax(W @ [log p, 1]) fitted on labelled rows (base (k, 4), y class
    indices), penalised by strength * ||W - [I 0]||^2: no labels, no change. Newton's method on
    20 parameters (the loss is convex), a few milliseconds for hundreds of labels."""
    W0 = np.hstack([np.eye(4), np.zeros((4, 1))])
    if len(y) == 0:
        return W0
    X = np.hstack([_features(base), np.ones((len(y), 1))])
    Y = np.eye(4)[y]

    def loss(W):
        Z = X @ W.T
        Z = Z - Z.max(1, keepdims=True)
        lse = np.log(np.exp(Z).sum(1))
        return -(Y * (Z - lse[:, None])).sum() + strength * ((W - W0) ** 2).sum(), np.exp(Z - lse[:, None])

    W = W0.copy()
    f, P = loss(W)
    for _ in range(steps):
        g = ((P - Y).T @ X + 2 * strength * (W - W0)).ravel()
        S = np.einsum("ij,ik->ijk", P, -P)
        S[:, range(4), range(4)] += P
        H = np.einsum("ijk,il,im->jlkm", S, X, X).reshape(20, 20) + 2 * strength * np.eye(20)
        step = np.linalg.solve(H, g).reshape(4, 5)
        t = 1.0
        while t > 1e-4:
            f_new, P_new = loss(W - t * step)
            if f_new <= f:
                break
            t /= 2
        if f - f_new < 1e-9:
            W, f, P = W - t * step, f_new, P_new
            break
        W, f, P = W - t * step, f_new, P_new
    return W


def apply_adapter(base: np.ndarray, W: np.ndarray) -> np.ndarray:
    Z = np.hstack([_features(base), np.ones((len(base), 1))]) @ W.T
    Z -= Z.max(1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(1, keepdims=True)


# ------------------------------------------------------------------ one case's state

@dataclass(frozen=True)
class Population:
    """A case's comments as the queue sees them: ids (ascending), platform ids, the people (sorted
    author identities) and each comment's person, the backend's probabilities and which of them are
    the machine's own verdict."""

    comment_ids: np.ndarray
    platform_ids: list
    units: list
    author_idx: np.ndarray
    base: np.ndarray
    machine: np.ndarray
    backend: str

    @classmethod
    def of(cls, comment_ids, platform_ids, authors, base, machine, backend) -> "Population":
        """From one author identity per comment."""
        units = sorted(set(authors))
        pos = {a: i for i, a in enumerate(units)}
        return cls(np.asarray(comment_ids), list(platform_ids), units,
                   np.array([pos[a] for a in authors], dtype=np.int64), np.asarray(base, dtype=float),
                   np.asarray(machine, dtype=bool), backend)


class CaseState:
    """A case's comments, the model's probabilities, the editor's labels and the queue's draws."""

    def __init__(self, pop: Population, labels, case_id=None):
        self.case_id = case_id
        self.comment_ids = pop.comment_ids
        self.platform_ids = pop.platform_ids
        self.units = pop.units
        self.author_idx = pop.author_idx
        self.base = pop.base
        self.machine = pop.machine  # rows whose base is the machine's own verdict
        self.backend = pop.backend
        self.row = dict(zip(self.comment_ids.tolist(), range(len(self.comment_ids))))
        self.labels = {}  # row -> class index
        for cid, lab in labels.items():
            if cid in self.row:
                self.labels[self.row[cid]] = est.class_index(lab)
        self.draws: list[dict] = []
        self.refresh()

    @cached_property
    def unit_pos(self) -> dict:
        return {a: i for i, a in enumerate(self.units)}

    def fork(self) -> "CaseState":
        """A copy whose labels and draws can change without changing this one (the arrays are
        replaced, never written in place, by `refresh`)."""
        other = copy.copy(self)
        other.labels = dict(self.labels)
        other.draws = list(self.draws)
        return other

    @property
    def n(self) -> int:
        return len(self.comment_ids)

    @property
    def n_units(self) -> int:
        return len(self.units)

    def set_label(self, row: int, label) -> None:
        self.labels[row] = est.class_index(label)

    def refresh(self) -> None:
        """Refit the adapter on the labels and recompute every value the queue needs."""
        rows = np.array([r for r in self.labels if self.machine[r]], dtype=np.int64)
        self.W = fit_adapter(self.base[rows], np.array([self.labels[r] for r in rows], dtype=np.int64))
        self.adapted = apply_adapter(self.base, self.W)
        P = self.adapted.copy()
        if self.labels:
            lr = np.fromiter(self.labels, dtype=np.int64)
            P[lr] = np.eye(4)[np.fromiter(self.labels.values(), dtype=np.int64)]
        self.P = P
        # Labels, theme mixes and quote sides read these calibrated probabilities too: on our own
        # held-out cases with 40 uncertainty-drawn labels the calibration lifted per-comment accuracy
        # where the case's sides are skewed (75% supportive: 0.829 -> 0.843) and cost a little where
        # they are balanced (0.779 -> 0.763); real threads are rarely balanced.
        self.reading = P
        self.F = est.unit_values(P, self.author_idx, self.n_units)
        unl = np.ones(self.n, dtype=bool)
        if self.labels:
            unl[np.fromiter(self.labels, dtype=np.int64)] = False
        self.cost = np.bincount(self.author_idx[unl], minlength=self.n_units).astype(float)
        self.q = est.sampling_probs(est.unit_uncertainty(P, self.author_idx, self.n_units, self.F), self.cost)

    def unit_rows(self, unit: int) -> np.ndarray:
        return np.flatnonzero(self.author_idx == unit)

    def draw(self, rng: np.random.Generator) -> est.Draw:
        u = int(rng.choice(self.n_units, p=self.q))
        return est.Draw(u, float(self.q[u]), self.F[u].copy(), self.F.sum(0))

    def truth(self, rows: np.ndarray) -> np.ndarray | None:
        """The unit's true (8,) values from the editor's labels, None while any is missing."""
        if any(int(r) not in self.labels for r in rows):
            return None
        Y = np.eye(4)[[self.labels[int(r)] for r in rows]]
        return np.concatenate([Y.sum(0), est.author_probs(Y, np.zeros(len(rows), dtype=np.int64), 1)[0]])

    def estimate(self, draws: list[tuple[est.Draw, np.ndarray]], n_skipped: int = 0, n_sampled: int | None = None) -> dict:
        """The estimate from completed draws [(draw, y)] (see estimate.py); n_sampled: the distinct
        comments those draws cover (the editor's randomly chosen checks)."""
        Z = est.power_tuned(*est.z_parts([d for d, _ in draws], np.array([y for _, y in draws]).reshape(-1, 8),
                                         self.n, self.n_units))
        known_c = len(self.labels)
        known_a = int((self.cost == 0).sum())
        err = est.documented_error(self.backend)
        model_mean = self.F.sum(0) / np.array([self.n] * 4 + [self.n_units] * 4)
        point, low, high = est.interval(Z, model_mean, est.model_error_vector(err, known_c, self.n, known_a, self.n_units))
        return {"method": "active-ppi" if draws else "model-documented-error", "backend": self.backend,
                "documented_error": err, "n_checked": known_c, "n_draws": len(draws),
                "n_sampled": int(sum(y[:4].sum() for _, y in draws)) if n_sampled is None else n_sampled,
                "n_skipped": n_skipped,
                "n_comments": self.n, "n_authors": self.n_units, **est.shares_dict(point, low, high)}


# ------------------------------------------------------------------ the store

_BASE_CACHE: dict = {}


def _load_base(conn: Connection, case_id: int, key: tuple | None = None) -> Population:
    """The case's Population, cached in this process while the case's comments and analysis are
    unchanged (`_base_key`). Read from the analysis' one-row snapshot (`snapshots.STANCE`)
    when it describes the store, else from every comment's stance annotation."""
    key = key or _base_key(conn, case_id)
    if key in _BASE_CACHE:
        return _BASE_CACHE[key]
    snap = snapshots.read(conn, case_id, snapshots.STANCE)
    pop = None
    if snap is not None:
        pop = Population(est.unpack_array(snap["ids"]), snap["pids"], snap["units"], est.unpack_array(snap["author_idx"]),
                         est.normalised(est.unpack_array(snap["probs"])), est.unpack_array(snap["machine"]),
                         _backend(snap["backends"]))
    if pop is None:
        rows = conn.execute(text(
            "SELECT c.id, c.platform_id, COALESCE(au.platform || ':' || au.platform_id, c.author_handle, '?'), "
            "s.value, s.backend FROM comment c LEFT JOIN author au ON au.id = c.author_id "
            f"LEFT JOIN annotation s ON s.comment_id = c.id AND s.stage = 'stance' WHERE {in_case('c')} ORDER BY c.id"),
            {"cid": case_id}).all()
        if not rows or any(r[3] is None for r in rows):
            raise ValueError("the case has comments without a stance annotation: run `otklik analyze` first")
        base, machine = zip(*(est.probs_row(orjson.loads(r[3])) for r in rows))
        pop = Population.of([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                            est.normalised(np.array(base)), machine, _backend({r[4] for r in rows}))
    _BASE_CACHE.clear()
    _BASE_CACHE[key] = pop
    return pop


def _backend(backends) -> str:
    """The backend whose error bounds the case's estimate: the only one, else the least documented."""
    backends = sorted(backends)
    return backends[0] if len(backends) == 1 else max(backends, key=est.documented_error)


def _labels(conn: Connection, case_id: int) -> dict[int, object]:
    return {cid: json.loads(v) for cid, v in conn.execute(
        select(editor_label.c.comment_id, editor_label.c.value).where(
            editor_label.c.case_id == case_id, editor_label.c.field == "stance"))}


def _base_key(conn: Connection, case_id: int) -> tuple:
    return (str(conn.engine.url), case_id, *case_data_stamp(conn, case_id))


_STATE_CACHE: dict = {}


def load_state(conn: Connection, case_id: int) -> CaseState:
    """The case's state under its current labels. The last one built is kept in this process
    (keyed by the population and the labels themselves), so the queue's next question after an
    answer does not refit and recompute every person's values again (seconds at 1M comments);
    callers get their own copy to change."""
    base_key = _base_key(conn, case_id)
    pop, labels = _load_base(conn, case_id, base_key), _labels(conn, case_id)
    key = (base_key, frozenset(labels.items()))
    st = _STATE_CACHE.get(key)
    if st is None:
        st = CaseState(pop, labels, case_id)
        _STATE_CACHE.clear()
        _STATE_CACHE[key] = st
    return st.fork()


def _draw_rows(conn: Connection, case_id: int) -> list[dict]:
    if not conn.dialect.has_table(conn, "review_draw"):
        return []
    return [dict(r) for r in conn.execute(select(review_draw).where(review_draw.c.case_id == case_id)
                                          .order_by(review_draw.c.step)).mappings()]


def _resolve(conn: Connection, st: CaseState, rows: list[dict], mark: bool = True) -> tuple[list, list[dict], int]:
    """Completed draws [(Draw, y)] of the current population, the pending ones, the skipped count.
    A pending draw whose comments are all labelled becomes done (and is stored as done)."""
    done, pending, skipped = [], [], 0
    st.sampled = set()
    for r in rows:
        if r["n_comments"] != st.n or r["n_authors"] != st.n_units or r["unit"] not in st.unit_pos:
            continue  # drawn from another population (comments imported since): not a draw of this one
        if r["status"] == "skipped":
            skipped += 1
            continue
        crow = np.array([st.row[c] for c in json.loads(r["comment_ids"]) if c in st.row], dtype=np.int64)
        y = st.truth(crow)
        d = est.Draw(st.unit_pos[r["unit"]], r["q"], np.array(json.loads(r["f_unit"])), np.array(json.loads(r["f_sum"])))
        if y is None:
            pending.append(r | {"rows": crow})
            continue
        if mark and r["status"] != "done":
            conn.execute(review_draw.update().where(review_draw.c.id == r["id"]).values(status="done"))
        done.append((d, y))
        st.sampled.update(int(x) for x in crow)
    return done, pending, skipped


def current_estimate(conn: Connection, case_name: str) -> dict:
    """The case's stance estimate from the store (read-only apart from marking answered draws done)."""
    case = get_case(conn, case_name)
    st = load_state(conn, case["id"])
    done, _, skipped = _resolve(conn, st, _draw_rows(conn, case["id"]))
    return {**st.estimate(done, skipped, len(st.sampled)), "level": 0.95}


def digest_view(conn: Connection, case_name: str, comment_ids=(), author_ids=()
                ) -> tuple[dict, dict[int, tuple[object, float, bool]], dict[int, str]]:
    """What the digest needs, from one read of the store: the estimate (with its confidence level);
    for `comment_ids`, (label, confidence, confirmed by the editor) under the adapted model; and for
    `author_ids`, the author's identity (platform:account, else the handle) that counts people."""
    case = get_case(conn, case_name)
    st = load_state(conn, case["id"])
    done, _, skipped = _resolve(conn, st, _draw_rows(conn, case["id"]), mark=False)
    rows = [(int(c), st.row.get(int(c))) for c in comment_ids]
    rows = [(c, i) for c, i in rows if i is not None]
    idx = np.array([i for _, i in rows], dtype=np.int64)
    K = st.reading[idx].argmax(1) if len(idx) else np.zeros(0, dtype=np.int64)
    conf = st.reading[idx, K].tolist() if len(idx) else []
    view = {c: (est.CLASSES[k], p, i in st.labels) for (c, i), k, p in zip(rows, K.tolist(), conf)}
    who = {}
    for c in author_ids:
        i = st.row.get(int(c))
        if i is not None:
            who[int(c)] = st.units[st.author_idx[i]]
    return {**st.estimate(done, skipped, len(st.sampled)), "level": 0.95}, view, who


def adapted_stances(conn: Connection, case_name: str) -> dict[str, tuple[object, float, bool]]:
    """Platform id -> (label, confidence, confirmed by the editor) for every comment of the case,
    under the case's adapted model (what `eval case --review K` scores on the rest)."""
    case = get_case(conn, case_name)
    st = load_state(conn, case["id"])
    k = st.reading.argmax(1)
    conf = st.reading[np.arange(st.n), k]
    return {pid: (est.CLASSES[k[i]], float(conf[i]), i in st.labels) for i, pid in enumerate(st.platform_ids)}


def _question(conn: Connection, st: CaseState, row: int, draw_id: int) -> dict:
    cid = int(st.comment_ids[row])
    r = conn.execute(text("SELECT text, author_handle, author_name, published_at FROM comment WHERE id = :i"),
                     {"i": cid}).one()
    k = int(st.adapted[row].argmax())
    b = int(st.base[row].argmax())
    return {"comment_id": cid, "platform_id": st.platform_ids[row], "text": r[0], "author": r[1] or r[2],
            "published_at": r[3], "machine_stance": est.CLASSES[k], "confidence": round(float(st.adapted[row, k]), 4),
            "backend_stance": est.CLASSES[b], "backend_confidence": round(float(st.base[row, b]), 4),
            "draw": draw_id}


def _questions(conn, st, pending, n):
    out = []
    for r in pending:
        for row in r["rows"]:
            if int(row) not in st.labels and len(out) < n:
                out.append(_question(conn, st, int(row), r["id"]))
    return out


def next_questions(engine: Engine, case_name: str, n: int = 1, rng: np.random.Generator | None = None) -> list[dict]:
    """The next n comments the editor should label (drawing new units when the pending ones run
    out). Asking again without answering returns the same questions."""
    rng = rng or np.random.default_rng()
    with engine.begin() as conn:
        case = get_case(conn, case_name)
        st = load_state(conn, case["id"])
        rows = _draw_rows(conn, case["id"])
        _, pending, _ = _resolve(conn, st, rows)
        out = _questions(conn, st, pending, n)
        step = max((r["step"] for r in rows), default=0)
        tries = 0
        while len(out) < n and st.cost.sum() > 0 and tries < 20 * n:
            tries += 1
            step += 1
            d = rng.choice(st.n_units, p=st.q)
            crow = st.unit_rows(int(d))
            done = st.truth(crow) is not None
            did = conn.execute(review_draw.insert().values(
                case_id=case["id"], step=step, unit=st.units[d], comment_ids=json.dumps([int(st.comment_ids[r]) for r in crow]),
                q=float(st.q[d]), f_unit=json.dumps(st.F[d].tolist()), f_sum=json.dumps(st.F.sum(0).tolist()),
                n_comments=st.n, n_authors=st.n_units, status="done" if done else "pending", backend=st.backend,
                at=custody.now_utc())).inserted_primary_key[0]
            if not done:
                out += _questions(conn, st, [{"id": did, "rows": crow}], n - len(out))
        return out


def answer(engine: Engine, case_name: str, platform_id: str, stance, user: str | None = None) -> dict:
    """Store the editor's label (an answer to the queue when the comment is pending there), adapt
    the case's model, and return the new estimate."""
    if stance not in (1, 0, -1, None):
        raise ValueError(f"stance must be 1, 0, -1 or None, not {stance!r}")
    set_label(engine, case_name, platform_id, "stance", stance, user)
    with engine.begin() as conn:
        return current_estimate(conn, case_name)


def skip(engine: Engine, case_name: str, draw_id: int) -> None:
    """Leave a drawn unit out (the editor cannot tell): its draw adds no term (see estimate.py)."""
    with engine.begin() as conn:
        case = get_case(conn, case_name)
        conn.execute(review_draw.update().where(review_draw.c.id == draw_id, review_draw.c.case_id == case["id"],
                                                review_draw.c.status == "pending").values(status="skipped"))

