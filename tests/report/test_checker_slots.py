"""The slot checker: a figure stays the figure of its place, a quote stays its author's and under
its heading; the publication copy (no [#N]) is checked through its slot map."""

import re

import pytest

from otklik.report import render_md, slotcheck, slots
from otklik.report.compose import compose
from otklik.report.verify import unescape_markdown, verify_report

from .conftest import quoted


def make(digest, lang, markers=True):
    report = compose(digest, lang)
    text = render_md.render(report, markers=markers)
    return text, slots.build(text, report, digest, copy="annotated" if markers else "publication")


def check(text, slotmap, digest):
    return slotcheck.check(text, slotmap, digest, quoted(digest))


def flat(text):
    return text.replace("\u00a0", " ")


@pytest.mark.parametrize("lang,pattern,new,kind,should", [
    ("ru", r"(?<!\d)224(?= пользовател)", "216", "number", "224"),  # 216: the users without the bursts
    ("ru", r"(?<=Турци. \()6(?!\d)", "9", "number", "6"),  # 9: the count of Germany beside it
    ("ru", r"(?<!\d)25(?= ноября)", "24", "date", "25 ноября"),  # 24 ноября: a case-file date
    ("en", r"(?<=\()178(?=\))", "27", "number", "178"),
    ("en", r"(?<=\)) supported(?= )", " opposed", "stance", "supported"),
])
def test_another_figure_of_the_digest_is_caught_with_what_it_should_be(digest, lang, pattern, new, kind, should):
    text, slotmap = make(digest, lang)
    text = flat(text)
    m = re.search(pattern, text)
    assert m, pattern
    edited = text[:m.start()] + new + text[m.end():]
    assert verify_report(edited, digest, quoted(digest), lang=lang) == []  # values alone: it passes
    found = check(edited, slotmap, digest)
    assert [p.kind for p in found] == [kind], found
    assert should in found[0].message
    assert found[0].line == text.count("\n", 0, m.start()) + 1


def test_a_swapped_author_is_caught(digest):
    text, slotmap = make(digest, "ru")
    a, b = "yulia.pro27", "yulia.8833"
    edited = text.replace(f"пользователь {a}.", "\0").replace(f"пользователь {b}.", f"пользователь {a}.").replace("\0", f"пользователь {b}.")
    found = check(edited, slotmap, digest)
    assert sorted(p.kind for p in found) == ["author", "author"]
    assert any(a in p.message for p in found) and any(b in p.message for p in found)


def test_a_quote_moved_under_another_heading_is_caught(digest):
    text, slotmap = make(digest, "ru", markers=False)
    lines = text.split("\n")
    i = next(k for k, line in enumerate(lines) if line.startswith("«Террористам"))
    moved = lines.pop(i)
    j = next(k for k, line in enumerate(lines) if line.startswith("### ") and "Европу" in line)
    lines[j + 1:j + 1] = ["", moved]
    found = check("\n".join(lines), slotmap, digest)
    assert [p.kind for p in found] == ["placement"]
    assert "Казахстан" in found[0].message  # the heading it came from


def test_a_dropped_marker_then_an_edited_quote_is_caught(digest):
    text, slotmap = make(digest, "ru")
    edited = text.replace("даст ему убежище, это будет по-человечески» [#109]", "даст ему убежище, это будет правильно»")
    found = check(edited, slotmap, digest)
    assert [p.kind for p in found] == ["quote"] and "109" in found[0].message
    assert edited.splitlines()[found[0].line - 1].startswith("«Пусть Казахстан")


def test_the_publication_copy_has_no_store_ids_and_is_checked_through_its_map(digest):
    text, slotmap = make(digest, "en", markers=False)
    body = text[:text.rindex("\n---")]
    assert "[#" not in body and "square brackets" not in text
    assert check(text, slotmap, digest) == []
    edited = text.replace("это будет по-человечески", "это будет справедливо")
    [p] = check(edited, slotmap, digest)
    assert p.kind == "quote" and "109" in p.message


def test_an_editors_rewording_passes_and_a_new_figure_does_not(digest):
    text, slotmap = make(digest, "ru")
    lines = text.split("\n")
    notes = next(k for k in range(len(lines) - 1, -1, -1) if lines[k].strip() == "---")
    paras = [k for k in range(notes) if lines[k] and lines[k][0] not in "#*-«“" and re.search(r"\d", lines[k])]
    quotes = [k for k in range(notes) if lines[k].startswith("«")]
    reworded = list(lines)
    reworded[0] = "# Заголовок редактора"  # a new headline
    first, *words = reworded[paras[0]].split(" ")
    reworded[paras[0]] = " ".join([first, "также", *words])  # a word added
    q = reworded[quotes[0]]  # a quote cut to its opening words (still a verbatim span)
    inner = q[1:q.index("»")]
    reworded[quotes[0]] = "«" + " ".join(inner.split(" ")[:3]) + q[q.index("»"):]
    reworded[quotes[1]] = ""  # a quote cut
    reworded[paras[-1]] = ""  # a paragraph cut
    reworded = "\n".join(reworded)
    assert check(reworded, slotmap, digest) == []
    added = reworded.replace("# Заголовок редактора", "# Заголовок редактора\n\nПетицию подписали 5000 человек.")
    [p] = check(added, slotmap, digest)
    assert p.kind == "number" and p.found.startswith("5000")


def test_a_commenter_whose_name_looks_like_a_template_passes(digest):
    digest["themes"][0]["quotes"][0]["author"] = "{{9191*7}}"  # 9191 is no figure of the digest
    for lang in ("ru", "en"):
        text, slotmap = make(digest, lang)
        assert "{{9191\\*7}}" in text
        assert verify_report(text, digest, quoted(digest), lang=lang) == []
        assert check(text, slotmap, digest) == []
        [p] = check(text.replace("{{9191\\*7}}", "{{9191\\*8}}"), slotmap, digest)
        assert p.kind == "author"


def test_the_annotated_appendix_gives_every_quotes_sources(digest):
    text, slotmap = make(digest, "ru")
    annotated = text + render_md.annotation_appendix(slotmap)
    appendix = unescape_markdown(annotated[len(text):])
    q = next(q for q in slotmap["quotes"] if q["comment_id"] == 109)
    assert q["raw_sha256"] in appendix and q["digest_path"] == "themes[0].quotes[0]"
    assert "posts[3].comments_observed.value" in appendix  # where 205 comes from
    assert check(annotated, slotmap, digest) == []
    assert verify_report(annotated, digest, quoted(digest)) == []


def test_a_moved_section_keeps_its_figures_bound(digest):
    text, slotmap = make(digest, "ru")
    lines = text.split("\n")
    notes = next(k for k in range(len(lines) - 1, -1, -1) if lines[k].strip() == "---")
    heads = [k for k, line in enumerate(lines[:notes]) if line.startswith("## ")]
    start, end = heads[-3], heads[-2]  # a section from the end of the body, moved before the first one
    section = lines[start:end]
    rest = lines[:start] + lines[end:]
    moved = rest[:heads[0]] + section + rest[heads[0]:]
    assert check("\n".join(moved), slotmap, digest) == []  # a section moved whole is still right
    m = re.search(r"\((\d+)", "\n".join(section))
    assert m, section
    other = next(n for n in re.findall(r"\d+", "\n".join(lines[:heads[0]])) if n != m.group(1))  # a figure of the lead
    wrong = "\n".join(moved).replace(m.group(0), f"({other}", 1)
    assert [p.kind for p in check(wrong, slotmap, digest)] == ["number"]
