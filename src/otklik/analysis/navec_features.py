"""Target-aware word-vector features for stance: navec (Russian news word vectors) around the mention.

Why: the USE embeddings of the text and of the ±6-word window blur the target (the window still
contains the mention, and a one-clause text has window == text for every actor in it). Means of
word vectors of what surrounds the MASKED mention — the words to its left, the words to its
right, and its own sentence — differ for two targets in one sentence and carry the direction
words («обвинил», «спас», «осудил») as lexical meaning rather than as exact stems, so they
generalise to unseen inflections and synonyms where the hashed stems cannot.

The vectors: navec news v1 (250K words × 300 dims, product-quantised to 100 bytes a word),
shipped inside the `natasha` wheel the project already depends on; read here directly from the
tar (no network), kept quantised (~25 MB codes + the vocabulary) and loaded once per process.
Words not in the vocabulary (most English, Kazakh and Chechen words) are skipped; a text with no
known word gets zero vectors, so non-Russian inputs are left to the other features.
"""

from __future__ import annotations

import gzip
import tarfile
import threading
from pathlib import Path

import numpy as np

NAVEC_DIM = 300
# Blocks, in column order: mean of the words before the mention (within WINDOW), after it, and
# of the mention's own sentence(s). A claim target, or a text that does not name its target,
# uses the whole text for every block.
NAVEC_BLOCKS = ("left", "right", "sent")
N_NAVEC = NAVEC_DIM * len(NAVEC_BLOCKS)


_LOCK = threading.Lock()
_NAVEC: _Vectors | None = None


NAVEC_FILE = "navec_news_v1_1B_250K_300d_100q.tar"


def navec_path() -> Path:
    """The navec table inside the installed natasha package (located without importing natasha,
    whose import pulls in its taggers)."""
    import importlib.util

    spec = importlib.util.find_spec("natasha")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the natasha package (which ships the navec vectors) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "emb" / NAVEC_FILE
    if not path.exists():
        raise FileNotFoundError(f"navec vectors not found at {path}")
    return path


class _Vectors:
    """The quantised navec table: word -> id, per-word codebook indexes, and the codebooks."""

    def __init__(self, path: Path):
        with tarfile.open(path) as tar:
            with gzip.GzipFile(fileobj=tar.extractfile("vocab.bin")) as f:
                size = int(np.frombuffer(f.read(4), np.uint32)[0])
                f.read(4 * size)  # word counts: not needed
                words = f.read().decode("utf8").splitlines()
            pq = tar.extractfile("pq.bin")
            vectors, dim, qdim, centroids = (int(x) for x in np.frombuffer(pq.read(16), np.uint32))
            self.indexes = np.frombuffer(pq.read(vectors * qdim), np.uint8).reshape(vectors, qdim)
            self.codes = np.frombuffer(pq.read(), np.float32).reshape(qdim, centroids, -1)
        if dim != NAVEC_DIM or len(words) != vectors:
            raise ValueError(f"unexpected navec table in {path}: {vectors}×{dim}, {len(words)} words")
        self.ids = {w: i for i, w in enumerate(words) if w not in ("<unk>", "<pad>")}
        self._q = np.arange(qdim)

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """(n,) word ids -> (n, 300) float32 vectors."""
        return self.codes[self._q, self.indexes[ids]].reshape(len(ids), NAVEC_DIM)


def vectors() -> _Vectors:
    """The navec table, loaded lazily once per process (thread-safe)."""
    global _NAVEC
    if _NAVEC is None:
        with _LOCK:
            if _NAVEC is None:
                _NAVEC = _Vectors(navec_path())
    return _NAVEC


def word_ids(words: list[str]) -> list[int]:
    ids = vectors().ids
    out = []
    for w in words:
        i = ids.get(w)
        if i is None and "ё" in w:
            i = ids.get(w.replace("ё", "е"))
        if i is not None:
            out.append(i)
    return out


def navec_matrix(groups: list[list[list[str]]]) -> np.ndarray:
    """groups[i][k] = the words of block k of row i -> (n, N_NAVEC) L2-normalised block means.

    One table lookup for the whole batch; an empty block is a zero vector."""
    n = len(groups)
    out = np.zeros((n, len(NAVEC_BLOCKS), NAVEC_DIM), np.float32)
    seg_rows, seg_blocks, starts, all_ids = [], [], [], []
    for i, blocks in enumerate(groups):
        for k, words in enumerate(blocks):
            ids = word_ids(words)
            if ids:
                seg_rows.append(i); seg_blocks.append(k); starts.append(len(all_ids))
                all_ids += ids
    if all_ids:
        V = vectors().lookup(np.asarray(all_ids, np.int64))
        S = np.add.reduceat(V, np.asarray(starts), axis=0)
        S /= np.maximum(np.linalg.norm(S, axis=1, keepdims=True), 1e-6)
        out[np.asarray(seg_rows), np.asarray(seg_blocks)] = S
    return out.reshape(n, N_NAVEC)
