"""The stance-share estimator: exact person stances, unbiased terms, honest intervals."""

import itertools

import numpy as np
import pytest

from otklik.analysis import estimate as est
from otklik.analysis.review import CaseState, Population
from otklik.analysis.summary import author_stance


def test_author_probs_are_the_exact_distribution_of_the_reported_person_stance():
    rng = np.random.default_rng(3)
    for m in (1, 2, 3, 4, 5):
        P = rng.dirichlet(np.ones(4), size=m)
        got = est.author_probs(P, np.zeros(m, dtype=np.int64), 1)[0]
        assert got == pytest.approx(_enumerated(P), abs=1e-12)


def _enumerated(P):
    """The person-stance distribution by listing every joint labelling of their comments."""
    want = np.zeros(4)
    for combo in itertools.product(range(4), repeat=len(P)):
        p = np.prod([P[j, c] for j, c in enumerate(combo)])
        want[est.class_index(author_stance([est.CLASSES[c] for c in combo]))] += p
    return want


def test_a_person_is_their_most_frequent_stance_not_the_sign_of_the_sum():
    # two supportive comments and one hostile: supportive either way; one supportive, two neutral:
    # the sum says supportive, the most frequent says neutral; +1, -1, 0 all once: a tie, neutral
    assert author_stance([1, 1, -1]) == 1
    assert author_stance([1, 0, 0, None, None]) == 0
    assert author_stance([1, -1, 0]) == 0
    assert author_stance([-1, -1, 1, None]) == -1
    assert author_stance([None, None]) is None
    P = np.eye(4)[[0, 1, 1]]  # +1, 0, 0 as certain labels
    assert est.author_probs(P, np.zeros(3, dtype=np.int64), 1)[0] == pytest.approx([0, 1, 0, 0])


def test_authors_of_many_comments_get_a_close_sampled_approximation_and_groups_are_kept_apart():
    rng = np.random.default_rng(11)
    m = est.MAX_EXACT + 2
    P = rng.dirichlet(np.ones(4) * 2, size=m)
    exact = est._exact_author_probs(P[None])[0]
    sampled = est.author_probs(P, np.zeros(m, dtype=np.int64), 1)[0]
    assert sampled == pytest.approx(exact, abs=0.03)
    assert sampled.sum() == pytest.approx(1)
    labelled = np.eye(4)[[2] * 10 + [0] * 8]  # an editor-labelled prolific author: exactly hostile
    assert est.author_probs(labelled, np.zeros(18, dtype=np.int64), 1)[0] == pytest.approx([0, 0, 1, 0])
    # three authors of different sizes in one call match each computed alone
    idx = np.array([0, 1, 1, 2, 2, 2, 0])
    Q = rng.dirichlet(np.ones(4), size=len(idx))
    together = est.author_probs(Q, idx, 3)
    for a in range(3):
        assert together[a] == pytest.approx(_enumerated(Q[idx == a]), abs=1e-12)


def test_each_term_has_the_true_share_as_its_expectation_whatever_the_model():
    rng = np.random.default_rng(5)
    authors = np.repeat(np.arange(30), rng.integers(1, 5, 30))
    n = len(authors)
    y = rng.integers(0, 4, n)
    Y = est.unit_values(np.eye(4)[y], authors, 30)
    truth = np.concatenate([Y[:, :4].sum(0) / n, Y[:, 4:].mean(0)])
    P = rng.dirichlet(np.ones(4) * 0.3, size=n)  # an arbitrary, wrong model
    F = est.unit_values(P, authors, 30)
    q = est.sampling_probs(est.unit_uncertainty(P, authors, 30, F), np.bincount(authors).astype(float))
    assert q.min() >= 0.5 / 30 - 1e-12 and q.sum() == pytest.approx(1)
    draws = [est.Draw(i, q[i], F[i], F.sum(0)) for i in range(30)]
    Z = est.z_terms(draws, Y, n, 30)
    assert (q[:, None] * Z).sum(0) == pytest.approx(truth, abs=1e-12)
    U, V = est.z_parts(draws, Y, n, 30)  # the model's correction has expectation 0: any weight on it is unbiased
    assert (q[:, None] * V).sum(0) == pytest.approx(np.zeros(8), abs=1e-12)


