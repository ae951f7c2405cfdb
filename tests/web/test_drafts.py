"""Report drafts that survive: an edited draft exports in every format, is checked figure by figure
against the report it started from, and after the data changes its untouched figures are refreshed
while an edited sentence whose figures changed is flagged."""

import html
import io
import re
import sqlite3

from docx import Document

from .conftest import csrf_of


def generated_body(e, lang="ru"):
    page = e.get(f"/cases/demo/report?lang={lang}").text
    return html.unescape(re.search(r'<textarea id="report-text"[^>]*>(.*?)</textarea>', page, re.S).group(1))


def save(e, body, lang="ru"):
    r = e.post("/cases/demo/report/save", data={"lang": lang, "text": body, "csrf": csrf_of(e)})
    assert r.status_code in (200, 303)


def export(e, fmt, lang="ru"):
    return e.post("/cases/demo/report/export", data={"lang": lang, "format": fmt, "csrf": csrf_of(e)})


def engagement(body):
    """The generated line with the post's comment count (the first count of comments), and that count."""
    line = next(line for line in body.splitlines() if re.search(r"\d+\s?комментари", line))
    return line, re.search(r"(\d+)\s?комментари", line).group(1)


def reheaded(body):
    """The editor's edit that touches no figure: a new headline."""
    return re.sub(r"(?m)\A# .*$", "# Заголовок редактора", body)


def reworded(line):
    """The editor's edit of the sentence with the count: words added after it."""
    return re.sub(r"(\d+\s?комментари\w*)", r"\1 (по данным редакции)", line, count=1)


def change_observed_count(home, old, new):
    """The data changes under the draft: the post's observed comment count is corrected."""
    con = sqlite3.connect(home / "otklik.sqlite")
    n = con.execute("UPDATE observation SET value = ? WHERE entity_type = 'post' AND metric = 'comments' AND value = ?",
                    (new, old)).rowcount
    con.commit()
    con.close()
    assert n >= 1


def test_an_edited_draft_exports_as_html_and_docx(as_role):
    e = as_role("eve")
    body = generated_body(e)
    save(e, body)  # the base: the generated report
    edited = reheaded(body)
    assert edited != body
    save(e, edited)
    r = export(e, "draft-html")
    assert r.status_code == 200 and r.text.lower().startswith("<!doctype html")
    assert "Заголовок редактора" in r.text
    assert "data-raw-sha256" in r.text  # quotes keep their provenance
    r = export(e, "draft-docx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "Заголовок редактора" in text


def test_another_figure_of_the_data_in_a_draft_is_flagged(as_role):
    e = as_role("eve")
    body = generated_body(e)
    save(e, body)
    line, count = engagement(body)
    other = re.search(r"(\d+)\s?подписчик", line).group(1)  # the followers: a figure of the data too
    r = e.post("/cases/demo/report/verify", data={"lang": "ru", "text": body.replace(line, line.replace(count, other)),
                                                   "csrf": csrf_of(e)}, headers={"X-Requested-With": "fetch"})
    assert "problem(s)" in r.text and count in r.text  # says what it should be


def test_after_the_data_changes_untouched_figures_are_refreshed(as_role, demo_home):
    e = as_role("eve")
    body = generated_body(e)
    save(e, body)
    line, count = engagement(body)
    save(e, reheaded(body))
    change_observed_count(demo_home, int(count), int(count) + 7)
    r = export(e, "draft")
    assert r.status_code == 200, r.text
    assert line.replace(count, str(int(count) + 7)) in r.text  # refreshed: the editor did not touch it
    assert "Заголовок редактора" in r.text  # the editor's edit is kept


def test_an_edited_sentence_whose_figure_changed_is_flagged(as_role, demo_home):
    e = as_role("eve")
    body = generated_body(e)
    save(e, body)
    line, count = engagement(body)
    save(e, body.replace(line, reworded(line)))
    change_observed_count(demo_home, int(count), int(count) + 7)
    r = export(e, "draft-html")
    assert r.status_code == 409
    assert f"should be '{int(count) + 7}'" in html.unescape(r.text)  # what the edited sentence must say now
    # the refreshed draft is saved: the editor sees exactly that sentence flagged, nothing else
    refreshed = generated_body(e)
    assert "по данным редакции" in refreshed
    r = e.post("/cases/demo/report/verify", data={"lang": "ru", "text": refreshed, "csrf": csrf_of(e)},
               headers={"X-Requested-With": "fetch"})
    assert len(re.findall(r'<mark class="bad"', r.text)) == 1
