"""Render a structured report as one self-contained HTML file: semantic markup, inline CSS with
print rules, no scripts, no external resources, every text escaped.

- the report is an <article>: <header> with the headline and lede, <h2>/<h3> sections, the case
  file as an <ol> of <time>-dated events;
- a quote is a <figure class="quote side-…"> carrying data-comment-id, data-platform,
  data-platform-id, data-raw-sha256 (the SHA-256 of the raw record the comment was read from) and
  data-side: the side it was classified under as a caption, a <blockquote> with the original (its
  `lang` when known) and the `[#N]` reference, the translation in a <blockquote class="translation">
  in the report's language, and a <figcaption> with the attribution in <cite>;
- the notes block (translation note, sources, footnotes, provenance) is <section class="notes">;
- labels of designated names («Instagram*») link to footnotes: an ordered list in the notes with a
  back-link to the first mention;
- @page gives the profile's paper (A4 or Letter) for printing.

`html_text()` turns the file back into the plain text the verifier reads, in the Markdown
conventions of verify.py: "«…» [#N] (translation: “…”)" and a `---` line before the notes.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

from . import marks
from .profile import Profile
from .render_md import LABEL, MARKS

SIDE_WORDS = marks.SIDE_WORDS
NOTES_WORD = {"ru": "Примечания", "en": "Notes"}
BACK = {"ru": "вернуться к тексту", "en": "back to the text"}
PAPER = {"A4": "A4", "Letter": "letter"}

CSS = """
body{font:16px/1.55 Georgia,'Times New Roman',serif;max-width:46em;margin:2em auto;padding:0 1em;color:#111}
h1{font-size:1.7em;line-height:1.25;margin-bottom:.4em}.lede{font-weight:bold;font-size:1.1em}
h2{font-size:1.3em;margin-top:1.8em}h3{font-size:1.1em;font-style:italic}
figure.quote{margin:1.2em 0 1.2em 1.5em;padding:.1em 0 .1em 1em;border-left:3px solid #9e9e9e}
figure.side-supportive{border-left-color:#2e7d32}figure.side-hostile{border-left-color:#b71c1c}
figure.side-neutral{border-left-color:#757575}
figure.quote p.side{margin:0;font-size:.75em;letter-spacing:.05em;text-transform:uppercase;color:#616161}
figure.quote blockquote{margin:.2em 0}figure.quote blockquote p{margin:0}
blockquote.translation{font-style:italic;color:#333}
.label{font-style:normal;font-size:.75em;text-transform:uppercase;color:#757575}.ref{font-size:.75em;color:#757575}
figcaption{margin-top:.3em;color:#424242;font-size:.95em}figcaption cite{font-style:normal}
ol.events{list-style:none;padding-left:0}ol.events li{margin:.3em 0}li.upcoming time{color:#b71c1c}
a.fnref{text-decoration:none;color:inherit}
section.notes{font-size:.85em;color:#424242;border-top:1px solid #bdbdbd;margin-top:2em;padding-top:.5em}
ol.footnotes{list-style:none;padding-left:0}ol.footnotes a.back{text-decoration:none}
@media print{
 body{max-width:none;margin:0;padding:0;font-size:10.5pt;color:#000}
 a{color:inherit;text-decoration:none}a.back{display:none}
 figure.quote,ol.events li,ol.footnotes li{break-inside:avoid}h1,h2,h3,p.side{break-after:avoid}
}
"""


def _page_css(profile: Profile) -> str:
    margins = "20mm 25mm" if profile.page == "A4" else "1in"
    return (f"@page{{size:{PAPER[profile.page]};margin:{margins};"
            f"@bottom-center{{content:counter(page);font:9pt Georgia,serif}}}}")


class _Notes:
    """Footnote references in the text and the list they point to."""

    def __init__(self, report: dict):
        self.lines = marks.footnotes(report)
        self.number = {mark: i + 1 for i, (mark, _) in enumerate(self.lines)}
        self.referenced: set[str] = set()

    def text(self, text: str) -> str:
        """Escaped generated text, each label mark a link to its footnote."""
        out = []
        for piece, is_mark in marks.split(text, self.number):
            if not is_mark:
                out.append(escape(piece))
                continue
            n = self.number[piece]
            anchor = "" if piece in self.referenced else f' id="fnref-{n}"'
            self.referenced.add(piece)
            out.append(f'<a class="fnref" href="#fn-{n}"{anchor} role="doc-noteref">{escape(piece)}</a>')
        return "".join(out)

    def html(self, lang: str) -> str:
        items = []
        for mark, text in self.lines:
            n = self.number[mark]
            back = (f' <a class="back" href="#fnref-{n}" role="doc-backlink" aria-label="{BACK[lang]}">↩</a>'
                    if mark in self.referenced else "")
            items.append(f'<li id="fn-{n}"><span class="mark">{escape(mark)}</span>{escape(text)}{back}</li>')
        return f'<ol class="footnotes">{"".join(items)}</ol>' if items else ""


def _quote(b: dict, lang: str, notes: _Notes) -> str:
    o, c = MARKS[lang]
    side = marks.side(b)
    attrs = (f'data-comment-id="{escape(str(b["comment_id"]))}" data-platform="{escape(b["platform"])}" '
             f'data-platform-id="{escape(b["platform_id"])}" data-raw-sha256="{escape(b["raw_sha256"])}"')
    if side:
        attrs += f' data-side="{side}"'
    quote_lang = b.get("lang") if b.get("lang") not in (None, "", "und", "mixed") else None
    lang_attr = f' lang="{escape(quote_lang)}"' if quote_lang and quote_lang != lang else ""
    out = [f'<figure class="quote{f" side-{side}" if side else ""}" {attrs}>']
    if side:
        out.append(f'<p class="side">{escape(SIDE_WORDS[lang][side])}</p>')
    out.append(f'<blockquote class="original"{lang_attr}><p>{o}{escape(b["text"])}{c} '
               f'<span class="ref">[#{escape(str(b["comment_id"]))}]</span></p></blockquote>')
    if b.get("translation"):
        out.append(f'<blockquote class="translation" lang="{lang}"><p><span class="label">{LABEL[lang]}:</span> '
                   f'{o}{notes.text(b["translation"])}{c}</p></blockquote>')
    out.append(f'<figcaption>— <cite>{escape(b["attribution"])}</cite></figcaption></figure>')
    return "".join(out)


def _link(u: str) -> str:
    return f'<a href="{escape(u)}">{escape(u)}</a>' if u.startswith(("http://", "https://")) else escape(u)


def render(report: dict, profile: Profile | None = None) -> str:
    profile = profile or Profile()
    lang = report["lang"]
    notes = _Notes(report)
    author = escape(profile.outlet or "otklik")
    out = ["<!DOCTYPE html>", f'<html lang="{lang}"><head><meta charset="utf-8">',
           f'<meta name="author" content="{author}"><meta name="generator" content="otklik">',
           f"<title>{escape(report['headline'])}</title><style>{CSS}{_page_css(profile)}</style></head><body>",
           f"<article><header><h1>{notes.text(report['headline'])}</h1>",
           f'<p class="lede">{notes.text(report["lede"])}</p></header>']
    in_list = False
    for b in report["blocks"]:
        if b["type"] != "dated" and in_list:
            out.append("</ol>")
            in_list = False
        if b["type"] == "heading":
            level = max(2, min(4, b.get("level", 2)))
            out.append(f"<h{level}>{notes.text(b['text'])}</h{level}>")
        elif b["type"] == "para":
            out.append(f"<p>{notes.text(b['text'])}</p>")
        elif b["type"] == "quote":
            out.append(_quote(b, lang, notes))
        elif b["type"] == "dated":
            if not in_list:
                out.append('<ol class="events">')
                in_list = True
            cls = ' class="upcoming"' if b["upcoming"] else ""
            flag = "⚠ " if b["upcoming"] else ""
            out.append(f'<li{cls}>{flag}<b><time datetime="{escape(str(b["date"]))}">{escape(b["label"])}</time>.</b> '
                       f'{notes.text(b["text"])}</li>')
    if in_list:
        out.append("</ol>")
    out.append(f'<section class="notes" aria-label="{NOTES_WORD[lang]}">')
    for n in report["notes"]:
        if n["type"] == "para":
            out.append(f"<p>{notes.text(n['text'])}</p>")
        elif n["type"] == "sources":
            items = []
            for s in n["items"]:
                page = f" ({_link(s['url'])})" if s["url"] else ""
                items.append(f"<li>{notes.text(s['label'])}{page}: {', '.join(_link(p) for p in s['posts'])}</li>")
            out.append(f'<p>{escape(n["title"])}:</p><ul class="sources">{"".join(items)}</ul>')
        elif n["type"] == "footnotes":
            out.append(notes.html(lang))
    out.append("</section></article></body></html>")
    return "\n".join(out) + "\n"


class _Text(HTMLParser):
    """Visible text with block elements on their own lines; the notes section starts with the
    `---` line and a translation is read as "(translation: …)" after its reference, as in Markdown."""

    BLOCKS = {"p", "h1", "h2", "h3", "h4", "li", "figure", "figcaption", "blockquote", "ul", "ol", "section",
              "article", "header", "footer"}
    HIDDEN = {"style", "title", "script"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.open: list[str | None] = []  # per open element: what to write at its end
        self.inline = 0  # inside a translation: its blocks stay on the quote's line

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        end = None
        if tag in self.HIDDEN or "back" in classes:
            self.skip += 1
            end = "skip"
        elif "translation" in classes:
            while self.parts and not self.parts[-1].strip():
                self.parts.pop()
            self.parts.append(" (")
            self.inline += 1
            end = ")"
        elif tag in self.BLOCKS and not self.inline:
            self.parts.append("\n---\n" if "notes" in classes else "\n")
            end = "\n"
        self.open.append(end)

    def handle_endtag(self, tag):
        if tag in self.VOID or not self.open:
            return
        end = self.open.pop()
        if end == "skip":
            self.skip -= 1
        elif end:
            self.parts.append(end)
            self.inline -= end == ")"

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return re.sub(r"\n\s*\n+", "\n\n", "".join(p.parts)).strip() + "\n"
