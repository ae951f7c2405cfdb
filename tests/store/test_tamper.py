"""The tamper suite: each edit made the way someone holding the SQLite file would make it (open it,
drop the append-only triggers, edit, recompute the hashes, re-create the triggers), and
`otklik verify` finds every one, exiting 3 with a line that names what changed."""

import hashlib
import json
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import lz4.frame
import pytest

from tests.conftest import cli_in, comment, write_instaloader

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


_cli = cli_in


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A case with an Instaloader export imported, then a later export of it in which comment 103's
    text was edited and its likes grew (so the comment has two reads), then an export of the case."""
    tmp = tmp_path_factory.mktemp("tamper")
    home = tmp / "ws"
    otk = _cli(home)
    otk("case", "new", "c1", "--subject", "Тимур Асхабов")
    first = [comment(101, "Не выдавайте его", 1, answers=[comment("102", "@user1 согласен", 2)]),
             comment("103", "Помогите ему", 3, likes=4), comment(104, "Free Timur!", 1, likes=138)]
    otk("import", "--case", "c1", write_instaloader(tmp / "a", first), "--captured-at", "2026-03-01T12:00:00Z")
    later = [dict(c) for c in first]
    later[1] = comment("103", "Помогите ему, пожалуйста", 3, likes=9)
    otk("import", "--case", "c1", write_instaloader(tmp / "b", later), "--captured-at", "2026-03-02T12:00:00Z")
    otk("export", "--case", "c1", "-o", tmp / "out.csv")
    return home


@pytest.fixture
def ws(pristine, tmp_path):
    home = tmp_path / "ws"
    shutil.copytree(pristine, home)
    return home


@contextmanager
def attacker(home):
    """The SQLite file opened directly, the append-only triggers dropped for the edit and put back
    exactly as they were afterwards."""
    con = sqlite3.connect(home / "otklik.sqlite")
    triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _ in triggers:
        con.execute(f"DROP TRIGGER {name}")
    yield con
    for _, sql in triggers:
        con.execute(sql)
    con.commit()
    con.close()


def latest_read(con, cid):
    """The raw record a comment was last read from (the one its text and likes come from)."""
    return con.execute("SELECT max(raw_id) FROM (SELECT raw_id FROM comment WHERE id = :c UNION ALL "
                       "SELECT raw_id FROM sighting WHERE entity_type = 'comment' AND entity_id = :c)",
                       {"c": cid}).fetchone()[0]


def comment_id(con, platform_id):
    return con.execute("SELECT id FROM comment WHERE platform_id = ?", (platform_id,)).fetchone()[0]


def failed(home, *args):
    res = _cli(home)("verify", *args, ok=False)
    assert res.exit_code == 3 and "FAILED" in res.output, res.output
    return res.output


def rewrite_record(con, raw_id, edit):
    """Replace a raw record's bytes by edit(bytes) (same length), recompressing its chunk and
    storing the new bytes' SHA-256: the record is consistent with its own hash again."""
    cid, off, size = con.execute('SELECT chunk_id, "offset", size FROM raw_record WHERE id = ?', (raw_id,)).fetchone()
    data = bytearray(lz4.frame.decompress(con.execute("SELECT data FROM raw_chunk WHERE id = ?", (cid,)).fetchone()[0]))
    new = edit(bytes(data[off:off + size]))
    assert len(new) == size and new != data[off:off + size]
    data[off:off + size] = new
    con.execute("UPDATE raw_chunk SET data = ? WHERE id = ?", (lz4.frame.compress(bytes(data)), cid))
    con.execute("UPDATE raw_record SET sha256 = ? WHERE id = ?", (hashlib.sha256(new).digest(), raw_id))


def test_the_untouched_store_verifies_with_every_comment_checked_against_its_raw_records(ws):
    res = _cli(ws)("verify", "--json")
    out = json.loads(res.output)
    assert out["ok"] and out["mismatches"] == [] and out["custody_problems"] == []
    assert out["comments_checked"] == 4


