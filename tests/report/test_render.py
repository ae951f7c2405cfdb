"""Each renderer writes the quotes with their comment ids, and what it writes verifies."""

import json

from otklik.report import render_docx, render_html, render_md
from otklik.report.compose import compose
from otklik.report.service import produce
from otklik.report.verify import verify_report

from .conftest import FakeTranslator, quoted, with_estimate


def quotes(report):
    return [b for b in report["blocks"] if b["type"] == "quote"]


def test_markdown_carries_each_quote_with_its_reference(digest):
    report = compose(digest, "ru")
    md = render_md.render(report)
    for q in quotes(report):
        assert f"» [#{q['comment_id']}]" in md
    assert md.count("[#") == len(quotes(report)) == 26  # 25 theme quotes and the proposals' reason


def test_html_is_self_contained_escaped_and_carries_ids_and_hashes(digest):
    digest["themes"][0]["quotes"][0]["text"] = "<script>alert(1)</script> & «да»"
    comments = quoted(digest)
    report = compose(digest, "en", translator=FakeTranslator())
    html = render_html.render(report)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; «да»" in html
    post_url = next(p["url"] for p in digest["posts"] if p.get("url"))  # the post's link is text, not a resource
    assert "http" not in html.split("<section")[0].replace('href="http', "").replace(post_url, "")  # no external resources
    assert "<link" not in html and "src=" not in html
    for q in quotes(report):
        assert f'data-comment-id="{q["comment_id"]}"' in html
        assert f'data-raw-sha256="{q["raw_sha256"]}"' in html
    assert 'class="translation"' in html  # side by side
    assert verify_report(render_html.html_text(html), digest, comments, markdown=False) == []


def test_docx_holds_quotes_with_ids_and_verifies(digest, tmp_path):
    report = compose(digest, "ru", translator=FakeTranslator())
    data = render_docx.render(report)
    path = tmp_path / "r.docx"
    path.write_bytes(data)
    text = render_docx.docx_text(path.read_bytes())
    for q in quotes(report):
        assert f"«{q['text']}» [#{q['comment_id']}]" in text
    assert "(перевод: «en→ru: Europe should take him." in text
    assert verify_report(text, digest, quoted(digest), markdown=False) == []


def test_docx_rendered_again_later_has_the_same_bytes(digest, monkeypatch):
    # a .docx is a zip that stamps each entry with the time of writing; the report's hash in the
    # custody log must be reproducible from the same digest at any later time
    import time

    report = compose(digest, "ru")
    first = render_docx.render(report)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3 * 86_400 + 3_601)
    assert render_docx.render(report) == first
    assert render_docx.docx_text(first).count("[#") == 26


def test_json_is_the_digest_plus_the_report(digest):
    data, report = produce(digest, quoted(digest), "en", "json")
    out = json.loads(data)
    assert out["digest"] == digest
    assert out["report"]["headline"] == report["headline"]
    ids = {q["comment_id"] for q in quotes(out["report"])}
    assert ids and ids <= set(quoted(digest))
