"""Benchmark of the web workspace at a million comments: the comments page, the overview with its
charts, and the review queue's next question.

`bench_comments_page()` fills a temporary workspace with N comments by direct bulk SQL (one
post per 10,000 comments, a third of them replies, 50,000 authors, language and stance
annotations, themes and a coordination result as an analysis would store them; all comments
share one raw record, which the page never reads), builds the web's facet table, starts
`otklik serve`'s app under uvicorn in a child process on 127.0.0.1, logs in, and sends a bounded
load (by default 2 client threads, 500 requests) to the comments page, unfiltered and with each
filter, paging forward by keyset, to the overview and to the review queue (answering half of the
questions). It prints p50/p95 per kind of request and overall.

    python -m otklik.web.bench --comments 1000000 --requests 500 --threads 2
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

WORDS = ("свобода выдача Казахстан суд адвокат беженец статус пытки Чечня Германия Турция помогите защитить "
         "нельзя выдавать опасно мама семья закон права человека комиссия ходатайство срок август "
         "free him asylum Kazakhstan danger torture court lawyer please help refugee status").split()
LANGS = ["ru"] * 7 + ["kk", "en", "ce", "und"]
STANCES = [(1, True)] * 6 + [(0, True), (-1, True), (-1, True), (None, False)]
PASSWORD = "benchmark-password"


def fill_store(home: Path, n: int, seed: int = 7, echo=print) -> dict:
    """A case `bench` with n comments, analysed-looking, written by bulk SQL."""
    from ..analysis.pipeline import ensure_schema
    from ..cases import create_case
    from ..store import custody, open_store

    engine = open_store(home)
    ensure_schema(engine)
    with engine.begin() as conn:
        case = create_case(conn, "bench", "Ильяс Мударов", ["Мударов", "Ilyas Mudarov"], "Europe/Moscow", ["ru", "en"])
    engine.dispose()
    rnd = random.Random(seed)
    t0 = time.perf_counter()
    con = sqlite3.connect(home / "otklik.sqlite", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-524288")
    con.execute("BEGIN")
    now = "2026-11-26T12:00:00Z"
    con.execute("INSERT INTO import_run(id, case_id, started_at, finished_at, importer, importer_version, file_path, "
                "file_sha256, file_size, captured_at, captured_basis, os_user, tool_version) "
                "VALUES (1, ?, ?, ?, 'bench', '1', 'bench', 'bench', 0, ?, 'override', 'bench', 'bench')",
                (case["id"], now, now, now))
    con.execute("INSERT INTO raw_chunk(id, import_id, codec, size, data) VALUES (1, 1, 'identity', 2, ?)", (b"{}",))
    con.execute("INSERT INTO raw_record(id, sha256, size, chunk_id, \"offset\", import_id, \"where\", captured_at, basis) "
                "VALUES (1, ?, 2, 1, 0, 1, 'bench', ?, 'override')", (hashlib.sha256(b"{}").digest(), now))
    con.execute("INSERT INTO source(id, platform, platform_id, kind, handle) VALUES (1, 'instagram', 'bench', 'page', 'bench_page')")
    n_posts = max(1, n // 10_000)
    con.executemany("INSERT INTO post(id, platform, platform_id, source_id, published_at, raw_id, first_import_id, "
                    "last_import_id) VALUES (?, 'instagram', ?, 1, ?, 1, 1, 1)",
                    [(p, f"P{p}", f"2026-10-{1 + p % 28:02d}T10:00:00Z") for p in range(1, n_posts + 1)])
    con.executemany("INSERT INTO case_post(case_id, post_id) VALUES (?, ?)", [(case["id"], p) for p in range(1, n_posts + 1)])
    n_authors = max(10, n // 3)  # three comments a person, as `bench analyze`'s generated case
    con.executemany("INSERT INTO author(id, platform, platform_id, handle) VALUES (?, 'instagram', ?, ?)",
                    [(a, f"A{a}", f"user{a}") for a in range(1, n_authors + 1)])

    def rows():
        base = 1_790_000_000
        roots_of_post: dict[int, list[int]] = {}
        for i in range(1, n + 1):
            post = 1 + (i - 1) * n_posts // n
            roots = roots_of_post.setdefault(post, [])
            parent = roots[rnd.randrange(len(roots))] if roots and rnd.random() < 0.33 else None
            if parent is None:
                roots.append(i)
                if len(roots) > 200:
                    roots.pop(0)
            a = rnd.randint(1, n_authors)
            text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 14)))
            t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(base + i * 2))
            yield (i, f"C{i}", post, f"C{parent}" if parent else None, parent, parent or i, a, f"user{a}", text, t)

    con.executemany("INSERT INTO comment(id, platform, platform_id, post_id, parent_platform_id, parent_id, root_id, "
                    "author_id, author_handle, text, published_at, published_approx, edited, raw_id, first_import_id, "
                    "last_import_id) VALUES (?, 'instagram', ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 1, 1, 1)", rows())
    echo(f"  comments inserted: {time.perf_counter() - t0:.1f} s")
    t1 = time.perf_counter()
    con.execute("INSERT INTO comment_fts(comment_fts) VALUES ('rebuild')")
    echo(f"  full-text index: {time.perf_counter() - t1:.1f} s")
    t1 = time.perf_counter()
    con.execute("INSERT INTO analysis_run(id, case_id, started_at, finished_at, code_version, config) VALUES (1, ?, ?, ?, 'bench', '{}')",
                (case["id"], now, now))

    def ann():
        for i in range(1, n + 1):
            yield (i, "language", json.dumps({"lang": LANGS[i % len(LANGS)], "confidence": 0.9, "parts": []}))
            lab, rel = STANCES[(i * 7) % len(STANCES)]
            yield (i, "stance", json.dumps({"label": lab, "relevant": rel, "confidence": 0.8}))
    con.executemany("INSERT INTO annotation(comment_id, stage, value, backend, version, params, input_hash, run_id) "
                    "VALUES (?, ?, ?, 'bench', '1', '{}', 'x', 1)", ann())
    k = 20
    members: list[list[int]] = [[] for _ in range(k)]
    for i in range(1, n + 1):
        members[(i * 31) % k].append(i)
    themes = [{"key": f"t{m[0]}", "label": f"theme {j}", "label_source": "keywords", "keywords": [], "member_ids": m,
               "central_ids": m[:5], "n_comments": len(m), "n_authors": len(m), "stances": {}, "entities": [], "quotes": []}
              for j, m in enumerate(members)]
    burst = list(range(1000, min(n, 1000 + 40 * 500), 500))  # 40 coordinated comments spread out
    coord = {"window_s": 600, "groups": [{"comment_ids": burst, "burst_ids": burst, "coordinated": True, "accounts": [],
                                          "start": now, "end": now}]}
    for stage, payload in (("themes", {"embedding": "bench", "themes": themes}), ("coordination", coord)):
        con.execute("INSERT INTO case_result(case_id, stage, payload, backend, version, params, input_hash, run_id) "
                    "VALUES (?, ?, ?, 'bench', '1', '{}', 'x', 1)", (case["id"], stage, json.dumps(payload)))
    con.execute("COMMIT")
    con.close()
    from ..analysis.pipeline import _write_snapshots  # the analysis' case-wide copies the review and digest read
    from ..analysis.summary import compute_case_summary
    from ..store import case_result

    engine = open_store(home)
    with engine.begin() as conn:
        # the bulk-written import's custody entry, as the import service writes one
        custody.append(conn, "import", actor="bench", case_id=case["id"], outputs={"import_run": 1, "raw_records_new": 1})
        # what an analysis run stores at its end: the case-wide snapshots, the summary
        _write_snapshots(conn, case["id"], 1, ("stance", "entities"))
        found = compute_case_summary(conn, "bench") | {"analysis_run": 1}
        conn.execute(case_result.insert().values(case_id=case["id"], stage="summary", payload=json.dumps(found),
                                                 backend="summary", version="1", params="{}", input_hash="1", run_id=1))
    engine.dispose()
    echo(f"  annotations and results: {time.perf_counter() - t1:.1f} s")
    return {"case": case, "themes": [t["key"] for t in themes], "authors": n_authors}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive HTTP connection to the local server, with the session cookie."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)  # a 1M review answer takes long
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        data = r.read().decode("utf-8", "replace")
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return r.status, data

    def login(self, name: str, password: str) -> None:
        _, page = self.request("GET", "/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        status, _ = self.request("POST", "/login", urlencode({"name": name, "password": password, "csrf": token, "next": "/"}))
        if status != 303:
            raise RuntimeError(f"login failed: {status}")


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def bench_comments_page(n: int = 1_000_000, requests: int = 500, threads: int = 2, workdir: Path | None = None,
                        keep: bool = False, echo=print, review_steps: int = 10) -> dict:
    from ..store import open_store
    from . import auth, queries

    tmp = Path(tempfile.mkdtemp(prefix="otklik-webbench-", dir=workdir))
    home = tmp / "ws"
    try:
        echo(f"filling {home} with {n:,} comments")
        t0 = time.perf_counter()
        info = fill_store(home, n, echo=echo)
        fill_s = time.perf_counter() - t0
        engine = open_store(home)
        auth.add_user(engine, "bench", "editor", PASSWORD)  # the review queue needs an editor
        t0 = time.perf_counter()
        queries.refresh_facets(engine, info["case"]["id"])
        facets_s = time.perf_counter() - t0
        echo(f"  web facets built: {facets_s:.1f} s")
        engine.dispose()
        port = _free_port()
        code = ("import sys, uvicorn; from pathlib import Path; from otklik.web import create_app; "
                f"uvicorn.run(create_app(Path(sys.argv[1])), host='127.0.0.1', port={port}, log_level='warning')")
        server = subprocess.Popen([sys.executable, "-c", code, str(home)])
        try:
            deadline = time.time() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.time() > deadline or server.poll() is not None:
                        raise RuntimeError("the server did not start") from None
                    time.sleep(0.2)
            results = _load(port, info, n, requests, threads, review_steps)
        finally:
            server.terminate()
            server.wait(10)
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    out = {"comments": n, "requests": sum(len(v) for v in results.values()), "threads": threads,
           "fill_seconds": round(fill_s, 1), "facets_seconds": round(facets_s, 1), "kinds": {}}
    everything = [x for v in results.values() for x in v]
    for kind, xs in results.items():
        out["kinds"][kind] = {"n": len(xs), "p50_ms": round(_pct(xs, 50) * 1000, 1), "p95_ms": round(_pct(xs, 95) * 1000, 1)}
    out["p50_ms"] = round(_pct(everything, 50) * 1000, 1)
    out["p95_ms"] = round(_pct(everything, 95) * 1000, 1)
    echo(f"{'request':<22}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}")
    for kind, r in out["kinds"].items():
        echo(f"{kind:<22}{r['n']:>6}{r['p50_ms']:>10}{r['p95_ms']:>10}")
    echo(f"{'all':<22}{out['requests']:>6}{out['p50_ms']:>10}{out['p95_ms']:>10}   (target p95 < 300 ms)")
    return out


def _load(port: int, info: dict, n: int, requests: int, threads: int, review_steps: int = 10) -> dict[str, list[float]]:
    base = "/cases/bench/comments"
    rnd = random.Random(1)
    kinds = {
        "unfiltered": lambda: {},
        "stance": lambda: {"stance": rnd.choice(["1", "0", "-1", "none"])},
        "language": lambda: {"lang": rnd.choice(["ru", "kk", "en", "ce"])},
        "theme": lambda: {"theme": rnd.choice(info["themes"])},
        "author": lambda: {"author": f"user{rnd.randint(1, info['authors'])}"},
        "stance+language": lambda: {"stance": "-1", "lang": "kk"},
        "coordinated": lambda: {"coordinated": "1"},
        "date range": lambda: {"date_from": "2026-09-20", "date_to": "2026-09-21"},
        "search": lambda: {"q": rnd.choice(["Германия", "адвокат", "asylum", "пытки AND суд"])},
        "overview (charts)": None,
    }
    names = list(kinds)
    plan = [names[i % len(names)] for i in range(requests)]
    results: dict[str, list[float]] = {k: [] for k in names}
    lock = threading.Lock()
    errors: list[str] = []

    def worker(part: list[str]):
        c = Client(port)
        c.login("bench", PASSWORD)
        c.request("GET", base)  # warm the connection
        c.request("GET", "/cases/bench")  # and the overview's digest (built once per digest state)
        for kind in part:
            if kinds[kind] is None:
                measure(c, kind)
                continue
            params = kinds[kind]()
            t = time.perf_counter()
            status, page = c.request("GET", base + ("?" + urlencode(params) if params else ""))
            dt = time.perf_counter() - t
            if status != 200:
                errors.append(f"{kind}: HTTP {status}")
                continue
            # half of the time, follow the keyset "next" link: deeper pages must be as fast
            m = re.search(r'rel="next" href="\?([^"]+)"', page)
            if m and rnd.random() < 0.5:
                t = time.perf_counter()
                status, _ = c.request("GET", base + "?" + m.group(1).replace("&amp;", "&"))
                dt2 = time.perf_counter() - t
                with lock:
                    results.setdefault(kind + " (next page)", []).append(dt2)
            with lock:
                results[kind].append(dt)

    def measure(c: Client, kind: str) -> None:
        """The overview with its charts (the same keep-alive client, timed like the comments page)."""
        t = time.perf_counter()
        status, _ = c.request("GET", "/cases/bench")
        dt = time.perf_counter() - t
        if status != 200:
            errors.append(f"{kind}: HTTP {status}")
            return
        with lock:
            results[kind].append(dt)

    parts = [plan[i::threads] for i in range(threads)]
    ts = [threading.Thread(target=worker, args=(p,)) for p in parts]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed request(s), e.g. {errors[:3]}")
    results.update(_review(port, review_steps))
    return {k: v for k, v in results.items() if v}


def _review(port: int, steps: int) -> dict[str, list[float]]:
    """The review queue alone (one editor): the next question, then its answer (label, refit the
    case's model, new estimate; the redirect is not followed), `steps` times; then the overview
    once more, which now follows the editor's labels."""
    c = Client(port)
    c.login("bench", PASSWORD)
    out: dict[str, list[float]] = {"review: next question": [], "review: answer": [], "overview after answers": []}
    rnd = random.Random(2)
    for _ in range(steps):
        t = time.perf_counter()
        status, page = c.request("GET", "/cases/bench/review")
        out["review: next question"].append(time.perf_counter() - t)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        cid = re.search(r'name="comment_id" value="(\d+)"', page)
        if status != 200 or not csrf or not cid:
            raise RuntimeError(f"review: HTTP {status} without a question")
        t = time.perf_counter()
        status, _ = c.request("POST", "/cases/bench/review", urlencode({"csrf": csrf.group(1), "comment_id": cid.group(1),
                                                                      "answer": rnd.choice("1230")}))
        out["review: answer"].append(time.perf_counter() - t)
        if status != 303:
            raise RuntimeError(f"review answer: HTTP {status}")
    for _ in range(3):
        t = time.perf_counter()
        status, _ = c.request("GET", "/cases/bench")
        out["overview after answers"].append(time.perf_counter() - t)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="Benchmark the web comments page on a large generated case.")
    ap.add_argument("--comments", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=None, help="Where to make the temporary workspace.")
    ap.add_argument("--keep", action="store_true", help="Keep the generated workspace.")
    ap.add_argument("--review-steps", type=int, default=10, help="Review questions asked and answered after the load.")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    res = bench_comments_page(a.comments, a.requests, a.threads, a.workdir, a.keep,
                              echo=(lambda m: None) if a.json else print, review_steps=a.review_steps)
    if a.json:
        print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
