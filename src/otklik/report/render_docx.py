"""Render a structured report as a Word document (python-docx).

A quote is a one-row table: the original with its `[#N]` comment reference on the left, the
translation on the right. The notes block starts after a `---` paragraph, as in Markdown.
`docx_text()` reads a document back into the plain text the verifier checks.
"""

from __future__ import annotations

import io
import zipfile

from docx import Document
from docx.shared import Pt, RGBColor

from .render_md import LABEL, MARKS

GREY = RGBColor(0x77, 0x77, 0x77)


def _small(run, grey: bool = True):
    run.font.size = Pt(8)
    if grey:
        run.font.color.rgb = GREY
    return run


def render(report: dict, profile=None) -> bytes:
    lang = report["lang"]
    o, c = MARKS[lang]
    doc = Document()
    doc.core_properties.title = report["headline"]
    doc.core_properties.language = lang
    doc.add_heading(report["headline"], level=1)
    doc.add_paragraph().add_run(report["lede"]).bold = True
    for b in report["blocks"]:
        t = b["type"]
        if t == "heading":
            doc.add_heading(b["text"], level=b.get("level", 2))
        elif t == "para":
            doc.add_paragraph(b["text"])
        elif t == "quote":
            table = doc.add_table(rows=1, cols=2 if b.get("translation") else 1)
            left = table.rows[0].cells[0].paragraphs[0]
            left.add_run(f"{o}{b['text']}{c}")
            _small(left.add_run(f" [#{b['comment_id']}]"))
            if b.get("translation"):
                right = table.rows[0].cells[1].paragraphs[0]
                _small(right.add_run(f"{LABEL[lang]}: "))
                right.add_run(f"{o}{b['translation']}{c}").italic = True
            doc.add_paragraph(("— " if lang == "ru" else "") + b["attribution"])
        elif t == "dated":
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(("⚠ " if b["upcoming"] else "") + b["label"] + ". ").bold = True
            p.add_run(b["text"])
    doc.add_paragraph("---")
    for n in report["notes"]:
        if n["type"] == "para":
            _small(doc.add_paragraph().add_run(n["text"]), grey=False)
        elif n["type"] == "sources":
            _small(doc.add_paragraph().add_run(n["title"] + ":"), grey=False)
            for s in n["items"]:
                _small(doc.add_paragraph(style="List Bullet").add_run(
                    f"{s['label']}" + (f" ({s['url']})" if s["url"] else "") + ": " + ", ".join(s["posts"])), grey=False)
        elif n["type"] == "footnotes":
            for f in n["items"]:
                _small(doc.add_paragraph().add_run(f), grey=False)
    buf = io.BytesIO()
    doc.save(buf)
    return _stable(buf.getvalue())


def _stable(data: bytes) -> bytes:
    """The same document as the same bytes: a .docx is a zip whose entries carry the time they
    were written; give them all one fixed time, so that a report rendered again from the same
    digest has the same SHA-256 (the custody log and the report's own hash rely on it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), src.read(info),
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def docx_text(data: bytes) -> str:
    """Paragraphs and tables in document order; a two-cell quote row reads "original (translation)"."""
    doc = Document(io.BytesIO(data))
    lines = []
    for el in doc.element.body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(t.text or "" for t in el.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for row in el.iter():
                if row.tag.endswith("}tr"):
                    cells = ["".join(t.text or "" for t in tc.iter() if t.tag.endswith("}t"))
                             for tc in row.iterchildren() if tc.tag.endswith("}tc")]
                    lines.append(cells[0] + "".join(f" ({x})" for x in cells[1:]))
    return "\n\n".join(lines) + "\n"
