"""The Word report is made for print: page, named styles, quotes as styled paragraphs, real
footnotes for labels, document properties — and the verifier still reads it."""

import io
import zipfile
from datetime import datetime

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from otklik.report import marks, render_docx
from otklik.report.compose import compose
from otklik.report.profile import Profile, ProfileError
from otklik.report.verify import verify_report

from .conftest import SIDES, marker, quoted, report_with_sides



def open_docx(data):
    return Document(io.BytesIO(data))


def quote_paragraphs(doc):
    return [p for p in doc.paragraphs if "[#" in p.text]


def based_on_quote(style):
    while style is not None:
        if style.name == "Quote":
            return True
        style = style.base_style
    return False


def test_page_is_a4_by_default_and_letter_from_the_profile(digest):
    report = compose(digest, "ru", marker("ru"))
    a4 = open_docx(render_docx.render(report)).sections[0]
    assert (a4.page_width.twips, a4.page_height.twips) == (11906, 16838)  # 210 × 297 mm
    assert a4.left_margin.twips == a4.right_margin.twips > 1000
    letter = open_docx(render_docx.render(report, profile=Profile(page="Letter"))).sections[0]
    assert (letter.page_width.twips, letter.page_height.twips) == (12240, 15840)  # 8.5 × 11 in


def test_quotes_are_styled_paragraphs_with_side_translation_and_attribution(digest):
    report = report_with_sides(digest)
    doc = open_docx(render_docx.render(report))
    assert not doc.tables  # no one-cell tables any more
    names = {s.name for s in doc.styles}
    assert {"Quote", "Caption", "footnote text", "footnote reference", "Title", "Heading 1", "Heading 2",
            "Quote Attribution", "Note"} <= names
    blocks = [b for b in report["blocks"] if b["type"] == "quote"]
    paragraphs = quote_paragraphs(doc)
    assert len(paragraphs) == len(blocks)
    body = list(doc.paragraphs)
    for b, p in zip(blocks, paragraphs):
        assert based_on_quote(p.style), p.style.name
        assert p.text.startswith(f"«{b['text']}» [#{b['comment_id']}]")
        if b.get("translation"):
            assert f"перевод: «{b['translation']}»" in p.text  # the original and its translation, both
        i = body.index(next(x for x in body if x._p is p._p))
        assert body[i - 1].style.name == "Caption"
        assert body[i - 1].text == render_docx.SIDE_WORDS["ru"][b["side"]]
        assert body[i + 1].style.name == "Quote Attribution" and b["attribution"] in body[i + 1].text
    assert any(b.get("translation") for b in blocks)
    # each side has its own style, told apart by the colour of the rule at the left
    colours = {}
    for side in SIDES:
        style = doc.styles[render_docx.docx_styles.SIDE_STYLES[side]]
        left = style.element.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:left')}")
        colours[side] = left.get(qn("w:color"))
    assert len(set(colours.values())) == 3


def test_labels_are_real_footnotes_referenced_from_the_body(digest):
    report = compose(digest, "ru", marker("ru"))
    (mark, text), = marks.footnotes(report)  # the demo names one designated platform
    data = render_docx.render(report)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "word/footnotes.xml" in z.namelist()
        footnotes = z.read("word/footnotes.xml").decode("utf-8")
        document = z.read("word/document.xml").decode("utf-8")
        rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
        types = z.read("[Content_Types].xml").decode("utf-8")
    assert text in footnotes and text not in document  # the label's text is a footnote, not a body line
    assert 'w:footnoteReference w:customMarkFollows="1" w:id="1"/>' in document
    assert 'w:footnote w:id="1"' in footnotes
    assert "relationships/footnotes" in rels and "/word/footnotes.xml" in types
    assert f"{mark}{text}".replace(" ", "") in render_docx.docx_text(data).replace(" ", "")


