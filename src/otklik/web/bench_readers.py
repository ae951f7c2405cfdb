"""`otklik bench readers`: the comments page of `otklik serve` while an import writes.

`readers` logged-in readers load the comments page of the web app (under uvicorn in a child
process) while an import of a generated n-comment file runs into the same workspace (`otklik
import`, another child process). Every answer that is not 200 is an error; p50/p95/max of the
page during the import, split at its commit: while its transaction is open, and from the commit
to a few seconds after the import ended (when one read rebuilds the page's facets).
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ..bench.reliability import data_file, otklik

PASSWORD = "benchmark-password"


def _pct(xs: list[float], p: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    return round(1000 * xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))], 1)


def _workspace(home: Path, seed_file: Path) -> None:
    """A case `bench` with the comments of seed_file, a viewer `bench` and the page's facets."""
    from ..cases import create_case
    from ..ingest import import_files
    from ..store import open_store
    from . import auth, queries

    engine = open_store(home)
    with engine.begin() as conn:
        case = create_case(conn, "bench", "Бенч Бенчев")
    import_files(engine, "bench", [seed_file])
    auth.add_user(engine, "bench", "viewer", PASSWORD)
    queries.refresh_facets(engine, case["id"])
    engine.dispose()


def _serve(home: Path):
    """`otklik serve`'s app under uvicorn in a child process; (process, port) once it listens."""
    import socket

    from .bench import _free_port

    port = _free_port()
    code = ("import sys, uvicorn; from pathlib import Path; from otklik.web import create_app; "
            f"uvicorn.run(create_app(Path(sys.argv[1])), host='127.0.0.1', port={port}, log_level='warning')")
    server = subprocess.Popen([sys.executable, "-c", code, str(home)])
    deadline = time.time() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, port
        except OSError:
            if time.time() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the server did not start") from None
            time.sleep(0.2)


def _commit_time(db: Path, imp: subprocess.Popen) -> float | None:
    """When the import's run became visible to a reader (its commit), polled every 20 ms."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        first = con.execute("SELECT count(*) FROM import_run").fetchone()[0]
        while imp.poll() is None:
            if con.execute("SELECT count(*) FROM import_run").fetchone()[0] > first:
                return time.perf_counter()
            time.sleep(0.02)
        return None
    finally:
        con.close()


def bench_readers(n: int = 100_000, readers: int = 20, data_dir: Path = Path("bench-data"), after_s: float = 5.0,
                  echo=print) -> dict:
    """Import n comments while `readers` threads read the comments page; count errors, time pages."""
    from .bench import Client

    big = data_file(data_dir, n, echo)
    seed = data_file(data_dir, 2_000, echo)
    with tempfile.TemporaryDirectory(dir=data_dir) as tmp:
        home = Path(tmp) / "ws"
        _workspace(home, seed)
        server, port = _serve(home)
        try:
            clients = []
            for _ in range(readers):
                c = Client(port)
                c.login("bench", PASSWORD)
                c.request("GET", "/cases/bench/comments")  # warm: connection, session, templates
                clients.append(c)
            log: list[tuple[float, float, int | str]] = []  # (start, seconds, status or error)
            lock = threading.Lock()
            stop = threading.Event()

            def read(c):
                rnd = random.Random(id(c))
                while not stop.is_set():
                    q = rnd.choice(["", "?stance=1", "?lang=ru", "?q=%D1%81%D1%83%D0%B4"])
                    t = time.perf_counter()
                    try:
                        status, _ = c.request("GET", "/cases/bench/comments" + q)
                    except Exception as e:  # noqa: BLE001 (a reset connection is an error to count)
                        status = type(e).__name__
                        c.conn.close()
                    with lock:
                        log.append((t, time.perf_counter() - t, status))

            threads = [threading.Thread(target=read, args=(c,), daemon=True) for c in clients]
            for th in threads:
                th.start()
            time.sleep(1.0)  # readers at full speed before the import starts
            echo(f"importing {n:,} comments while {readers} readers load the comments page ...")
            t0 = time.perf_counter()
            imp = otklik(home, "-q", "import", "--case", "bench", str(big), stdout=subprocess.DEVNULL)
            committed = _commit_time(home / "otklik.sqlite", imp)
            code = imp.wait()
            t1 = time.perf_counter()
            time.sleep(after_s)
            stop.set()
            for th in threads:
                th.join(70)
        finally:
            server.terminate()
            server.wait(10)
    if code != 0:
        raise RuntimeError(f"the import failed (exit {code})")
    tc = committed or t1
    out: dict = {"comments": n, "readers": readers, "import_seconds": round(t1 - t0, 1),
           "commit_at_s": round(tc - t0, 1) if committed else None}
    parts = {"during_import": [x for x in log if t0 <= x[0] < t1],  # the two below together
             "import_open": [x for x in log if t0 <= x[0] < tc],  # the import's transaction open
             "after_commit": [x for x in log if tc <= x[0] < t1 + after_s]}  # the facets catch up
    for name, part in parts.items():
        ok = [s for _, s, st in part if st == 200]
        errors: dict[str, int] = {}
        for _, _, st in part:
            if st != 200:
                errors[str(st)] = errors.get(str(st), 0) + 1
        out[name] = {"requests": len(part), "errors": sum(errors.values()), "errors_by_kind": errors,
                     "p50_ms": _pct(ok, 50), "p95_ms": _pct(ok, 95), "max_ms": _pct(ok, 100)}
        bad = [(round(t - t0, 1), round(s, 1)) for t, s, st in part if st != 200 or s > 1.0]
        if bad:  # when they started (seconds into the import) and how long they took
            out[name]["slow_or_failed"] = bad[:5] + ([f"... {len(bad) - 5} more"] if len(bad) > 5 else [])
    return out
