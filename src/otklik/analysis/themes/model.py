"""The theme model: composes the parts (space, clusterer, keyworder, titler) and replays the
editor's overrides.

Determinism: comments are processed in ascending id order whatever the input order, the sample
comes from a seeded generator, similarities are computed in float64 and rounded before they are
compared (so BLAS thread count cannot flip a merge), and every ranking breaks ties by id.

Theme keys: "t<comment id>" of the theme's most central member. An override that names a key is
resolved through *membership* — it applies to whichever theme contains that comment in this run —
so editor decisions survive re-runs even when new comments shift the centre of a theme.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Collection, Sequence

import numpy as np

from . import parts
from .text import content_lemmas

log = logging.getLogger(__name__)

OTHER = "other"


@dataclass(frozen=True)
class ThemeParams:
    """Which part does each step, and its settings (chosen on ArgKP *train* topics only)."""

    space: str = "argument-projection"
    clusterer: str = "agglomerative"
    keyworder: str = "ctfidf"
    titler: str = "central-span"
    distance_threshold: float = 0.95
    join_threshold: float = 0.95
    min_theme_size: int = 3
    min_theme_share: float = 0.005
    max_cluster_sample: int = 3000
    max_language_share: float = 0.9
    language_shrink: float = 5.0
    n_keywords: int = 8
    seed: int = 0

    @classmethod
    def from_config(cls, cfg: dict) -> "ThemeParams":
        """From a case config's `themes.params`; an unknown key is an error that names it."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(cfg) - known)
        if unknown:
            raise ValueError(f"unknown theme parameter(s) {', '.join(unknown)} in themes.params; known: {', '.join(sorted(known))}")
        return cls(**cfg)


@dataclass
class Overrides:
    """Editor decisions, replayed on every run.

    renames: theme key -> label. merges: groups of theme keys to join (the merged theme takes the
    first key of its group). moves: comment id -> theme key (or "other"), which is also how an
    editor splits a theme: move comments out of it."""

    renames: dict[str, str] = field(default_factory=dict)
    merges: list[list[str]] = field(default_factory=list)
    moves: dict[int, str] = field(default_factory=dict)


@dataclass
class Theme:
    key: str  # "t<central comment id>", or "other"
    label: str  # the title in the case's first report language (or the editor's name for it)
    label_source: str  # "title" | "editor" | "keywords" (no usable span) | "other"
    keywords: list[str]
    member_ids: list[int]  # ascending
    central_ids: list[int]  # members by decreasing centrality (ties by id)
    n_comments: int
    n_authors: int
    stances: dict[str, int]  # "-1"/"0"/"1"/"none" -> comments
    entities: list[tuple[str, int]]  # (entity, comments naming it), most named first
    # report language -> {"text", "comment_id", "start", "end", "lang"}: a verbatim span of a member
    # comment; "lang" differs from the key when no member wrote in that language (translate it)
    titles: dict[str, dict] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)  # comment language -> comments

    @property
    def is_other(self) -> bool:
        return self.key == OTHER


def _stance_key(s: int | None) -> str:
    return "none" if s is None else str(int(s))


class ThemeModel:
    """fit(...) -> themes. After fitting, `x` (the comments' rows in theme space, canonical id
    order) and `ids` are kept so quotes can be ranked in the same space the themes were made in."""

    def __init__(self, params: ThemeParams = ThemeParams()):
        self.params = p = params
        self.space = parts.make(parts.SPACES, p.space, **({"shrink": p.language_shrink} if p.space != "centred" else {}))
        self.clusterer = parts.make(parts.CLUSTERERS, p.clusterer, **{
            f.name: getattr(p, f.name) for f in fields(parts.AgglomerativeClusterer)} if p.clusterer == "agglomerative" else {})
        self.keyworder = parts.make(parts.KEYWORDERS, p.keyworder, n_keywords=p.n_keywords)
        self.titler = parts.make(parts.TITLERS, p.titler)
        self.x: np.ndarray | None = None
        self.ids: list[int] = []

    def fit(self, ids, texts, authors, embeddings, stances, entities, lang, overrides: Overrides | None = None,
            title_langs: Sequence[str] = ("ru",), consume: bool = False, not_titles: Collection[int] = ()) -> list[Theme]:
        """`consume`: the caller hands `embeddings` (float32) over and will not read it again, so it
        may be overwritten instead of copied (100,000 rows are 200 MB a copy). `not_titles`: ids of
        comments no title may be cut from (the page's or channel's own replies: they answer the
        commenters, they are not what the commenters argue)."""
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
        if order == list(range(n)):
            x = self.space.transform(embeddings, lang, in_place=consume)
        else:
            x = self.space.transform(np.asarray(embeddings, dtype=np.float32)[order], lang, in_place=True)
        self.x, self.ids = x, ids
        labels = self.clusterer.fit_predict(x, lang)

        keys = {lab: f"t{ids[self._ranked(np.flatnonzero(labels == lab))[0]]}" for lab in sorted(set(labels.tolist()) - {-1})}
        if overrides is not None:
            labels, keys = _apply_overrides(labels, keys, ids, overrides)
        live = sorted(set(labels.tolist()) - {-1})
        groups = [np.flatnonzero(labels == lab) for lab in live]
        lemmas = [content_lemmas(t, lg) for t, lg in zip(texts, lang)]
        kws = self.keyworder.keywords(groups, lemmas)
        renames = _resolve_renames(overrides, live, groups, keys, ids)

        themes, taken, own = [], {lg: set() for lg in title_langs}, set(not_titles)
        # biggest themes choose their titles first
        for lab, rows, kw in sorted(zip(live, groups, kws), key=lambda t: (-len(t[1]), keys[t[0]])):
            ranked = self._ranked(rows)
            # a title speaks for the theme: cut from a comment about the case (off-topic spam has
            # stance None) unless the theme has none
            ranked_t = np.array([r for r in ranked if ids[r] not in own], dtype=int)
            about = np.array([r for r in ranked_t if stances[r] is not None], dtype=int)
            pool = about if len(about) else ranked_t
            titles = {}
            for lg in title_langs:
                t = self.titler.title(rows, pool, texts, lang, kw, lg, taken[lg])
                t = t or self.titler.title(rows, pool, texts, lang, kw, None, taken[lg])
                if t is not None:
                    taken[lg].add(t.text.casefold())
                    titles[lg] = {"text": t.text, "comment_id": ids[t.comment_row], "start": t.start, "end": t.end, "lang": t.lang}
            first = titles.get(title_langs[0]) if title_langs else None
            if lab in renames:
                label, source = renames[lab], "editor"
            elif first is not None:
                label, source = first["text"], "title"
            else:
                label, source = ", ".join(kw[:3]) or keys[lab], "keywords"
            th = _build(keys[lab], rows, ranked, ids, authors, stances, entities, lang, kw, label, source)
            th.titles = titles
            themes.append(th)
        themes.sort(key=lambda th: (-th.n_comments, th.key))
        rest = np.flatnonzero(labels == -1)
        if len(rest):
            themes.append(_build(OTHER, rest, rest, ids, authors, stances, entities, lang, [], OTHER, "other"))
        return themes

    def _ranked(self, rows: np.ndarray) -> np.ndarray:
        """Rows by decreasing average similarity to the theme (x · mean of members), ties by id."""
        xr = self.x[rows].astype(np.float64)
        cent = np.round(xr @ xr.mean(axis=0), 6)
        return rows[np.lexsort((rows, -cent))]


