"""The store and import service as a user relies on them: nothing lost, nothing twice,
bad input leaves the store exactly as it was, evidence hashes verifiable."""

import json
import os
import sqlite3
import zlib
from pathlib import Path

import lz4.frame
import pytest

from tests.conftest import comment, snapshot, write_instaloader


@pytest.fixture
def case(otk):
    otk("case", "new", "c1", "--subject", "Тимур Асхабов", "--alias", "Асхабов", "--alias", "Timur Askhabov")
    return "c1"


def base_comments():
    return [
        comment(101, "Не выдавайте его, там его убьют", 1, answers=[comment("102", "@user1 согласен", 2)]),
        comment("103", "Помогите ему, казахстанцы", 3, likes=4),
        comment(104, "Free Timur!", 1),
    ]


def raw_bytes(con, raw_id):
    """A raw record's bytes, read the way the store keeps them: a span of a compressed chunk."""
    off, size, codec, data = con.execute(
        'SELECT r."offset", r.size, c.codec, c.data FROM raw_record r JOIN raw_chunk c ON c.id = r.chunk_id '
        "WHERE r.id = ?", (raw_id,)).fetchone()
    assert codec == "lz4"
    return lz4.frame.decompress(data)[off:off + size]


def imp(otk, case, *files, ok=True, extra=()):
    res = otk("import", "--case", case, *files, "--json", *extra, ok=ok)
    return res, (json.loads(res.output) if res.exit_code == 0 else None)


def test_import_counts_and_reimport_is_a_noop(otk, home, case, tmp_path):
    path = write_instaloader(tmp_path / "ex", base_comments())
    folder = path.parent
    files = [folder / "free_test_page_5550001.json", folder / "2026-03-01_10-00-00_UTC.json", path]
    _, s = imp(otk, case, *files)
    assert s["format"] == "instaloader"
    assert s["comments"] == {"new": 4, "existing": 0}
    assert s["posts"]["new"] == 1
    assert s["authors"]["new"] == 4  # three commenters and the page owner
    assert s["skipped"] == {"count": 0, "reasons": []}
    before = snapshot(home)

    res, s2 = imp(otk, case, *files)
    assert s2["comments"] == {"new": 0, "existing": 4}
    assert all(f["unchanged"] for f in s2["files"])
    assert snapshot(home) == before
    human = otk("import", "--case", case, str(path))
    assert "already imported" in human.output and "nothing changed" in human.output


def test_reply_parents_roots_and_author_seen_at_capture(otk, home, case, tmp_path):
    path = write_instaloader(tmp_path / "ex", base_comments())
    imp(otk, case, path)
    con = sqlite3.connect(home / "otklik.sqlite")
    rows = {pid: (parent, root) for pid, parent, root in con.execute(
        "SELECT c.platform_id, p.platform_id, r.platform_id FROM comment c LEFT JOIN comment p ON p.id=c.parent_id "
        "LEFT JOIN comment r ON r.id=c.root_id")}
    assert rows["102"] == ("101", "101")
    assert rows["101"] == (None, "101")
    # without the sibling post file the comments hang under a stub post named after the file
    assert con.execute("SELECT count(*) FROM post").fetchone()[0] == 1


def test_later_export_adds_new_comments_observations_and_marks_missing(otk, home, case, tmp_path):
    first = write_instaloader(tmp_path / "a", base_comments(), followers=160)
    imp(otk, case, *sorted(first.parent.iterdir()), extra=["--captured-at", "2026-03-01T12:00:00Z"])
    later = base_comments()
    later = [c for c in later if c["id"] != "103"]  # deleted on the platform since
    later.append(comment(105, "Отправьте его в Германию", 5))
    later[0]["text"] = "Не выдавайте его, там его убьют!!"  # edited
    second = write_instaloader(tmp_path / "b", later, followers=175)
    _, s = imp(otk, case, *sorted(second.parent.iterdir()), extra=["--captured-at", "2026-03-02T12:00:00Z"])
    assert s["comments"] == {"new": 1, "existing": 3}
    assert sum(f["not_seen_since"] for f in s["files"]) == 1
    assert "not_seen_since" in s["files"][0]
    con = sqlite3.connect(home / "otklik.sqlite")
    gone = con.execute("SELECT text, not_seen_since FROM comment WHERE platform_id='103'").fetchone()
    assert gone == ("Помогите ему, казахстанцы", "2026-03-02T12:00:00Z")  # kept, never deleted
    followers = con.execute("SELECT value, observed_at FROM observation WHERE metric='followers' ORDER BY observed_at").fetchall()
    assert followers == [(160.0, "2026-03-01T12:00:00Z"), (175.0, "2026-03-02T12:00:00Z")]
    edited = con.execute("SELECT text, edited FROM comment WHERE platform_id='101'").fetchone()
    assert edited == ("Не выдавайте его, там его убьют!!", 1)
    # both versions stay as raw evidence
    # (a comment's first sighting is its own raw record; the sighting table holds the later ones)
    raws = [json.loads(raw_bytes(con, r[0]))["text"] for r in con.execute(
        "SELECT raw_id FROM comment WHERE platform_id='101' UNION SELECT s.raw_id FROM sighting s "
        "JOIN comment c ON c.id=s.entity_id AND s.entity_type='comment' WHERE c.platform_id='101' ORDER BY 1")]
    assert raws == ["Не выдавайте его, там его убьют", "Не выдавайте его, там его убьют!!"]
    # full-text search follows the edit
    out = otk("search", "--case", case, "убьют", "--json").output
    assert [r["platform_id"] for r in json.loads(out)] == ["101"]


