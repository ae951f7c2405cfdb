"""`otklik bench kill|diskfull`: reliability measured the way an unlucky user meets it
(`otklik bench readers`, which needs the web, is `web.bench_readers`).

kill      `kill -9` of `otklik import` (a 300k file) at random moments: processes left behind
          (the reader the import forks), the store before and after (every table's rows by
          content hash), `verify`, and whether the next import works.
diskfull  import, analyze, export, report and verify in a workspace on a small tmpfs that is
          full (or nearly), then read-only: exit code, the message, whether it is one line
          without a traceback, the store afterwards (every table's rows, `verify`) and the files
          left. Needs root (it mounts the tmpfs).

Each works in a temporary workspace under --data-dir with data made by
`bench.imports.generate_tiktok_comments` (cached there).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .imports import generate_tiktok_comments

PASSWORD = "benchmark-password"


def data_file(data_dir: Path, n: int, echo=print) -> Path:
    """The generated n-comment Zeeschuimer file in data_dir (made once)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"zeeschuimer-export-tiktok-comments-{n}.ndjson"
    if not path.exists():
        echo(f"generating {path} ({n:,} comments) ...")
        generate_tiktok_comments(path.with_suffix(".tmp"), n)
        path.with_suffix(".tmp").rename(path)
    return path


def otklik(home: Path, *args: str, **kw) -> subprocess.Popen:
    """`otklik --home HOME ARGS` as a child process of this interpreter."""
    return subprocess.Popen([sys.executable, "-m", "otklik.cli", "--home", str(home), *args], **kw)


def store_digest(db: Path) -> dict[str, str]:
    """Every table's rows (and the search index's), hashed: equal digests, the same store.
    Opening the file rolls back what a killed writer left in its journal, as otklik would."""
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                            "AND name NOT LIKE 'comment_fts%' ORDER BY name")]
        out = {}
        for t in tables + ["comment_fts"]:
            h = hashlib.sha256()
            rows = 0
            sql = "SELECT rowid, text FROM comment_fts ORDER BY rowid" if t == "comment_fts" else f'SELECT * FROM "{t}" ORDER BY 1'
            for row in con.execute(sql):
                h.update(repr(row).encode())
                rows += 1
            out[t] = f"{rows}:{h.hexdigest()[:16]}"
        return out
    finally:
        con.close()


def _processes_of(home: Path) -> list[int]:
    """Processes (other than this one) whose command line names the workspace: an import and
    the reader it forked, which inherits its command line."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().split(b"\0")
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(home).encode() in cmd and state != "Z":
            found.append(int(d.name))
    return found


def _verify(home: Path) -> int:
    return otklik(home, "-q", "verify", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).wait()


def bench_kill(n: int = 300_000, kills: int = 5, data_dir: Path = Path("bench-data"), seed: int = 16,
               echo=print) -> dict:
    """kill -9 an import of n comments at `kills` random moments; then import it for real."""
    big = data_file(data_dir, n, echo)
    rnd = random.Random(seed)
    with tempfile.TemporaryDirectory(dir=data_dir) as tmp:
        home = Path(tmp) / "ws"
        if otklik(home, "-q", "case", "new", "bench", "--subject", "Бенч Бенчев", stdout=subprocess.DEVNULL).wait() != 0 or \
                otklik(home, "-q", "import", "--case", "bench", str(data_file(data_dir, 2_000, echo)),
                       stdout=subprocess.DEVNULL).wait() != 0:
            raise RuntimeError("could not make the workspace")
        db = home / "otklik.sqlite"
        echo(f"timing one import of {n:,} comments (in a copy of the workspace) ...")
        probe = Path(tmp) / "probe"
        probe.mkdir()
        src, dst = sqlite3.connect(db), sqlite3.connect(probe / "otklik.sqlite")
        src.backup(dst)
        src.close()
        dst.close()
        t = time.perf_counter()
        if otklik(probe, "-q", "import", "--case", "bench", str(big), stdout=subprocess.DEVNULL).wait() != 0:
            raise RuntimeError("the import failed")
        full = time.perf_counter() - t
        echo(f"  {full:.1f} s")
        runs = []
        for k in range(kills):
            before = store_digest(db)
            delay = (0.05 + 0.9 * (k + rnd.random()) / kills) * full  # one moment in each k-th of the run
            imp = otklik(home, "-q", "import", "--case", "bench", str(big), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
            time.sleep(delay)
            finished = imp.poll() is not None  # too late: it committed (then the store has changed)
            running = len(_processes_of(home))  # the import and the reader it forked: 2
            if not finished:
                os.kill(imp.pid, signal.SIGKILL)
            imp.wait()
            deadline = time.monotonic() + 10
            while (left := _processes_of(home)) and time.monotonic() < deadline:
                time.sleep(0.1)
            for pid in left:  # an orphan: counted, then ended
                os.kill(pid, signal.SIGKILL)
            now = store_digest(db)
            same = now == before
            committed = now["import_run"].split(":")[0] != before["import_run"].split(":")[0]  # killed too late
            runs.append({"kill_at_s": round(delay, 2), "import_had_finished": finished, "committed": committed,
                         "processes_before_kill": running, "orphans": len(left),
                         "store_as_before": same, "verify_exit": _verify(home)})
            echo(f"  kill {k + 1} at {delay:.1f} s ({running} processes): {len(left)} left after it, store "
                 f"{'as before' if same else 'complete: the import had committed' if committed else 'CHANGED'}, "
                 f"verify exit {runs[-1]['verify_exit']}")
        t = time.perf_counter()
        code = otklik(home, "-q", "import", "--case", "bench", str(big), stdout=subprocess.DEVNULL).wait()
        after = {"exit": code, "seconds": round(time.perf_counter() - t, 1), "verify_exit": _verify(home),
                 "comments": sqlite3.connect(db).execute("SELECT count(*) FROM comment").fetchone()[0]}
        echo(f"  the next import: exit {code}, {after['comments']:,} comments in the store, verify exit {after['verify_exit']}")
    return {"comments": n, "full_import_seconds": round(full, 1), "kills": runs, "next_import": after,
            "orphans": sum(r["orphans"] for r in runs),
            "store_changed": sum(not r["store_as_before"] for r in runs if not r["committed"])}


# ------------------------------------------------------------------ a full disk

def _fill(folder: Path, leave: int) -> None:
    """Fill folder's file system, then give back `leave` bytes."""
    filler = folder / "filler"
    with open(filler, "wb") as f:
        block = b"\0" * 65536
        try:
            while True:
                f.write(block)
                f.flush()
        except OSError:
            pass
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave))


