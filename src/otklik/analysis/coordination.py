"""Duplicates and coordination: exact and near-duplicate groups, and coordinated bursts.

Texts are compared normalised (lowercase, punctuation and emoji dropped). Near-duplicates are
texts that differ by a small edit — a word swapped, added or removed, sentences reordered: MinHash
LSH over character 3-grams proposes candidates generously; a pair is kept when its character edit
distance (rapidfuzz Indel: characters inserted and deleted), in word order or with the words
sorted, is within 15% of the characters, or when the texts differ in one word (under six words)
or in two words or one in seven (longer texts; word-level Levenshtein). Copies in a burst each
differ from a template by a word, so from each other by two. The candidates' distances are
computed in one batch per text, so only close pairs reach the Python check.

A coordinated burst is a run of copies within a near-duplicate group, each posted within a window
of the previous one, by at least `min_accounts` distinct accounts — a run, so a burst that lasts a
little longer than the window is still one. The window is configured, or estimated from the data
in the spirit of CooRnet: twice the median delay between the first copy of a text and its later
copies, clamped to [1 min, 1 h]. A copy posted a day apart, or an organic comment that shares a
phrase but not the text, is not in the burst. Comments are flagged, never removed.
"""

from __future__ import annotations

import re
import statistics
import zlib
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from datasketch import MinHash, MinHashLSH
from rapidfuzz.distance import Indel, Levenshtein
from rapidfuzz.process import cdist

VERSION = "5"
_NON_WORD = re.compile(r"[\W_]+", re.U)


@dataclass(frozen=True)
class CoordParams:
    threshold: float = 0.5  # Jaccard of 3-gram sets for a *candidate* pair (MinHash estimate); verified below
    min_ratio: float = 85.0  # rapidfuzz Indel ratio (0-100) of the normalised texts...
    word_chars: int = 16  # ...or a word or two changed, each by at most this many characters inserted and deleted
    min_chars: int = 15  # shorter texts ("+", "да", "🙏") are not evidence of copying
    min_accounts: int = 3
    window_s: float | None = None  # None: estimated from the data
    num_perm: int = 128


@dataclass
class Group:
    comment_ids: list[int]
    accounts: list[str]
    start: str | None
    end: str | None
    exact: bool
    coordinated: bool = False
    burst_ids: list[int] = field(default_factory=list)


def normalise(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower()).strip()


