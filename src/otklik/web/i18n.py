"""The interface's languages: English (the source strings) and Russian, from a message catalog.

`lang_of(request)` picks the language: the `otklik_lang` cookie set by the switch in the page
header, else the browser's Accept-Language, else English. Templates call `_("English text")`;
a string without a Russian entry stays English (so a partial catalog never breaks a page).
Stance and platform names are localised through the same catalog.
"""

from __future__ import annotations

from .messages_ru import RU

LANGS = ("en", "ru")
COOKIE = "otklik_lang"
# English names for the store's own keys (a key is never shown raw)
EN = {"not_about_case": "not about the case", "instagram": "Instagram", "telegram": "Telegram", "youtube": "YouTube",
      "vk": "VK"}
CATALOGS = {"en": EN, "ru": RU}


def lang_of(request) -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGS:
        return chosen
    return from_accept_language(request.headers.get("accept-language", ""))


def from_accept_language(header: str) -> str:
    """The supported language the browser prefers most (by q weight, then order), else English."""
    best, best_q = "en", 0.0
    for part in header.split(","):
        code, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if code.strip().lower()[:2] in LANGS and q > best_q:
            best, best_q = code.strip().lower()[:2], q
    return best


def translator(lang: str):
    table = CATALOGS.get(lang, {})
    return lambda s: table.get(s, s)


def event_text(e: dict, lang: str) -> dict:
    """A case-file event with "text" in the interface language (the other language when missing)."""
    first, second = ("text_ru", "text_en") if lang == "ru" else ("text_en", "text_ru")
    return {**e, "text": e.get(first) or e.get(second) or ""}
