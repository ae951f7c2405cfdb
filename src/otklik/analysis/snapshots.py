"""Case-wide copies of per-comment annotations, written once when `analyze` ends.

The review state and the digest need a few fields of every comment's annotation. Reading them
from 100,000 JSON annotations costs seconds per report; the analysis therefore stores them once
per case as one row (`case_result`), and readers use that row only while it still describes the
store: the same latest run of the annotation stage, the same number of annotated comments, and
every case comment annotated. Otherwise the reader falls back to the annotations themselves.

- STANCE ("stance_probs"): comment ids, platform ids, author identities and the stance class
  probabilities (`review.Population`).
- PROPOSING ("proposing"): for the comments that propose anything, their proposed entities
  (name, kind, reason span) — what the digest's proposals section counts.
"""

from __future__ import annotations

import orjson
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from ..store import json_field
from ..store.schema import case_result
from ..store.sql import in_case

STANCE = "stance_probs"
PROPOSING = "proposing"
_SOURCE = {STANCE: "stance", PROPOSING: "entities"}  # snapshot -> the annotation stage it copies


def _key(conn: Connection, case_id: int, stage: str) -> tuple[int | None, int]:
    run, n = conn.execute(text(
        "SELECT max(a.run_id), count(*) FROM annotation a JOIN comment c ON c.id = a.comment_id "
        f"WHERE a.stage = :stage AND {in_case('c')}"), {"cid": case_id, "stage": stage}).one()
    return run, n


def write(conn: Connection, case_id: int, name: str, run_id: int, payload: dict) -> None:
    """Store `payload` as the case's snapshot `name`, stamped with its annotation stage's key."""
    run, n = _key(conn, case_id, _SOURCE[name])
    data = orjson.dumps({"run": run, "n": n, **payload}).decode()
    conn.execute(case_result.delete().where(case_result.c.case_id == case_id, case_result.c.stage == name))
    conn.execute(case_result.insert().values(case_id=case_id, stage=name, payload=data, backend=_SOURCE[name],
                                             version="2", params="{}", input_hash=str(run_id), run_id=run_id))


def read(conn: Connection, case_id: int, name: str, key: tuple | None = None) -> dict | None:
    """The snapshot `name` when it still describes the store (see the module's header), else None.
    `key`: the annotation stage's (run, n) when the caller has it already."""
    run, n = key or _key(conn, case_id, _SOURCE[name])
    row = conn.execute(select(case_result.c.payload, case_result.c.version).where(
        case_result.c.case_id == case_id, case_result.c.stage == name)).first()
    if row is None or row[1] != "2":
        return None
    snap = orjson.loads(row[0])
    if snap.get("run") != run or snap.get("n") != n:
        return None
    total = conn.execute(text(f"SELECT count(*) FROM comment c WHERE {in_case('c')}"), {"cid": case_id}).scalar()
    return snap if total == n else None


def key(conn: Connection, case_id: int, name: str) -> tuple[int | None, int]:
    """The (latest run, annotated comments) of the snapshot's annotation stage."""
    return _key(conn, case_id, _SOURCE[name])


def proposing_from_annotations(conn: Connection, case_id: int) -> dict[int, list[dict]]:
    """Comment id -> its proposed entities, read from the entities annotations (the slow path)."""
    n = "jsonb_array_length" if conn.dialect.name == "postgresql" else "json_array_length"
    out = {}
    for c_id, v in conn.execute(text(
            "SELECT a.comment_id, a.value FROM annotation a JOIN comment c ON c.id = a.comment_id "
            f"WHERE a.stage = 'entities' AND {n}({json_field(conn, 'a.value', 'proposals')}) > 0 AND {in_case('c')}"),
            {"cid": case_id}):
        ents = [{k: e.get(k) for k in ("name", "kind", "reason")} for e in orjson.loads(v)["entities"] if e.get("proposed")]
        if ents:
            out[c_id] = ents
    return out


def proposing(conn: Connection, case_id: int) -> dict[int, list[dict]]:
    """Comment id -> its proposed entities [{name, kind, reason}], from the snapshot when valid."""
    snap = read(conn, case_id, PROPOSING)
    if snap is not None:
        return {int(c): ents for c, ents in snap["rows"].items()}
    return proposing_from_annotations(conn, case_id)
