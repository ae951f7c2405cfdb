"""Duplicates and coordination: exact and near-duplicate groups, and coordinated bursts.

Texts are compared normalised (lowercase, punctuation and emoji dropped). Near-duplicates are
texts that differ by a small edit — a word swapped, added or removed, a reordered pair: MinHash
LSH over character 3-grams proposes candidates generously, and a pair is kept when its character
edit distance (rapidfuzz Indel: characters inserted and deleted) is within 15% of the characters, or
within one word's worth of characters in at most one word in seven (word-level Levenshtein). A
coordinated burst is a run of copies within a near-duplicate group, each posted within a window of
the previous one, by at least `min_accounts` distinct accounts. The window is configured, or estimated from the data in the spirit of
CooRnet: twice the median delay between the first copy of a text and its later copies, clamped to
[1 min, 1 h] (copies arriving evenly spread over a burst have a median delay of half of it). Comments are flagged, never removed.
"""

from __future__ import annotations

import re
import statistics
import zlib
from dataclasses import dataclass, field
from datetime import datetime

from datasketch import MinHash, MinHashLSH
from rapidfuzz.distance import Indel, Levenshtein

VERSION = "5"
_NON_WORD = re.compile(r"[\W_]+", re.U)


@dataclass(frozen=True)
class CoordParams:
    threshold: float = 0.5  # Jaccard of 3-gram sets for a *candidate* pair (MinHash estimate); verified below
    min_ratio: float = 85.0  # rapidfuzz Indel ratio (0-100) of the normalised texts...
    word_chars: int = 14  # ...or at most this many characters inserted and deleted: one word swapped
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


def near(a: str, b: str, params: CoordParams = CoordParams()) -> bool:
    """Are two normalised texts near-copies: the same text up to a small edit? Either at most
    (100 - min_ratio)% of the characters are inserted or deleted, or — so that a short text may
    still differ by a word — at most `word_chars` characters in at most one word in seven."""
    la, lb = len(a), len(b)
    by_ratio = int((1 - params.min_ratio / 100) * (la + lb))
    allowed = max(by_ratio, min(params.word_chars, (la + lb) // 4))
    if abs(la - lb) > allowed:
        return False
    d = Indel.distance(a, b, score_cutoff=allowed)
    if d <= by_ratio:
        return True
    if d > allowed:
        return False
    wa, wb = a.split(), b.split()  # rare: only pairs a word's worth apart get here
    words = max(1, max(len(wa), len(wb)) // 7)
    return Levenshtein.distance(wa, wb, score_cutoff=words) <= words


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
    for i in keep:  # exact copies join directly; one MinHash per distinct text
        first = by_text.setdefault(norm[i], i)
        if first != i:
            parent[find(i)] = find(first)
            continue
        m = MinHash(num_perm=params.num_perm, hashfunc=_crc, permutations=perms, scheme=scheme)
        s = norm[i]
        m.update_batch([s[k:k + 3].encode() for k in range(max(1, len(s) - 2))])
        for j in lsh.query(m):  # candidates; a pair already in one group needs no check
            rj = find(j)
            if rj != i and near(s, norm[j], params):
                parent[rj] = i  # i is still its own root: it is new and only ever gains members
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
