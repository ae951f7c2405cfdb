"""Subject mentions and named entities (countries, organisations) in comments.

The subject is matched on every inflected form of each part of its name and aliases (pymorphy3
lexemes: «Мударова», «Мударову», «Ильясу»), case-insensitively, with Latin spellings kept as
aliases (rapidfuzz does not transliterate), and typos within a small edit distance. Entities
come from a gazetteer in Russian, English and Kazakh matched on word stems, so «в Германию»,
"Germany" and «Германияға» are one canonical entity. A mention that *proposes* (a direction, "в
Германию", "to Germany", «Германияға», or a sending verb in the same sentence) is told apart from
a mention in passing; a direction that is negated («нельзя в Россию», «Ресейге емес») or a
threat (extradition, return) is not a proposal. natasha's NER is not used for matching: it fails on lowercase and
non-Russian text, which is most of what commenters write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

VERSION = "3"
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.U)
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")

# canonical name -> (kind, stems matched at the start of a lowercase word)
GAZETTEER: dict[str, tuple[str, tuple[str, ...]]] = {
    "Germany": ("country", ("германи", "germany", "deutschland", "германияға", "германиян")),
    "Turkey": ("country", ("турци", "турец", "turkey", "türkiye", "turkiye", "түркия", "түркияға")),
    "European Union": ("region", ("европ", "евросоюз", "europe", "евро-", "еуроп", "eu")),
    "Kazakhstan": ("country", ("казахстан", "kazakhstan", "қазақстан", "казахстаn")),
    "Russia": ("country", ("росси", "russia", "ресей", "рф")),
    "Kyrgyzstan": ("country", ("киргиз", "кыргыз", "kyrgyz", "қырғыз")),
    "United States": ("country", ("сша", "америк", "usa", "america", "америка")),
    "France": ("country", ("франци", "france", "франция")),
    "Norway": ("country", ("норвеги", "norway")),
    "Sweden": ("country", ("швеци", "sweden")),
    "Netherlands": ("country", ("нидерланд", "голланд", "netherlands", "holland")),
    "United Kingdom": ("country", ("британи", "англи", "britain", "england", "uk")),
    "Canada": ("country", ("канад", "canada")),
    "Georgia": ("country", ("грузи", "georgia")),
    "Ukraine": ("country", ("украин", "ukrain", "украина")),
    "Chechnya": ("region", ("чечн", "chechnya", "шешен")),
    "United Nations": ("organisation", ("оон", "un", "бұұ", "united nations")),
    "European Court of Human Rights": ("organisation", ("еспч", "echr", "европейский суд")),
    "UNHCR": ("organisation", ("увкб", "unhcr")),
    "Adat": ("organisation", ("адат", "adat", "1adat")),
}
_PROPOSE_VERBS = ("отправ", "отпуст", "вывез", "уехать", "уедет", "пусть едет", "переправ", "примите", "принять",
                  "дайте", "дать убежищ", "предоставьте", "send", "let him go", "deport him to", "move him",
                  "take him", "accept him", "жіберің", "жібер", "депортир")
_SURNAME_ENDINGS = ("а", "у", "ым", "ом", "е", "ой", "ы", "ых", "ыми")
_THREAT = re.compile(r"выда|выдач|депорт|экстрад|возвра|вернут|верните|отдава|отдадут|бермең|берсе|қайтар|"
                     r"deport|extradit|send(?:ing)? (?:him )?back|sent back|return(?:ed)? (?:him )?to", re.I)
_NEGATED = re.compile(r"(?<!\w)(?:не|нельзя|только не|not|never)\s+(?:в|во|to)?\s*$", re.I)
_DIRECTION_RU = re.compile(r"\b(?:в|во)\s+$", re.I)
_DIRECTION_EN = re.compile(r"\b(?:to|into)\s+$", re.I)
_KK_DATIVE = re.compile(r"(?:ға|ге|қа|ке)$")


@dataclass(frozen=True, slots=True)
class Mention:
    name: str  # canonical entity, or "subject"
    kind: str  # subject | country | region | organisation
    start: int
    end: int
    proposed: bool = False


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


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
def gazetteer_entry(w: str) -> tuple[str, str] | None:
    """(canonical name, kind) of the first gazetteer entity with a stem matching the lowercase
    word (a stem of three letters or fewer must be the whole word), else None."""
    for name, (kind, stems) in GAZETTEER.items():
        if any(w == s if len(s) <= 3 else w.startswith(s) for s in stems):
            return name, kind
    return None


def entity_mentions(text: str) -> list[Mention]:
    """Gazetteer entities in the text, each marked proposed or in passing."""
    out = []
    sentences = None
    for m in _WORD.finditer(text):
        hit = gazetteer_entry(m.group(0).lower())
        if hit is not None:
            if sentences is None:
                sentences = [(s.start(), s.end()) for s in re.finditer(r"[^.!?…\n]+", text)]
            out.append(Mention(hit[0], hit[1], m.start(), m.end(), _proposes(text, m, sentences, hit[1])))
    return out


def _proposes(text: str, m: re.Match, sentences, kind: str) -> bool:
    if kind not in ("country", "region"):
        return False
    before = text[max(0, m.start() - 12):m.start()]
    sent = next((text[a:b] for a, b in sentences if a <= m.start() < b), text).lower()
    if _THREAT.search(sent):  # «не выдавайте в Россию», "if he is sent back to Chechnya": a threat, not a proposal
        return False
    has_verb = any(v in sent for v in _PROPOSE_VERBS)
    word = m.group(0).lower()
    after = text[m.end():m.end() + 8].lower()
    if _NEGATED.search(before) or after.strip().startswith("емес"):  # «нельзя в Россию», «Ресейге емес»
        return False
    if _DIRECTION_RU.search(before) and word.endswith(("ию", "ю", "у", "пу", "ы")):  # в Германию / в Европу
        return True
    if _DIRECTION_EN.search(before) and has_verb:
        return True
    return bool(_KK_DATIVE.search(word))  # Германияға: "to Germany"
