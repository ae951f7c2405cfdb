"""Authors by handle or name, and the comments search: word forms, prefixes, no syntax errors."""

import re
import sqlite3

import pytest


def count(page):
    return int(re.search(r'id="count">([\d,]+)', page).group(1).replace(",", ""))


def ids(page):
    return set(re.findall(r'name="ids" value="(\d+)"', page))


def store(home, sql):
    con = sqlite3.connect(home / "otklik.sqlite")
    rows = con.execute(sql).fetchall()
    con.close()
    return rows


def test_authors_without_a_handle_show_their_name_and_are_found_by_it(as_role, demo_home):
    eve = as_role("eve")
    names = store(demo_home, "SELECT author_name, count(*) FROM comment WHERE (author_handle IS NULL OR author_handle = '') "
                             "AND author_name IS NOT NULL GROUP BY author_name ORDER BY count(*) DESC")
    assert names, "the demo has comments whose author has only a name"
    name, n = names[0]
    typed = name[:3].lower()
    page = eve.get("/cases/demo/comments", params={"author": typed}).text
    expected = sum(k for nm, k in names if nm.lower().startswith(typed))
    assert count(page) >= expected
    assert f"<td>{name}</td>" in page
    assert "<td>?</td>" not in eve.get("/cases/demo/comments").text


def test_author_filter_is_a_case_insensitive_prefix_of_the_handle(as_role, demo_home):
    eve = as_role("eve")
    (handle, n), = store(demo_home, "SELECT author_handle, count(*) FROM comment WHERE author_handle <> '' "
                                    "GROUP BY author_handle ORDER BY count(*) DESC LIMIT 1")
    same_start = store(demo_home, f"SELECT count(*) FROM comment WHERE lower(author_handle) LIKE '{handle[:4].lower()}%'")[0][0]
    page = eve.get("/cases/demo/comments", params={"author": "@" + handle[:4].upper()}).text
    assert count(page) >= n and count(page) >= same_start


def test_search_finds_every_form_of_a_name(as_role, demo_home):
    eve = as_role("eve")
    (subject,), = store(demo_home, "SELECT subject FROM cases WHERE name='demo'")
    surname = subject.split()[-1]
    texts = store(demo_home, "SELECT id, text FROM comment")
    stem = surname.lower()[:-1]
    having = {str(i) for i, t in texts if re.search(rf"\b{stem}", t or "", re.I)}
    assert len(having) > 3
    base = eve.get("/cases/demo/comments", params={"q": surname}).text
    inflected = eve.get("/cases/demo/comments", params={"q": surname + "а"}).text
    prefix = eve.get("/cases/demo/comments", params={"q": surname.lower() + "*"}).text
    assert count(base) == count(inflected) == count(prefix) >= len({i for i in having})


@pytest.mark.parametrize("typed", ['"unbalanced', "a AND (", "NEAR(x", "col:word", "^", 'x"y'])
def test_search_never_shows_an_fts5_error(as_role, typed):
    eve = as_role("eve")
    r = eve.get("/cases/demo/comments", params={"q": typed})
    assert r.status_code == 200
    assert "fts5" not in r.text.lower() and "syntax error" not in r.text.lower()


def test_unsearchable_input_is_answered_in_words(as_role):
    eve = as_role("eve")
    r = eve.get("/cases/demo/comments", params={"q": "*"})
    assert "nothing to search for" in r.text