def test_a_comment_text_edited_and_the_search_index_rebuilt_is_found_and_not_rebuilt_over(ws):
    with attacker(ws) as con:
        cid = comment_id(con, "103")
        con.execute("UPDATE comment SET text = 'Пусть отвечает по закону' WHERE id = ?", (cid,))
        con.execute("INSERT INTO comment_fts(comment_fts) VALUES('rebuild')")
    out = failed(ws)
    assert f"comment {cid} (instagram:103): text is 'Пусть отвечает по закону'" in out
    assert "says 'Помогите ему, пожалуйста'" in out  # the latest export's text, not the first
    res = _cli(ws)("verify", "--rebuild-search", ok=False)
    assert res.exit_code == 3 and "search index was not rebuilt" in res.output
    con = sqlite3.connect(ws / "otklik.sqlite")
    assert con.execute("SELECT count(*) FROM custody WHERE action = 'rebuild-search'").fetchone()[0] == 0


@pytest.mark.parametrize("column, value, field", [
    ("likes", 938, "likes"),
    ("published_at", "2026-02-01T00:00:00Z", "published_at"),
    ("author_handle", "user2", "author_handle"),
    ("author_name", "Someone Else", "author_name"),
    ("author_id", "(SELECT author_id FROM comment WHERE platform_id = '102')", "author"),
    ("edited", 0, "edited"),
])
def test_a_comment_field_edited_is_found_naming_comment_and_field(ws, column, value, field):
    with attacker(ws) as con:
        cid = comment_id(con, "103")
        if isinstance(value, str) and value.startswith("(SELECT"):
            con.execute(f"UPDATE comment SET {column} = {value} WHERE id = ?", (cid,))
        else:
            con.execute(f"UPDATE comment SET {column} = ? WHERE id = ?", (value, cid))
    out = failed(ws)
    assert f"comment {cid} (instagram:103): {field} is " in out
    assert out.count("MISMATCH") == 1


def test_a_record_rewritten_with_its_hash_recomputed_is_found_by_its_import_digest(ws):
    # the thorough attacker: the record's bytes, its hash, the comment made from it and the
    # search index all agree with each other afterwards
    with attacker(ws) as con:
        cid = comment_id(con, "104")
        raw_id = latest_read(con, cid)
        run = con.execute("SELECT import_id FROM raw_record WHERE id = ?", (raw_id,)).fetchone()[0]
        rewrite_record(con, raw_id, lambda b: b.replace(b"Free Timur!", b"Jail Timur!"))
        con.execute("UPDATE comment SET text = 'Jail Timur!', edited = 1 WHERE id = ?", (cid,))  # as a re-import would
        con.execute("INSERT INTO comment_fts(comment_fts) VALUES('rebuild')")
    out = failed(ws)
    assert f"import run {run}: the raw records' hashes do not match the digest in its custody entry" in out
    assert out.count("MISMATCH") == 1  # the comment agrees with its (rewritten) record


def test_a_record_rewritten_alone_is_found_in_the_comment_it_was_read_into(ws):
    with attacker(ws) as con:
        cid = comment_id(con, "104")
        raw_id = latest_read(con, cid)
        rewrite_record(con, raw_id, lambda b: b.replace(b'"likes_count": 138', b'"likes_count": 938'))
    out = failed(ws)
    assert f"comment {cid} (instagram:104): likes is 138 but its raw record {raw_id} says 938" in out
    assert "the raw records' hashes do not match the digest" in out


def test_records_deleted_or_added_with_the_chunk_rewritten_are_found_by_the_count_and_digest(ws):
    with attacker(ws) as con:
        run, last = con.execute("SELECT import_id, max(id) FROM raw_record WHERE import_id = "
                                "(SELECT max(import_id) FROM raw_record)").fetchone()
        con.execute("DELETE FROM sighting WHERE raw_id = ?", (last,))
        con.execute("UPDATE comment SET raw_id = raw_id WHERE raw_id = ?", (last,))
        chunk, off = con.execute('SELECT chunk_id, "offset" FROM raw_record WHERE id = ?', (last,)).fetchone()
        data = lz4.frame.decompress(con.execute("SELECT data FROM raw_chunk WHERE id = ?", (chunk,)).fetchone()[0])
        con.execute("UPDATE raw_chunk SET data = ?, size = ? WHERE id = ?",
                    (lz4.frame.compress(data[:off]), off, chunk))
        con.execute("DELETE FROM raw_record WHERE id = ?", (last,))
    out = failed(ws)
    assert f"import run {run}:" in out and "raw record(s) stored, its custody entry says" in out


