"""A seeded fuzzer for the importers: mutate example exports the ways attackers and unlucky users
do, import each mutant, and count what must never happen.

Each mutant is imported into a store that holds its format's examples already, with or without
--skip-bad. An import must end in success or in `ImportFailed` (exit 0 or 2) with no traceback
in its message; a failed import must leave the store as it was; after each run `verify` must
be clean. Mutation kinds: huge and non-finite numbers (1e20, 1e300, Infinity, NaN), integers
beyond 64 bits, huge timestamps, lone surrogates, lists and objects as ids, deep nesting,
truncation, byte flips, a UTF-8 BOM, a very long field.

    python -m otklik.ingest.fuzz --files 2000 [--seed 1] [--fixtures tests/fixtures]
"""

from __future__ import annotations

import argparse
import lzma
import random
import re
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

# example folder -> (import format or None to detect, generic mapping)
FORMATS = {
    "crowdtangle": None, "instaloader": None, "telegram_desktop": None, "telethon": None, "twarc": None,
    "vk": None, "youtube_api": None, "youtube_comment_downloader": None, "zeeschuimer": None, "generic": "generic",
}
GENERIC_MAPS = {
    "comments.csv": "id=id,text=body,author=user,author_id=user_id,time=date,likes=likes,parent=reply_to,post=post",
    "nopost.csv": "text=text,author=author,time=time",
    "comments.jsonl": "id=cid,text=message,author=user.name,author_id=user.id,time=ts,parent=parent,post=post,"
                      "likes=reactions.likes",
}
FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures"

_NUMBER = re.compile(rb"(?<=[:\[,\s])-?\d+(\.\d+)?([eE][+-]?\d+)?(?=[,\]\}\s])")
_STRING = re.compile(rb'"(?:[^"\\\n]|\\.){1,80}"')
_ID = re.compile(rb'"(id|[a-z_]*_id|cid|pk|shortcode|videoId|parentId)"\s*:\s*("(?:[^"\\\n]|\\.)*"|-?\d+)')
_TIME = re.compile(rb'"(date|created_at|publishedAt|taken_at|timestamp|ts|time|date_unixtime|'
                   rb'taken_at_timestamp|published|created_time)"\s*:\s*("[^"\n]*"|-?\d+(\.\d+)?)')
HUGE = [b"1e20", b"1e300", b"-1e300", b"99999999999999999999999", b"123456789012345678901234567890",
        b"Infinity", b"-Infinity", b"NaN", b"1.5", b"-1", b"true", b"null", b'"1e300"', b'"Infinity"']
TIMES = [b"1e20", b"1e300", b"99999999999999999999999", b'"99999999999999999999999"', b"Infinity", b"NaN",
         b'"9999-99-99T99:99:99Z"', b'"0000-00-00"', b"-62135596800000", b'"not a time"', b"[]", b"{}"]
IDS = [b'["a"]', b'{"a": 1}', b"[]", b"true", b"1.5", b"1e300", b'"\\ud800"', b"123456789012345678901234567890",
       b'""', b"null"]


def _sub_random(rx: re.Pattern, data: bytes, rng: random.Random, make) -> bytes:
    ms = list(rx.finditer(data))
    if not ms:
        return _flip(data, rng)
    m = rng.choice(ms)
    return data[:m.start()] + make(m) + data[m.end():]