def _build(key, rows, order, ids, authors, stances, entities, lang, keywords, label, source) -> Theme:
    ent = Counter(e for i in rows for e in sorted(set(entities[i])))
    return Theme(
        key=key, label=label, label_source=source, keywords=keywords,
        member_ids=sorted(ids[i] for i in rows), central_ids=[ids[i] for i in order],
        n_comments=len(rows), n_authors=len({authors[i] for i in rows}),
        stances=dict(sorted(Counter(_stance_key(stances[i]) for i in rows).items())),
        entities=sorted(ent.items(), key=lambda kv: (-kv[1], kv[0])),
        languages=dict(sorted(Counter(lang[i] or "und" for i in rows).items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def _key_comment(key: str) -> int | None:
    return int(key[1:]) if key[:1] == "t" and key[1:].isdigit() else None


def _apply_overrides(labels: np.ndarray, keys: dict[int, str], ids: list[int], ov: Overrides) -> tuple[np.ndarray, dict[int, str]]:
    """Replay editor decisions on raw cluster labels. A key "t<id>" resolves to the cluster that
    holds comment <id> now; unresolvable decisions are logged, not lost."""
    pos = {cid: i for i, cid in enumerate(ids)}

    def resolve(key: str) -> int | None:
        if key == OTHER:
            return -1
        cid = _key_comment(key)
        if cid is None or cid not in pos or labels[pos[cid]] < 0:
            log.warning("theme override names %r, which matches no theme in this run", key)
            return None
        return int(labels[pos[cid]])

    labels = labels.copy()
    targets = {cid: resolve(key) for cid, key in sorted(ov.moves.items())}
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


def _resolve_renames(ov: Overrides | None, live, groups, keys, ids) -> dict[int, str]:
    renames = {}
    for key, new_label in (ov.renames.items() if ov is not None else ()):
        hit = [lab for lab in live if keys[lab] == key]
        if not hit:  # resolve through membership of the named comment
            cid = _key_comment(key)
            hit = [lab for lab, rows in zip(live, groups) if cid is not None and cid in {ids[i] for i in rows}]
        if hit:
            renames[hit[0]] = new_label
        else:
            log.warning("theme rename names %r, which matches no theme in this run", key)
    return renames


def find_themes(ids: Sequence[int], texts: Sequence[str], authors: Sequence[str], embeddings: np.ndarray,
                stances: Sequence[int | None], entities: Sequence[Sequence[str]], lang: Sequence[str | None],
                params: ThemeParams = ThemeParams(), overrides: Overrides | None = None,
                title_langs: Sequence[str] = ("ru",), not_titles: Collection[int] = ()) -> list[Theme]:
    """Group comments into themes; the "other" theme (key "other") comes last if any.

    All sequences are parallel (one item per comment); `embeddings` rows are unit vectors from
    `embed.get_backend(...).embed(texts)`. `title_langs`: the report languages, first = the label's.
    Themes are ordered by comment count, then key. Same input (in any order) -> same themes."""
    return ThemeModel(params).fit(ids, texts, authors, embeddings, stances, entities, lang, overrides, title_langs,
                                  not_titles=not_titles)