def test_the_last_custody_entry_deleted_is_found_against_an_anchor_and_said_to_be_undetectable_without(ws, tmp_path):
    anchor = tmp_path / "elsewhere" / "head.json"
    anchor.parent.mkdir()
    res = _cli(ws)("verify", "--export-anchor", anchor)
    head = json.loads(anchor.read_text())
    assert res.exit_code == 0 and head["action"] == "export"
    assert _cli(ws)("verify", "--anchor", anchor).exit_code == 0
    with attacker(ws) as con:
        con.execute("DELETE FROM custody WHERE id = (SELECT max(id) FROM custody)")
    out = failed(ws, "--anchor", anchor)
    assert f"custody entry {head['entry_id']} of the anchor is missing" in out
    res = _cli(ws)("verify")  # no anchor: the chain that is left holds, and the output says what it cannot see
    assert res.exit_code == 0 and "entries removed from the end of the custody log cannot be detected" in res.output


def test_the_anchor_holds_while_the_log_grows_and_fails_when_the_log_is_rewritten_from_it(ws, tmp_path):
    anchor = tmp_path / "head.json"
    _cli(ws)("verify", "--export-anchor", anchor)
    _cli(ws)("export", "--case", "c1", "-o", tmp_path / "again.csv")
    assert _cli(ws)("verify", "--anchor", anchor).exit_code == 0
    from otklik.store.custody import _entry_hash
    with attacker(ws) as con:  # edit the anchored entry and re-chain every entry after it
        rows = con.execute("SELECT id, at, action, os_user, tool_version, case_id, inputs, outputs, details, "
                           "prev_hash FROM custody ORDER BY id").fetchall()
        keys = ("id", "at", "action", "os_user", "tool_version", "case_id", "inputs", "outputs", "details", "prev_hash")
        prev = None
        for row in map(lambda r: dict(zip(keys, r)), rows):
            if row["id"] == json.loads(anchor.read_text())["entry_id"]:
                row["os_user"] = "someone else"
            if prev is not None:
                row["prev_hash"] = prev
            prev = _entry_hash(row["prev_hash"], row)
            con.execute("UPDATE custody SET os_user = ?, prev_hash = ?, entry_hash = ? WHERE id = ?",
                        (row["os_user"], row["prev_hash"], prev, row["id"]))
    assert _cli(ws)("verify").exit_code == 0  # a consistent chain: only the anchor can tell
    out = failed(ws, "--anchor", anchor)
    assert "differs from the anchor" in out


def test_an_import_entry_deleted_from_the_end_of_the_log_is_found_without_an_anchor(ws):
    with attacker(ws) as con:
        con.execute("DELETE FROM custody WHERE action = 'export'")
        run = con.execute("SELECT max(id) FROM import_run").fetchone()[0]
        con.execute("DELETE FROM custody WHERE id = (SELECT max(id) FROM custody)")
    out = failed(ws)
    assert f"import run {run} has no custody entry" in out


def test_append_only_triggers_dropped_or_weakened_are_found(ws):
    con = sqlite3.connect(ws / "otklik.sqlite")
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")]
    assert names == ["custody_no_delete", "custody_no_update", "raw_chunk_no_delete", "raw_chunk_no_update",
                     "raw_record_no_delete", "raw_record_no_update"]
    for name in names:
        con.execute(f"DROP TRIGGER {name}")
    con.commit()
    out = failed(ws)
    assert all(f"append-only trigger {name} on " in out and "is missing" in out for name in names)
    # put back, but one that never fires
    con.execute("CREATE TRIGGER raw_record_no_update BEFORE UPDATE ON raw_record WHEN 0 "
                "BEGIN SELECT RAISE(ABORT, 'raw_record is append-only'); END")
    con.commit()
    out = failed(ws)
    assert "append-only trigger raw_record_no_update on raw_record differs from the one otklik created" in out


