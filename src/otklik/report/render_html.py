"""Render a structured report as one self-contained HTML file (inline CSS, no scripts, no
external resources), every text escaped.

Each quote is a <figure class="quote"> carrying data-comment-id, data-platform,
data-platform-id and data-raw-sha256 (the SHA-256 of the raw record the comment was read
from), with the original and its translation side by side. `html_text()` turns the file back
into the plain text the verifier reads, so what is checked is what was written.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

from .render_md import LABEL, MARKS

CSS = """
body{font:16px/1.55 Georgia,'Times New Roman',serif;max-width:46em;margin:2em auto;padding:0 1em;color:#111}
h1{font-size:1.7em;line-height:1.25}.lede{font-weight:bold}
figure.quote{margin:1.2em 0;padding:.6em .8em;border-left:3px solid #999;background:#f7f7f7}
figure.quote table{width:100%;border-collapse:collapse}figure.quote td{vertical-align:top;padding:0 .6em 0 0;width:50%}
td.translation{color:#333;font-style:italic}.ref{font-size:.75em;color:#777}
figcaption{margin-top:.3em;color:#444}.label{font-style:normal;color:#777}
li.upcoming{font-weight:bold}.notes{font-size:.85em;color:#444;border-top:1px solid #ccc;margin-top:2em}
"""


def _quote(b: dict, lang: str) -> str:
    o, c = MARKS[lang]
    attrs = (f'data-comment-id="{b["comment_id"]}" data-platform="{escape(b["platform"])}" '
             f'data-platform-id="{escape(b["platform_id"])}" data-raw-sha256="{escape(b["raw_sha256"])}"')
    original = (f'<td class="original" lang="{escape(b.get("lang") or "")}">{o}<span class="q">{escape(b["text"])}'
                f'</span>{c} <span class="ref">[#{b["comment_id"]}]</span></td>')
    translation = ""
    if b.get("translation"):
        translation = (f'<td class="translation" lang="{lang}"><span class="label">{LABEL[lang]}:</span> '
                       f'{o}{escape(b["translation"])}{c}</td>')
    sep = "— " if lang == "ru" else ""
    return (f'<figure class="quote" {attrs}><table><tr>{original}{translation}</tr></table>'
            f'<figcaption>{sep}{escape(b["attribution"])}</figcaption></figure>')


def render(report: dict, profile=None) -> str:
    lang = report["lang"]
    out = ["<!DOCTYPE html>", f'<html lang="{lang}"><head><meta charset="utf-8">',
           f"<title>{escape(report['headline'])}</title><style>{CSS}</style></head><body><article>",
           f"<h1>{escape(report['headline'])}</h1>", f'<p class="lede">{escape(report["lede"])}</p>']
    in_list = False
    for b in report["blocks"]:
        if b["type"] != "dated" and in_list:
            out.append("</ul>")
            in_list = False
        if b["type"] == "heading":
            level = b.get("level", 2)
            out.append(f"<h{level}>{escape(b['text'])}</h{level}>")
        elif b["type"] == "para":
            out.append(f"<p>{escape(b['text'])}</p>")
        elif b["type"] == "quote":
            out.append(_quote(b, lang))
        elif b["type"] == "dated":
            if not in_list:
                out.append('<ul class="events">')
                in_list = True
            cls = ' class="upcoming"' if b["upcoming"] else ""
            flag = "⚠ " if b["upcoming"] else ""
            out.append(f'<li{cls} data-date="{escape(b["date"])}">{flag}<b>{escape(b["label"])}.</b> {escape(b["text"])}</li>')
    if in_list:
        out.append("</ul>")
    out.append('</article><hr><section class="notes">')
    for n in report["notes"]:
        if n["type"] == "para":
            out.append(f"<p>{escape(n['text'])}</p>")
        elif n["type"] == "sources":
            items = []
            for s in n["items"]:
                link = lambda u: f'<a href="{escape(u)}">{escape(u)}</a>' if u.startswith("http") else escape(u)  # noqa: E731
                page = f" ({link(s['url'])})" if s["url"] else ""
                items.append(f"<li>{escape(s['label'])}{page}: {', '.join(link(p) for p in s['posts'])}</li>")
            out.append(f"<p>{escape(n['title'])}:</p><ul>{''.join(items)}</ul>")
        elif n["type"] == "footnotes" and n["items"]:
            out.append("".join(f'<p class="footnote">{escape(f)}</p>' for f in n["items"]))
    out.append("</section></body></html>")
    return "\n".join(out) + "\n"


class _Text(HTMLParser):
    """Visible text with block elements on their own lines; `<hr>` becomes the `---` notes rule
    and a translation cell is read as "(translation: …)", as in Markdown."""

    BLOCKS = {"p", "h1", "h2", "h3", "li", "figure", "figcaption", "tr", "ul", "section", "article"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.cells: list[bool] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "title", "script"):
            self.skip += 1
        elif tag == "hr":
            self.parts.append("\n---\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "td":
            translation = ("class", "translation") in attrs
            self.cells.append(translation)
            self.parts.append(" (" if translation else "")

    def handle_endtag(self, tag):
        if tag in ("style", "title", "script"):
            self.skip -= 1
        elif tag == "td" and self.cells.pop():
            self.parts.append(")")
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return re.sub(r"\n\s*\n+", "\n\n", "".join(p.parts)).strip() + "\n"