def near(a: str, b: str, params: CoordParams = CoordParams(), sa: str | None = None, sb: str | None = None) -> bool:
    """Are two normalised texts near-copies: the same text up to a small edit? Either at most
    (100 - min_ratio)% of the characters are inserted or deleted, or the texts differ in one word
    (under six words) or in two words or one in seven (longer texts), each word changing at most
    `word_chars` characters. Copies in a burst each differ from a template by a word, so from
    each other by two. Reordered words or sentences are compared on the sorted words (`sa`, `sb`:
    precomputed by `sorted_words`)."""
    la, lb = len(a), len(b)
    by_ratio = int((1 - params.min_ratio / 100) * (la + lb))
    allowed = max(by_ratio, min(2 * params.word_chars, (la + lb) // 2))
    if abs(la - lb) > allowed:
        return False
    d = Indel.distance(a, b, score_cutoff=allowed)
    if d <= by_ratio:
        return True
    sa, sb = sa if sa is not None else sorted_words(a), sb if sb is not None else sorted_words(b)
    ds = Indel.distance(sa, sb, score_cutoff=allowed)
    if ds <= by_ratio:
        return True
    if min(d, ds) > allowed:
        return False
    # only pairs a word or two apart get here; words compared in order, or as bags when that is closer
    wa, wb = (a.split(), b.split()) if d <= ds else (sa.split(), sb.split())
    d = min(d, ds)
    n = max(len(wa), len(wb))
    words = 1 if n < 6 else max(2, n // 7)
    return d <= words * params.word_chars and Levenshtein.distance(wa, wb, score_cutoff=words) <= words


def sorted_words(s: str) -> str:
    return " ".join(sorted(s.split()))


def _crc(b: bytes) -> int:
    return zlib.crc32(b)


def _ts(t: str | None) -> float | None:
    return datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() if t else None


def _bursts(g: list[int], times: list, authors: list, gap: float, min_accounts: int) -> list[int]:
    """The comments (time-sorted) of the runs of copies each posted within `gap` seconds of the
    previous one that hold at least `min_accounts` accounts. A run, not a fixed window: a burst
    that lasts a little longer than the estimated window is still one burst."""
    out, run = [], []
    last = None
    for j in g:
        t = _ts(times[j])
        if last is not None and t - last > gap:
            if len({authors[k] for k in run}) >= min_accounts:
                out += run
            run = []
        run.append(j)
        last = t
    if len({authors[k] for k in run}) >= min_accounts:
        out += run
    return out


def find_groups(ids: list[int], texts: list[str], authors: list[str], times: list[str | None],
                params: CoordParams = CoordParams()) -> tuple[list[Group], float]:
    """Near-duplicate groups (2+ comments) and the window used for bursts."""
    norm = [normalise(t) for t in texts]
    keep = [i for i, n in enumerate(norm) if len(n) >= params.min_chars]
    parent = {i: i for i in keep}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    lsh = MinHashLSH(threshold=params.threshold, num_perm=params.num_perm)
    first_m = MinHash(num_perm=params.num_perm, seed=1)
    perms, scheme = first_m.permutations, first_m.scheme  # made once, not per text
    by_text: dict[str, int] = {}
    srt: dict[int, str] = {}  # sorted words of each distinct text
    for i in keep:  # exact copies join directly; one MinHash per distinct text
        first = by_text.setdefault(norm[i], i)
        if first != i:
            parent[find(i)] = find(first)
            continue
        m = MinHash(num_perm=params.num_perm, hashfunc=_crc, permutations=perms, scheme=scheme)
        s = norm[i]
        srt[i] = sorted_words(s)
        m.update_batch([s[k:k + 3].encode() for k in range(max(1, len(s) - 2))])
        cands = [j for j in lsh.query(m) if find(j) != i]  # a pair already in one group needs no check
        if cands:
            # one batched edit distance per candidate first (in order and sorted); near() decides the few close ones
            cap = max(int((1 - params.min_ratio / 100) * 4 * len(s)), 2 * params.word_chars)
            d_raw = cdist([s], [norm[j] for j in cands], scorer=Indel.distance, score_cutoff=cap, workers=1)[0]
            d_srt = cdist([srt[i]], [srt[j] for j in cands], scorer=Indel.distance, score_cutoff=cap, workers=1)[0]
            tot = len(s) + np.fromiter((len(norm[j]) for j in cands), dtype=np.int64, count=len(cands))
            allowed = np.maximum(((1 - params.min_ratio / 100) * tot).astype(np.int64),
                                 np.minimum(2 * params.word_chars, tot // 2))  # as near() allows
            close = np.minimum(d_raw, d_srt) <= allowed
            for j in (cands[k] for k in np.flatnonzero(close)):
                if near(s, norm[j], params, srt[i], srt[j]):
                    parent[find(j)] = i  # i is still its own root: it is new and only ever gains members
        lsh.insert(i, m)
    members: dict[int, list[int]] = {}
    for i in keep:
        members.setdefault(find(i), []).append(i)
    groups_idx = [sorted(m, key=lambda i: (times[i] or "", ids[i])) for m in members.values() if len(m) > 1]

    deltas = []
    for g in groups_idx:
        t0 = _ts(times[g[0]])
        deltas += [_ts(times[i]) - t0 for i in g[1:] if t0 is not None and times[i]]
    # Twice the median delay covers a burst whose copies arrive evenly over the window.
    window = params.window_s or min(3600.0, max(60.0, 2 * statistics.median(deltas) if deltas else 600.0))

    groups = []
    for g in groups_idx:
        grp = Group([ids[i] for i in g], sorted({authors[i] for i in g}), times[g[0]], times[g[-1]],
                    exact=len({norm[i] for i in g}) == 1)
        burst = _bursts([j for j in g if times[j]], times, authors, window, params.min_accounts)
        if burst:
            grp.coordinated = True
            grp.burst_ids = [ids[j] for j in burst]
        groups.append(grp)
    groups.sort(key=lambda gr: (-len(gr.comment_ids), gr.comment_ids[0]))
    return groups, window
