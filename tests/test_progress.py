"""Progress bars for import, analyze and train: drawn on a terminal's stderr, never into a pipe,
with --json or with -q (a script reading the JSON gets the JSON and nothing else)."""

import io
import json

from otklik.cli.base import Ctx
from otklik.cli.progress import Progress, progress
from tests.conftest import DEMO_STANCE, comment, copy_workspace, write_instaloader


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_bars_are_drawn_on_a_terminal_only():
    tty = Tty()
    with Progress(True, tty) as bar:
        for done in (0, 40, 100):
            bar.stage("stance", done, 100)
        bar.stage("themes", 3, 3)
    out = tty.getvalue()
    assert "stance" in out and "100/100" in out and "themes" in out and "3/3" in out

    pipe = io.StringIO()  # not a terminal
    with Progress(True, pipe) as bar:
        bar.stage("stance", 50, 100)
        bar.count(1000)
    assert pipe.getvalue() == ""

    tty = Tty()
    with Progress(False, tty) as bar:  # --json or -q
        bar.stage("stance", 50, 100)
        bar.count(1000)
    assert tty.getvalue() == ""


def test_import_counts_records_on_a_terminal():
    tty = Tty()
    with Progress(True, tty) as bar:
        bar.count(600)
        bar.count(400)
    assert "1,000 records" in tty.getvalue() and tty.getvalue().endswith("\n")


def test_quiet_and_json_turn_the_display_off():
    quiet = Ctx.__new__(Ctx)
    quiet.quiet = True
    assert not progress(quiet).enabled
    loud = Ctx.__new__(Ctx)
    loud.quiet = False
    assert not progress(loud, as_json=True).enabled


def test_import_and_analyze_with_json_print_only_the_json(otk, tmp_path, analysed_demo):
    # CliRunner's streams are not terminals: its output (stdout and stderr) must be the JSON alone
    otk("case", "new", "p1", "--subject", "Тимур Асхабов")
    path = write_instaloader(tmp_path / "exp", [comment(1, "Помогите ему", 1), comment(2, "Свободу", 2)])
    res = otk("import", "--case", "p1", *sorted(path.parent.iterdir()), "--json")
    assert json.loads(res.output)["files"]

    home = copy_workspace(analysed_demo, tmp_path / "demo-ws")
    res = otk("--home", str(home), "analyze", "--case", "demo", "--stance-backend", DEMO_STANCE, "--json")
    assert json.loads(res.output)["run"]["stages"]