def test_power_tuning_drops_a_useless_model_and_keeps_a_good_one():
    rng = np.random.default_rng(9)
    U = rng.normal(0.5, 0.3, (200, 8))
    noise = rng.normal(0, 0.3, (200, 8))
    useless = est.power_tuned(U, noise)  # a correction unrelated to the answers only adds variance
    assert useless.var(0).max() < (U + noise).var(0).min()
    good = est.power_tuned(U, -(U - 0.5) + rng.normal(0, 0.01, (200, 8)))  # it cancels the answers' spread
    assert good.var(0).max() < 0.01
    assert np.array_equal(est.power_tuned(U[:5], noise[:5]), U[:5] + noise[:5])  # too few draws: not tuned


def test_no_answers_give_the_model_mean_with_the_documented_error():
    mean = np.array([0.6, 0.2, 0.15, 0.05] * 2)
    err = est.model_error_vector(0.2, 0, 100, 0, 80)
    point, low, high = est.interval(np.zeros((0, 8)), mean, err)
    assert point == pytest.approx(mean)
    assert high[0] - low[0] == pytest.approx(0.4) and low[3] == 0  # clipped at 0
    # labels the editor gave outside the queue shrink the unknown part, not the rule
    assert est.model_error_vector(0.2, 50, 100, 40, 80)[0] == pytest.approx(0.1)
    assert est.documented_error("nli") == est.documented_error("llm") == 0.5
    assert 0 < est.documented_error("default") <= 0.5


def _population(seed, n_authors=200):
    """Authors who mostly keep one side; a model that reads a third of the supportive comments as
    hostile, confidently, plus random mistakes."""
    rng = np.random.default_rng(seed)
    authors = np.repeat(np.arange(n_authors), rng.geometric(0.5, n_authors))
    n = len(authors)
    lean = rng.choice(4, n_authors, p=[0.55, 0.15, 0.22, 0.08])
    y = np.where(rng.random(n) < 0.8, lean[authors], rng.choice(4, n))
    pred = y.copy()
    pred[(y == 0) & (rng.random(n) < 0.35)] = 2
    noise = rng.random(n) < 0.15
    pred[noise] = rng.choice(4, noise.sum())
    conf = rng.uniform(0.6, 0.98, n)
    base = np.repeat(((1 - conf) / 3)[:, None], 4, axis=1)
    base[np.arange(n), pred] = conf
    return authors, y, base


def test_after_40_answers_the_interval_covers_the_truth_where_the_model_alone_does_not():
    reps, T = 60, 40
    covered = {"comments": 0, "people": 0}
    naive = 0
    for seed in range(reps):
        authors, y, base = _population(seed)
        n = len(y)
        st = CaseState(Population.of(np.arange(n), [str(i) for i in range(n)], [f"a{a:04d}" for a in authors], base,
                                       np.ones(n, bool), "default"), {})
        rng = np.random.default_rng(1000 + seed)
        draws = []
        for _ in range(T):
            d = st.draw(rng)
            rows = st.unit_rows(d.unit)
            for r in rows:  # the editor answers every comment of the drawn person
                st.labels[int(r)] = int(y[r])
            draws.append((d, st.truth(rows)))
            st.refresh()  # the model adapts before the next draw
        e = st.estimate(draws)
        true_c = (y == 0).mean()
        true_a = est.author_probs(np.eye(4)[y], st.author_idx, st.n_units)[:, 0].mean()
        c, a = e["by_comments"]["supportive"], e["by_authors"]["supportive"]
        covered["comments"] += c["low"] <= true_c <= c["high"]
        covered["people"] += a["low"] <= true_a <= a["high"]
        # what a plug-in reading of the model would claim: its share with a binomial interval
        p = base[:, 0].mean()
        half = 1.96 * np.sqrt(p * (1 - p) / n)
        naive += p - half <= true_c <= p + half
    assert covered["comments"] / reps >= 0.85
    assert covered["people"] / reps >= 0.85
    assert naive / reps <= 0.2
