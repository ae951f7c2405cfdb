"""Format detection reads a file's structure, not a fixed window of bytes: long values before the
keys, a UTF-8 BOM and cells of any size do not stop a valid export from importing."""

import json
from pathlib import Path

from otklik.importers import Options, detect
from otklik.importers.base import HEAD_BYTES, read_checked
from otklik.importers.generic import csv_records
from otklik.model import CommentRec, Item, Skip

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _comments(imp, path, opts=None):
    out = list(read_checked(imp, path, opts or Options()))
    assert not [r for r in out if isinstance(r, Skip)]
    return [e for r in out if isinstance(r, Item) for e in r.entities if isinstance(e, CommentRec)]


def test_a_twarc_file_whose_first_tweet_is_longer_than_the_head_is_detected(tmp_path):
    lines = (FIXTURES / "twarc" / "thread.jsonl").read_text(encoding="utf-8").splitlines()
    page = json.loads(lines[0])
    long_text = "Свободу! " * (80_000 // 9)
    page["data"][0]["text"] = long_text
    lines[0] = json.dumps(page, ensure_ascii=False)
    path = tmp_path / "thread.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(long_text.encode()) > HEAD_BYTES
    imp = detect(path)
    assert imp.name == "twarc2"
    assert long_text in [c.text for c in _comments(imp, path)]


def test_a_zeeschuimer_export_with_a_bom_is_detected_and_read(tmp_path):
    src = FIXTURES / "zeeschuimer" / "zeeschuimer-export-twitter.com-2024-05-01T120000.ndjson"
    path = tmp_path / "export.ndjson"  # a name that does not give the format away
    path.write_bytes(b"\xef\xbb\xbf" + src.read_bytes())
    imp = detect(path)
    assert imp.name == "zeeschuimer"
    assert len(_comments(imp, path)) == len(_comments(imp, src))


def test_a_csv_cell_larger_than_the_csv_module_default_is_read(tmp_path):
    big = "очень длинный комментарий " * 10_000  # ~ 480 KB, over csv's 128 KB default limit
    path = tmp_path / "rows.csv"
    path.write_text(f'id,text\n1,"{big}"\n2,short\n', encoding="utf-8")
    rows = [cells for _, _, cells in csv_records(path)]
    assert rows == [["id", "text"], ["1", big], ["2", "short"]]