def _diskfull_case(workspace: Path, mount: Path, size_mb: int, leave: int | None, args: list[str]) -> dict:
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount)], check=True,
                   capture_output=True)
    try:
        src, dst = sqlite3.connect(workspace / "otklik.sqlite"), sqlite3.connect(mount / "otklik.sqlite")
        src.backup(dst)
        src.close()
        dst.close()
        before = store_digest(mount / "otklik.sqlite")
        if leave is None:  # a read-only workspace
            subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True, capture_output=True)
        else:
            _fill(mount, leave)
        free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
        res = subprocess.run([sys.executable, "-m", "otklik.cli", "--home", str(mount), *args],
                             capture_output=True, text=True)
        if leave is None:
            subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True, capture_output=True)
        else:
            (mount / "filler").unlink()
        lines = [x for x in res.stderr.splitlines() if x.strip()]
        return {"free_bytes": free, "exit": res.returncode, "message": lines[-1][:300] if lines else "",
                "one_line": res.returncode == 0 or (len(lines) == 1 and "Traceback" not in res.stderr),
                "store_as_before": store_digest(mount / "otklik.sqlite") == before,
                "verify_exit": _verify(mount),
                "files_left": sorted(p.name for p in mount.iterdir() if not p.name.startswith("otklik.sqlite"))}
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def bench_diskfull(workspace: Path | None = None, data_dir: Path = Path("bench-data"), leave_kb=(0, 64, 256),
                   echo=print) -> dict:
    """Each storage-writing command on a full tmpfs (leaving `leave_kb` KB free): see the module."""
    if os.geteuid() != 0:
        raise RuntimeError("otklik bench diskfull mounts small tmpfs file systems: run it as root")
    if workspace is None:
        workspace = data_dir / "diskfull-demo"
        if not (workspace / "otklik.sqlite").exists():
            echo(f"making an analysed demo workspace in {workspace} (otklik demo) ...")
            if otklik(workspace, "-q", "demo", stdout=subprocess.DEVNULL).wait() != 0:
                raise RuntimeError("otklik demo failed")
    case = "demo"
    new_file = data_file(data_dir, 2_000, echo)
    size_mb = (workspace / "otklik.sqlite").stat().st_size // (1 << 20) + 3
    mount = Path(tempfile.mkdtemp(prefix="otklik-diskfull-", dir=data_dir)).resolve()
    commands = {
        "import": ["import", "--case", case, str(new_file.resolve())],
        "analyze": ["analyze", "--case", case],
        "export": ["export", "--case", case, "-o", str(mount / "out.csv")],
        "report": ["report", "--case", case, "-o", str(mount / "report.md")],
        "verify": ["verify"],
    }
    rows = []
    try:
        for leave in [*leave_kb, None]:  # None: the workspace read-only
            for name, args in commands.items():
                r = {"command": name, "leave_kb": leave,
                     **_diskfull_case(workspace, mount, size_mb, None if leave is None else leave * 1024, args)}
                rows.append(r)
                state = "read-only" if leave is None else f"{r['free_bytes'] // 1024:>5} KB free"
                echo(f"  {name:<8} {state}: exit {r['exit']}, "
                     f"{'one line' if r['one_line'] else 'NOT ONE LINE'}, store "
                     f"{'as before' if r['store_as_before'] else 'CHANGED'}, verify exit {r['verify_exit']}, "
                     f"left {r['files_left'] or 'no file'}: {r['message']}")
    finally:
        mount.rmdir()
    bad = [r for r in rows if not r["one_line"] or r["exit"] not in (0, 4) or r["verify_exit"] != 0
           or (r["exit"] != 0 and (not r["store_as_before"] or r["files_left"]))]
    return {"workspace": str(workspace), "tmpfs_mb": size_mb, "runs": rows, "bad": len(bad)}
