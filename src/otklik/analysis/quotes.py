"""Representative quotes: a few verbatim comments (or exact sentences) per theme.

What a quote must be, and how each is enforced:
- verbatim: a quote is (comment id, start, end) into the stored comment text, and its
  text is `text[start:end]` — checked when the quote is made, so a report can cite it;
- readable: between `min_chars` and `max_chars`, at least `min_words` words, mostly
  letters (not emoji-only or digits), not mostly URLs or @mentions. A comment that is
  too long contributes its best sentence instead (the one sharing most theme
  keywords, then the earliest);
- central: ranked by cosine similarity to the mean of the theme's rows, in the space the themes
  were made in (`ThemeModel.x`: language-centred embeddings), so a quote says what the theme says;
- diverse: maximal marginal relevance (MMR) — each next pick trades centrality against
  similarity to the quotes already picked;
- from distinct authors, and never from comments flagged as spam or coordinated
  (`excluded` ids come from the duplicates/coordination stage);
- fair to minorities: the k slots are shared across stance groups in proportion to the
  theme's stance mix, but every stance present gets a slot first when k allows, so a
  minority position is quoted rather than drowned by the majority.

Across themes, `quote_slots` shares a case's quotes in proportion to theme sizes (every theme
shown gets one). The quoter is a registered part (`QUOTERS`), like the theme model's parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Collection, Sequence

import numpy as np

from .themes import Theme, content_lemmas

QUOTERS: dict[str, Callable] = {}

_SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+|$)", re.MULTILINE)
_LINKISH = re.compile(r"https?://\S+|www\.\S+|[@#]\w+")


# A quote is shown under a side only when the editor confirmed the comment's stance or the case's
# adapted model gives it at least this probability (the digest applies it). Why 0.85: a quote stands
# for a side in the report, so a misread one misrepresents people; at 0.85 at most about one in
# seven such quotes would be on the wrong side if the model is calibrated (the review queue's
# adapter recalibrates it on the editor's answers), while confident readings still get quoted.
# The quoter therefore prefers, within each side's share of the quotes, comments read this surely.
SIDE_MIN_CONFIDENCE = 0.85


@dataclass(frozen=True)
class QuoteParams:
    min_chars: int = 20
    max_chars: int = 300
    min_words: int = 3
    min_letter_share: float = 0.5  # letters among non-space characters
    max_link_share: float = 0.3  # characters in URLs/mentions/hashtags
    diversity: float = 0.3  # MMR weight of novelty (0 = pure centrality)


@dataclass(frozen=True)
class Quote:
    comment_id: int
    start: int  # char offsets into the original comment text
    end: int
    text: str  # == original_text[start:end]
    stance: int | None
    author: str
    centrality: float


def readable(span: str, params: QuoteParams = QuoteParams()) -> bool:
    """True when `span` is fit to print as a quote (see module docstring)."""
    if not (params.min_chars <= len(span) <= params.max_chars):
        return False
    if len(re.findall(r"\w+", span)) < params.min_words:
        return False
    visible = [c for c in span if not c.isspace()]
    if sum(c.isalpha() for c in visible) < params.min_letter_share * len(visible):
        return False
    return sum(len(m.group()) for m in _LINKISH.finditer(span)) <= params.max_link_share * len(span)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def best_span(text: str, keywords: Collection[str], lang: str | None, params: QuoteParams) -> tuple[int, int] | None:
    """The whole comment if it is readable, else its most on-theme readable sentence."""
    start, end = _strip(text, 0, len(text))
    if readable(text[start:end], params):
        return start, end
    if end - start < params.min_chars:
        return None
    best = None
    for m in _SENTENCE.finditer(text):
        s, e = _strip(text, m.start(), m.end())
        if readable(text[s:e], params):
            hits = len(set(content_lemmas(text[s:e], lang)) & set(keywords))
            if best is None or hits > best[0]:
                best = (hits, s, e)
    return None if best is None else (best[1], best[2])


def _allocate(k: int, sizes: dict, available: dict) -> dict:
    """Slots per stance group: one for each present group first (largest groups first,
    while slots last), the rest by largest remainder of the proportional share."""
    groups = sorted((g for g in sizes if available.get(g)), key=lambda g: (-sizes[g], str(g)))
    quota = {g: 0 for g in groups}
    for g in groups[:k]:
        quota[g] = 1
    left = k - sum(quota.values())
    total = sum(sizes[g] for g in groups)
    if left > 0 and total:
        want = {g: k * sizes[g] / total - quota[g] for g in groups}
        for g in sorted(groups, key=lambda g: (-want[g], -sizes[g], str(g)))[:left]:
            quota[g] += 1
    return quota


def quote_slots(sizes: dict[str, int], total: int, k_min: int = 1, k_max: int = 6) -> dict[str, int]:
    """Quotes per theme key: `total` shared in proportion to `sizes` (comments per theme) by
    largest remainder, each theme between `k_min` and `k_max` and never above its proportional
    share rounded up (slots a capped theme cannot take are left unused, not pushed onto small
    themes). Ties go to the bigger theme, then
    the smaller key, so the plan is deterministic."""
    keys = sorted(sizes, key=lambda k: (-sizes[k], k))
    out = {k: k_min for k in keys}
    left = total - k_min * len(keys)
    whole = sum(sizes.values())
    if left <= 0 or not whole:
        return out
    want = {k: total * sizes[k] / whole - out[k] for k in keys}
    while left > 0:
        open_ = [k for k in keys if out[k] < k_max and want[k] > 0]  # never past a theme's share
        if not open_:
            break
        k = min(open_, key=lambda k: (-want[k], -sizes[k], k))
        out[k] += 1
        want[k] -= 1
        left -= 1
    return out


@dataclass
class CentralQuoter:
    """The registered default quoter: `choose_quotes` with its parameters."""

    params: QuoteParams = QuoteParams()

    def choose(self, theme: Theme, ids, texts, authors, embeddings, stances, k: int = 3, excluded: Collection[int] = (),
               lang=None, confident=None) -> list[Quote]:
        return choose_quotes(theme, ids, texts, authors, embeddings, stances, k, excluded, lang, self.params, confident)


QUOTERS["central"] = CentralQuoter


def choose_quotes(
    theme: Theme,
    ids: Sequence[int],
    texts: Sequence[str],
    authors: Sequence[str],
    embeddings: np.ndarray,
    stances: Sequence[int | None],
    k: int = 3,
    excluded: Collection[int] = (),
    lang: Sequence[str | None] | None = None,
    params: QuoteParams = QuoteParams(),
    confident: Sequence[bool] | None = None,
) -> list[Quote]:
    """Pick up to `k` quotes for `theme` (inputs parallel lists over all comments, as
    given to `find_themes`). Returns them in pick order: most representative first.
    `confident`: whether each comment's stance is read with SIDE_MIN_CONFIDENCE; within a side's
    share, such comments are picked first (so the quote can be shown under its side)."""
    pos = {cid: i for i, cid in enumerate(ids)}
    rows = [pos[c] for c in theme.member_ids if c in pos]
    if not rows or k <= 0:
        return []
    # float64 for stable rounding, but only of this theme's rows (not a copy of all embeddings)
    sub = np.asarray(embeddings[rows], dtype=np.float64)
    at = {r: j for j, r in enumerate(rows)}
    centre = sub.mean(axis=0)
    centre /= np.linalg.norm(centre) or 1.0
    skip = set(excluded)

    cands = []  # (row, start, end, centrality)
    for i in rows:
        if ids[i] in skip:
            continue
        span = best_span(texts[i], theme.keywords, lang[i] if lang else None, params)
        if span is not None:
            cands.append((i, span[0], span[1], round(float(sub[at[i]] @ centre), 6)))
    cands.sort(key=lambda c: (-c[3], ids[c[0]]))

    sizes: dict = {}
    for i in rows:
        sizes[stances[i]] = sizes.get(stances[i], 0) + 1
    by_group: dict = {}
    for c in cands:
        by_group.setdefault(stances[c[0]], []).append(c)
    quota = _allocate(k, sizes, by_group)

    picked: list = []
    used_authors: set = set()

    def pick_from(pool: list) -> bool:
        if confident is not None:  # the surely read comments first, then the rest
            sure = [c for c in pool if confident[c[0]]]
            if sure and _pick(sure):
                return True
        return _pick(pool)

    def _pick(pool: list) -> bool:
        best, best_score = None, None
        for c in pool:
            if authors[c[0]] in used_authors or c in picked:
                continue
            redundancy = max((float(sub[at[c[0]]] @ sub[at[p[0]]]) for p in picked), default=0.0)
            score = round((1 - params.diversity) * c[3] - params.diversity * redundancy, 6)
            if best_score is None or score > best_score:  # pool is sorted: ties keep the first
                best, best_score = c, score
        if best is None:
            return False
        picked.append(best)
        used_authors.add(authors[best[0]])
        return True

    for g, n in sorted(quota.items(), key=lambda gn: (-sizes[gn[0]], str(gn[0]))):
        for _ in range(n):
            if not pick_from(by_group[g]):
                break
    while len(picked) < k and pick_from(cands):  # slots a group could not fill
        pass

    quotes = []
    for i, s, e, cent in picked:
        q = Quote(ids[i], s, e, texts[i][s:e], stances[i], authors[i], cent)
        assert q.text == texts[i][q.start : q.end], "quote must be a verbatim span"
        quotes.append(q)
    return quotes
