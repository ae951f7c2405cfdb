"""Footnote marks in the report's generated text, for the renderers that make real footnotes.

The labelling Marker (otklik.labelling) writes a designated name as «Instagram*» and collects the
footnote lines, «*Принадлежит компании Meta…», which compose puts in the notes block as
{"type": "footnotes", "items": [...]}. HTML and DOCX turn each such asterisk into a reference to a
real footnote; these two helpers find them. Only marks that have a footnote line count, and only
right after a word, a closing quote or bracket and not inside a word («f**k» is no mark); verbatim
quotes are never passed in (the Marker never marks them either).
"""

from __future__ import annotations

import re

# the caption over a quote that has a side (block["side"], set by compose), in both renderers
SIDE_WORDS = {"ru": {"supportive": "в поддержку", "hostile": "против", "neutral": "нейтрально"},
              "en": {"supportive": "supportive", "hostile": "hostile", "neutral": "neutral"}}
_SIDE_CODES = {"1": "supportive", "0": "neutral", "-1": "hostile"}  # the digest's stance labels


def side(block: dict) -> str | None:
    """The side a quote block is shown under ("supportive", "hostile", "neutral") or None; the
    digest's numeric stance labels (1, 0, -1) are read as those names."""
    value = block.get("side")
    value = _SIDE_CODES.get(str(value), value)
    return value if value in SIDE_WORDS["en"] else None


MARK = re.compile(r"(?<=[\w»”\")\]])(\*+)(?![\w*])")


def footnotes(report: dict) -> list[tuple[str, str]]:
    """(mark, text) of each footnote line in the report's notes: «*Принадлежит…» → ("*", "Принадлежит…")."""
    out = []
    for n in report.get("notes", []):
        if n.get("type") == "footnotes":
            for item in n.get("items", []):
                m = re.match(r"(\*+)\s*", item)
                out.append((m.group(1), item[m.end():]) if m else ("", item))
    return out


def split(text: str, marks) -> list[tuple[str, bool]]:
    """`text` as pieces (piece, is_mark): a mark is one of `marks` placed as a label."""
    marks = set(marks)
    pieces, at = [], 0
    if marks:
        for m in MARK.finditer(text):
            if m.group(1) in marks:
                if m.start() > at:
                    pieces.append((text[at:m.start()], False))
                pieces.append((m.group(1), True))
                at = m.end()
    if at < len(text) or not pieces:
        pieces.append((text[at:], False))
    return pieces
