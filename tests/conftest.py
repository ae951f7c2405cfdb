import importlib
import json
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared(*parts):
    """A path under ../shared beside the checkout. Missing: the test fails under CI (where the data
    must be present, so a missing folder is a broken setup, not a pass) and is skipped elsewhere."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        msg = f"{path} is missing: the shared data belongs in ../shared beside the checkout ({REPO})"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def need(module, group):
    """Import an optional dependency of a test, from the dependency group `group` of pyproject.toml.
    Missing: the test fails under CI (which installs every group, so a missing one is a broken
    install, not a pass) and is skipped elsewhere (e.g. after `make test EXTRAS=test`)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        msg = f"{module} is missing: it is in the '{group}' group (pip install -e '.[{group}]')"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="session")
def samples():
    """../shared/samples: real and synthetic exports of every supported tool."""
    return shared("samples")


# The demo case as the tests analyse it: stance from three hostile phrases, so the tests check what
# the pipeline, reports and web do with stance, not the quality of the shipped model (test_stance.py).
DEMO_STANCE = "rules-for-demo-tests"
DEMO_CONFIG = {"stance": {"backend": DEMO_STANCE}}
_HOSTILE = re.compile(r"террорист|пусть отвечает|пусть выдают", re.I)


def _rules_stance(ctx, items, labelled):
    return [{"label": -1 if _HOSTILE.search(c.text) else 1, "relevant": True, "confidence": 0.6} for c in items]


@pytest.fixture(scope="session")
def analysed_demo(tmp_path_factory):
    """A workspace with the demo case imported and analysed once per session (DEMO_CONFIG). Read it
    as it is, or change a copy: copy_workspace(analysed_demo, tmp_path / "ws")."""
    from otklik.analysis import pipeline
    from otklik.demo.run import setup_demo
    from otklik.store import open_store

    pipeline.stance_backend(DEMO_STANCE)(_rules_stance)
    home = tmp_path_factory.mktemp("demo-ws")
    engine = open_store(home)
    setup_demo(engine)
    pipeline.analyze_case(engine, "demo", DEMO_CONFIG)
    engine.dispose()
    return home


def copy_workspace(src, dst):
    """A consistent copy of a SQLite workspace (the store through SQLite's backup, the rest as files)."""
    dst.mkdir(parents=True, exist_ok=True)
    s = sqlite3.connect(src / "otklik.sqlite")
    d = sqlite3.connect(dst / "otklik.sqlite")
    s.backup(d)
    s.close()
    d.close()
    for p in src.iterdir():
        if not p.name.startswith("otklik.sqlite"):
            (shutil.copytree if p.is_dir() else shutil.copy2)(p, dst / p.name)
    return dst


@pytest.fixture(autouse=True)
def _no_user_configuration(tmp_path_factory, monkeypatch):
    """Tests never read the developer's own ~/.config/otklik/config.toml."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "no-xdg-config"))


@pytest.fixture
def home(tmp_path):
    return tmp_path / "ws"


def cli_in(home):
    """A runner of the otklik CLI on the workspace `home`: run("import", "--case", ...) -> Result;
    with ok=True (default) a non-zero exit fails the test with the output."""
    from otklik.cli import main

    runner = CliRunner()

    def run(*args, ok=True):
        res = runner.invoke(main, ["--home", str(home), *map(str, args)], catch_exceptions=False)
        if ok and res.exit_code != 0:
            raise AssertionError(f"otklik {' '.join(map(str, args))} exited {res.exit_code}:\n{res.output}")
        return res
    return run


@pytest.fixture
def otk(home):
    """Run the otklik CLI in a fresh workspace: otk("import", "--case", ...) -> Result."""
    return cli_in(home)


def report_cli(home):
    """A runner of the `report` command group alone on the workspace `home` (no configuration)."""
    import click

    from otklik.cli import report as commands
    from otklik.cli.base import Ctx

    @click.group()
    @click.pass_context
    def root(ctx):
        ctx.obj = Ctx(home)
    root.add_command(commands.report)

    def run(*args):
        return CliRunner().invoke(root, [str(a) for a in args], catch_exceptions=False)
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
