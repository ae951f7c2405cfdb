"""`otklik bench import`: generate a large Zeeschuimer TikTok-comments export and time its import.

Each timed run imports into a fresh workspace in a child process, so its peak memory
(ru_maxrss, plus that of the reader process the import forks) is the import's own. Figures are medians of several runs.
"""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

WORDS = ("не выдавайте его там убьют помогите ему пожалуйста казахстан должен дать убежище человек "
         "свобода суд закон права беженец германия турция европа оон пытки семья мать дети адвокат "
         "срок решение власти комиссия статус просим требуем позор стыд держись брат аллах поможет "
         "free him please help asylum torture justice көмектесіңдер бауырым адам құқығы").split()


def generate_tiktok_comments(path: Path, n: int, seed: int = 7) -> None:
    """Write `n` lines in Zeeschuimer's tiktok-comments shape: 50 videos, 30% replies,
    ~n/5 distinct commenters, 2% of lines a repeated sighting of an earlier comment."""
    rnd = random.Random(seed)
    videos = [str(7300000000000000000 + i * 7919) for i in range(50)]
    t0 = 1764547200
    recent: list[tuple[str, str]] = []
    with open(path, "wb") as f:
        for i in range(n):
            cid = str(7400000000000000000 + i)
            video = videos[rnd.randrange(len(videos))]
            reply = "0"
            if recent and rnd.random() < 0.3:
                parent, video = recent[rnd.randrange(len(recent))]
                reply = parent
            uid = rnd.randrange(max(1, n // 5))
            text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 25)))
            collected = (t0 + 86400 + i // 50) * 1000
            data = {
                "cid": cid, "aweme_id": video, "reply_id": reply, "reply_to_reply_id": "0", "text": text,
                "create_time": t0 + i // 20, "digg_count": rnd.randrange(200), "reply_comment_total": 0,
                "user": {"uid": str(6800000000000000000 + uid), "unique_id": f"user_{uid}", "nickname": f"User {uid}",
                         "avatar_thumb": {"url_list": [f"https://example.invalid/a/{uid}.jpg"]}},
                "share_info": {"url": f"https://www.tiktok.com/@campaign/video/{video}?share_comment_id={cid}.html",
                               "title": "Видео о деле"},
                "comment_language": "ru", "author_pin": False, "stick_position": 0, "status": 1, "id": cid}
            env = {"id": i + 1, "nav_index": f"1:1:{i // 20}", "item_id": cid, "timestamp_collected": collected,
                   "last_updated": collected, "source_platform": "tiktok-comments",
                   "source_platform_url": f"https://www.tiktok.com/@campaign/video/{video}",
                   "source_url": f"https://www.tiktok.com/api/comment/list/?aweme_id={video}&cursor={i // 20 * 20}",
                   "user_agent": "Mozilla/5.0 (bench)", "data": data}
            f.write(orjson.dumps(env) + b"\n")
            if reply == "0":
                recent.append((cid, video))
                if len(recent) > 1000:
                    recent.pop(0)
            if rnd.random() < 0.02:  # the same comment captured again later (a second sighting)
                env["timestamp_collected"] += 60000
                f.write(orjson.dumps(env) + b"\n")


def _child_import(home: str, path: str, repeat: bool) -> None:
    """Run in a child process: (create the case and) import, print timings as JSON."""
    from ..cases import create_case
    from ..ingest import import_files
    from ..store import open_store

    engine = open_store(Path(home))
    if not repeat:
        with engine.begin() as conn:
            create_case(conn, "bench", "Бенч Бенчев")
    t = time.perf_counter()
    summary = import_files(engine, "bench", [Path(path)])
    dt = time.perf_counter() - t
    # The import reads in a child process: both peaks count (an upper bound, as they overlap).
    usage = {who: resource.getrusage(w) for who, w in (("writer", resource.RUSAGE_SELF),
                                                         ("reader", resource.RUSAGE_CHILDREN))}
    rss = sum(u.ru_maxrss for u in usage.values()) / 1024
    cpu = {who: u.ru_utime + u.ru_stime for who, u in usage.items()}
    print(json.dumps({"seconds": dt, "comments": summary.as_json()["comments"], "peak_mb": rss,
                      "cpu_s": cpu, "phases": summary.phases}))


def _run_child(home: Path, path: Path, repeat: bool) -> dict:
    out = subprocess.run([sys.executable, "-m", "otklik.bench.imports", "_child", str(home), str(path), "1" if repeat else "0"],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_import(n: int = 1_000_000, runs: int = 3, data_dir: Path = Path("bench-data"), echo=print) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"zeeschuimer-export-tiktok-comments-{n}.ndjson"
    if not path.exists():
        echo(f"generating {path} ({n:,} comments) ...")
        t = time.perf_counter()
        generate_tiktok_comments(path.with_suffix(".tmp"), n)
        path.with_suffix(".tmp").rename(path)
        echo(f"  generated in {time.perf_counter() - t:.1f} s, {path.stat().st_size / 1e6:.0f} MB")
    first, again = [], []
    for r in range(runs):
        with tempfile.TemporaryDirectory(dir=data_dir) as home:
            a = _run_child(Path(home), path, repeat=False)
            b = _run_child(Path(home), path, repeat=True)
        lines = a["comments"]["new"] + a["comments"]["existing"]
        a["rate"] = lines / a["seconds"]
        b["rate"] = (b["comments"]["new"] + b["comments"]["existing"]) / b["seconds"]
        first.append(a)
        again.append(b)
        echo(f"  run {r + 1}: import {a['seconds']:.1f} s = {a['rate']:,.0f} comments/s, peak {a['peak_mb']:.0f} MB; "
             f"re-import {b['seconds']:.2f} s = {b['rate']:,.0f} comments/s")
        echo("    " + ", ".join(f"{k} {v:.2f} s" for k, v in a["phases"].items()))
        echo(f"    CPU: writer process {a['cpu_s']['writer']:.1f} s, reader process {a['cpu_s']['reader']:.1f} s "
             "(the two overlap)")
    res = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "data": f"{path.name}: {n:,} comments (+2% repeated sightings), Zeeschuimer tiktok-comments NDJSON",
        "runs": runs,
        "import_comments_per_s_median": statistics.median(a["rate"] for a in first),
        "import_peak_mb_median": statistics.median(a["peak_mb"] for a in first),
        "import_cpu_s_median": {who: statistics.median(a["cpu_s"][who] for a in first) for who in ("writer", "reader")},
        "reimport_comments_per_s_median": statistics.median(b["rate"] for b in again),
        # where the import's time goes; the reader's own work overlaps with the writing
        "import_phases_s_median": {k: statistics.median(a["phases"].get(k, 0.0) for a in first)
                                   for k in first[0]["phases"]},
        "targets": {"import_comments_per_s": 50000, "import_peak_mb": 1024, "reimport_comments_per_s": 200000},
    }
    return res


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "_child":
    _child_import(sys.argv[2], sys.argv[3], sys.argv[4] == "1")
