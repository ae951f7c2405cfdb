"""The report service and CLI on the analysed demo case: verified reports are written with a
custody entry; a report that fails verification is not written; `report check` finds edits."""

import hashlib
import json
import re
import sqlite3

import pytest

from otklik.report import service
from otklik.store import open_store
from tests.conftest import copy_workspace, report_cli


@pytest.fixture(scope="module")
def demo(analysed_demo, tmp_path_factory):
    """This module's copy of the session's analysed demo (the reports add custody entries)."""
    home = copy_workspace(analysed_demo, tmp_path_factory.mktemp("ws"))
    return home, open_store(home)


@pytest.fixture
def cli(demo):
    home, _ = demo

    return report_cli(home)


def custody_reports(home):
    con = sqlite3.connect(home / "otklik.sqlite")
    rows = con.execute("SELECT outputs, details FROM custody WHERE action='report' ORDER BY id").fetchall()
    con.close()
    return [(json.loads(o), json.loads(d)) for o, d in rows]


def test_report_is_written_with_labels_and_a_custody_entry(demo, cli, tmp_path):
    home, _ = demo
    out = tmp_path / "report.ru.md"
    res = cli("report", "--case", "demo", "--lang", "ru", "-o", out)
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    body, notes = text.rsplit("\n---\n", 1)
    assert body.count("Instagram") == body.count("Instagram\\*") > 1  # the shipped registry, every mention (house style)
    assert "Принадлежит компании Meta" in notes
    assert "**8 декабря 2026 года.** Последний день для обжалования" in body.replace("\u00a0", " ")  # case file
    outputs, details = custody_reports(home)[-1]
    assert outputs["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert details["format"] == "md" and details["lang"] == "ru"


def test_every_format_is_written(demo, cli, tmp_path):
    for fmt in ("html", "docx", "json"):
        out = tmp_path / f"report.en.{fmt}"
        res = cli("report", "--case", "demo", "--lang", "en", "--format", fmt, "-o", out)
        assert res.exit_code == 0, res.output
        assert out.stat().st_size > 1000
    assert 'data-raw-sha256="' in (tmp_path / "report.en.html").read_text(encoding="utf-8")


def test_verification_blocks_writing(demo, cli, tmp_path, monkeypatch):
    home, _ = demo
    real = service.compose

    def misquoting(digest, lang, marker=None, translator=None):
        report = real(digest, lang, marker, translator)
        q = next(b for b in report["blocks"] if b["type"] == "quote")
        q["text"] = q["text"].replace("Казахстан", "Кыргызстан")
        report["blocks"][0]["text"] += " 9999 человек подписали петицию."
        return report
    monkeypatch.setattr(service, "compose", misquoting)
    before = len(custody_reports(home))
    out = tmp_path / "bad.md"
    res = cli("report", "--case", "demo", "--lang", "ru", "-o", out)
    assert res.exit_code == 3
    assert "NOT written" in res.output and "quote" in res.output and "9999" in res.output
    assert not out.exists() and not list(tmp_path.iterdir())
    assert len(custody_reports(home)) == before
    with demo[1].begin() as conn, pytest.raises(service.ReportRejected) as e:
        service.write_report(conn, "demo", "en", "html", tmp_path / "bad.html")
    assert {p.kind for p in e.value.problems} == {"quote", "number"}
    assert not (tmp_path / "bad.html").exists()


def test_check_lists_edits_to_quotes_and_numbers(demo, cli, tmp_path):
    out = tmp_path / "report.ru.md"
    assert cli("report", "--case", "demo", "--lang", "ru", "-o", out).exit_code == 0
    res = cli("report", "check", "--case", "demo", out)
    assert res.exit_code == 0 and "every quote and number matches" in res.output

    text = out.read_text(encoding="utf-8")
    edited = text.replace("это будет по-человечески", "это будет правильно").replace("собрала 205", "собрала 215")
    out.write_text(edited, encoding="utf-8")
    res = cli("report", "check", "--case", "demo", out)
    assert res.exit_code == 3
    lines = [line for line in res.output.splitlines() if line.startswith("  line ")]
    assert len(lines) == 2
    assert any(": quote:" in line and "109" in line for line in lines)
    assert any(": number:" in line and "215" in line for line in lines)


def test_pseudonymised_attributions(demo, cli, tmp_path):
    out = tmp_path / "p.md"
    assert cli("report", "--case", "demo", "--lang", "en", "--pseudonymise", "-o", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "yulia.pro27" not in text
    assert re.search(r"\[#109\], wrote user\\?_[0-9a-f]{10}\.", text)
    assert cli("report", "check", "--case", "demo", out).exit_code == 0
