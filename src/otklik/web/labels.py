"""Editor labels from the web beyond one comment at a time: remove a label (the model's verdict
counts again) and relabel many comments at once. Setting a label goes through the analysis'
`set_label`, the same as the CLI; removal is here because the analysis has no service for it yet."""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.engine import Engine

from ..analysis.pipeline import ensure_schema, set_label
from ..store import custody
from . import queries

MAX_BULK = 500


def remove_label(engine: Engine, case: dict, comment_id: int, field: str, actor: str) -> bool:
    """Delete the editor's label of one comment of the case; False when there was none."""
    ensure_schema(engine)
    with engine.begin() as conn:
        row = queries.comment_in_case(conn, case["id"], comment_id)
        if row is None:
            raise ValueError("no such comment in this case")
        old = conn.execute(text("SELECT value FROM editor_label WHERE case_id=:c AND comment_id=:i AND field=:f"),
                           {"c": case["id"], "i": comment_id, "f": field}).scalar()
        if old is None:
            return False
        conn.execute(text("DELETE FROM editor_label WHERE case_id=:c AND comment_id=:i AND field=:f"),
                     {"c": case["id"], "i": comment_id, "f": field})
        custody.append(conn, "label-remove", actor=actor, case_id=case["id"],
                       details={"comment": row["platform_id"], "field": field, "was": json.loads(old)})
    return True


def relabel(engine: Engine, reader: Engine, case: dict, comment_ids: list[int], stance, actor: str) -> int:
    """Set one stance on many comments of the case (each label in the custody log); returns how many."""
    if len(comment_ids) > MAX_BULK:
        raise ValueError(f"at most {MAX_BULK} comments at once")
    with reader.connect() as conn:
        rows = [queries.comment_in_case(conn, case["id"], i) for i in comment_ids]
    missing = [i for i, r in zip(comment_ids, rows) if r is None]
    if missing:
        raise ValueError(f"not comments of this case: {', '.join(map(str, missing[:5]))}")
    for r in rows:
        set_label(engine, case["name"], r["platform_id"], "stance", stance, user=actor)
    return len(rows)
