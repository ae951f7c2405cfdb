"""Recompute every evidence hash in the store and check the custody chain."""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection

from . import custody
from .store import import_run, raw_record


def raw_bytes(codec: str, data: bytes) -> bytes:
    if codec == "identity":
        return data
    if codec == "zlib":
        return zlib.decompress(data)
    raise ValueError(f"unknown codec {codec!r}")


def verify_store(conn: Connection, check_files: bool = False) -> dict:
    """{raw_records, mismatches: [...], custody_entries, custody_problems: [...], files: [...]}"""
    mismatches = []
    n = 0
    for rid, sha, size, codec, data, where in conn.execute(
            select(raw_record.c.id, raw_record.c.sha256, raw_record.c.size, raw_record.c.codec,
                   raw_record.c.data, raw_record.c["where"]).execution_options(yield_per=5000)):
        n += 1
        try:
            raw = raw_bytes(codec, data)
        except (zlib.error, ValueError) as e:
            mismatches.append(f"raw record {rid} ({where}): cannot decode: {e}")
            continue
        if len(raw) != size or hashlib.sha256(raw).hexdigest() != sha:
            mismatches.append(f"raw record {rid} ({where}): SHA-256 does not match the stored hash")
    problems = custody.verify_chain(conn)
    entries = conn.execute(select(custody.custody.c.id)).all()
    files = []
    if check_files:
        from .ingest import sha256_file

        for run_id, path, sha in conn.execute(select(import_run.c.id, import_run.c.file_path, import_run.c.file_sha256)):
            p = Path(path)
            if not p.exists():
                files.append({"run": run_id, "file": path, "status": "missing"})
            elif sha256_file(p)[0] != sha:
                files.append({"run": run_id, "file": path, "status": "changed since import"})
                mismatches.append(f"source file {path} (import run {run_id}) changed since import")
            else:
                files.append({"run": run_id, "file": path, "status": "ok"})
    return {"raw_records": n, "mismatches": mismatches, "custody_entries": len(entries),
            "custody_problems": problems, "files": files,
            "ok": not mismatches and not problems}
