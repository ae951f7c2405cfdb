"""The named styles of the Word report: one definition each, installed into the document.

Without a template the report's look is these definitions (they replace python-docx's default
styles of the same name: blue Calibri headings are not a newsroom's). With an outlet's template
(profile.docx_template) the template's own styles win and only the ones it lacks are added, so an
outlet's "Quote" or "heading 1" is what the report uses. Styles are found by name, never by id:
a template saved by a localised Word has ids like "a5" for "Quote".

Paragraph styles: Normal, Title (headline), Lede, heading 1-3, Quote and one per side (Quote
Supportive / Quote Hostile / Quote Neutral: the colour of the rule at the left), caption (the side
of a quote, above it), Quote Attribution, Case Event, Note (the notes block), footnote text.
Character styles: footnote reference, Quote Id ("[#N]"), Quote Label ("translation:"), Quote
Translation, Hyperlink.
"""

from __future__ import annotations

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

FONT = "Georgia"
SIDE_COLOURS = {"supportive": "2E7D32", "hostile": "B71C1C", "neutral": "757575"}
SIDE_STYLES = {"supportive": "Quote Supportive", "hostile": "Quote Hostile", "neutral": "Quote Neutral"}
INDENT = 567  # twips: 1 cm, the indent of a quote block


def _rule(side: str, colour: str, size: int = 12) -> str:
    return f'<w:pBdr><w:{side} w:val="single" w:sz="{size}" w:space="10" w:color="{colour}"/></w:pBdr>'


def _size(half_points: int) -> str:
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


def definitions(lang_tag: str) -> list[tuple]:
    """(type, styleId, name, basedOn, next, pPr, rPr) of every style the report uses; the inner
    XML of pPr and rPr follows the schema's element order."""
    fonts = f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}" w:eastAsia="{FONT}"/>'
    bold = "<w:b/><w:bCs/>"
    quote_ppr = (f'<w:keepNext/><w:keepLines/>{_rule("left", "9E9E9E")}<w:spacing w:before="80" w:after="40"/>'
                 f'<w:ind w:left="{INDENT}" w:right="284"/>')
    out = [
        ("paragraph", "Normal", "Normal", None, None,
         '<w:widowControl/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/>',
         f'{fonts}{_size(22)}<w:lang w:val="{lang_tag}"/>'),
        ("paragraph", "Title", "Title", "Normal", "Lede",
         '<w:keepNext/><w:spacing w:after="200" w:line="240" w:lineRule="auto"/>', f"{bold}{_size(40)}"),
        ("paragraph", "Lede", "Lede", "Normal", "Normal", '<w:spacing w:after="240"/>', f"{bold}{_size(24)}"),
        ("paragraph", "Heading1", "heading 1", "Normal", "Normal",
         '<w:keepNext/><w:keepLines/><w:spacing w:before="360" w:after="120"/><w:outlineLvl w:val="0"/>',
         f"{bold}{_size(30)}"),
        ("paragraph", "Heading2", "heading 2", "Normal", "Normal",
         '<w:keepNext/><w:keepLines/><w:spacing w:before="280" w:after="80"/><w:outlineLvl w:val="1"/>',
         f"{bold}{_size(25)}"),
        ("paragraph", "Heading3", "heading 3", "Normal", "Normal",
         '<w:keepNext/><w:keepLines/><w:spacing w:before="200" w:after="60"/><w:outlineLvl w:val="2"/>',
         f"{bold}<w:i/><w:iCs/>{_size(22)}"),
        ("paragraph", "Quote", "Quote", "Normal", "Quote Attribution", quote_ppr, _size(21)),
        *[("paragraph", name.replace(" ", ""), name, "Quote", "Quote Attribution",
           f'<w:keepLines/>{_rule("left", SIDE_COLOURS[side])}', "")
          for side, name in SIDE_STYLES.items()],
        ("paragraph", "Caption", "caption", "Normal", "Normal",
         f'<w:keepNext/><w:spacing w:before="200" w:after="0"/><w:ind w:left="{INDENT}"/>',
         f'<w:caps/><w:color w:val="616161"/><w:spacing w:val="10"/>{_size(15)}'),
        ("paragraph", "QuoteAttribution", "Quote Attribution", "Normal", "Normal",
         f'<w:spacing w:before="40" w:after="200"/><w:ind w:left="{INDENT}"/>',
         f'<w:color w:val="424242"/>{_size(19)}'),
        ("paragraph", "CaseEvent", "Case Event", "Normal", "Case Event",
         '<w:spacing w:after="80"/><w:ind w:left="284" w:hanging="284"/>', ""),
        ("paragraph", "Note", "Note", "Normal", "Note",
         '<w:spacing w:after="60" w:line="240" w:lineRule="auto"/>', f'<w:color w:val="424242"/>{_size(16)}'),
        ("paragraph", "FootnoteText", "footnote text", "Normal", None,
         '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>', _size(16)),
        ("character", "FootnoteReference", "footnote reference", None, None, "", '<w:vertAlign w:val="superscript"/>'),
        ("character", "QuoteId", "Quote Id", None, None, "", f'<w:color w:val="757575"/>{_size(15)}'),
        ("character", "QuoteLabel", "Quote Label", None, None, "",
         f'<w:caps/><w:color w:val="757575"/>{_size(15)}'),
        ("character", "QuoteTranslation", "Quote Translation", None, None, "",
         '<w:i/><w:iCs/><w:color w:val="333333"/>'),
        ("character", "Hyperlink", "Hyperlink", None, None, "", '<w:color w:val="1F4E79"/><w:u w:val="single"/>'),
    ]
    return out


