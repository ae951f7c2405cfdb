"""Render a structured report as a Word document made for print (python-docx).

The page is the house-style profile's (A4 by default, Letter on request), with set margins and a
page number in the footer; every paragraph has a named style (docx_styles: Title, Lede, heading
1-3, Quote and a style per side, caption, Quote Attribution, Case Event, Note, footnote text), so an
editor restyles the report by editing a style, and an outlet's template (profile.docx_template)
gives its own look. A quote is a Quote paragraph: «original» and its `[#N]` comment reference, then
on a new line of the same paragraph the translation, when there is one; the side it was
classified under (block["side"]) is a caption above it and the colour of its rule; the attribution
follows in its own paragraph. Labels of designated names («Instagram*») are real Word footnotes
(a footnotes part and w:footnoteReference runs with the asterisk as a custom mark): the first
mention of each mark carries the footnote, later ones the same mark. The notes block (translation
note, sources, provenance) is in Note paragraphs under a rule — a border, not a "---" line.
Document properties: title, subject (the case), author (profile.outlet or "otklik"), language,
created (the report's snapshot, else its newest quoted comment).

`docx_text()` reads the document back into the plain text the verifier checks, in the Markdown
conventions verify.py knows: "«…» [#N] (перевод: «…»)", a `---` line before the notes block, the
footnote texts in the notes block.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Twips

from . import docx_styles, marks
from .grammar import parse_when
from .profile import Profile, ProfileError
from .render_md import LABEL, MARKS, flat

PAGES = {"A4": (11906, 16838, 1418, 1134), "Letter": (12240, 15840, 1440, 1440)}  # twips: w, h, side, top/bottom
SIDE_WORDS = marks.SIDE_WORDS
NOTE_STYLES = {"note"}  # the notes block: docx_text puts the verifier's `---` before the first of these
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot hold
SEPARATORS = (f'<w:footnote {nsdecls("w")} w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" '
              f'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>',
              f'<w:footnote {nsdecls("w")} w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing '
              f'w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p>'
              f'</w:footnote>')


def lang_tag(lang: str, profile: Profile) -> str:
    return "ru-RU" if lang == "ru" else ("en-GB" if profile.spelling == "UK" else "en-US")


def _open(profile: Profile):
    """python-docx's blank document, or the outlet's template emptied of its body."""
    if not profile.docx_template:
        doc = Document()
        for rId, rel in list(doc.part.rels.items()):
            if rel.reltype.endswith("/stylesWithEffects"):  # Word 2010's copy of the default styles, not ours
                doc.part.drop_rel(rId)
        return doc
    path = Path(profile.docx_template).expanduser()
    try:
        doc = Document(str(path))
    except Exception as e:  # noqa: BLE001 - python-docx raises several kinds for a file that is not a .docx
        raise ProfileError(f"profile.docx_template: cannot use {path} as a Word template (a .docx file; "
                           f"save a .dotx as .docx): {e}") from e
    body = doc.element.body
    for el in list(body):
        if el.tag != qn("w:sectPr"):
            body.remove(el)
    return doc


class _Footnotes:
    """The document's footnotes part (made when first needed; a template's own is kept) and the
    references to it."""

    def __init__(self, doc, styles: dict[str, str]):
        self.doc, self.styles = doc, styles
        self.root = None
        self.ids: dict[str, int] = {}  # mark -> footnote id

    def _part(self):
        if self.root is not None:
            return self.root
        old = None
        for rId, rel in list(self.doc.part.rels.items()):
            if rel.reltype == RT.FOOTNOTES:
                old = parse_xml(rel.target_part.blob)
                self.doc.part.drop_rel(rId)
                for note in old.findall(qn("w:footnote")):  # the template's own notes went with its body
                    if note.get(qn("w:type")) in (None, "normal"):
                        old.remove(note)
        self.root = old if old is not None else parse_xml(f'<w:footnotes {nsdecls("w", "r")}/>')
        if old is None:
            for xml in SEPARATORS:
                self.root.append(parse_xml(xml))
            settings = self.doc.settings.element
            if settings.find(qn("w:footnotePr")) is None:
                pr = parse_xml(f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>')
                anchor = next((settings.find(qn(t)) for t in ("w:compat", "w:rsids", "w:themeFontLang")
                               if settings.find(qn(t)) is not None), None)
                if anchor is not None:  # the schema's order: footnotePr before compat and rsids
                    anchor.addprevious(pr)
                else:
                    settings.append(pr)
        part = XmlPart(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, self.root, self.doc.part.package)
        self.doc.part.relate_to(part, RT.FOOTNOTES)
        return self.root

    def _run(self, mark: str, reference_id: int | None):
        r = OxmlElement("w:r")
        rpr = OxmlElement("w:rPr")
        style = OxmlElement("w:rStyle")
        style.set(qn("w:val"), self.styles["footnote reference"])
        rpr.append(style)
        r.append(rpr)
        if reference_id is not None:
            ref = OxmlElement("w:footnoteReference")
            ref.set(qn("w:customMarkFollows"), "1")
            ref.set(qn("w:id"), str(reference_id))
            r.append(ref)
        t = OxmlElement("w:t")
        t.text = mark
        r.append(t)
        return r

    def reference(self, paragraph, mark: str, text: str) -> None:
        """The mark in `paragraph`: a footnote reference at its first use, the same mark after."""
        first = mark not in self.ids
        if first:
            root = self._part()
            ids = [int(f.get(qn("w:id"))) for f in root.findall(qn("w:footnote"))]
            self.ids[mark] = max([0, *ids]) + 1
            note = parse_xml(f'<w:footnote {nsdecls("w")} w:id="{self.ids[mark]}"><w:p><w:pPr><w:pStyle '
                             f'w:val="{self.styles["footnote text"]}"/></w:pPr></w:p></w:footnote>')
            p = note.find(qn("w:p"))
            p.append(self._run(mark, None))
            body = OxmlElement("w:r")
            t = OxmlElement("w:t")
            t.set(qn("xml:space"), "preserve")
            t.text = " " + text
            body.append(t)
            p.append(body)
            root.append(note)
        paragraph._p.append(self._run(mark, self.ids[mark] if first else None))


class _Writer:
    def __init__(self, doc, styles: dict[str, str], report: dict):
        self.doc, self.styles = doc, styles
        self.footnote_text = dict(marks.footnotes(report))
        self.footnotes = _Footnotes(doc, styles)
        self.in_notes = False

    def para(self, style: str, text: str = "", char: str | None = None):
        p = self.doc.add_paragraph()
        p._p.get_or_add_pPr().get_or_add_pStyle().val = self.styles[style.lower()]
        if text:
            self.text(p, text, char)
        return p

    def run(self, p, text: str, char: str | None = None):
        r = p.add_run(NOT_XML.sub(" ", text))
        if char:
            r._r.get_or_add_rPr().get_or_add_rStyle().val = self.styles[char.lower()]
        return r

    def text(self, p, text: str, char: str | None = None) -> None:
        """Generated text, its label marks made footnote references."""
        for piece, is_mark in marks.split(text, self.footnote_text):
            if is_mark:
                self.footnotes.reference(p, piece, self.footnote_text[piece])
            else:
                self.run(p, piece, char)

    def link(self, p, url: str) -> None:
        if not url.startswith(("http://", "https://")):
            self.run(p, url)
            return
        rid = self.doc.part.relate_to(url, RT.HYPERLINK, is_external=True)
        h = OxmlElement("w:hyperlink")
        h.set(qn("r:id"), rid)
        p._p.append(h)
        r = OxmlElement("w:r")
        h.append(r)
        r.get_or_add_rPr().get_or_add_rStyle().val = self.styles["hyperlink"]
        t = OxmlElement("w:t")
        t.text = url
        r.append(t)

    def note(self, text: str = ""):
        p = self.para("Note", text)
        if not self.in_notes:  # the rule above the notes block
            self.in_notes = True
            p._p.get_or_add_pPr().insert_element_before(
                parse_xml(f'<w:pBdr {nsdecls("w")}><w:top w:val="single" w:sz="4" w:space="6" w:color="9E9E9E"/></w:pBdr>'),
                "w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc", "w:outlineLvl", "w:rPr")
        return p

    def quote(self, b: dict, lang: str) -> None:
        o, c = MARKS[lang]
        side = marks.side(b)
        if side:
            self.para("caption", SIDE_WORDS[lang][side])
        p = self.para(docx_styles.SIDE_STYLES.get(side, "Quote"))
        original = self.run(p, f"{o}{flat(b['text'])}{c}")  # one line, as in Markdown
        if b.get("lang") and b["lang"] not in ("und", "mixed") and b["lang"] != lang:
            tag = OxmlElement("w:lang")
            tag.set(qn("w:val"), b["lang"])
            original._r.get_or_add_rPr().append(tag)
        self.run(p, f" [#{b['comment_id']}]", "Quote Id")
        if b.get("translation"):
            self.run(p, "").add_break()
            self.run(p, f"{LABEL[lang]}: ", "Quote Label")
            self.text(p, f"{o}{flat(b['translation'])}{c}", "Quote Translation")
        self.run(self.para("Quote Attribution"), "— " + b["attribution"])  # a name's own "*" is no label


def _page(section, profile: Profile, margins: bool) -> None:
    w, h, side, top = PAGES[profile.page]
    section.page_width, section.page_height = Twips(w), Twips(h)
    if margins:
        section.left_margin = section.right_margin = Twips(side)
        section.top_margin = section.bottom_margin = Twips(top)
        section.header_distance = section.footer_distance = Twips(567)


def _page_number(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))


def _created(report: dict) -> datetime | None:
    """When the data was taken: the report's snapshot, else the newest comment it quotes."""
    stamps = [report.get("snapshot_at")] if report.get("snapshot_at") else \
        [b.get("published_at") for b in report["blocks"] if b["type"] == "quote"]
    out = []
    for s in filter(None, stamps):
        dt = parse_when(s)
        if isinstance(dt, datetime):
            out.append(dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc))
    return max(out).astimezone(timezone.utc).replace(tzinfo=None) if out else None


