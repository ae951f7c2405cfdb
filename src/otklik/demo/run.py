"""`otklik demo`: the main job on the fictional demo case: create it, import its bundled exports,
load its case file, analyse it, and write verified reports into the workspace folder."""

from __future__ import annotations

import json
from pathlib import Path

from typing import Callable

from sqlalchemy.engine import Engine

from ..casefile import load_events
from ..cases import CaseError, create_case, get_case
from ..ingest import Summary, import_files

DATA = Path(__file__).parent / "data"
CASE_FILE = Path(__file__).parent / "case.json"


def demo_files() -> list[Path]:
    """The demo's export files in import order: channel before its discussion group."""
    files = sorted((DATA / "instagram").rglob("*.json")) + sorted((DATA / "telegram").rglob("result.json"))
    return files


def load_case() -> dict:
    return json.loads(CASE_FILE.read_text(encoding="utf-8"))


def setup_demo(engine: Engine) -> tuple[dict, Summary | None]:
    """Create the demo case and import its files (a second run finds them already imported)."""
    spec = load_case()
    with engine.begin() as conn:
        try:
            case = get_case(conn, spec["name"])
        except CaseError:
            case = create_case(conn, spec["name"], spec["subject"], spec.get("aliases", []),
                               spec.get("tz", "Europe/Moscow"), spec.get("langs", ["ru"]))
    # The demo exports were "captured" at a fixed time (see data/truth.json); without it the
    # counts would be dated by the checkout's file times.
    captured = json.loads((DATA / "truth.json").read_text(encoding="utf-8"))["captured_at"]
    summary = import_files(engine, case["name"], demo_files(), captured_at=captured)
    load_events(engine, case["name"], spec.get("events", []))
    return case, summary


REPORTS = [("ru", "md", "report.ru.md"), ("en", "md", "report.en.md"), ("ru", "html", "report.html"),
           ("ru", "docx", "report.docx"), ("ru", "json", "report.json")]


def run_demo(engine: Engine, home: Path, stance_backend: str = "default",
             step: Callable[[str, object], None] = lambda name, data: None,
             progress: Callable[[str, int, int], None] = lambda *a: None) -> list[dict]:
    """The main job. `step(name, data)` is called as each step ends, so an interface can show it
    at once: ("import", (case, Summary)), ("analysis", the case summary with its run under "run"),
    ("report", what write_report wrote) for each of REPORTS. Returns the case file's upcoming
    deadlines. Raises ImportFailed or ReportRejected (that report is not written)."""
    from ..analysis.pipeline import analyze_case
    from ..analysis.summary import case_summary
    from ..casefile import list_events
    from ..report.service import write_report

    case, summary = setup_demo(engine)
    step("import", (case, summary))
    run = analyze_case(engine, case["name"], {"stance": {"backend": stance_backend}}, progress=progress)
    with engine.connect() as conn:
        s = case_summary(conn, case["name"])
    s["run"] = run
    step("analysis", s)
    for lang, fmt, name in REPORTS:
        with engine.begin() as conn:
            res = write_report(conn, case["name"], lang, fmt, home / name, events=list_events(conn, case["id"]) or None)
        step("report", res)
    with engine.connect() as conn:
        return [e for e in list_events(conn, case["id"]) if e.get("upcoming")]
