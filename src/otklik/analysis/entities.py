"""Subject mentions and named entities (countries, regions, organisations) in comments.

The subject is matched on every inflected form of each part of its name and aliases (pymorphy3
lexemes: «Мударова», «Мударову», «Ильясу»), case-insensitively, with Latin spellings kept as
aliases (rapidfuzz does not transliterate), and typos within a small edit distance. Entities
come from a gazetteer (`data/places.toml`: canonical name -> word stems per language, ru, kk, ce,
inh, en, tr) matched on word stems, so «в Германию», "Germany", «Германияға», «Германе» and
"Almanya'ya" are one canonical entity; «ЕС», «Европа», "EU" and «любая европейская страна» are
`Europe`, kept as written. Whether a place is *proposed* as a destination, and the reason given,
is `proposals.py`'s job. natasha's NER is not used for matching: it fails on lowercase and
non-Russian text, which is most of what commenters write.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein

VERSION = "4"
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.U)
_APOSTROPHE = re.compile(r"['’]")
PLACES = Path(__file__).parent / "data" / "places.toml"


def load_gazetteer(path: Path = PLACES) -> dict[str, dict]:
    """canonical name -> {"kind", "words" (exact), "stems" (prefixes), "short" (whole-word Latin
    acronyms, capitals only), "phrases" (tuples of word stems), "allative" (Chechen/Ingush stems
    in the "to" form, ending in -е), "exclude"}, from the TOML file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"{path}: cannot read the gazetteer: {e}") from e
    out = {}
    for name, entry in data.items():
        if entry.get("kind") not in ("country", "region", "organisation"):
            raise ValueError(f"{path}: [{name}] needs kind = country, region or organisation")
        g = {"kind": entry["kind"], "words": set(), "stems": set(), "short": set(), "phrases": set(),
             "allative": {x.lower() for lang in ("ce", "inh") for x in entry.get(lang, []) if x.endswith("е")},
             "exclude": tuple(x.lower() for x in entry.get("exclude", []))}
        for lang, stems in entry.items():
            if lang in ("kind", "exclude"):
                continue
            if not isinstance(stems, list):
                raise ValueError(f"{path}: [{name}] {lang} must be a list of stems")
            for st in (x.lower() for x in stems):
                if " " in st:
                    g["phrases"].add(tuple(st.split()))
                elif st.startswith("="):
                    g["words"].add(st[1:])
                elif len(st) <= 3:
                    (g["short"] if re.fullmatch(r"[a-z0-9]+", st) else g["words"]).add(st)
                else:
                    g["stems"].add(st)
        out[name] = g
    return out


_GAZ = load_gazetteer()
# name -> (kind, stems): the shape the discovery stage reads (every stem and word, lowercase)
GAZETTEER: dict[str, tuple[str, tuple[str, ...]]] = {
    n: (g["kind"], tuple(sorted(g["stems"] | g["words"] | g["short"]))) for n, g in _GAZ.items()}
_STEM_INDEX: dict[str, list[tuple[str, str]]] = {}  # first two letters -> [(stem, name)]
for _n, _g in _GAZ.items():
    for _st in _g["stems"]:
        _STEM_INDEX.setdefault(_st[:2], []).append((_st, _n))
_WORDS = {w: n for n, g in _GAZ.items() for w in g["words"]}
# Chechen and Ingush stems that are themselves the "to" form («германе»): a direction by their ending
ALLATIVE_STEMS = tuple(sorted({st for g in _GAZ.values() for st in g["allative"]}))
_SHORT = {w: n for n, g in _GAZ.items() for w in g["short"]}
_PHRASES: dict[str, list[tuple[tuple[str, ...], str]]] = {}  # first two letters -> [(phrase stems, name)]
for _n, _g in _GAZ.items():
    for _ph in _g["phrases"]:
        _PHRASES.setdefault(_ph[0][:2], []).append((_ph, _n))
_SURNAME_ENDINGS = ("а", "у", "ым", "ом", "е", "ой", "ы", "ых", "ыми")


@dataclass(frozen=True, slots=True)
class Mention:
    name: str  # canonical entity, or "subject"
    kind: str  # subject | country | region | organisation
    start: int
    end: int
    proposed: bool = False
    reason: tuple[int, int] | None = None  # the comment's span that says why (verbatim), if any


from otklik.morph import morph as _morph  # noqa: E402 (the one shared analyzer)


