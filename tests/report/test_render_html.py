"""The HTML report: semantic quotes with their attribution, footnotes with back-links, print rules
from the profile, every text escaped — and the verifier still reads it."""

import re
from html.parser import HTMLParser

import pytest

from otklik.report import marks, render_html
from otklik.report.compose import compose
from otklik.report.profile import Profile
from otklik.report.verify import verify_report

from .conftest import marker, quoted, report_with_sides



class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside each <cite>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.cites, self._in_cite = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "cite":
            self._in_cite = True
            self.cites.append("")

    def handle_endtag(self, tag):
        if tag == "cite":
            self._in_cite = False

    def handle_data(self, data):
        if self._in_cite:
            self.cites[-1] += data


def parse(html):
    t = Tags()
    t.feed(html)
    return t


def figures(html):
    return re.findall(r'<figure class="quote[^"]*".*?</figure>', html, re.S)


def test_quotes_are_blockquotes_with_cite_side_and_language(digest):
    report = report_with_sides(digest)
    html = render_html.render(report)
    blocks = [b for b in report["blocks"] if b["type"] == "quote"]
    figs = figures(html)
    assert len(figs) == len(blocks)
    for b, fig in zip(blocks, figs):
        assert f'data-comment-id="{b["comment_id"]}"' in fig and f'data-side="{b["side"]}"' in fig
        assert f'side-{b["side"]}' in fig and f'<p class="side">{render_html.SIDE_WORDS["ru"][b["side"]]}</p>' in fig
        tags = parse(fig)
        quotes = [a for t, a in tags.tags if t == "blockquote"]
        assert quotes[0]["class"] == "original"
        if b["lang"] not in ("ru", None, "und", "mixed"):  # a quote in another language says which
            assert quotes[0]["lang"] == b["lang"]
        else:
            assert "lang" not in quotes[0]
        if b.get("translation"):
            assert quotes[1] == {"class": "translation", "lang": "ru"}
        assert tags.cites == [b["attribution"]]
    assert any(b["lang"] != "ru" for b in blocks) and any(b.get("translation") for b in blocks)


def test_labels_link_to_footnotes_with_back_links(digest):
    report = compose(digest, "ru", marker("ru"))
    (mark, text), = marks.footnotes(report)
    html = render_html.render(report)
    body, notes = html.split('<section class="notes"')
    assert f'<a class="fnref" href="#fn-1" id="fnref-1" role="doc-noteref">{mark}</a>' in body
    assert text not in body
    footnotes = re.search(r'<ol class="footnotes".*?</ol>', notes, re.S).group(0)
    assert f'<li id="fn-1"><span class="mark">{mark}</span>{text}' in footnotes
    assert 'href="#fnref-1"' in footnotes


@pytest.mark.parametrize("name", ["{{7*7}}", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_a_hostile_author_name_comes_out_as_text(digest, name):
    digest["themes"][0]["quotes"][0]["author"] = name
    report = compose(digest, "en", marker("en"))
    html = render_html.render(report)
    tags = parse(html)
    assert any(name in c for c in tags.cites)  # read back as the very characters
    assert not any(t in ("script", "img") for t, _ in tags.tags)
    assert name in render_html.html_text(html)


def test_print_rules_follow_the_profile(digest):
    report = compose(digest, "en", marker("en"))
    assert re.search(r"@page\{size:A4;", render_html.render(report))
    assert re.search(r"@page\{size:letter;", render_html.render(report, profile=Profile(page="Letter")))
    html = render_html.render(report, profile=Profile(outlet='Outlet "<b>"'))
    assert '<meta name="author" content="Outlet &quot;&lt;b&gt;&quot;">' in html
    assert "<link" not in html and " src=" not in html and "<script" not in html


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_verifier_passes_on_the_html(digest, lang):
    html = render_html.render(report_with_sides(digest, lang))
    text = render_html.html_text(html)
    assert text.count("\n---\n") == 1
    assert verify_report(text, digest, quoted(digest), lang=lang, markdown=False) == []


def test_the_digest_s_numeric_stance_labels_are_read_as_sides(digest):
    report = compose(digest, "en", marker("en"))
    blocks = [b for b in report["blocks"] if b["type"] == "quote"][:4]
    for b, code in zip(blocks, (1, -1, "0", None)):
        b["side"] = code
    figs = figures(render_html.render(report))[:4]
    assert [re.search(r'data-side="(\w+)"', f).group(1) if "data-side" in f else None for f in figs] == \
        ["supportive", "hostile", "neutral", None]
