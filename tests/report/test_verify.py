"""The verifier: a report passes as generated and fails, with the line, once a quote or a number is edited."""

import pytest

from otklik.report import render_md
from otklik.report.compose import compose
from otklik.report.verify import normalise, verify_report

from .conftest import FakeTranslator, quoted, with_estimate


@pytest.fixture
def md(digest):
    return {lang: render_md.render(compose(digest, lang)) for lang in ("ru", "en")}


def problems(text, digest, **kw):
    return verify_report(text, digest, quoted(digest), **kw)


def test_generated_reports_pass(md, digest):
    assert problems(md["ru"], digest) == []
    assert problems(md["en"], digest) == []


def test_an_edited_quote_fails_with_its_line(md, digest):
    edited = md["ru"].replace("это будет по-человечески", "это будет справедливо")
    [p] = problems(edited, digest)
    assert p.kind == "quote" and "109" in p.message
    assert edited.splitlines()[p.line - 1].startswith("«Пусть Казахстан")


def test_whitespace_is_the_only_normalisation(md, digest):
    spaced = md["ru"].replace("Пусть Казахстан даст", "Пусть  Казахстан\nдаст")
    assert problems(spaced, digest) == []
    cased = md["ru"].replace("Пусть Казахстан даст", "пусть Казахстан даст")
    assert [p.kind for p in problems(cased, digest)] == ["quote"]
    dashed = md["ru"].replace("по-человечески", "по–человечески")
    assert [p.kind for p in problems(dashed, digest)] == ["quote"]
    assert normalise(" a\u00a0 b\n\tc ") == "a b c"


def test_a_quote_attributed_to_another_comment_fails(md, digest):
    other = next(cid for cid in quoted(digest) if cid != 109)  # another quoted comment
    edited = md["ru"].replace("[#109]", f"[#{other}]")
    assert [p.kind for p in problems(edited, digest)] == ["quote"]
    unknown = md["ru"].replace("[#109]", "[#99999]")
    assert [p.kind for p in problems(unknown, digest)] == ["reference"]


@pytest.mark.parametrize("lang,old,new,kind", [
    ("ru", "собрала 205 комментариев", "собрала 250 комментариев", "number"),
    ("ru", "161 подписчик", "1610 подписчик", "number"),
    ("ru", "около 59% (9–100%)", "около 59% (19–100%)", "percent"),
    ("ru", "к 22:20", "к 22:40", "time"),
    ("ru", "25 ноября 2026 года собрала", "26 ноября 2026 года собрала", "date"),
    ("en", "(178)", "(187)", "number"),
    ("en", "by 22:20", "by 22:40", "time"),  # the house style's default clock is 24h
    ("en", "December 8, 2026", "December 9, 2026", "date"),
])
def test_an_edited_number_fails(md, digest, lang, old, new, kind):
    assert old in md[lang].replace("\u00a0", " ")
    edited = md[lang].replace("\u00a0", " ").replace(old, new)
    found = problems(edited, digest, lang=lang)
    assert [p.kind for p in found] == [kind], found


def test_a_count_must_be_a_figure_of_its_kind(md, digest):
    # 161 is a digest figure (followers), but not a number of comments
    edited = md["ru"].replace("\u00a0", " ").replace("собрала 205 комментариев", "собрала 161 комментарий")
    assert [p.kind for p in problems(edited, digest)] == ["number"]


def test_a_number_added_to_the_text_fails(md, digest):
    edited = md["en"].replace("## Positions", "## Positions\n\nAbout 5000 people signed a petition.")
    [p] = problems(edited, digest)
    assert p.kind == "number" and p.found.startswith("5000")


def test_a_translation_may_not_add_numbers(digest):
    md = render_md.render(compose(digest, "en", translator=FakeTranslator(extra=" 300")))
    found = problems(md, digest)
    assert found and {p.kind for p in found} == {"translation"}


def test_notes_block_is_not_checked_for_numbers(md, digest):
    assert problems(md["ru"] + "\nПравки редактора 2 декабря, версия 3.\n", digest) == []
