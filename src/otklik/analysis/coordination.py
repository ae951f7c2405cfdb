"""Duplicates and coordination: exact and near-duplicate groups, and coordinated bursts.

Near-duplicates are found with MinHash LSH over character 4-grams of the normalised text. A
coordinated burst is a near-duplicate group in which at least `min_accounts` distinct accounts
posted within a window. The window is configured, or estimated from the data in the spirit of
CooRnet: twice the median delay between the first copy of a text and its later copies, clamped to
[1 min, 1 h] (copies arriving evenly spread over a burst have a median delay of half of it). Comments are flagged, never removed.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime

from datasketch import MinHash, MinHashLSH

VERSION = "4"
_NON_WORD = re.compile(r"[\W_]+", re.U)


@dataclass(frozen=True)
class CoordParams:
    threshold: float = 0.7  # Jaccard similarity of 4-gram sets for "near-identical" (MinHash estimate)
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


def _ts(t: str | None) -> float | None:
    return datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() if t else None


def _densest_window(g: list[int], times: list, authors: list, window: float) -> list[int]:
    """The comments (time-sorted) of the window with the most distinct accounts; a sliding window,
    linear in the group's size (large copy-paste groups have thousands of comments)."""
    ts = [_ts(times[j]) for j in g]
    count: dict[str, int] = {}
    best_lo, best_hi, best_n, lo = 0, 0, 0, 0
    for hi, j in enumerate(g):
        count[authors[j]] = count.get(authors[j], 0) + 1
        while ts[hi] - ts[lo] > window:
            a = authors[g[lo]]
            count[a] -= 1
            if not count[a]:
                del count[a]
            lo += 1
        if len(count) > best_n:
            best_lo, best_hi, best_n = lo, hi + 1, len(count)
    return g[best_lo:best_hi]


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
    by_text: dict[str, int] = {}
    for i in keep:  # exact copies join directly; one MinHash per distinct text
        first = by_text.setdefault(norm[i], i)
        if first != i:
            parent[find(i)] = find(first)
            continue
        m = MinHash(num_perm=params.num_perm, seed=1)
        s = norm[i]
        m.update_batch([s[k:k + 4].encode() for k in range(max(1, len(s) - 3))])
        for j in lsh.query(m):
            parent[find(i)] = find(j)
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
        best = _densest_window([j for j in g if times[j]], times, authors, window)
        if len({authors[j] for j in best}) >= params.min_accounts:
            grp.coordinated = True
            grp.burst_ids = [ids[j] for j in best]
        groups.append(grp)
    groups.sort(key=lambda gr: (-len(gr.comment_ids), gr.comment_ids[0]))
    return groups, window
