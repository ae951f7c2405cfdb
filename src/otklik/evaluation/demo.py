"""Stance on the bundled demo case, through the whole pipeline, against the truth its generator
wrote (`demo/data/truth.json`). The demo is fictional and in the product's genre (comments under
posts about a person facing extradition); no stance model is ever trained on it, so it is the
check that a change made for news sentences or debate arguments does not hurt the real use.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from sqlalchemy import text

from .stance import stance_metrics


def demo_truth() -> dict[str, int | None]:
    """platform id of each demo comment -> its intended stance (None: not about the case).
    Telegram comments are stored as "chat/message"; the truth keys them by message id."""
    from ..demo.run import DATA

    t = json.loads((DATA / "truth.json").read_text(encoding="utf-8"))
    return {k: v["stance"] for platform in ("instagram", "telegram") for k, v in t[platform]["comments"].items()}


def score_demo(backend: str = "default") -> dict:
    """Build the demo case in a temporary workspace, analyse it with `backend`, and score the
    stance annotations: accuracy over the four outcomes (-1, 0, +1, not about the case) and the
    usual stance metrics (macro-F1 over rows whose truth is about the case, relevance-F1)."""
    from ..analysis.pipeline import analyze_case
    from ..demo.run import setup_demo
    from ..store import open_store

    truth = demo_truth()
    with tempfile.TemporaryDirectory(prefix="otklik-eval-demo-") as home:
        engine = open_store(Path(home))
        try:
            setup_demo(engine)
            analyze_case(engine, "demo", {"stance": {"backend": backend}})
            with engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT c.platform_id, a.value FROM comment c JOIN annotation a "
                    "ON a.comment_id = c.id AND a.stage = 'stance' ORDER BY c.id")).all()
        finally:
            engine.dispose()
    gold, pred = [], []
    for pid, value in rows:
        key = pid if pid in truth else pid.rsplit("/", 1)[-1]
        if key not in truth:
            raise ValueError(f"demo comment {pid} has no entry in truth.json")
        v = json.loads(value)
        gold.append(truth[key])
        pred.append(v["label"] if v["relevant"] else None)
    out = stance_metrics(gold, pred)
    out.update(dataset="demo", backend=backend,
               accuracy=round(sum(g == p for g, p in zip(gold, pred)) / len(gold), 4))
    return out
