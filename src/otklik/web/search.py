"""What a user types into the comments search, as a safe FTS5 query that finds word forms.

Accepted: words (every form of a word is found: Russian forms from pymorphy3's dictionary and
guesser, and for words of five letters or more in any Cyrillic or Latin script a prefix of the
stem, so «Мударов» also finds «Мударова» and «Мударовым»), `word*` for an explicit prefix,
"a phrase" for the exact words in order, and OR between terms. Everything is quoted before it
reaches FTS5, so no input is an FTS5 syntax error; what cannot be searched is answered in words.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r'"([^"]*)"|(\w+)(\*?)|(\S)')
_CYR = re.compile(r"[а-яёәғқңөұүһі]", re.I)


class SearchError(ValueError):
    pass


@lru_cache(maxsize=1)
def _morph():
    try:
        import pymorphy3
    except ImportError:  # the prefix stem alone then
        return None
    return pymorphy3.MorphAnalyzer()


def _q(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


@lru_cache(maxsize=4096)
def word_forms(word: str) -> tuple[str, ...]:
    """Spellings to look for: the word, е/ё variants, its Russian forms, and a stem prefix ("…*")."""
    w = word.lower()
    forms = {w, w.replace("ё", "е")}
    m = _morph()
    if m is not None and _CYR.search(w):
        for p in m.parse(w)[:2]:
            if p.score >= 0.2:
                forms.update(f.word.replace("ё", "е") for f in p.lexeme[:40])
    out = sorted(_q(f) for f in forms)
    if len(w) >= 5:
        cut = 2 if _CYR.search(w) else 1
        out.append(_q(w[:max(4, len(w) - cut)]) + "*")
    return tuple(out)


def fts_match(query: str) -> str:
    """The FTS5 MATCH expression for what the user typed (see the module's note)."""
    terms: list[str] = []
    pending_or = False
    for phrase, word, star, other in _TOKEN.findall(query):
        if other:
            continue  # punctuation and operators FTS5 would misread
        if word == "OR" and not star:
            pending_or = bool(terms)
            continue
        if phrase:
            words = re.findall(r"\w+", phrase)
            if not words:
                continue
            term = _q(" ".join(words))
        elif star:
            if len(word) < 2:
                raise SearchError(f"a prefix search needs at least two letters before '*' ({word}*)")
            term = _q(word.lower()) + "*"
        else:
            forms = word_forms(word)
            term = forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")"
        if pending_or:
            terms[-1] = f"({terms[-1]} OR {term})"
            pending_or = False
        else:
            terms.append(term)
    if not terms:
        raise SearchError(f"nothing to search for in {query[:80]!r}: type one or more words")
    return " AND ".join(terms)
