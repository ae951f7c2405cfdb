"""`otklik report --copy/--profile` and `otklik report check` with the slot map beside the report."""

import hashlib
import json
import re
import sqlite3

import pytest

from otklik.store import open_store
from tests.conftest import copy_workspace, report_cli


@pytest.fixture(scope="module")
def home(analysed_demo, tmp_path_factory):
    home = copy_workspace(analysed_demo, tmp_path_factory.mktemp("ws"))
    open_store(home).dispose()
    return home


@pytest.fixture
def cli(home):
    return report_cli(home)


def body(text):
    return text[:[m.start() for m in re.finditer(r"(?m)^---\s*$", text)][-1]]


def test_both_copies_are_written_with_their_slot_maps_in_custody(cli, home, tmp_path):
    out = tmp_path / "report.ru.md"
    res = cli("report", "--case", "demo", "--lang", "ru", "--copy", "both", "-o", out)
    assert res.exit_code == 0, res.output
    annotated = tmp_path / "report.ru.annotated.md"
    pub, ann = out.read_text(encoding="utf-8"), annotated.read_text(encoding="utf-8")
    assert "[#" not in body(pub) and re.search(r"» \[#\d+\]", body(ann))
    slotmap = json.loads((tmp_path / "report.ru.annotated.md.slots.json").read_text(encoding="utf-8"))
    q = slotmap["quotes"][0]
    assert q["raw_sha256"] in ann and q["digest_path"].replace("[", "\\[").replace("]", "\\]") in ann
    con = sqlite3.connect(home / "otklik.sqlite")
    rows = [json.loads(o) for (o,) in con.execute("SELECT outputs FROM custody WHERE action='report' ORDER BY id DESC LIMIT 2")]
    con.close()
    for o in rows:
        side = o["slots"]["path"]
        assert o["slots"]["sha256"] == hashlib.sha256(open(side, "rb").read()).hexdigest()
        assert o["sha256"] == hashlib.sha256(open(o["path"], "rb").read()).hexdigest()
    for f in (out, annotated):
        res = cli("report", "check", "--case", "demo", f)
        assert res.exit_code == 0 and "matches the data" in res.output, res.output


def test_check_of_a_publication_copy_says_what_a_figure_should_be(cli, tmp_path):
    out = tmp_path / "pub.md"
    assert cli("report", "--case", "demo", "--lang", "ru", "--copy", "publication", "-o", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if re.search(r"\d+\s?подписчик", x) and re.search(r"\d+\s?комментари", x))
    counted = re.search(r"(\d+)\s?комментари", line).group(1)
    followers = re.search(r"(\d+)\s?подписчик", line).group(1)  # another figure of the same data
    out.write_text(text.replace(line, re.sub(rf"(?<!\d){counted}(?=\s?комментари)", followers, line)), encoding="utf-8")
    res = cli("report", "check", "--case", "demo", out)
    assert res.exit_code == 3
    [line] = [x for x in res.output.splitlines() if x.startswith("  line ")]
    assert f"should be '{counted}'" in line and "comments_observed" in line


def test_a_broken_slot_map_is_named(cli, tmp_path):
    out = tmp_path / "r.md"
    assert cli("report", "--case", "demo", "--lang", "en", "-o", out).exit_code == 0
    side = tmp_path / "r.md.slots.json"
    side.write_text("{not json", encoding="utf-8")
    res = cli("report", "check", "--case", "demo", out)
    assert res.exit_code == 2 and "r.md.slots.json" in res.output


def test_the_profile_decides_the_labels(cli, tmp_path):
    default = tmp_path / "default.md"
    assert cli("report", "--case", "demo", "--lang", "ru", "-o", default).exit_code == 0
    assert "Instagram\\*" in default.read_text(encoding="utf-8")
    profile = tmp_path / "outlet.toml"
    profile.write_text('[profile]\noutlet = "Тест"\nlabel_ru = "inline"\n', encoding="utf-8")
    out = tmp_path / "inline.md"
    res = cli("report", "--case", "demo", "--lang", "ru", "--profile", profile, "-o", out)
    assert res.exit_code == 0, res.output
    assert "Instagram\\*" not in out.read_text(encoding="utf-8")
    profile.write_text('[profile]\nlabel_ru = "bold"\n', encoding="utf-8")
    res = cli("report", "--case", "demo", "--lang", "ru", "--profile", profile, "-o", tmp_path / "x.md")
    assert res.exit_code == 2 and "outlet.toml" in res.output and "label_ru" in res.output


def test_refresh_after_the_data_changed(analysed_demo, tmp_path):
    home = copy_workspace(analysed_demo, tmp_path / "ws")

    run = report_cli(home)

    untouched, edited = tmp_path / "a.md", tmp_path / "b.md"
    for f in (untouched, edited):
        assert run("report", "--case", "demo", "--lang", "ru", "-o", f).exit_code == 0
    text = untouched.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if re.search(r"\d+\s?комментари", x))
    count = int(re.search(r"(\d+)\s?комментари", line).group(1))
    assert run("report", "refresh", "--case", "demo", untouched).output.endswith("has not changed since this report was generated\n")
    headed = re.sub(r"(?m)\A# .*$", "# Заголовок редактора", text)  # an edit that touches no figure
    untouched.write_text(headed, encoding="utf-8")
    reworded = re.sub(r"(\d+\s?комментари\w*)", r"\1 (по данным редакции)", line, count=1)  # the count's own sentence
    edited.write_text(headed.replace(line, reworded), encoding="utf-8")
    con = sqlite3.connect(home / "otklik.sqlite")  # the data changes: the post's count is corrected
    assert con.execute("UPDATE observation SET value = ? WHERE entity_type = 'post' AND metric = 'comments' AND value = ?",
                       (count + 7, count)).rowcount >= 1
    con.commit()
    con.close()
    assert run("report", "check", "--case", "demo", untouched).exit_code == 3  # stale against the new data

    res = run("report", "refresh", "--case", "demo", untouched)
    assert res.exit_code == 0, res.output
    text = untouched.read_text(encoding="utf-8")
    assert line.replace(str(count), str(count + 7)) in text and "Заголовок редактора" in text
    assert run("report", "check", "--case", "demo", untouched).exit_code == 0

    res = run("report", "refresh", "--case", "demo", edited)
    assert res.exit_code == 3
    [flag] = [x for x in res.output.splitlines() if x.startswith("  line ")]
    assert f"{count} → {count + 7}" in flag
    text = edited.read_text(encoding="utf-8")
    assert reworded in text and "Заголовок редактора" in text
    res = run("report", "check", "--case", "demo", edited)
    assert res.exit_code == 3 and f"should be '{count + 7}'" in res.output
