"""The digest fixture the report tests compose from is what build_digest makes of the analysed demo
today, not a copy frozen some digest changes ago.

After an intended change to the digest or the analysis, regenerate it and review the diff:
    OTKLIK_REGENERATE=1 pytest tests/report/test_digest_fixture.py
"""

import json
import os

from otklik.casefile import list_events
from otklik.cases import get_case
from otklik.digest import build_digest
from otklik.store import open_store

from .conftest import FIXTURE, TODAY


def test_the_fixture_is_the_digest_of_the_analysed_demo(analysed_demo):
    engine = open_store(analysed_demo)
    with engine.connect() as conn:
        events = list_events(conn, get_case(conn, "demo")["id"])  # as `otklik report` passes the case file
        made = json.loads(json.dumps(build_digest(conn, "demo", today=TODAY, events=events), ensure_ascii=False))
    engine.dispose()
    if os.environ.get("OTKLIK_REGENERATE"):
        FIXTURE.write_text(json.dumps(made, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert made == json.loads(FIXTURE.read_text(encoding="utf-8")), (
        f"{FIXTURE} is not the digest of the analysed demo: if the change is intended, "
        "regenerate it with OTKLIK_REGENERATE=1 and review the diff")