def name_forms(names: list[str]) -> set[str]:
    """Every inflected form (lowercase) of every word of the names; Latin words as written."""
    forms = set()
    morph = _morph()
    for name in names:
        for word in _WORD.findall(name):
            w = word.lower()
            forms.add(w)
            if re.search(r"(?:ов|ев|ёв|ин|ын)$", w):  # Russian-style surnames, also when unknown to the dictionary
                forms.update(w + end for end in _SURNAME_ENDINGS)
            if re.search(r"[а-яё]", w):
                for p in morph.parse(word)[:3]:
                    if {"Name", "Surn", "Patr", "Geox"} & set(p.tag.grammemes) or p.tag.POS == "NOUN":
                        forms.update(f.word for f in p.lexeme)
    return forms


class SubjectMatcher:
    def __init__(self, subject: str, aliases: list[str], max_typos: int = 1):
        self.forms = name_forms([subject, *aliases])
        # typos only on long forms: a one-letter slip in "Ильяс" is still Ильяс, in "Ли" it is not
        self.long_forms = sorted(f for f in self.forms if len(f) >= 6)
        self.max_typos = max_typos

        self._seen: dict[str, bool] = {}  # word -> is a form of the name (words repeat a lot)

    def is_form(self, w: str) -> bool:
        hit = self._seen.get(w)
        if hit is None:
            hit = self._seen[w] = w in self.forms or (len(w) >= 6 and any(
                Levenshtein.distance(w, f, score_cutoff=self.max_typos) <= self.max_typos for f in self.long_forms))
        return hit

    def mentions(self, text: str) -> list[Mention]:
        return [Mention("subject", "subject", m.start(), m.end())
                for m in _WORD.finditer(text) if self.is_form(m.group(0).lower())]


@lru_cache(maxsize=1 << 18)
def gazetteer_entry(w: str, capitals: bool = False) -> tuple[str, str] | None:
    """(canonical name, kind) of the gazetteer entity the lowercase word `w` names, else None.
    `capitals`: the word was written in capitals (Latin acronyms count only then)."""
    base = _APOSTROPHE.split(w, maxsplit=1)[0] if "'" in w or "’" in w else w  # Almanya'ya -> almanya
    name = _WORDS.get(base) or (_SHORT.get(base) if capitals else None)
    if name is None:
        best = ""
        for st, n in _STEM_INDEX.get(base[:2], ()):
            if base.startswith(st) and len(st) > len(best):
                best, name = st, n
    if name is None or base.startswith(_GAZ[name]["exclude"] or ("\0",)):
        return None
    return name, _GAZ[name]["kind"]


def _capitals(w: str) -> bool:
    """Written in capitals (before a Turkish suffix: AB'ye)."""
    w = _APOSTROPHE.split(w, maxsplit=1)[0] if "'" in w or "’" in w else w
    return len(w) > 1 and w.isupper()


def entity_mentions(text: str) -> list[Mention]:
    """Gazetteer entities in the text, in order, each marked proposed (with its reason) or not."""
    from .proposals import mark_proposals

    words = list(_WORD.finditer(text))
    out, k = [], 0
    while k < len(words):
        w = words[k].group(0)
        lw = w.lower()
        for ph, name in _PHRASES.get(lw[:2], ()):  # phrases first: «Европейский суд» is the ECHR, not Europe
            if k + len(ph) <= len(words) and all(words[k + i].group(0).lower().startswith(p) for i, p in enumerate(ph)):
                out.append(Mention(name, _GAZ[name]["kind"], words[k].start(), words[k + len(ph) - 1].end()))
                k += len(ph)
                break
        else:
            hit = gazetteer_entry(lw)
            if hit is None and len(w) <= 7 and _capitals(w):  # "EU", "AB'ye"
                hit = gazetteer_entry(lw, True)
            if hit is not None:
                out.append(Mention(hit[0], hit[1], words[k].start(), words[k].end()))
            k += 1
    out.sort(key=lambda e: e.start)
    return mark_proposals(text, out)


def annotation(subject: list[Mention], entities: list[Mention]) -> dict:
    """The entities stage's JSON for one comment. `proposals`: the distinct entities proposed as
    a destination, so a reader need not search the entity list."""
    return {"subject": [[s.start, s.end] for s in subject],
            "entities": [{"name": e.name, "kind": e.kind, "start": e.start, "end": e.end, "proposed": e.proposed,
                          "reason": list(e.reason) if e.reason else None} for e in entities],
            "proposals": list(dict.fromkeys(e.name for e in entities if e.proposed))}