def _flip(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if b:
            b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def _nest(data: bytes, rng: random.Random) -> bytes:
    deep = b"[" * 10000 + b"]" * 10000
    if rng.random() < 0.3:
        return deep
    return _sub_random(_NUMBER, data, rng, lambda m: deep)


MUTATIONS = {
    "huge-number": lambda d, r: _sub_random(_NUMBER, d, r, lambda m: r.choice(HUGE)),
    "huge-time": lambda d, r: _sub_random(_TIME, d, r, lambda m: m.group(0)[:m.start(2) - m.start()] + r.choice(TIMES)),
    "surrogate": lambda d, r: _sub_random(_STRING, d, r, lambda m: m.group(0)[:-1] + r.choice(
        [b"\\ud800", b"\\udfff", b"\\ud83d"]) + b'"'),
    "list-id": lambda d, r: _sub_random(_ID, d, r, lambda m: m.group(0)[:m.start(2) - m.start()] + r.choice(IDS)),
    "deep-nesting": _nest,
    "truncation": lambda d, r: d[:r.randrange(max(1, len(d)))],
    "byte-flip": _flip,
    "bom": lambda d, r: b"\xef\xbb\xbf" + d,
    "long-field": lambda d, r: _sub_random(_STRING, d, r, lambda m: b'"' + b"x" * r.choice([70000, 140000]) + b'"'),
}


@dataclass
class Result:
    files: int = 0
    ok: int = 0
    failed_cleanly: int = 0
    tracebacks: list = field(default_factory=list)
    unplaced: list = field(default_factory=list)  # failed cleanly, but naming no record
    store_changed: list = field(default_factory=list)
    verify_failures: list = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {"files": self.files, "ok": self.ok, "failed_cleanly": self.failed_cleanly,
                "tracebacks": len(self.tracebacks), "unplaced": len(self.unplaced), "store_changes_on_failure": len(self.store_changed),
                "verify_failures": len(self.verify_failures), "kinds": dict(self.kinds)}


def examples(fixtures: Path) -> dict[str, list[Path]]:
    """Example files of each format folder (licences and readmes left out)."""
    out = {}
    for folder in FORMATS:
        files = sorted(p for p in (fixtures / folder).rglob("*") if p.is_file()
                       and p.suffix.lower() not in (".md", ".txt") and "other" not in p.parts)
        if files:
            out[folder] = files
    return out


def fingerprint(engine) -> tuple:
    """Row count of every table and the custody head: what a failed import must not change."""
    with engine.connect() as conn:
        tables = [r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'comment_fts%' ORDER BY name")]
        counts = tuple(conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar() for t in tables)
        head = conn.execute(text("SELECT max(id) FROM custody")).scalar()
    return counts + (head,)


def _load(path: Path) -> bytes:
    return lzma.decompress(path.read_bytes()) if path.suffix == ".xz" else path.read_bytes()


def _write(path: Path, data: bytes, rng: random.Random) -> None:
    if path.suffix == ".xz":
        data = lzma.compress(data)
        if rng.random() < 0.2:
            data = _flip(data, rng)
    path.write_bytes(data)


def run(n_files: int, seed: int = 1, fixtures: Path = FIXTURES, seconds: float | None = None,
        folders: list[str] | None = None, echo=None) -> Result:
    """Import `n_files` mutants (spread over the formats), or as many as fit in `seconds`."""
    from ..cases import create_case
    from ..importers import Options
    from ..importers.base import UNPLACED
    from ..importers.generic import parse_mapping
    from ..store import open_store
    from ..store.verify import verify_store
    from .errors import ImportFailed
    from .recheck import check_comments
    from .service import import_files

    rng = random.Random(seed)
    res = Result()
    by_format = {k: v for k, v in examples(fixtures).items() if not folders or k in folders}
    work = Path(tempfile.mkdtemp(prefix="otklik-fuzz-"))
    deadline = time.monotonic() + seconds if seconds else None
    try:
        per = max(1, n_files // len(by_format))
        for folder, files in by_format.items():
            engine = open_store(work / folder / "home")
            with engine.begin() as conn:
                create_case(conn, "fuzz", "Fuzz Subject")
            fmt = FORMATS[folder]
            stop = deadline and time.monotonic() + (deadline - time.monotonic()) / (len(by_format) or 1)
            for i in range(per):
                if stop and time.monotonic() > stop:
                    break
                src = rng.choice(files)
                kind = rng.choice(list(MUTATIONS))
                data = MUTATIONS[kind](_load(src), rng)
                if rng.random() < 0.1:  # two mutations at once
                    data = MUTATIONS[rng.choice(list(MUTATIONS))](data, rng)
                dest = work / folder / f"m{i}" / src.name
                dest.parent.mkdir(parents=True)
                _write(dest, data, rng)
                opts = Options(mapping=parse_mapping(GENERIC_MAPS[src.name]) if fmt == "generic" else None)
                skip_bad = rng.random() < 0.5
                before = fingerprint(engine)
                label = f"{folder}/{src.name} {kind} seed={seed} #{i} skip_bad={skip_bad} ({dest})"
                res.files += 1
                res.kinds[kind] += 1
                try:
                    import_files(engine, "fuzz", [dest], fmt=fmt, skip_bad=skip_bad, opts=opts)
                    res.ok += 1
                except ImportFailed as e:
                    if any("Traceback (most recent call last)" in p for p in e.problems):
                        res.tracebacks.append(f"{label}: {e.problems}")
                    else:
                        res.failed_cleanly += 1
                        if any(UNPLACED in p for p in e.problems):
                            res.unplaced.append(f"{label}: {e.problems}")
                    if fingerprint(engine) != before:
                        res.store_changed.append(label)
                except Exception as e:  # noqa: BLE001  (what the fuzzer looks for)
                    res.tracebacks.append(f"{label}: {type(e).__name__}: {e}"[:2000])
                    continue
                with engine.connect() as conn:
                    v = verify_store(conn)
                    c = check_comments(conn)  # (the comments against their raw records, as `otklik verify`)
                if not v["ok"] or c["mismatches"]:
                    res.verify_failures.append(f"{label}: {v['mismatches'][:3]} {v['custody_problems'][:3]} "
                                               f"{c['mismatches'][:3]}")
                shutil.rmtree(dest.parent)
            engine.dispose()
            if echo:
                echo(f"{folder}: {res.files} files so far, {len(res.tracebacks)} tracebacks")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fixtures", type=Path, default=FIXTURES)
    a = ap.parse_args(argv)
    t = time.monotonic()
    res = run(a.files, a.seed, a.fixtures, echo=print)
    for what in ("tracebacks", "unplaced", "store_changed", "verify_failures"):
        for line in getattr(res, what)[:20]:
            print(f"{what}: {line}")
    d = res.as_dict()
    print(f"{d['files']} mutated files in {time.monotonic() - t:.0f} s: {d['ok']} imported, "
          f"{d['failed_cleanly']} refused cleanly ({d['unplaced']} naming no record); {d['tracebacks']} tracebacks, "
          f"{d['store_changes_on_failure']} store changes on failure, {d['verify_failures']} verify failures")
    print("kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(d["kinds"].items())))
    return 0 if not (res.tracebacks or res.store_changed or res.verify_failures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
