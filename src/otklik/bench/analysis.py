"""`otklik bench analyze`: the default pipeline on a generated case, with per-stage figures.

The case is built from the demo's hand-written comments, recombined and varied so that texts
are not copies of each other, written as a Zeeschuimer TikTok-comments export and imported.
The analysis runs in a child process so that its peak memory is its own.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

FILLERS = ["", "", "", " 🙏", "!", " Аллах поможет.", " Держись!", " Позор.", " #СвободуИльясу", " Please share.",
           " Это важно.", " Бауырлар, көмектесіңдер.", " Не молчите!"]


def generate_case_file(path: Path, n: int, seed: int = 11) -> None:
    from ..demo.content import IG

    rnd = random.Random(seed)
    texts = []

    def walk(specs):
        for sp in specs:
            texts.append(sp.text)
            walk(sp.replies)
    walk(IG)
    t0 = 1764547200
    with open(path, "wb") as f:
        for i in range(n):
            a, b = rnd.choice(texts), rnd.choice(texts)
            text = a if rnd.random() < 0.6 else f"{a} {b}"
            text += rnd.choice(FILLERS)
            uid = rnd.randrange(max(1, n // 3))
            cid = str(7500000000000000000 + i)
            data = {"cid": cid, "aweme_id": "7500000000000000000", "reply_id": "0", "text": text,
                    "create_time": t0 + i, "digg_count": 0,
                    "user": {"uid": str(uid), "unique_id": f"u{uid}", "nickname": f"U {uid}"},
                    "share_info": {"url": "https://www.tiktok.com/@page/video/7500000000000000000", "title": "Видео"}}
            env = {"item_id": cid, "timestamp_collected": (t0 + n + 60) * 1000, "source_platform": "tiktok-comments",
                   "data": data}
            f.write(orjson.dumps(env) + b"\n")


def _child(home: str, path: str) -> None:
    from ..cases import create_case
    from ..ingest import import_files
    from ..store import open_store
    from ..analysis.pipeline import analyze_case

    engine = open_store(Path(home))
    with engine.begin() as conn:
        create_case(conn, "bench", "Ильяс Мударов", ["Мударов", "Ilyas Mudarov"])
    import_files(engine, "bench", [Path(path)])
    after_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the case is imported in this process
    t = time.perf_counter()
    run = analyze_case(engine, "bench")
    dt = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # a whole report after analysis: digest from the store, compose, render, verify, write
    from ..report.service import write_report

    t = time.perf_counter()
    with engine.begin() as conn:
        write_report(conn, "bench", "ru", "md", Path(home) / "report.ru.md")
    report_s = time.perf_counter() - t
    print(json.dumps({"seconds": dt, "comments": run["comments"], "stages": run["stages"], "peak_mb": rss,
                      "peak_mb_after_import": after_import, "report_seconds": report_s}))


def bench_analyze(n: int = 100_000, runs: int = 1, data_dir: Path = Path("bench-data"), echo=print) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"analysis-case-{n}.ndjson"
    if not path.exists():
        generate_case_file(path, n)
    results = []
    for r in range(runs):
        with tempfile.TemporaryDirectory(dir=data_dir) as home:
            out = subprocess.run([sys.executable, "-m", "otklik.bench.analysis", home, str(path)],
                                 check=True, capture_output=True, text=True)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        res["rate"] = res["comments"] / res["seconds"]
        results.append(res)
        echo(f"  run {r + 1}: {res['comments']:,} comments in {res['seconds']:.1f} s = {res['rate']:,.0f} comments/s, "
             f"peak {res['peak_mb']:.0f} MB (after the import {res['peak_mb_after_import']:.0f} MB); " + ", ".join(f"{k} {v['seconds']:.1f} s (peak so far {v.get('peak_mb', 0)} MB)"
                                                for k, v in res["stages"].items())
             + f"; then a verified report in {res['report_seconds']:.2f} s")
    results.sort(key=lambda r: r["rate"])
    med = results[len(results) // 2]
    return {"comments": n, "runs": runs, "comments_per_s_median": med["rate"], "peak_mb_median": med["peak_mb"],
            "stages_of_median_run": {k: v["seconds"] for k, v in med["stages"].items()},
            "report_seconds_median": sorted(r["report_seconds"] for r in results)[len(results) // 2],
            "targets": {"comments_per_s": 500, "peak_mb": 2048, "report_seconds": 2.0}}


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])
