"""`otklik demo`: create the fictional demo case, import its bundled exports, show the result."""

from __future__ import annotations

import json
from pathlib import Path

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