def _properties(doc, report: dict, profile: Profile) -> None:
    cp = doc.core_properties
    cp.title = report["headline"].replace("*", "")
    cp.subject = report.get("case") or ""
    cp.author = cp.last_modified_by = profile.outlet or "otklik"
    cp.language = lang_tag(report["lang"], profile)
    cp.keywords = "otklik"
    cp.comments = ""
    cp.revision = 1
    created = _created(report)
    if created is not None:
        cp.created = cp.modified = created


def render(report: dict, profile: Profile | None = None) -> bytes:
    profile = profile or Profile()
    lang = report["lang"]
    doc = _open(profile)
    styles = docx_styles.install(doc, lang_tag(lang, profile), keep_existing=bool(profile.docx_template))
    _page(doc.sections[0], profile, margins=not profile.docx_template)
    if not profile.docx_template:
        _page_number(doc.sections[0])
    _properties(doc, report, profile)
    w = _Writer(doc, styles, report)
    w.para("Title", report["headline"])
    w.para("Lede", report["lede"])
    for b in report["blocks"]:
        t = b["type"]
        if t == "heading":
            w.para(f"heading {max(1, min(3, b.get('level', 2) - 1))}", b["text"])
        elif t == "para":
            w.para("Normal", b["text"])
        elif t == "quote":
            w.quote(b, lang)
        elif t == "dated":
            p = w.para("Case Event")
            w.run(p, ("⚠ " if b["upcoming"] else "") + b["label"] + ". ").bold = True
            w.text(p, b["text"])
    for n in report["notes"]:
        if n["type"] == "para":
            w.note(n["text"])
        elif n["type"] == "sources":
            w.note(n["title"] + ":")
            for s in n["items"]:
                p = w.note()
                w.text(p, s["label"])
                if s["url"]:
                    w.run(p, " (")
                    w.link(p, s["url"])
                    w.run(p, ")")
                w.run(p, ": ")
                for i, post in enumerate(s["posts"]):
                    if i:
                        w.run(p, ", ")
                    w.link(p, post)
        elif n["type"] == "footnotes":  # a label no text referred to still gets its line
            for mark, text in marks.footnotes(report):
                if mark not in w.footnotes.ids:
                    w.note(f"{mark}{text}")
    for rId, rel in list(doc.part.package.rels.items()):
        # python-docx's picture of a blank page, and its app properties naming "Microsoft Macintosh Word"
        if rel.reltype == RT.THUMBNAIL or (rel.reltype == RT.EXTENDED_PROPERTIES and not profile.docx_template):
            del doc.part.package.rels[rId]
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


