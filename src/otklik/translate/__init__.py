"""Translation of quotes: one interface, several engines, chosen by the user.

A report quotes comments verbatim and gives a translation beside each. Which engine translated
them is part of the report ("Translated automatically with Argos Translate 1.11 (ru→en)"), so every
engine says so in `note(lang)`.

Engines (`get_translator(name, **config)`):

- ``none`` — the original is kept; the note says the quotes are not translated.
- ``argos`` — Argos Translate with its installed language packages (offline).
- ``ctranslate2`` — a CTranslate2 model directory, e.g. a converted OPUS-MT model (offline).
- ``libretranslate`` — a LibreTranslate server's HTTP API (url=, api_key=).
- ``deepl`` — the DeepL API (auth_key=; url= to override the free/pro endpoint).
- ``openai`` — an OpenAI-compatible chat-completions endpoint (url=, model=, api_key=), e.g. a local
  llama.cpp or Ollama server.

Privacy: nothing leaves the machine unless the user configured a remote engine. The HTTP engines
have no default server: they need an explicit URL (or, for DeepL, the user's own key); each
translator's `remote` and `endpoint` say where texts go. HTTP goes through `_http.post_json` (httpx: timeouts,
retries on 429/5xx honouring Retry-After).
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Callable

__all__ = ["Translator", "TranslationError", "EngineNotAvailable", "get_translator", "available_translators",
           "register_translator", "translator_from_config", "LANGUAGE_NAMES"]

LANGUAGE_NAMES = {"ru": "Russian", "en": "English", "kk": "Kazakh", "ce": "Chechen", "ky": "Kyrgyz", "uz": "Uzbek",
                  "tr": "Turkish", "de": "German", "fr": "French", "uk": "Ukrainian", "ar": "Arabic", "tg": "Tajik",
                  "az": "Azerbaijani", "be": "Belarusian", "ka": "Georgian", "hy": "Armenian"}
_LANG = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?")


class TranslationError(RuntimeError):
    """A translation that could not be made; the message says what to change."""


class EngineNotAvailable(TranslationError):
    """The engine's software or language package is not installed here; the message names what to install."""


class Translator:
    """Base class: validation, skipping empty texts, caching repeats, and the report's note.

    Subclasses implement `_translate(texts, source, target)` for non-empty texts and set `name`
    (registry name), `remote` (texts leave the machine) and `label(lang)` (what the note names).
    """

    name = "base"
    remote = False
    endpoint: str | None = None  # where texts are sent, for remote engines

    def __init__(self):
        self.pairs: list[tuple[str, str]] = []  # (source, target) pairs actually translated, in order
        self._cache: dict[tuple[str, str, str], str] = {}

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        """One translation per text, in order. Empty texts and same-language requests come back unchanged."""
        if isinstance(texts, str):
            raise TypeError("translate() takes a list of texts, not one string")
        texts = list(texts)
        for code in (source, target):
            if not isinstance(code, str) or not _LANG.fullmatch(code):
                raise TranslationError(f"not a language code: {code!r} (use ISO 639-1 codes such as 'ru', 'en')")
        out = list(texts)
        if source == target:
            return out
        todo = list(dict.fromkeys(t for t in texts if t and t.strip() and (source, target, t) not in self._cache))
        if todo:
            got = self._translate(todo, source, target)
            if not isinstance(got, list) or len(got) != len(todo) or not all(isinstance(g, str) for g in got):
                raise TranslationError(f"{self.name}: expected {len(todo)} translations, got "
                                       f"{len(got) if isinstance(got, list) else type(got).__name__}")
            self._cache.update({(source, target, t): g for t, g in zip(todo, got)})
        if any(t and t.strip() for t in texts) and (source, target) not in self.pairs:
            self.pairs.append((source, target))
        return [self._cache.get((source, target, t), t) if t and t.strip() else t for t in texts]

    def _translate(self, texts: list[str], source: str, target: str) -> list[str]:
        raise NotImplementedError

    def label(self, lang: str) -> str:
        return self.name

    def note(self, lang: str) -> str:
        """The report's translation note: which engine translated the quotes, and between which languages."""
        pairs = ", ".join(f"{s}→{t}" for s, t in self.pairs)
        tail = f" ({pairs})" if pairs else ""
        if lang == "ru":
            return f"Переведено автоматически с помощью {self.label('ru')}{tail}."
        return f"Translated automatically with {self.label('en')}{tail}."

    def provenance(self) -> dict:
        """What a report's provenance records about the translation."""
        return {"engine": self.name, "label": self.label("en"), "remote": self.remote, "endpoint": self.endpoint,
                "pairs": [f"{s}-{t}" for s, t in self.pairs]}


# name -> "module:Class" (imported only when asked for, so a missing optional library breaks nothing else)
_ENGINES: dict[str, str | Callable[..., Translator]] = {
    "none": "otklik.translate.none:NoTranslation",
    "argos": "otklik.translate.argos:ArgosTranslator",
    "ctranslate2": "otklik.translate.ct2:CTranslate2Translator",
    "libretranslate": "otklik.translate.libretranslate:LibreTranslator",
    "deepl": "otklik.translate.deepl:DeepLTranslator",
    "openai": "otklik.translate.openai_compat:OpenAICompatTranslator",
}


def available_translators() -> list[str]:
    """Names of the engines `get_translator` knows (whether each one's software is installed is checked on use)."""
    return list(_ENGINES)


def register_translator(name: str, factory: Callable[..., Translator]) -> None:
    """Add an engine (a class or factory taking keyword config) under `name`."""
    _ENGINES[name] = factory


def get_translator(name: str, **config) -> Translator:
    """The engine `name` configured with `config` (e.g. url=..., api_key=...). Unknown names and options are
    errors that list what is accepted, so a typo in a config file does not silently fall back."""
    target = _ENGINES.get(name)
    if target is None:
        raise TranslationError(f"unknown translation engine {name!r}; available: {', '.join(_ENGINES)}")
    if isinstance(target, str):
        module, cls = target.split(":")
        target = getattr(importlib.import_module(module), cls)
    params = inspect.signature(target).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        unknown = sorted(set(config) - set(params))
        if unknown:
            raise TranslationError(f"engine {name!r} has no option {', '.join(unknown)}; "
                                   f"options: {', '.join(params) or 'none'}")
    return target(**config)


def translator_from_config(cfg: dict | None) -> Translator:
    """The engine a config table names, e.g. {"engine": "deepl", "auth_key_env": "DEEPL_AUTH_KEY"}.

    An option ending in ``_env`` names an environment variable that holds the value, so keys stay out of
    config files; an unset variable is an error, not a silent fallback. No table (or no engine) is "none":
    nothing is translated and nothing leaves the machine.
    """
    import os

    cfg = dict(cfg or {})
    name = cfg.pop("engine", None) or "none"
    options = {}
    for key, value in cfg.items():
        if key.endswith("_env"):
            if not os.environ.get(str(value)):
                raise TranslationError(f"translation option {key[:-4]} is to come from ${value}, which is not set")
            options[key[:-4]] = os.environ[str(value)]
        else:
            options[key] = value
    return get_translator(name, **options)
