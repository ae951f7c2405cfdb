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
# the notes' sentence about the [#N] references, left out of the publication copy (a note may
# also say so with "about": "references")
REF_NOTE = re.compile(r"квадратных скобках после цитаты|square brackets after a quote", re.I)


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


def quote_line(b: dict, lang: str, markers: bool = True) -> str:
    o, c = MARKS[lang]
    s = f"{o}{escape(flat(b['text']))}{c}" + (f" [#{b['comment_id']}]" if markers else "")
    if b.get("translation"):
        s += f" ({LABEL[lang]}: {o}{escape(flat(b['translation']))}{c})"
    sep = ", — " if lang == "ru" else ", "
    end = "" if b["attribution"].endswith(".") else "."
    return s + sep + escape(b["attribution"]) + end


def render(report: dict, profile=None, markers: bool = True) -> str:
    """The report as Markdown. `markers=False` gives the publication copy: no `[#N]` store ids in
    the body (it is checked through its slot map, `slots.py`, instead), and the notes do not
    explain them. `profile` (report.profile.Profile) is accepted for the renderers' common
    signature; the Markdown has no page settings."""
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
            out += [quote_line(b, lang, markers), ""]
        elif t == "dated":
            flag = "⚠ " if b["upcoming"] else ""
            out += [f"- {flag}**{escape(b['label'])}.** {escape(b['text'])}"]
            if i + 1 == len(blocks) or blocks[i + 1]["type"] != "dated":
                out.append("")
    out += ["---", ""]
    for n in report["notes"]:
        if n["type"] == "para" and not markers and (n.get("about") == "references" or REF_NOTE.search(n["text"])):
            continue  # the note explaining the [#N] references
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



ANNOTATIONS = {
    "ru": ("Аннотации для редактора и юриста (не для публикации): откуда каждая цифра и цитата",
           "строка", "цитата", "комментарий", "автор", "сторона", "поле дайджеста", "нет в дайджесте"),
    "en": ("Annotations for the editor and the lawyer (not for publication): where every figure and quote comes from",
           "line", "quote", "comment", "author", "side", "digest field", "not in the digest"),
}
FIGURE_KINDS = ("number", "percent", "range", "date", "month", "time")


def annotation_appendix(slotmap: dict) -> str:
    """The annotated copy's appendix (it goes at the end of the notes, so it is never read as the
    report's body): every figure with the digest fields holding it, every quote with its comment
    id, author, side, raw-record SHA-256 and digest path."""
    title, line, quote, comment, author, side, field, missing = ANNOTATIONS[slotmap["lang"]]
    out = ["", f"{escape(title)}:", ""]
    quotes = {q["unit"]: q for q in slotmap["quotes"]}
    for i, u in enumerate(slotmap["units"]):
        for t in u["tokens"]:
            if t["kind"] in FIGURE_KINDS:
                out.append(f"- {line} {u['line']}: {escape(t['text'])} — {field} "
                           f"{escape(', '.join(t.get('paths') or [])) or missing}")
        q = quotes.get(i)
        if q:
            parts = [f"{author} {q.get('shown') or q.get('author') or '—'}"]  # as the report shows it
            parts += [f"{side} {q['side']}"] if q.get("side") else []
            parts += [f"raw SHA-256 {q.get('raw_sha256')}", f"{field} {q.get('digest_path')}"]
            out.append(f"- {line} {u['line']}: {quote}, {comment} {q['comment_id']} — " + escape("; ".join(parts)))
    return "\n".join(out) + "\n"
