"""Engine "none": quotes stay in their original language, and the report says so."""

from __future__ import annotations

from otklik.translate import Translator


class NoTranslation(Translator):
    """Returns the originals. Used when an outlet translates by hand or publishes quotes untranslated."""

    name = "none"

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        if isinstance(texts, str):
            raise TypeError("translate() takes a list of texts, not one string")
        return list(texts)

    def label(self, lang: str) -> str:
        return "без перевода" if lang == "ru" else "no translation"

    def note(self, lang: str) -> str:
        if lang == "ru":
            return "Цитаты приводятся на языке оригинала, без перевода."
        return "Quotes are given in the original language, not translated."