def test_raw_record_is_the_exact_bytes_of_the_file(otk, home, case, tmp_path):
    path = write_instaloader(tmp_path / "ex", base_comments())
    imp(otk, case, path)
    data = path.read_bytes()
    con = sqlite3.connect(home / "otklik.sqlite")
    ids = [r[0] for r in con.execute("SELECT id FROM raw_record")]
    texts = set()
    for rid in ids:
        raw = raw_bytes(con, rid)
        assert raw in data
        texts.add(json.loads(raw)["text"])
    assert texts == {"Не выдавайте его, там его убьют", "@user1 согласен", "Помогите ему, казахстанцы", "Free Timur!"}


def test_truncated_file_fails_names_line_and_leaves_store_unchanged(otk, home, case, tmp_path):
    good = write_instaloader(tmp_path / "ok", base_comments())
    imp(otk, case, good)
    before = snapshot(home)
    bad = tmp_path / "bad" / "2026-03-05_10-00-00_UTC_comments.json"
    bad.parent.mkdir()
    bad.write_text(json.dumps(base_comments(), indent=4)[:200], encoding="utf-8")
    other = write_instaloader(tmp_path / "more", [comment(900, "новый", 9)], prefix="2026-03-06_10-00-00_UTC",
                              shortcode="OTHERPOST")
    res, _ = imp(otk, case, other, bad, ok=False)
    assert res.exit_code == 2
    assert str(bad) in res.output and "line" in res.output and "column" in res.output
    assert "store is unchanged" in res.output
    assert snapshot(home) == before  # the good file of the same run was rolled back too


@pytest.mark.parametrize("content, expect", [
    (b"", "empty"),
    (b"\xff\xfe[\x00{\x00", "UTF-8"),
    (b'{"hello": "world"}', "unknown format"),
])
def test_bad_files_have_clear_errors(otk, home, case, tmp_path, content, expect):
    f = tmp_path / "x.json"
    f.write_bytes(content)
    before = snapshot(home)
    res, _ = imp(otk, case, f, ok=False)
    assert res.exit_code == 2
    assert str(f) in res.output and expect in res.output
    assert snapshot(home) == before


def test_missing_field_fails_unless_skip_bad_which_lists_it(otk, home, case, tmp_path):
    cs = base_comments()
    del cs[1]["text"]
    path = write_instaloader(tmp_path / "ex", cs)
    before = snapshot(home)
    res, _ = imp(otk, case, path, ok=False)
    assert res.exit_code == 2 and "$[1]" in res.output and "text" in res.output
    assert snapshot(home) == before
    _, s = imp(otk, case, path, extra=["--skip-bad"])
    assert s["comments"]["new"] == 3
    assert s["skipped"]["count"] == 1
    assert s["skipped"]["reasons"][0]["where"] == "$[1]"


def test_unknown_case_and_missing_file(otk, case, tmp_path):
    res = otk("import", "--case", "nope", tmp_path / "missing.json", ok=False)
    assert res.exit_code == 2 and "no such file" in res.output
    path = write_instaloader(tmp_path / "ex", base_comments())
    res = otk("import", "--case", "nope", path, ok=False)
    assert res.exit_code != 0 and "no case named 'nope'" in res.output


