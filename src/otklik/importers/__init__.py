"""Importers, one module per export format. Every module in this package registers itself."""

from __future__ import annotations

import importlib
import pkgutil

from .base import REGISTRY, BadInput, Importer, Options, detect, register  # noqa: F401


def _load_all() -> None:
    for mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        if mod != "base":
            importlib.import_module(f"{__name__}.{mod}")


_load_all()
load_all = _load_all
