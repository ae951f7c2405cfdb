"""Render a structured report as Markdown.

Conventions the verifier (`verify.py`) and editors rely on:
- a quote is written «…» (Russian) or “…” (English) and followed at once by `[#N]`, the comment's
  id in the store; a translation, when there is one, follows as `(перевод: «…»)` /
  `(translation: “…”)`; then the attribution;
- whitespace inside a quote is collapsed to single spaces (a Markdown paragraph cannot hold a
  blank line); Markdown's special characters are backslash-escaped, and the verifier undoes
  exactly these escapes;
- everything after the last `---` line is the notes block (translation note, sources,
  footnotes, provenance).
"""

from __future__ import annotations

import re

MARKS = {"ru": ("«", "»"), "en": ("“", "”")}
LABEL = {"ru": "перевод", "en": "translation"}


def escape(text: str) -> str:
    """Escape what Markdown would read as markup: \\ * ` [ ] < and _ at a word's edge
    (snake_case handles like sveta_90 stay readable)."""
    text = re.sub(r"([\\*`\[\]<])", r"\\\1", text)
    text = re.sub(r"(?<!\w)_|_(?!\w)", r"\\_", text)
    if re.match(r"(#|[-+] |\d+[.)] |>)", text):
        text = "\\" + text
    return text


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def quote_line(b: dict, lang: str) -> str:
    o, c = MARKS[lang]
    s = f"{o}{escape(flat(b['text']))}{c} [#{b['comment_id']}]"
    if b.get("translation"):
        s += f" ({LABEL[lang]}: {o}{escape(flat(b['translation']))}{c})"
    sep = ", — " if lang == "ru" else ", "
    end = "" if b["attribution"].endswith(".") else "."
    return s + sep + escape(b["attribution"]) + end


def render(report: dict) -> str:
    lang = report["lang"]
    out = [f"# {escape(report['headline'])}", "", f"**{escape(report['lede'])}**", ""]
    blocks = report["blocks"]
    for i, b in enumerate(blocks):
        t = b["type"]
        if t == "heading":
            out += ["#" * b.get("level", 2) + " " + escape(b["text"]), ""]
        elif t == "para":
            out += [escape(b["text"]), ""]
        elif t == "quote":
            out += [quote_line(b, lang), ""]
        elif t == "dated":
            flag = "⚠ " if b["upcoming"] else ""
            out += [f"- {flag}**{escape(b['label'])}.** {escape(b['text'])}"]
            if i + 1 == len(blocks) or blocks[i + 1]["type"] != "dated":
                out.append("")
    out += ["---", ""]
    for n in report["notes"]:
        if n["type"] == "para":
            out += [escape(n["text"]), ""]
        elif n["type"] == "sources":
            out += [f"{escape(n['title'])}:", ""]
            for s in n["items"]:
                out.append(f"- {escape(s['label'])}" + (f" ({s['url']})" if s["url"] else "") + ": "
                           + ", ".join(p if p.startswith("http") else escape(p) for p in s["posts"]))
            out.append("")
        elif n["type"] == "footnotes" and n["items"]:
            out += [escape(f) + "  " for f in n["items"]] + [""]
    return "\n".join(out).rstrip() + "\n"