def test_verify_detects_tampering_and_custody_is_append_only(otk, home, case, tmp_path):
    path = write_instaloader(tmp_path / "ex", base_comments())
    imp(otk, case, path)
    assert otk("verify").exit_code == 0
    con = sqlite3.connect(home / "otklik.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE raw_chunk SET data = x'00'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE raw_record SET size = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM custody")
    # someone with direct access drops the guard and edits evidence: verify must say so
    rid, cid, off, size = con.execute(
        "SELECT r.id, r.chunk_id, r.\"offset\", r.size FROM raw_record r JOIN comment c ON c.raw_id = r.id "
        "WHERE c.text LIKE '%казахстанцы%'").fetchone()
    data = bytearray(lz4.frame.decompress(con.execute("SELECT data FROM raw_chunk WHERE id=?", (cid,)).fetchone()[0]))
    span = bytes(data[off:off + size]).replace("казахстанцы".encode(), "kazakhs....".encode())  # same length
    data[off:off + size] = span
    con.execute("DROP TRIGGER raw_chunk_no_update")
    con.execute("UPDATE raw_chunk SET data = ? WHERE id = ?", (lz4.frame.compress(bytes(data)), cid))
    con.execute("DROP TRIGGER custody_no_update")
    con.execute("UPDATE custody SET details = '{}' WHERE id = 1")
    con.commit()
    res = otk("verify", ok=False)
    assert res.exit_code == 3
    assert f"raw record {rid} " in res.output and "custody entry 1" in res.output and "FAILED" in res.output


def test_verify_finds_a_search_index_that_no_longer_matches_the_comments_and_rebuilds_it(otk, home, case, tmp_path):
    imp(otk, case, write_instaloader(tmp_path / "ex", base_comments()))
    con = sqlite3.connect(home / "otklik.sqlite")
    # the index lost a comment (a crash mid-write, a bug): the comments themselves are intact
    con.execute("INSERT INTO comment_fts(comment_fts, rowid, text) SELECT 'delete', id, text FROM comment "
                "WHERE text LIKE '%казахстанцы%'")
    con.commit()
    assert json.loads(otk("search", "--case", case, "казахстанцы", "--json").output) == []
    res = otk("verify", ok=False)
    assert res.exit_code == 3 and "search index does not match" in res.output and "FAILED" in res.output
    res = otk("verify", "--rebuild-search")
    assert res.exit_code == 0 and "OK" in res.output
    found = json.loads(otk("search", "--case", case, "казахстанцы", "--json").output)
    assert [r["text"] for r in found] == ["Помогите ему, казахстанцы"]
    assert con.execute("SELECT count(*) FROM custody WHERE action = 'rebuild-search'").fetchone()[0] == 1


