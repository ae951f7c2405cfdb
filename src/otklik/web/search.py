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

from ..cases import fts_query

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
def word_forms(word: str) -> tuple[tuple[str, str], ...]:
    """Spellings to look for, as ("word", w) or ("prefix", p): the word, its е/ё variant, its
    Russian forms, and for words of five letters or more a stem prefix."""
    w = word.lower()
    forms = {w, w.replace("ё", "е")}
    m = _morph()
    if m is not None and _CYR.search(w):
        for p in m.parse(w)[:2]:
            if p.score >= 0.2:
                forms.update(f.word.replace("ё", "е") for f in p.lexeme[:40])
    out = [("word", f) for f in sorted(forms)]
    if len(w) >= 5:
        cut = 2 if _CYR.search(w) else 1
        out.append(("prefix", w[:max(4, len(w) - cut)]))
    return tuple(out)


def parse(query: str) -> list[list[tuple]]:
    """What was typed, as terms that must all match; each term a list of alternatives:
    ("word", w), ("prefix", p) or ("phrase", [w, ...])."""
    terms: list[list[tuple]] = []
    pending_or = False
    for phrase, word, star, other in _TOKEN.findall(query):
        if other:
            continue  # punctuation and operators a search engine would misread
        if word == "OR" and not star:
            pending_or = bool(terms)
            continue
        if phrase:
            words = [x.lower() for x in re.findall(r"\w+", phrase)]
            if not words:
                continue
            alts = [("phrase", words)]
        elif star:
            if len(word) < 2:
                raise SearchError(f"a prefix search needs at least two letters before '*' ({word}*)")
            alts = [("prefix", word.lower())]
        else:
            alts = list(word_forms(word))
        if pending_or:
            terms[-1] = terms[-1] + alts
            pending_or = False
        else:
            terms.append(alts)
    if not terms:
        raise SearchError(f"nothing to search for in {query[:80]!r}: type one or more words")
    return terms


def fts_match(query: str) -> str:
    """SQLite: the FTS5 MATCH expression for what the user typed (see the module's note)."""
    def one(kind, x):
        if kind == "word":  # FTS5 keeps е and ё apart: every е may be an ё (cases.fts_query)
            return fts_query(x)
        return _q(" ".join(x)) if kind == "phrase" else _q(x) + "*"
    return " AND ".join("(" + " OR ".join(one(*a) for a in alts) + ")" for alts in parse(query))


def pg_tsquery(query: str) -> str:
    """PostgreSQL: the to_tsquery('simple', ...) text for the same search (ё read as е)."""
    def lex(w):
        return "'" + w.replace("ё", "е").replace("'", "''") + "'"

    def one(kind, x):
        if kind == "phrase":
            return "(" + " <-> ".join(lex(w) for w in x) + ")"
        return lex(x) + (":*" if kind == "prefix" else "")
    return " & ".join("(" + " | ".join(one(*a) for a in alts) + ")" for alts in parse(query))
