"""Language of each comment: lingua restricted to the case's languages, Chechen by orthography,
"und" (undetermined) for short or ambiguous text, "mixed" when two languages are present.

lingua has no Chechen model, but written Chechen is unmistakable: the palochka (Ӏ, or the digit 1
typed in its place) after a consonant, a soft sign after a vowel (аь, оь, уь — impossible in
Russian), and the digraphs хь, кх, къ, гӀ. Very short Russian is often read as Ukrainian or
Bulgarian by lingua; Ukrainian text almost always contains і/ї/є/ґ, so "uk" without them is
taken as the Russian it usually is, and low confidence becomes "und".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lingua import Language, LanguageDetectorBuilder

VERSION = "3"  # 3: Turkish is a candidate in every case (the diaspora threads of the genre)
DEFAULT_LANGS = ("ru", "kk", "en", "uk")
UND, MIXED, CHECHEN = "und", "mixed", "ce"

_PALOCHKA_LETTER = re.compile(r"[Ӏӏ]")
# the palochka typed as the digit 1 (or a Latin I/l) after a consonant, inside a Cyrillic word
_PALOCHKA = re.compile(r"[бвгджзклмнпрстфхцчшщ][1Il](?=[а-яё])", re.I)
_WORDS = re.compile(r"[а-яёӏ]+", re.I)
# frequent Chechen words that are not Russian or Kazakh words
_CE_WORDS = {"иза", "цунна", "хьуна", "хьо", "хьан", "вай", "вайн", "шуна", "цигахь", "дерриге", "баркалла", "лойла",
             "дойла", "бойла", "вежарий", "нохчи", "нохчийн", "ларвойла"}
_VOWEL_SOFT = re.compile(r"[аоуэюя]ь", re.I)
_DIGRAPHS = re.compile(r"хь|кх|къ|гӀ|г1|хӀ|х1|кӀ|к1|тӀ|т1|пӀ|п1|цӀ|ц1|чӀ|ч1", re.I)
_LETTERS = re.compile(r"[^\W\d_]", re.U)
_UK_ONLY = re.compile(r"[іїєґІЇЄҐ]")
_NOT_LANGUAGE = re.compile(r"https?://\S+|www\.\S+|[@#][\w.]+")
_SENTENCES = re.compile(r"(?<=[.!?…])\s+|\n+")


@dataclass(frozen=True, slots=True)
class LangResult:
    lang: str  # ISO 639-1 code, "ce", "und" or "mixed"
    confidence: float
    parts: tuple[str, ...] = ()  # the languages of a mixed comment


@dataclass(frozen=True)
class LangParams:
    langs: tuple[str, ...] = DEFAULT_LANGS
    min_letters: int = 3  # fewer letters than this: undetermined
    min_confidence: float = 0.5  # lingua's top confidence below this: undetermined
    mixed_min_chars: int = 8  # a sentence must have this many letters to count towards "mixed"


def chechen_score(text: str) -> int:
    """Evidence of Chechen: the palochka letter or a soft sign after a vowel count 2; a digraph,
    a digit 1 standing for the palochka, or a frequent Chechen word count 1."""
    words = _WORDS.findall(text.lower())
    return (2 * len(_PALOCHKA_LETTER.findall(text)) + 2 * len(_VOWEL_SOFT.findall(text))
            + len(_PALOCHKA.findall(text)) + len(_DIGRAPHS.findall(text)) + sum(w in _CE_WORDS for w in words))


@lru_cache(maxsize=8)
def _detector(langs: tuple[str, ...]):
    wanted = [getattr(Language, _NAMES[code]) for code in langs if code in _NAMES]
    if len(wanted) < 2:  # lingua needs two candidates; English is a harmless second
        wanted.append(Language.ENGLISH if Language.ENGLISH not in wanted else Language.RUSSIAN)
    return LanguageDetectorBuilder.from_languages(*wanted).with_preloaded_language_models().build()


_NAMES = {"ru": "RUSSIAN", "kk": "KAZAKH", "en": "ENGLISH", "uk": "UKRAINIAN", "de": "GERMAN", "tr": "TURKISH",
          "ky": None, "uz": None, "be": "BELARUSIAN", "bg": "BULGARIAN", "fr": "FRENCH", "ar": "ARABIC"}
_NAMES = {k: v for k, v in _NAMES.items() if v}


def _lingua(texts: list[str], params: LangParams) -> list[tuple[str, float, str, float]]:
    """(top code, its confidence, second code, its confidence) per text."""
    det = _detector(tuple(c for c in params.langs if c != CHECHEN))
    out = []
    for values in det.compute_language_confidence_values_in_parallel(texts):
        top = values[0] if values else None
        sec = values[1] if len(values) > 1 else None
        out.append((top.language.iso_code_639_1.name.lower() if top else UND, top.value if top else 0.0,
                    sec.language.iso_code_639_1.name.lower() if sec else UND, sec.value if sec else 0.0))
    return out


def _one(text: str, guess: tuple[str, float, str, float], params: LangParams) -> tuple[str, float]:
    letters = len(_LETTERS.findall(text))
    if letters < params.min_letters:
        return UND, 0.0
    score = chechen_score(text)  # always looked for: lingua cannot see Chechen
    if score >= 2:
        return CHECHEN, min(1.0, 0.5 + 0.1 * score)
    code, conf, second, conf2 = guess
    if code in ("uk", "bg", "be") and not _UK_ONLY.search(text) and second == "ru":
        code, conf = "ru", conf + conf2
    if conf < params.min_confidence:
        return UND, conf
    return code, conf


def detect_languages(texts: list[str], params: LangParams = LangParams()) -> list[LangResult]:
    """Language of every text, in order. Batched: lingua runs over all texts at once."""
    # @mentions and links are not language: "@zakon_i_poryadok_77" is not English
    texts = [_NOT_LANGUAGE.sub(" ", t) for t in texts]
    whole = _lingua(texts, params)
    results = [LangResult(*_one(t, g, params)) for t, g in zip(texts, whole)]
    # Mixed: a comment whose confident sentences are in two different languages.
    multi = [(i, s) for i, t in enumerate(texts) for s in _SENTENCES.split(t)
             if len(_SENTENCES.split(t)) > 1 and len(_LETTERS.findall(s)) >= params.mixed_min_chars]
    if multi:
        guesses = _lingua([s for _, s in multi], params)
        langs_of: dict[int, set[str]] = {}
        for (i, s), g in zip(multi, guesses):
            code, conf = _one(s, g, params)
            if code != UND and conf >= 0.7:
                langs_of.setdefault(i, set()).add(code)
        for i, found in langs_of.items():
            if len(found) > 1:
                results[i] = LangResult(MIXED, results[i].confidence, tuple(sorted(found)))
    return results