def test_custody_log_records_import_and_export(otk, home, case, tmp_path):
    path = write_instaloader(tmp_path / "ex", base_comments())
    imp(otk, case, path)
    out = tmp_path / "out.csv"
    otk("export", "--case", case, "-o", out)
    con = sqlite3.connect(home / "otklik.sqlite")
    rows = con.execute("SELECT action, inputs, outputs, os_user, tool_version FROM custody ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["case-new", "import", "export"]
    import hashlib
    assert json.loads(rows[1][1])["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert json.loads(rows[2][2])["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert all(r[3] and r[4] for r in rows)


def test_export_pseudonymised_hides_accounts_consistently(otk, home, case, tmp_path):
    path = write_instaloader(tmp_path / "ex", base_comments())
    imp(otk, case, path)
    plain = [json.loads(line) for line in otk("export", "--case", case, "--format", "jsonl").output.splitlines()]
    assert {r["author"] for r in plain} == {"user1", "user2", "user3"}
    rows = [json.loads(line) for line in
            otk("export", "--case", case, "--format", "jsonl", "--pseudonymise").output.splitlines()]
    text = json.dumps(rows, ensure_ascii=False)
    assert "user1" not in text and "user2" not in text and "u1" not in [r["author_id"] for r in rows]
    by_id = {r["platform_id"]: r for r in rows}
    assert by_id["101"]["author"] == by_id["104"]["author"]  # same person, same pseudonym
    assert by_id["102"]["text"] == f"@{by_id['101']['author']} согласен"  # the @mention too
    again = [json.loads(line) for line in
             otk("export", "--case", case, "--format", "jsonl", "--pseudonymise").output.splitlines()]
    assert again == rows


def test_captured_at_falls_back_to_file_mtime_marked_as_such(otk, home, case, tmp_path):
    path = write_instaloader(tmp_path / "ex", base_comments())
    os.utime(path, (1772370000, 1772370000))
    _, s = imp(otk, case, path)
    assert s["files"][0]["captured_basis"] == "file-mtime"
    assert s["files"][0]["captured_at"] == "2026-03-01T13:00:00Z"


def test_case_new_validates(otk):
    assert otk("case", "new", "x", "--subject", "A", "--tz", "Mars/Olympus", ok=False).exit_code != 0
    otk("case", "new", "x", "--subject", "A")
    res = otk("case", "new", "x", "--subject", "A", ok=False)
    assert "already exists" in res.output
    cases = json.loads(otk("cases", "--json").output)
    assert [c["name"] for c in cases] == ["x"]


@pytest.mark.parametrize("order", ["channel-first", "group-first"])
def test_telegram_discussion_comments_map_to_channel_posts(otk, home, case, order):

    fx = Path(__file__).parent / "fixtures" / "telegram_desktop"
    files = [fx / "channel.json", fx / "discussion_group.json"]
    if order == "group-first":
        files.reverse()
    for f in files:  # separate runs: the mapping must not depend on importing them together
        imp(otk, case, f)
    con = sqlite3.connect(home / "otklik.sqlite")
    by_post = dict(con.execute(
        "SELECT p.platform_id, count(c.id) FROM post p LEFT JOIN comment c ON c.post_id=p.id "
        "WHERE p.copy_of_id IS NULL GROUP BY p.id"))
    assert by_post["1111111111/5000"] == 3  # the channel post, not its forwarded copy in the group
    copies = con.execute("SELECT count(*) FROM post WHERE copy_of_id IS NOT NULL").fetchone()[0]
    assert copies == 2
    shown = json.loads(otk("show", "--case", case, "--json").output)
    assert shown["totals"]["posts"] == 3


def test_verify_reports_a_reference_to_a_missing_row(otk, home, case, tmp_path):
    # the import does not enforce foreign keys row by row (store.bulk_write): verify checks them all
    imp(otk, case, write_instaloader(tmp_path / "ex", base_comments()))
    assert otk("verify").exit_code == 0
    con = sqlite3.connect(home / "otklik.sqlite")
    con.execute("UPDATE comment SET post_id = 999 WHERE platform_id = '104'")
    con.commit()
    res = otk("verify", ok=False)
    assert res.exit_code == 3 and "comment row" in res.output and "missing post row" in res.output


def test_migration_2_moves_schema_1_raw_records_into_chunks(tmp_path):
    """A store written by schema 1 (one row per raw record, its own blob, unique by hash) opens
    under schema 2 with every record's id, bytes, hash and locator kept."""
    import hashlib

    from sqlalchemy import create_engine, text

    from otklik import store
    from otklik.store.evidence import comment_sightings, record_bytes
    from otklik.store.verify import verify_store

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = create_engine(url)
    records = [b'{"id": 1, "text": "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"}', b'{"id": 2}', b"{}" * 3000]
    with old.begin() as conn:
        store._m1(conn)
        conn.execute(text("INSERT INTO meta VALUES ('schema_version', '1')"))
        conn.execute(text("INSERT INTO cases(id, name, subject, aliases, tz, langs, created_at) "
                          "VALUES (1, 'c', 'S', '[]', 'UTC', '[\"ru\"]', 'x')"))
        conn.execute(text("INSERT INTO import_run(id, case_id, started_at, importer, importer_version, file_path, "
                          "file_sha256, file_size, tool_version) VALUES (1, 1, 'x', 'x', '1', 'f', 'h', 0, '0')"))
        # its custody entry, as imports wrote it before they recorded a digest of their records
        store.custody.append(conn, "import", actor=None, case_id=1, outputs={"import_run": 1, "raw_records_new": 3})
        for i, raw in enumerate(records, start=1):
            codec, data = ("zlib", zlib.compress(raw)) if len(raw) > 4096 else ("identity", raw)
            conn.execute(text('INSERT INTO raw_record(id, sha256, size, codec, data, import_id, "where") '
                              "VALUES (:i, :h, :n, :c, :d, 1, :w)"),
                         {"i": i * 10, "h": hashlib.sha256(raw).digest(), "n": len(raw), "c": codec, "d": data,
                          "w": f"line {i}"})
        conn.execute(text("INSERT INTO source(id, platform, platform_id, kind) VALUES (1, 'instagram', 's', 'page')"))
        conn.execute(text("INSERT INTO post(id, platform, platform_id, raw_id, first_import_id, last_import_id) "
                          "VALUES (1, 'instagram', 'p', 20, 1, 1)"))
        # a comment read from record 10 and seen again (same bytes) a day later: two sightings
        conn.execute(text("INSERT INTO comment(id, platform, platform_id, post_id, text, published_approx, edited, "
                          "raw_id, first_import_id, last_import_id) VALUES (1, 'instagram', 'c', 1, 'привет', 0, 0, "
                          "10, 1, 1)"))
        conn.execute(text("INSERT INTO comment_fts(rowid, text) VALUES (1, 'привет')"))  # as the import does
        for at in ("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"):
            conn.execute(text("INSERT INTO sighting(entity_type, entity_id, raw_id, import_id, captured_at, basis) "
                              "VALUES ('comment', 1, 10, 1, :at, 'export')"), {"at": at})
    old.dispose()
    engine = store.open_store(url=url)
    with engine.connect() as conn:
        assert store.schema_version(conn) == store.SCHEMA_VERSION
        for i, raw in enumerate(records, start=1):
            row, data = record_bytes(conn, i * 10)
            assert data == raw and row["sha256"] == hashlib.sha256(raw).hexdigest() and row["where"] == f"line {i}"
        assert verify_store(conn)["mismatches"] == []
        # the first sighting now is the raw record's own capture time, the later one stays
        assert [(x["captured_at"], x["raw_id"]) for x in comment_sightings(conn, 1)] == [
            ("2026-03-01T00:00:00Z", 10), ("2026-03-02T00:00:00Z", 10)]
        # the post still points at its raw record, and the new table is append-only too
        assert conn.execute(text("SELECT raw_id FROM post")).scalar() == 20
        with pytest.raises(Exception, match="append-only"):
            conn.execute(text("UPDATE raw_record SET size = 0"))
        # migration 4: the search index of an old store gets the larger write buffer, and still
        # finds the comment the old store indexed
        assert conn.execute(text("SELECT v FROM comment_fts_config WHERE k = 'hashsize'")).scalar() == \
            store.FTS_HASHSIZE
        assert conn.execute(text("SELECT rowid FROM comment_fts WHERE comment_fts MATCH 'привет'")).all() == [(1,)]


def test_a_store_opens_and_imports_where_sqlite_refuses_the_search_index_write_buffer(otk, home, tmp_path,
                                                                                      monkeypatch):
    # Migration 4's FTS5 option is an optimisation: an SQLite that does not know it (here: a
    # value it refuses) must still open the store, and import and search as before.
    from otklik.store import schema

    monkeypatch.setattr(schema, "FTS_HASHSIZE", "'not a size'")
    otk("case", "new", "c1", "--subject", "S")
    _, s = imp(otk, "c1", write_instaloader(tmp_path / "ex", base_comments()))
    assert s["comments"]["new"] == 4  # three comments and a reply
    con = sqlite3.connect(home / "otklik.sqlite")
    assert con.execute("SELECT count(*) FROM comment_fts_config WHERE k = 'hashsize'").fetchone() == (0,)
    assert [r["text"] for r in json.loads(otk("search", "--case", "c1", "убьют", "--json").output)] == [
        "Не выдавайте его, там его убьют"]


def test_every_sighting_of_a_comment_is_listed_with_its_raw_record(otk, home, case, tmp_path):
    from otklik.store.evidence import comment_sightings, record_bytes
    from otklik.store import open_store

    first = write_instaloader(tmp_path / "a", base_comments(), prefix="2026-03-01_12-00-00_UTC")
    os.utime(first, (1772366400, 1772366400))  # 2026-03-01T12:00:00Z
    imp(otk, case, first)
    later = base_comments()
    later[0]["text"] += "!!"
    second = write_instaloader(tmp_path / "b", later, prefix="2026-03-02_12-00-00_UTC")
    os.utime(second, (1772452800, 1772452800))  # a day later
    imp(otk, case, second)
    with open_store(home).connect() as conn:
        cid = conn.exec_driver_sql("SELECT id FROM comment WHERE platform_id='101'").scalar()
        seen = comment_sightings(conn, cid)
        assert [x["captured_at"] for x in seen] == ["2026-03-01T12:00:00Z", "2026-03-02T12:00:00Z"]
        texts = [json.loads(record_bytes(conn, x["raw_id"])[1])["text"] for x in seen]
        assert texts == ["Не выдавайте его, там его убьют", "Не выдавайте его, там его убьют!!"]
        assert all(x["importer"] == "instaloader" and x["basis"] == "file-mtime" for x in seen)


def test_verify_finds_bytes_added_to_a_chunk_outside_every_record(otk, home, case, tmp_path):
    # every record's hash still matches, but the chunk holds bytes no record accounts for
    imp(otk, case, write_instaloader(tmp_path / "ex", base_comments()))
    con = sqlite3.connect(home / "otklik.sqlite")
    cid, size, data = con.execute("SELECT id, size, data FROM raw_chunk ORDER BY id DESC LIMIT 1").fetchone()
    grown = lz4.frame.decompress(data) + b'{"text": "slipped in"}'
    con.execute("DROP TRIGGER raw_chunk_no_update")
    con.execute("UPDATE raw_chunk SET data = ?, size = ? WHERE id = ?", (lz4.frame.compress(grown), len(grown), cid))
    con.commit()
    res = otk("verify", ok=False)
    assert res.exit_code == 3 and f"chunk {cid}:" in res.output and "belong to no record" in res.output


def test_search_finds_both_spellings_of_yo_and_keeps_fts_syntax(otk, home, case, tmp_path):
    cs = [comment(201, "Держись, ещё не всё потеряно", 1), comment(202, "еще одна просьба о помощи", 2),
          comment(203, "Ёлки, как же так", 3), comment(204, "не выдавайте его", 4)]
    imp(otk, case, write_instaloader(tmp_path / "ex", cs))

    def found(q):
        return sorted(r["platform_id"] for r in json.loads(otk("search", "--case", case, q, "--json").output))

    assert found("еще") == ["201", "202"] and found("ещё") == ["201", "202"]
    assert found("елки") == ["203"]
    assert found('"не выдавайте"') == ["204"]  # FTS5 syntax passes as typed
    assert found("выдав*") == ["204"]


def _tiktok_line(cid, text, collected_ms, uid="6800000000000000001", handle="u1", name="U1"):
    return json.dumps({"id": cid, "timestamp_collected": collected_ms, "source_platform": "tiktok-comments",
                       "source_platform_url": "https://www.tiktok.com/@page/video/7300000000000000001",
                       "data": {"cid": cid, "aweme_id": "7300000000000000001", "reply_id": "0", "text": text,
                                "create_time": 1764547200, "digg_count": 1,
                                "user": {"uid": uid, "unique_id": handle, "nickname": name}}}, ensure_ascii=False)


@pytest.mark.parametrize("batch", [1, 2, 2000])
def test_an_author_who_renames_is_one_author_and_each_comment_keeps_the_handle_seen_with_it(
        otk, home, case, tmp_path, monkeypatch, batch):
    # Handles change, platform ids do not. However the file falls into batches, the author row
    # ends with the latest handle and name, and each comment keeps the ones seen with it.
    from otklik.ingest import reader

    monkeypatch.setattr(reader, "BATCH", batch)
    at, anna, boris = 1764633600000, "6800000000000000001", "6800000000000000002"
    lines = [_tiktok_line("7400000000000000001", "Свободу ему", at, anna, "anna_k", "Anna K"),
             _tiktok_line("7400000000000000002", "Держись", at, boris, "boris", "Boris"),
             _tiktok_line("7400000000000000003", "Мы с тобой", at, anna, "anna_free", "Anna K"),
             _tiktok_line("7400000000000000004", "Позор", at, boris, "boris", "Boris B")]
    path = tmp_path / "zeeschuimer-export-tiktok-comments.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, s = imp(otk, case, path)
    assert s["authors"] == {"new": 2, "existing": 0}
    con = sqlite3.connect(home / "otklik.sqlite")
    assert con.execute("SELECT platform_id, handle, display_name FROM author ORDER BY platform_id").fetchall() == [
        (anna, "anna_free", "Anna K"), (boris, "boris", "Boris B")]
    assert con.execute("SELECT c.platform_id, c.author_handle, c.author_name, a.platform_id FROM comment c "
                       "JOIN author a ON a.id = c.author_id ORDER BY c.platform_id").fetchall() == [
        ("7400000000000000001", "anna_k", "Anna K", anna), ("7400000000000000002", "boris", "Boris", boris),
        ("7400000000000000003", "anna_free", "Anna K", anna), ("7400000000000000004", "boris", "Boris B", boris)]


def test_a_comment_read_on_several_lines_of_one_file_is_one_comment_with_each_sighting(otk, home, case, tmp_path):
    from otklik.store.evidence import comment_sightings
    from otklik.store import open_store

    day = 86_400_000
    lines = [_tiktok_line("7400000000000000001", "Свободу ему", 1764633600000),
             _tiktok_line("7400000000000000001", "Свободу ему", 1764633600000 + day),
             _tiktok_line("7400000000000000002", "Держись", 1764633600000 + day),
             _tiktok_line("7400000000000000001", "Свободу ему!", 1764633600000 + 2 * day)]
    path = tmp_path / "zeeschuimer-export-tiktok-comments.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, s = imp(otk, case, path)
    assert s["comments"] == {"new": 2, "existing": 0}
    later = tmp_path / "zeeschuimer-export-tiktok-comments-later.ndjson"
    later.write_text(_tiktok_line("7400000000000000001", "Свободу ему!", 1764633600000 + 3 * day) + "\n",
                     encoding="utf-8")
    _, s = imp(otk, case, later)
    assert s["comments"] == {"new": 0, "existing": 1}
    with open_store(home).connect() as conn:
        cid = conn.exec_driver_sql("SELECT id FROM comment WHERE platform_id='7400000000000000001'").scalar()
        seen = comment_sightings(conn, cid)
        where = {r[0]: r[1] for r in conn.exec_driver_sql('SELECT id, "where" FROM raw_record')}
    # every read, in the order read, each once, with its own capture time and raw record
    assert [x["captured_at"] for x in seen] == ["2025-12-02T00:00:00Z", "2025-12-03T00:00:00Z",
                                               "2025-12-04T00:00:00Z", "2025-12-05T00:00:00Z"]
    assert [where[x["raw_id"]] for x in seen] == ["line 1", "line 2", "line 4", "line 1"]


def _import_with_comments_changed(otk, case, tmp_path, monkeypatch, name, change, ok=True):
    """Import a one-row CSV through a generic importer registered as `name` that applies
    `change` to every comment record it reads (an importer that breaks the model's types)."""
    from otklik import importers
    from otklik.importers.generic import Generic

    class Variant(Generic):
        def read(self, path, opts):
            for rec in super().read(path, opts):
                for e in getattr(rec, "entities", []):
                    if type(e).__name__ == "CommentRec":
                        change(e)
                yield rec

    variant = Variant()
    variant.name = name
    monkeypatch.setitem(importers.REGISTRY, name, variant)
    path = tmp_path / "rows.csv"
    path.write_text("id,text,author\n7,hello,someone\n", encoding="utf-8")
    res, _ = imp(otk, case, path, ok=ok, extra=("--format", name, "--map", "id=id,text=text,author=author"))
    return res


def test_an_importer_that_breaks_the_model_fails_the_import_clearly(otk, home, case, tmp_path, monkeypatch):
    # Records are checked as they leave the importer: a platform id that is not a string must
    # stop the import with an error naming the record, not store 7 beside "7".
    before = snapshot(home)
    res = _import_with_comments_changed(otk, case, tmp_path, monkeypatch, "broken",
                                        lambda e: setattr(e, "platform_id", 7), ok=False)
    assert res.exit_code == 2 and "rows.csv, line 2: unreadable record: an id that is not a string" in res.output
    assert snapshot(home) == before


def test_a_file_that_changes_while_it_is_imported_fails_and_leaves_the_store(otk, home, case, tmp_path,
                                                                          monkeypatch):
    # a new file is written at once and hashed beside the writing; the hash must describe the
    # bytes that were read, so a size that moved under the import fails it
    from otklik.ingest import service

    real = service.sha256_file
    monkeypatch.setattr(service, "sha256_file", lambda p: (real(p)[0], real(p)[1] + 1))
    before = snapshot(home)
    res, _ = imp(otk, case, write_instaloader(tmp_path / "ex", base_comments()), ok=False)
    assert res.exit_code != 0 and "changed while it was imported" in res.output
    assert snapshot(home) == before


def test_a_count_read_as_a_whole_float_is_stored_as_an_integer(otk, home, case, tmp_path, monkeypatch):
    # records cross from the reader as laxly as SQLite's column affinity: 1200.0 likes -> 1200
    _import_with_comments_changed(otk, case, tmp_path, monkeypatch, "float-likes", lambda e: setattr(e, "likes", 1200.0))
    con = sqlite3.connect(home / "otklik.sqlite")
    assert con.execute("SELECT likes, typeof(likes) FROM comment").fetchone() == (1200, "integer")


@pytest.mark.parametrize("writer_waits", [False, True], ids=["indexed-at-the-end", "indexed-while-waiting"])
def test_a_comment_edited_within_one_import_is_found_by_its_latest_text_only(otk, home, case, tmp_path,
                                                                           monkeypatch, writer_waits):
    # The run's new comments enter the full-text index when the writer waits for the reader, or
    # at the end of the run; one read again with new text in a later batch of the same file must
    # be found by that text only, whether it was indexed before the edit or after.
    from otklik.ingest import reader, service

    monkeypatch.setattr(reader, "BATCH", 1)
    if writer_waits:  # the reader is behind after every batch, and the index takes any comment
        read = reader.read
        monkeypatch.setattr(reader, "read", lambda *a: (x for b in read(*a) for x in (b, reader.IDLE)))
        monkeypatch.setattr(service, "FTS_STEP", 1)
    day = 86_400_000
    lines = [_tiktok_line("7400000000000000001", "Свободу ему сейчас", 1764633600000),
             _tiktok_line("7400000000000000002", "Держись", 1764633600000),
             _tiktok_line("7400000000000000001", "Свободу ему и всем политзаключённым", 1764633600000 + day)]
    path = tmp_path / "zeeschuimer-export-tiktok-comments.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    imp(otk, case, path)

    def found(q):
        return [r["platform_id"] for r in json.loads(otk("search", "--case", case, q, "--json").output)]

    assert found("сейчас") == []
    assert found("политзаключённым") == ["7400000000000000001"]
    assert found("свободу") == ["7400000000000000001"]
    con = sqlite3.connect(home / "otklik.sqlite")
    con.execute("INSERT INTO comment_fts(comment_fts, rank) VALUES('integrity-check', 1)")  # raises if corrupt
    assert con.execute("SELECT text, edited FROM comment WHERE platform_id='7400000000000000001'").fetchone() == (
        "Свободу ему и всем политзаключённым", 1)


@pytest.mark.parametrize("batch", ["one record", "all but the repeats"])
def test_a_file_with_comments_of_two_platforms_stores_them_as_the_two_files_would(otk, home, case, tmp_path,
                                                                                  monkeypatch, batch):
    # A Zeeschuimer file may hold items of several platforms: comments of TikTok and X in one
    # batch must get the same posts, reply parents, thread roots and authors as when each
    # platform's file is imported alone; the X items read again in a later batch are the same
    # comments, not new ones.
    from otklik.ingest import reader

    fx = Path(__file__).parent / "fixtures" / "zeeschuimer"
    parts = [fx / "zeeschuimer-export-tiktok-comments-2024-05-01T132640.ndjson",
             fx / "zeeschuimer-export-twitter.com-2024-05-01T120000.ndjson"]
    tiktok, x = ([ln for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()] for p in parts)
    lines = tiktok + x
    monkeypatch.setattr(reader, "BATCH", 1 if batch == "one record" else len(lines))
    mixed = tmp_path / "zeeschuimer-export-mixed-2024-05-01T140000.ndjson"
    mixed.write_text("\n".join(lines[::2] + lines[1::2] + x) + "\n", encoding="utf-8")  # mixed, then X again
    _, s = imp(otk, case, mixed, extra=("--skip-bad",))  # (the TikTok fixture has a line without cid)

    def rows(db):
        return sorted(sqlite3.connect(db).execute(
            "SELECT c.platform, c.platform_id, p.platform_id, par.platform_id, r.platform_id, a.platform_id, "
            "c.author_handle, c.text, c.likes FROM comment c JOIN post p ON p.id = c.post_id "
            "LEFT JOIN comment par ON par.id = c.parent_id LEFT JOIN comment r ON r.id = c.root_id "
            "LEFT JOIN author a ON a.id = c.author_id").fetchall())

    together = rows(home / "otklik.sqlite")
    assert {r[0] for r in together} == {"tiktok", "x"}
    assert all(r[4] is not None for r in together)  # every thread root found
    apart = tmp_path / "apart"
    otk("--home", apart, "case", "new", "c2", "--subject", "S")
    for p in parts:
        otk("--home", apart, "import", "--case", "c2", p, "--skip-bad")
    assert together == rows(apart / "otklik.sqlite")
    assert s["comments"]["new"] == len(together)

