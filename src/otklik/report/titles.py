"""A theme's heading in the report's language.

The theme stage cuts a title for each report language from the theme's own comments (`titles`:
text, comment id, span, the language it is written in). The heading is, in order:
- the editor's name for the theme, as they wrote it;
- the title for the report's language when it is written in that language;
- else that title translated by the report's translator (said so: "translated from Russian"),
  when one is configured and gives a translation with no digit (a number the original does not
  hold would be a figure nobody checked; a title with digits is not translated at all);
- else the title verbatim in quotation marks with its language named — never a translation
  passed off as the commenters' words;
- with no title, the theme's label (its keywords).
"""

from __future__ import annotations

import re

_DIGIT = re.compile(r"\d")


def _language(code: str | None, lang: str, names: dict) -> str | None:
    name = names.get(code or "")
    if name is None:
        return None
    return f"на {name[0]} языке" if lang == "ru" else f"in {name[1]}"


def quoted(text: str, lang: str) -> str:
    return f"«{text}»" if lang == "ru" else f"“{text}”"


def quoted_foreign(text: str, src: str | None, lang: str, translator, names: dict) -> str:
    """Words written in language `src` for a text in `lang`: quoted as written when `src` is `lang`;
    else translated by `translator` and said so; else verbatim with their language named (the rules
    of the module docstring)."""
    if src == lang:
        return quoted(text, lang)
    said = _language(src, lang, names)
    if translator is not None and not _DIGIT.search(text):
        try:
            out = translator.translate([text], src if src in names else "auto", lang)[0]
        except Exception:  # noqa: BLE001 - an engine without this language pair: the original, said so
            out = None
        if out and out.strip() and out.strip() != text.strip() and not _DIGIT.search(out):
            out = out.strip().rstrip(".")
            if lang == "ru":  # «русском» -> «с русского»
                return f"«{out}» (перевод{' с ' + names[src][0][:-2] + 'ого' if said else ''})"
            return f"“{out}” (translated{' from ' + names[src][1] if said else ''})"
    if lang == "ru":
        return f"«{text}» ({said or 'в оригинале'})"
    return f"“{text}” ({said or 'as written'})"


def theme_title(theme: dict, lang: str, translator, names: dict) -> str:
    """A theme's title in quotation marks, in `lang` or said not to be (see the module rules)."""
    titles = theme.get("titles") or {}
    if theme.get("label_source") == "editor" or not titles:
        return quoted(theme["label"], lang)
    title = titles.get(lang) or next(iter(titles.values()))
    return quoted_foreign(title["text"], title.get("lang"), lang, translator, names)


def theme_heading(theme: dict, lang: str, translator, names: dict) -> str:
    """The heading text of a theme in `lang` ("ru" or "en"); `names`: language code -> (Russian
    prepositional, English) names."""
    return ("Тема " if lang == "ru" else "Theme ") + theme_title(theme, lang, translator, names)
