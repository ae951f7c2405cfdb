"""Themes: group comments by what they argue, name each group, count who says it.

Pipeline (each step a plain function, parameters in `ThemeParams`):

1. Features. Two views of every comment, each L2-normalised:
   - its sentence embedding *centred on the corpus mean*. All comments of a case talk
     about the same person and event, so the shared direction dominates raw cosine
     similarity; removing it lets the differences between arguments decide;
   - TF-IDF over content lemmas (pymorphy3 for Russian, lowercase tokens otherwise,
     stopwords removed). Arguments that share a key word ("bullying", "пытки") belong
     together even when the multilingual encoder blurs them.
   Similarity = (1 - w) * cos(embedding) + w * cos(lemmas), distance = 1 - similarity.
   On ArgKP train topics this mix beat either view alone (see evaluation/themes.py).
2. Clustering. Average-linkage agglomerative clustering cut at `distance_threshold`,
   so the number of themes comes from the data. Groups smaller than the minimum size
   (`min_theme_size`, or `min_theme_share` of the input when that is larger) go to the
   "other" bucket. For large inputs a seeded sample of `max_cluster_sample` comments is
   clustered and every other comment joins the theme with the highest *average*
   similarity to its members (x · mean of members: the same quantity average linkage
   uses), or "other" when even that is beyond the threshold.
3. Representation. Keywords by class-based TF-IDF over lemmas, a label from the top
   keywords, counts by comments and distinct authors, stance mix, named entities.
4. Editor overrides (`Overrides`): renames, merges and moves, keyed by theme keys.

Determinism: comments are processed in ascending id order whatever the input order,
the sample comes from a seeded generator, distances are computed in float64 and
rounded before clustering (so BLAS thread count cannot flip a merge), and every
ranking breaks ties by id or by string.

Theme keys: "t<comment id>" of the theme's most central member. An override that names
a key is resolved through *membership* — it applies to whichever theme contains that
comment in this run — so editor decisions survive re-runs even when new comments shift
the centre of a theme.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

log = logging.getLogger(__name__)

VERSION = "3"  # changes whenever the same input gives other themes (2: Kazakh and Chechen stopwords;
# 3: a theme with no lemma in two comments is named by its comments' own lemmas)
OTHER = "other"

RUSSIAN_STOPWORDS = frozenset(
    """и в во не что он на я с со как а то все всё она так его но да ты к у же вы за бы по только ее её мне было вот
    от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж
    вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без будто
    чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем
    чтобы нее неё сейчас были куда зачем всех никогда можно при наконец два об другой хоть после над больше тот
    через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том
    нельзя такой им более всегда конечно всю между это весь свой мочь который наш ваш вся очень просто ещe вообще
    просто также тоже либо пусть б бы ли же вот ага это эта эти этот оно его ее их твой""".split()
)
# Kazakh and Chechen function words (pronouns in their cases, particles, auxiliaries, "need",
# "here/there"): without them theme labels read «оны, керек» ("him, need") or «иза, цигахь» ("he, there").
KAZAKH_STOPWORDS = frozenset(
    """және мен бен пен да де та те бұл ол осы сол не сен біз сіз олар үшін деп ғой ма ме ба бе па пе оны оған
    онда одан оның мені маған менің сені саған сенің бізге бізді біздің сізге сізді сіздің оларға оларды олардың
    мұны мұнда сонда соны осыны ғана әлі енді қазір бар жоқ емес еді екен болып болады болса болған бір барлық кім
    қалай неге нені қашан тағы керек өз өзі өзін өзінің сияқты туралы бірақ немесе яғни дейін кейін соң""".split())
CHECHEN_STOPWORDS = frozenset(
    """и иза цо цуьнан цунна уьш церан со суна сан хьо хьуна хьан вай вайн тхо тхуна шу шуна шун ду бу ю ву дац ма
    цхьа хӏара иштта кхузахь цигахь дерриге хӏун муха""".split())
STOPWORDS = RUSSIAN_STOPWORDS | KAZAKH_STOPWORDS | CHECHEN_STOPWORDS | frozenset(ENGLISH_STOP_WORDS)

# Words: letters (any script, incl. Chechen palochka Ӏ) with inner hyphens/apostrophes.
_WORD = re.compile(r"[^\W\d_](?:[\w'ʼ’Ӏӏ-]*[^\W_])?", re.UNICODE)
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"[@#]\w+")


@dataclass(frozen=True)
class ThemeParams:
    """Knobs of the theme stage (tuned on ArgKP *train* topics only)."""

    distance_threshold: float = 0.95  # average-linkage cut on the mixed distance (0..2)
    lexical_weight: float = 0.5  # w: share of lemma TF-IDF similarity in the mix
    min_theme_size: int = 3  # smaller groups go to "other"
    min_theme_share: float = 0.005  # ... as do groups under this share of the input
    max_cluster_sample: int = 3000  # above this, cluster a sample and assign the rest
    n_keywords: int = 8
    label_keywords: int = 3
    seed: int = 0


@dataclass
class Overrides:
    """Editor decisions, replayed on every run.

    renames: theme key -> label. merges: groups of theme keys to join (the merged theme
    takes the first key of its group). moves: comment id -> theme key (or "other"),
    which is also how an editor splits a theme: move comments out of it."""

    renames: dict[str, str] = field(default_factory=dict)
    merges: list[list[str]] = field(default_factory=list)
    moves: dict[int, str] = field(default_factory=dict)


@dataclass
class Theme:
    key: str  # "t<central comment id>", or "other"
    label: str
    label_source: str  # "keywords" | "editor" | "other"
    keywords: list[str]
    member_ids: list[int]  # ascending
    central_ids: list[int]  # members by decreasing centrality (ties by id)
    n_comments: int
    n_authors: int
    stances: dict[str, int]  # "-1"/"0"/"1"/"none" -> comments
    entities: list[tuple[str, int]]  # (entity, comments naming it), most named first

    @property
    def is_other(self) -> bool:
        return self.key == OTHER


# ---------------------------------------------------------------- lemmas


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=200_000)
def _russian_lemma(word: str) -> str:
    return _morph().parse(word)[0].normal_form.replace("ё", "е")


def content_lemmas(text: str, lang: str | None) -> list[str]:
    """Content words of `text` as lemmas: pymorphy3 normal forms for Russian, lowercase
    tokens for other languages; URLs, mentions, stopwords and 1-letter words dropped."""
    text = _MENTION.sub(" ", _URL.sub(" ", text))
    out = []
    for m in _WORD.finditer(text):
        w = m.group().lower().strip("-'ʼ’")
        if lang == "ru":
            w = _russian_lemma(w)
        if len(w) > 1 and w not in STOPWORDS:
            out.append(w)
    return out


# ---------------------------------------------------------------- clustering


def _features(embeddings: np.ndarray, lemmas: list[list[str]], in_place: bool = False):
    """Centred, normalised embeddings and L2-normalised lemma TF-IDF rows. `in_place` reuses a
    float32 `embeddings` the caller owns (100,000 rows are 200 MB a copy)."""
    # float32 here (100,000 x 512 doubles would be 400 MB); products are taken in float64 below
    x = np.asarray(embeddings, dtype=np.float32)
    if not in_place:
        x = x.copy()
    x -= x.mean(axis=0, dtype=np.float64).astype(np.float32)
    x = normalize(x, copy=False)
    docs = [" ".join(ls) for ls in lemmas]
    if any(docs):
        tfidf = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, min_df=2 if len(docs) >= 20 else 1)
        try:
            t = tfidf.fit_transform(docs)
        except ValueError:  # no term reaches min_df
            t = None
    else:
        t = None
    return x, t


def _similarity(x, t, rows_a, rows_b, w: float) -> np.ndarray:
    s = x[rows_a].astype(np.float64) @ x[rows_b].astype(np.float64).T
    if t is not None and w > 0:
        s = (1 - w) * s + w * (t[rows_a] @ t[rows_b].T).toarray()
    return s


def _cluster(x, t, params: ThemeParams, n: int) -> np.ndarray:
    """Label per row (0..k-1 in order of first central id; -1 = other)."""
    rng = np.random.default_rng(params.seed)
    if n > params.max_cluster_sample:
        sample = np.sort(rng.choice(n, size=params.max_cluster_sample, replace=False))
    else:
        sample = np.arange(n)
    labels = np.full(n, -1)
    if len(sample) < 2:
        return labels
    sim = _similarity(x, t, sample, sample, params.lexical_weight)
    dist = np.clip(np.round(1.0 - sim, 6), 0.0, None)
    np.fill_diagonal(dist, 0.0)
    cut = fcluster(linkage(squareform(dist, checks=False), "average"), params.distance_threshold, "distance")
    min_size = max(params.min_theme_size, math.ceil(params.min_theme_share * len(sample)))
    sizes = Counter(cut.tolist())
    kept = sorted(c for c, s in sizes.items() if s >= min_size)
    for new, c in enumerate(kept):
        labels[sample[cut == c]] = new
    if len(sample) < n and kept:
        rest = np.setdiff1d(np.arange(n), sample)
        # mean member vectors: x·mean = average similarity to the members
        me = np.vstack([x[sample[cut == c]].astype(np.float64).mean(axis=0) for c in kept])
        # in chunks, so that a float64 copy of all remaining rows is never made at once
        avg = np.vstack([x[rest[i:i + 10000]].astype(np.float64) @ me.T for i in range(0, len(rest), 10000)])
        avg *= 1 - params.lexical_weight
        if t is not None and params.lexical_weight > 0:
            mt = np.vstack([np.asarray(t[sample[cut == c]].mean(axis=0)) for c in kept])
            avg += params.lexical_weight * np.asarray(t[rest] @ mt.T)
        avg = np.round(avg, 6)
        best = np.argmax(avg, axis=1)  # first max = lowest label: stable
        ok = 1.0 - avg[np.arange(len(rest)), best] <= params.distance_threshold
        labels[rest[ok]] = best[ok]
    return labels


def _centrality(x, t, rows: np.ndarray, w: float) -> np.ndarray:
    """Average similarity of each member to the theme (x · mean of members)."""
    xr = x[rows].astype(np.float64)
    c = xr @ xr.mean(axis=0) * (1 - w)
    if t is not None and w > 0:
        c = c + w * np.asarray(t[rows] @ np.asarray(t[rows].mean(axis=0)).ravel()).ravel()
    return np.round(c, 6)


# ---------------------------------------------------------------- representation


def _keywords(groups: list[np.ndarray], lemmas: list[list[str]], k: int) -> list[list[str]]:
    """Class-based TF-IDF: a lemma ranks high when many of the theme's comments use it
    and few other themes do. Counted once per comment so one long rant cannot win. A lemma
    must be in two of the theme's comments, unless no lemma is (a theme of short reactions
    such as «Позор!», «Поддерживаю!»): then its comments' own lemmas name it."""
    df_theme = [Counter(w for i in rows for w in set(lemmas[i])) for rows in groups]
    df_all = Counter()
    for c in df_theme:
        df_all.update(c)
    avg_size = max(1.0, sum(len(g) for g in groups) / max(1, len(groups)))
    out = []
    for rows, c in zip(groups, df_theme):
        scored = [(-(n / len(rows)) * math.log(1 + avg_size / df_all[w]), w) for w, n in c.items()]
        scored = [sw for sw, n in zip(scored, c.values()) if n >= 2] or scored
        out.append([w for _, w in sorted(scored)[:k]])
    return out


