"""Template filters for text and links that come from the data (comments are hostile input).

- `safe_url`: the URL when it is http(s) with a host, else "" (templates write the link only when
  it is not empty), so a `javascript:` or `data:` post link is shown as no link at all.
- `bidi`: the text inside <bdi>, so right-to-left text (or a trick) cannot reorder the page around
  it, without the embedding/override/isolate controls (U+202A-U+202E, U+2066-U+2069), so it cannot
  reorder its own characters either: the text reads in the order it was typed.
- `finalize`: every value a template writes loses those controls too (set as the environment's
  finalize by `install`), so no page shows a reversed comment even where `bidi` is not used.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def strip_bidi(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def safe_url(value) -> str:
    if not value:
        return ""
    url = str(value).strip()
    if any(ord(ch) < 32 or ch == "\x7f" for ch in url):  # browsers drop tabs/newlines inside a scheme
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def bidi(value) -> Markup:
    if value is None:
        return Markup("")
    return Markup("<bdi>") + escape(strip_bidi(str(value))) + Markup("</bdi>")


def finalize(value):
    if isinstance(value, Markup):
        return Markup(strip_bidi(value)) if BIDI_CONTROLS.search(value) else value
    if isinstance(value, str) and BIDI_CONTROLS.search(value):
        return strip_bidi(value)
    return value


def install(env) -> None:
    """Register the filters and the finalize hook (before the first template is compiled)."""
    env.filters["safe_url"] = safe_url
    env.filters["bidi"] = bidi
    env.finalize = finalize