def test_no_literal_rule_and_notes_are_styled(digest):
    data = render_docx.render(compose(digest, "ru", marker("ru")))
    doc = open_docx(data)
    assert all(p.text.strip() != "---" for p in doc.paragraphs)
    notes = [p for p in doc.paragraphs if p.style.name == "Note"]
    assert notes and notes[0]._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:top')}") is not None
    text = render_docx.docx_text(data)
    assert text.count("\n---\n") == 1  # what the verifier needs to find the notes block


def test_document_properties_come_from_the_profile(digest):
    report = compose(digest, "en", marker("en"))
    cp = open_docx(render_docx.render(report)).core_properties
    assert cp.author == "otklik" and cp.last_modified_by == "otklik"
    assert cp.title == report["headline"] and cp.language == "en-US"
    newest = max(datetime.fromisoformat(b["published_at"].replace("Z", "+00:00"))
                 for b in report["blocks"] if b["type"] == "quote")
    assert cp.created == newest  # the data's time, not the template's 2013
    cp = open_docx(render_docx.render(report, profile=Profile(outlet="Кавказский узел", spelling="UK"))).core_properties
    assert cp.author == "Кавказский узел" and cp.language == "en-GB"
    assert "python-docx" not in (cp.author, cp.last_modified_by)


def test_an_outlets_template_gives_its_styles(digest, tmp_path):
    template = Document()
    quote = template.styles["Quote"]
    quote.font.size = Pt(30)
    quote.element.set(qn("w:styleId"), "a5")  # a localised Word's id for "Quote"
    template.add_paragraph("the template's own sample text")
    path = tmp_path / "outlet.docx"
    template.save(path)
    report = compose(digest, "ru", marker("ru"))
    doc = open_docx(render_docx.render(report, profile=Profile(docx_template=str(path))))
    assert "the template's own sample text" not in "\n".join(p.text for p in doc.paragraphs)
    plain = [p for p in quote_paragraphs(doc) if p.style.name == "Quote"]  # no side: the Quote style itself
    assert plain and all(p.style.style_id == "a5" and p.style.font.size == Pt(30) for p in plain)
    assert {"Quote Attribution", "Note", "footnote text"} <= {s.name for s in doc.styles}
    assert doc.sections[0].page_width.twips == 11906
    lang = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:val")) == "ru-RU"  # the text's language, whatever the template was written in


def test_a_template_that_is_not_a_docx_is_named_in_the_error(digest, tmp_path):
    bad = tmp_path / "outlet.docx"
    bad.write_text("not a zip")
    with pytest.raises(ProfileError, match="outlet.docx"):
        render_docx.render(compose(digest, "ru"), profile=Profile(docx_template=str(bad)))


def test_a_template_with_footnotes_keeps_one_footnotes_part(digest, tmp_path):
    report = compose(digest, "ru", marker("ru"))
    path = tmp_path / "with_notes.docx"
    path.write_bytes(render_docx.render(report))  # a template that already has footnotes
    data = render_docx.render(report, profile=Profile(docx_template=str(path)))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert [n for n in z.namelist() if "footnotes" in n] == ["word/footnotes.xml"]
        assert z.read("word/footnotes.xml").decode("utf-8").count('<w:footnote w:id="') == 1


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_verifier_passes_on_the_print_docx(digest, lang):
    data = render_docx.render(report_with_sides(digest, lang))
    assert verify_report(render_docx.docx_text(data), digest, quoted(digest), lang=lang, markdown=False) == []


def test_a_quote_over_several_lines_prints_on_one_and_still_verifies(digest):
    q = digest["themes"][0]["quotes"][0]
    q["text"] = "Первая строка.\n\nВторая\x0bстрока\tи табуляция"
    data = render_docx.render(compose(digest, "ru", marker("ru")))
    text = render_docx.docx_text(data)
    assert f"«Первая строка. Вторая строка и табуляция» [#{q['comment_id']}]" in text
    assert verify_report(text, digest, quoted(digest), lang="ru", markdown=False) == []
