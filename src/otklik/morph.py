"""The one Russian morphological analyzer (pymorphy3) of the process: built on first use and shared by
the report's grammar, the subject and entity matcher, themes and the labelling marker (each
MorphAnalyzer holds its dictionaries, 20–24 MB, in memory)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")