# ------------------------------------------------------------------ reading back

def _paragraph_text(p, translation_ids: set[str]) -> str:
    """A paragraph's text; the translation runs of a quote are read as " (…)"."""
    out, in_translation = [], False
    for el in p.iter(qn("w:r")):
        style = el.find(f"{qn('w:rPr')}/{qn('w:rStyle')}")
        if style is not None and style.get(qn("w:val")) in translation_ids and not in_translation:
            in_translation = True
            out.append(" (")
        for child in el:
            if child.tag == qn("w:t"):
                out.append(child.text or "")
            elif child.tag == qn("w:tab"):
                out.append("\t")
            elif child.tag in (qn("w:br"), qn("w:cr")):
                out.append("\n")
    text = "".join(out)
    return text + ")" if in_translation else text


def docx_text(data: bytes) -> str:
    """The document as the verifier reads it: paragraphs in order, a quote's translation as
    "(перевод: «…»)" after its reference, `---` before the notes block, then the footnotes."""
    doc = Document(io.BytesIO(data))
    names = {v: k for k, v in docx_styles.style_names(doc.styles.element).items()}
    translation_ids = {i for i, n in names.items() if n in ("quote label", "quote translation")}
    lines, in_notes = [], False
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            style = el.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            name = names.get(style.get(qn("w:val")) if style is not None else None, "")
            if name in NOTE_STYLES and not in_notes:
                in_notes = True
                lines.append("---")
            lines.append(_paragraph_text(el, translation_ids))
        elif el.tag == qn("w:tbl"):
            lines += [_paragraph_text(p, translation_ids) for p in el.iter(qn("w:p"))]
    for rel in doc.part.rels.values():
        if rel.reltype == RT.FOOTNOTES:
            notes = [f for f in parse_xml(rel.target_part.blob).findall(qn("w:footnote"))
                     if f.get(qn("w:type")) in (None, "normal")]
            if notes and not in_notes:
                lines.append("---")
            lines += [" ".join(_paragraph_text(p, set()) for p in f.iter(qn("w:p"))) for f in notes]
    return "\n\n".join(line for line in lines if line.strip()) + "\n"