def style_names(styles_element) -> dict[str, str]:
    """{lower-case name: styleId} of the styles a document defines."""
    out = {}
    for s in styles_element.findall(qn("w:style")):
        name = s.find(qn("w:name"))
        if name is not None:
            out.setdefault(name.get(qn("w:val")).lower(), s.get(qn("w:styleId")))
    return out


def _default_language(root, lang_tag: str) -> None:
    """The document's language (spelling and hyphenation in Word) is the report's, also under a
    template: it belongs to the text, not to the look."""
    defaults = root.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = parse_xml(f'<w:docDefaults {nsdecls("w")}/>')
        root.insert(0, defaults)
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if rpr is None:
        holder = parse_xml(f'<w:rPrDefault {nsdecls("w")}><w:rPr/></w:rPrDefault>')
        defaults.insert(0, holder)
        rpr = holder[0]
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = parse_xml(f'<w:lang {nsdecls("w")}/>')
        rpr.append(lang)
    lang.set(qn("w:val"), lang_tag)


def install(doc, lang_tag: str, keep_existing: bool) -> dict[str, str]:
    """Put the report's styles into `doc`; returns {lower-case name: styleId} for every style.

    keep_existing: a template's style of the same name stays (its look is the outlet's);
    otherwise the definitions here replace python-docx's defaults."""
    root = doc.styles.element
    _default_language(root, lang_tag)
    have = style_names(root)
    ids = {s.get(qn("w:styleId")) for s in root.findall(qn("w:style"))}
    for kind, sid, name, based, nxt, ppr, rpr in definitions(lang_tag):
        key = name.lower()
        if key in have and keep_existing:
            continue
        if key in have:  # replace the default definition of this name
            old = next(s for s in root.findall(qn("w:style")) if s.get(qn("w:styleId")) == have[key])
            root.remove(old)
            ids.discard(have[key])
        while sid in ids:  # a template's unrelated style holds this id
            sid += "Report"
        link = f'<w:basedOn w:val="{have.get(based.lower(), based)}"/>' if based else ""
        link += f'<w:next w:val="{have.get(nxt.lower(), nxt.replace(" ", ""))}"/>' if nxt else ""
        custom = "" if name in ("Normal", "Title", "Quote", "Hyperlink") or name == key else ' w:customStyle="1"'
        default = ' w:default="1"' if name == "Normal" else ""
        xml = (f'<w:style {nsdecls("w")} w:type="{kind}"{default} w:styleId="{sid}"{custom}><w:name w:val="{name}"/>{link}'
               f'<w:qFormat/>' + (f"<w:pPr>{ppr}</w:pPr>" if ppr else "") + (f"<w:rPr>{rpr}</w:rPr>" if rpr else "")
               + "</w:style>")
        root.append(parse_xml(xml))
        have[key] = sid
        ids.add(sid)
    return have
