"""Hostile and unlucky input: every value an importer decodes is range-checked, so a bad one is a
bad-record error naming file and record (skipped with --skip-bad), never a traceback; and a
seeded fuzzer over every importer's examples finds no traceback, no store change on failure and
no `verify` failure."""

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import snapshot

FIXTURES = Path(__file__).resolve().parent / "fixtures"
THREAD = FIXTURES / "youtube_api" / "thread.json"
INSTA = FIXTURES / "instaloader" / "graphql" / "2024-05-01_12-00-00_UTC_comments.json"


@pytest.fixture
def case(otk):
    otk("case", "new", "c1", "--subject", "Тимур Асхабов")
    return "c1"


def _thread_with(tmp_path, field, raw_value):
    """The YouTube thread example with its top-level comment's `field` set to `raw_value` (JSON text)."""
    text = THREAD.read_text(encoding="utf-8")
    old = {"likeCount": '"likeCount": 12', "publishedAt": '"publishedAt": "2024-05-01T10:00:00.000Z"',
           "textOriginal": '"textOriginal": "Свободу Мансуру!"', "id": '"id": "UgxThreadA000000000000001",\n      "snippet"'}
    new = {"id": f'"id": {raw_value},\n      "snippet"'}.get(field, f'"{field}": {raw_value}')
    assert old[field] in text
    path = tmp_path / "thread.json"
    path.write_text(text.replace(old[field], new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("field,raw_value,reason", [
    ("likeCount", "Infinity", "count is not a number"),
    ("likeCount", "NaN", "count is not a number"),
    ("likeCount", "123456789012345678901234567890", "count out of range"),
    ("publishedAt", '"99999999999999999999999"', "time out of range"),
    ("publishedAt", "1e20", "time out of range"),
    ("publishedAt", "1e300", "time out of range"),
    ("publishedAt", "-1e300", "time out of range"),
    ("textOriginal", '"a \\ud800 b"', "not valid Unicode"),
    ("id", '["a"]', "an id must be a string or an integer"),
    ("id", '{"a": 1}', "an id must be a string or an integer"),
])
def test_a_value_out_of_range_is_a_bad_record_named_and_skippable(otk, home, case, tmp_path, field, raw_value,
                                                                   reason):
    path = _thread_with(tmp_path, field, raw_value)
    before = snapshot(home)
    res = otk("import", "--case", case, path, ok=False)
    assert res.exit_code == 2
    assert f"{path}, $: unreadable record" in res.output and reason in res.output
    assert "Traceback" not in res.output
    assert snapshot(home) == before

    res = otk("import", "--case", case, path, "--skip-bad", "--json")
    s = json.loads(res.output)
    assert s["skipped"]["count"] == 1 and reason in s["skipped"]["reasons"][0]["reason"]
    assert s["comments"]["new"] == 1  # the inline reply is still imported
    assert otk("verify").exit_code == 0


def test_an_instaloader_time_of_1e300_is_skipped_with_skip_bad(otk, case, tmp_path):
    folder = tmp_path / "ex"
    folder.mkdir()
    path = folder / INSTA.name
    path.write_text(INSTA.read_text(encoding="utf-8").replace('"created_at": 1714570000', '"created_at": 1e300', 1),
                    encoding="utf-8")
    res = otk("import", "--case", case, path, "--skip-bad", "--json")
    s = json.loads(res.output)
    assert s["skipped"]["count"] == 1 and "$[0]" in s["skipped"]["reasons"][0]["where"]
    assert s["comments"]["new"] >= 1


@pytest.mark.parametrize("content", [
    "[" * 10000 + "]" * 10000,
    '{"a": ' * 10000 + "1" + "}" * 10000,
    '[{"id": "1", "created_at": 1714570000, "text": "x", "owner": {"id": "2", "username": "u"}, "answers": '
    + "[" * 10000 + "]" * 10000 + "}]",
])
def test_deep_nesting_is_a_clean_error(otk, home, case, tmp_path, content):
    path = tmp_path / "2024-05-01_12-00-00_UTC_comments.json"
    path.write_text(content, encoding="utf-8")
    before = snapshot(home)
    res = otk("import", "--case", case, path, ok=False)
    assert res.exit_code == 2 and str(path) in res.output and "Traceback" not in res.output
    assert snapshot(home) == before


def test_fuzzing_every_importer_finds_no_traceback(tmp_path):
    from otklik.ingest import fuzz

    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, fixtures)
    # seeded and of fixed size (20 mutants per format, about a second each alone): a failure
    # reproduces with `python -m otklik.ingest.fuzz --seed 7 --files 200`
    res = fuzz.run(200, seed=7, fixtures=fixtures)
    assert res.files == 200
    assert set(res.kinds) == set(fuzz.MUTATIONS)  # every mutation kind was tried
    assert res.failed_cleanly > 0 and res.ok > 0  # the mutants are neither all fine nor all refused
    assert res.tracebacks == []
    assert res.store_changed == []
    assert res.verify_failures == []