@pytest.mark.parametrize("edit, expect", [
    ("flip", "SHA-256 does not match the stored hash"),
    ("hash", "SHA-256 does not match the stored hash"),
    ("custody", "custody entry 2 (import): content does not match its hash"),
    ("delete", "import run 1:"),
])
def test_what_verify_caught_before_is_still_caught(ws, edit, expect):
    with attacker(ws) as con:
        if edit == "flip":  # a byte of a chunk flipped, hashes left alone
            data = bytearray(lz4.frame.decompress(con.execute("SELECT data FROM raw_chunk WHERE id = 1").fetchone()[0]))
            data[10] ^= 0x01
            con.execute("UPDATE raw_chunk SET data = ? WHERE id = 1", (lz4.frame.compress(bytes(data)),))
        elif edit == "hash":
            con.execute("UPDATE raw_record SET sha256 = ? WHERE id = 1", (hashlib.sha256(b"x").digest(),))
        elif edit == "custody":
            con.execute("UPDATE custody SET details = '{}' WHERE id = 2")
        else:  # a record row deleted, its bytes left in the chunk
            con.execute("DELETE FROM raw_record WHERE id = (SELECT max(id) FROM raw_record WHERE import_id = 1)")
    assert expect in failed(ws)


# Every format whose records can be read alone: its comments are checked, and an edit is found.
REREAD = [
    "instaloader/graphql/2024-05-01_12-00-00_UTC_comments.json",
    "telegram_desktop/discussion_group.json",
    "telethon/channel_comments.jsonl",
    "twarc/thread.jsonl",
    "youtube_api/threads.json",
    "youtube_comment_downloader/export.jsonl",
    "zeeschuimer/zeeschuimer-export-tiktok-comments-2024-05-01T132640.ndjson",
]


@pytest.mark.parametrize("fixture", REREAD)
def test_each_format_s_comments_are_checked_and_an_edited_text_is_found(tmp_path, fixture):
    home = tmp_path / "ws"
    otk = _cli(home)
    otk("case", "new", "c1", "--subject", "S")
    otk("import", "--case", "c1", FIXTURES / fixture, "--skip-bad")
    out = json.loads(otk("verify", "--json").output)
    con = sqlite3.connect(home / "otklik.sqlite")
    n = con.execute("SELECT count(*) FROM comment").fetchone()[0]
    assert out["ok"] and out["comments_checked"] == n > 0
    with attacker(home) as con:
        cid, pid = con.execute("SELECT id, platform_id FROM comment ORDER BY id LIMIT 1").fetchone()
        con.execute("UPDATE comment SET text = text || '!' WHERE id = ?", (cid,))
        con.execute("INSERT INTO comment_fts(comment_fts) VALUES('rebuild')")
    assert f"comment {cid} " in failed(home) and ": text is " in failed(home)


def test_comments_of_a_format_read_only_with_its_file_are_listed_as_not_checked(tmp_path):
    home = tmp_path / "ws"
    otk = _cli(home)
    otk("case", "new", "c1", "--subject", "S")
    otk("import", "--case", "c1", FIXTURES / "vk" / "wall.getComments.json")
    res = otk("verify")
    assert "comment(s) not checked against their raw records: the vk format's records need their whole file" \
        in res.output


def test_no_anchor_is_written_for_a_store_that_fails_and_an_unreadable_anchor_is_bad_input(ws, tmp_path):
    with attacker(ws) as con:
        con.execute("UPDATE comment SET likes = 1000 WHERE platform_id = '101'")
    anchor = tmp_path / "head.json"
    res = _cli(ws)("verify", "--export-anchor", anchor, ok=False)
    assert res.exit_code == 3 and not anchor.exists()
    anchor.write_text("not json")
    res = _cli(ws)("verify", "--anchor", anchor, ok=False)
    assert res.exit_code == 2 and f"cannot read the anchor file {anchor}" in res.output


def test_a_record_is_read_again_with_the_parser_that_read_it(tmp_path):
    # an id beyond 64 bits in a JSON document: the json module keeps it exact, orjson would make it
    # a float; verify must read the record as the import did, and not report the comment
    src = (FIXTURES / "telegram_desktop" / "personal_2024-01.json").read_text(encoding="utf-8")
    path = tmp_path / "result.json"
    path.write_text(src.replace('"id": 11111,', '"id": 123456789012345678901234567890,', 1), encoding="utf-8")
    home = tmp_path / "ws"
    otk = _cli(home)
    otk("case", "new", "c1", "--subject", "S")
    otk("import", "--case", "c1", path)
    out = json.loads(otk("verify", "--json").output)
    assert out["ok"] and out["comments_checked"] == 1