def _stance_key(s: int | None) -> str:
    return "none" if s is None else str(int(s))


def _build(key, rows, order, ids, authors, stances, entities, keywords, label, source) -> Theme:
    member = sorted(ids[i] for i in rows)
    ent = Counter(e for i in rows for e in sorted(set(entities[i])))
    stance = Counter(_stance_key(stances[i]) for i in rows)
    return Theme(
        key=key,
        label=label,
        label_source=source,
        keywords=keywords,
        member_ids=member,
        central_ids=[ids[i] for i in order],
        n_comments=len(rows),
        n_authors=len({authors[i] for i in rows}),
        stances=dict(sorted(stance.items())),
        entities=sorted(ent.items(), key=lambda kv: (-kv[1], kv[0])),
    )


def _apply_overrides(labels: np.ndarray, keys: dict[int, str], ids: list[int], ov: Overrides) -> tuple[np.ndarray, dict[int, str]]:
    """Replay editor decisions on raw cluster labels. A key "t<id>" resolves to the
    cluster that holds comment <id> now; unresolvable decisions are logged, not lost."""
    pos = {cid: i for i, cid in enumerate(ids)}

    def resolve(key: str) -> int | None:
        if key == OTHER:
            return -1
        cid = int(key[1:]) if key[:1] == "t" and key[1:].isdigit() else None
        if cid is None or cid not in pos or labels[pos[cid]] < 0:
            log.warning("theme override names %r, which matches no theme in this run", key)
            return None
        return int(labels[pos[cid]])

    labels = labels.copy()
    targets = {}
    for cid, key in sorted(ov.moves.items()):
        targets[cid] = resolve(key)
    for cid, lab in targets.items():
        if cid in pos and lab is not None:
            labels[pos[cid]] = lab
        elif cid not in pos:
            log.warning("theme override moves comment %s, which is not in this run", cid)
    for group in ov.merges:
        resolved = [resolve(k) for k in group]
        live = [r for r in resolved if r is not None and r >= 0]
        if len(live) < 2:
            continue
        head = live[0]
        for r in live[1:]:
            labels[labels == r] = head
        keys[head] = next(k for k, r in zip(group, resolved) if r == head)
    return labels, keys


