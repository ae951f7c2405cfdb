"""`otklik bench review`: time from one review answer to the next question on a generated case.

The case is the one `otklik bench analyze` generates (bench/analysis.py), imported and analysed
once; then each step answers the pending question (`review.answer`: label, adapt, estimate) and
asks for the next (`review.next_questions`), timed together.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np


def bench_review(n: int = 10_000, answers: int = 30, data_dir: Path = Path("bench-data"), echo=print) -> dict:
    from ..cases import create_case
    from ..ingest import import_files
    from ..store import open_store
    from ..analysis.pipeline import analyze_case
    from ..analysis.review import answer, next_questions
    from .analysis import generate_case_file

    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"analysis-case-{n}.ndjson"
    if not path.exists():
        generate_case_file(path, n)
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory(dir=data_dir) as home:
        engine = open_store(Path(home))
        with engine.begin() as conn:
            create_case(conn, "bench", "Ильяс Мударов", ["Мударов", "Ilyas Mudarov"])
        import_files(engine, "bench", [path])
        echo(f"  analysing {n:,} generated comments once ...")
        analyze_case(engine, "bench")
        q = next_questions(engine, "bench", 1, rng=rng)
        times = []
        for _ in range(answers):
            if not q:
                break
            t = time.perf_counter()
            answer(engine, "bench", q[0]["platform_id"], [1, 0, -1, None][int(rng.integers(4))])
            q = next_questions(engine, "bench", 1, rng=rng)
            times.append(1000 * (time.perf_counter() - t))
        engine.dispose()
    times.sort()
    return {"comments": n, "answers": len(times), "median_ms": times[len(times) // 2],
            "p90_ms": times[int(0.9 * (len(times) - 1))], "target_ms": 300}
