import json
import os
import sqlite3

import pytest
from click.testing import CliRunner

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def home(tmp_path):
    return tmp_path / "ws"


@pytest.fixture
def otk(home):
    """Run the otklik CLI in a fresh workspace: otk("import", "--case", ...) -> Result."""
    from otklik.cli import main

    runner = CliRunner()

    def run(*args, ok=True):
        res = runner.invoke(main, ["--home", str(home), *map(str, args)], catch_exceptions=False)
        if ok and res.exit_code != 0:
            raise AssertionError(f"otklik {' '.join(map(str, args))} exited {res.exit_code}:\n{res.output}")
        return res
    return run


def snapshot(home):
    """Every row of every table: equal snapshots mean the store did not change."""
    con = sqlite3.connect(home / "otklik.sqlite")
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'comment_fts%'")]
    snap = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in sorted(tables)}
    snap["fts"] = con.execute("SELECT rowid, text FROM comment_fts ORDER BY rowid").fetchall()
    con.close()
    return snap


def write_instaloader(folder, comments, prefix="2026-03-01_10-00-00_UTC", shortcode="DEMOPOST1", followers=160,
                      comment_count=None):
    """A minimal Instaloader export: profile, post metadata and _comments.json."""
    folder.mkdir(parents=True, exist_ok=True)
    owner = {"id": "5550001", "username": "free_test_page"}
    (folder / "free_test_page_5550001.json").write_text(json.dumps({
        "node": {"id": "5550001", "username": "free_test_page", "full_name": "Free Test",
                 "edge_followed_by": {"count": followers}, "edge_follow": {"count": 3}},
        "instaloader": {"version": "4.16", "node_type": "Profile"}}, indent=4), encoding="utf-8")
    (folder / f"{prefix}.json").write_text(json.dumps({
        "node": {"__typename": "GraphImage", "id": "3000000001", "shortcode": shortcode,
                 "taken_at_timestamp": 1772359200, "owner": owner,
                 "edge_media_to_caption": {"edges": [{"node": {"text": "Отказ в статусе беженца"}}]},
                 "edge_media_preview_like": {"count": 50},
                 "edge_media_to_comment": {"count": comment_count if comment_count is not None else len(comments)}},
        "instaloader": {"version": "4.16", "node_type": "Post"}}, indent=4, sort_keys=True), encoding="utf-8")
    path = folder / f"{prefix}_comments.json"
    path.write_text(json.dumps(comments, indent=4, ensure_ascii=False), encoding="utf-8")
    return path


def comment(cid, text, user, t=1772360000, answers=None, likes=0):
    c = {"id": cid, "created_at": t, "text": text, "owner": {"id": f"u{user}", "username": f"user{user}"},
         "likes_count": likes}
    if answers is not None:
        c["answers"] = answers
    return c
