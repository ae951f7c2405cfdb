"""English text for an outlet: romanised names and one spelling convention.

Romanisation. Names written in Cyrillic (page titles, user names, theme words) are romanised with
the BGN/PCGN system for Russian, in its simplified form (no diacritics, no apostrophes for the
hard and soft signs): е is "ye" at the start of a word and after a vowel, ъ or ь, else "e"; ё is
"yo" in the same places, else "e" after a consonant only where BGN/PCGN writes ë (simplified: "e");
й is "y", ы "y", э "e", х "kh", ц "ts", щ "shch", ю "yu", я "ya". Letters of the other Cyrillic
alphabets the cases meet (Kazakh, Chechen) take their nearest Latin letter (қ k, ғ g, ң n, ә a,
ө o, ұ/ү u, һ h, і i), and the Chechen palochka Ӏ is dropped. `ROMANISATION` names the system; the
report's notes state it.

Spelling. `spell(text, "US" | "UK")` rewrites the words the report templates and case-file texts
use whose spelling differs (analysed/analyzed, defence/defense, recognised/recognized, …), matching
whole words and keeping a capital. Quotes, quoted titles and machine translations are never respelled.
"""

from __future__ import annotations

import re

ROMANISATION = "BGN/PCGN (simplified)"

_VOWELS = set("аеёиоуыэюяaeiou")
_BASE = dict(zip("абвгдежзийклмнопрстуфхцчшщъыьэюя",
                 ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
                  "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
_BASE.update({"ё": "e", "қ": "k", "ғ": "g", "ң": "n", "ә": "a", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
              "і": "i", "ӏ": "", "є": "ye", "ї": "yi", "ў": "w"})
_CYRILLIC = re.compile(r"[а-яёқғңәөұүһіӏєїў]", re.I)


def has_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text or ""))


def romanise(text: str) -> str:
    """`text` with every Cyrillic letter romanised by BGN/PCGN (simplified); other characters kept."""
    out = []
    prev = ""
    for i, ch in enumerate(text):
        low = ch.lower()
        if low not in _BASE:
            out.append(ch)
            prev = low
            continue
        if low in "её":
            initial = not prev or not prev.isalpha() or prev in _VOWELS or prev in "ъь"
            t = ("ye" if low == "е" else "yo") if initial else "e"
        else:
            t = _BASE[low]
        if ch.isupper() and t:
            nxt = text[i + 1:i + 2]
            # a capital inside an all-caps word stays all caps ("ШАЛИ" -> "SHALI")
            t = t.upper() if nxt.isalpha() and nxt.isupper() else t.capitalize()
        out.append(t)
        prev = low
    return "".join(out)


# US -> UK spellings of the words generated English uses (whole words, lower case)
_US_UK = {
    "analyzed": "analysed", "analyze": "analyse", "defense": "defence", "recognized": "recognised",
    "organization": "organisation", "organizations": "organisations", "favoring": "favouring",
    "favor": "favour", "romanization": "romanisation", "romanized": "romanised", "behavior": "behaviour",
    "center": "centre", "criticized": "criticised", "apologized": "apologised", "emphasized": "emphasised",
    "authorized": "authorised", "characterized": "characterised", "summarized": "summarised",
    "labeled": "labelled", "labeling": "labelling", "canceled": "cancelled", "traveled": "travelled",
    "neighboring": "neighbouring", "honor": "honour", "rumors": "rumours", "jeopardize": "jeopardise",
}
_UK_US = {uk: us for us, uk in _US_UK.items()}


_QUOTED = re.compile(r"(“[^”]*”|«[^»]*»)")


def spell(text: str, convention: str = "US") -> str:
    """`text` in one English spelling convention ("US" or "UK") for the words in the table above;
    words inside quotation marks (commenters' titles, a post's words) are left as written."""
    parts = _QUOTED.split(text)
    return "".join(p if i % 2 else _spell(p, convention) for i, p in enumerate(parts))


def _spell(text: str, convention: str) -> str:
    table = _UK_US if convention == "US" else _US_UK
    pattern = re.compile(r"\b(" + "|".join(sorted(table, key=len, reverse=True)) + r")\b", re.I)

    def swap(m: re.Match) -> str:
        word = m.group(0)
        new = table[word.lower()]
        return new[:1].upper() + new[1:] if word[:1].isupper() else new

    return pattern.sub(swap, text)