def find_themes(
    ids: Sequence[int],
    texts: Sequence[str],
    authors: Sequence[str],
    embeddings: np.ndarray,
    stances: Sequence[int | None],
    entities: Sequence[Sequence[str]],
    lang: Sequence[str | None],
    params: ThemeParams = ThemeParams(),
    overrides: Overrides | None = None,
) -> list[Theme]:
    """Group comments into themes; the "other" theme (key "other") comes last if any.

    All sequences are parallel (one item per comment); `embeddings` rows are unit
    vectors from `embed.get_backend(...).embed(texts)`. Themes are ordered by comment
    count, then key. Same input (in any order) -> same themes."""
    n = len(ids)
    if not (len(texts) == len(authors) == len(stances) == len(entities) == len(lang) == len(embeddings) == n):
        raise ValueError("find_themes: all inputs must have one item per comment")
    if n == 0:
        return []
    order = sorted(range(n), key=lambda i: ids[i])  # canonical order: by comment id
    ids = [ids[i] for i in order]
    texts = [texts[i] for i in order]
    authors = [authors[i] for i in order]
    stances = [stances[i] for i in order]
    entities = [list(entities[i]) for i in order]
    lang = [lang[i] for i in order]
    emb = np.asarray(embeddings, dtype=np.float32)[order]  # a copy this function owns

    lemmas = [content_lemmas(t, lg) for t, lg in zip(texts, lang)]
    x, t = _features(emb, lemmas, in_place=True)
    del emb
    w = params.lexical_weight
    labels = _cluster(x, t, params, n)

    keys: dict[int, str] = {}
    for lab in sorted(set(labels.tolist()) - {-1}):
        rows = np.flatnonzero(labels == lab)
        keys[lab] = f"t{ids[rows[np.lexsort((rows, -_centrality(x, t, rows, w)))[0]]]}"
    if overrides is not None:
        labels, keys = _apply_overrides(labels, keys, ids, overrides)

    live = sorted(set(labels.tolist()) - {-1})
    groups = [np.flatnonzero(labels == lab) for lab in live]
    kws = _keywords(groups, lemmas, params.n_keywords)
    renames = {}
    if overrides is not None:
        for key, new_label in overrides.renames.items():
            hit = [lab for lab in live if keys[lab] == key]
            if not hit:  # resolve through membership of the named comment
                cid = int(key[1:]) if key[:1] == "t" and key[1:].isdigit() else None
                hit = [lab for lab, rows in zip(live, groups) if cid is not None and cid in {ids[i] for i in rows}]
            if hit:
                renames[hit[0]] = new_label
            else:
                log.warning("theme rename names %r, which matches no theme in this run", key)

    themes = []
    for lab, rows, kw in zip(live, groups, kws):
        cent = _centrality(x, t, rows, w)
        ranked = rows[np.lexsort((rows, -cent))]
        if lab in renames:
            label, source = renames[lab], "editor"
        else:
            label, source = ", ".join(kw[: params.label_keywords]) or keys[lab], "keywords"
        themes.append(_build(keys[lab], rows, ranked, ids, authors, stances, entities, kw, label, source))
    themes.sort(key=lambda th: (-th.n_comments, th.key))
    rest = np.flatnonzero(labels == -1)
    if len(rest):
        themes.append(_build(OTHER, rest, rest, ids, authors, stances, entities, [], OTHER, "other"))
    return themes
