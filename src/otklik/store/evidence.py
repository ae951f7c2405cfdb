"""Raw records as stored: chunks of records compressed together, each record a span of its
chunk with its own SHA-256 (see `schema.raw_chunk`, packed by `codec`): reading a record's bytes,
checking every record against its hash, a comment's sightings.
"""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path
from typing import Iterator

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from .codec import decode
from .schema import raw_chunk, raw_record
from .sql import in_case


def sha256_file(path: Path) -> tuple[str, int]:
    """A file's SHA-256 (hex) and size, read a megabyte at a time."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def record_bytes(conn: Connection, raw_id: int) -> tuple[dict, bytes]:
    """A raw record's row (id, sha256 as hex, size, where, import_id, chunk_id, offset) and its bytes."""
    row = conn.execute(select(raw_record).where(raw_record.c.id == raw_id)).mappings().first()
    if row is None:
        raise KeyError(f"no raw record {raw_id}")
    codec, data = conn.execute(select(raw_chunk.c.codec, raw_chunk.c.data)
                               .where(raw_chunk.c.id == row["chunk_id"])).one()
    decoded = decode(codec, data)
    return dict(row), decoded[row["offset"]:row["offset"] + row["size"]]


def check_records(conn: Connection) -> Iterator[tuple[int, str | None]]:
    """(raw record id, problem or None) for every raw record: its bytes decode, have the stored
    size and the stored SHA-256; and every chunk is covered by its records exactly, so no byte
    of a chunk can change unnoticed. Reads one chunk at a time."""
    rows = conn.execute(select(raw_record.c.id, raw_record.c.sha256, raw_record.c.size, raw_record.c.chunk_id,
                               raw_record.c.offset, raw_record.c["where"])
                        .order_by(raw_record.c.id).execution_options(yield_per=5000))  # a chunk's records have consecutive ids
    chunk_id, decoded, error, end = None, b"", None, 0

    def uncovered():
        if chunk_id is not None and error is None and end != len(decoded):
            return f"chunk {chunk_id}: {len(decoded) - end} byte(s) after its last record belong to no record"
        return None

    for rid, sha, size, cid, off, where in rows:
        if cid != chunk_id:
            if (p := uncovered()):
                yield None, p
            chunk_id, end, error = cid, 0, None
            codec, data, csize = conn.execute(select(raw_chunk.c.codec, raw_chunk.c.data, raw_chunk.c.size)
                                              .where(raw_chunk.c.id == cid)).one()
            try:
                decoded = decode(codec, data)
                if len(decoded) != csize:
                    error = f"chunk {cid} decodes to {len(decoded)} bytes, not the stored {csize}"
            except (zlib.error, RuntimeError, ValueError) as e:  # lz4 raises RuntimeError
                error = f"chunk {cid} cannot be decoded: {e}"
        if error:
            yield rid, f"raw record {rid} ({where}): {error}"
            continue
        if off != end:
            yield rid, f"raw record {rid} ({where}): does not start where the previous record of chunk {cid} ends"
        raw = decoded[off:off + size]
        end = off + size
        if len(raw) != size or hashlib.sha256(raw).hexdigest() != sha:
            yield rid, f"raw record {rid} ({where}): SHA-256 does not match the stored hash"
        else:
            yield rid, None
    if (p := uncovered()):
        yield None, p


# A comment's sightings: its own raw record (the first) and the later ones in `sighting`.
_COMMENT_SIGHTINGS = (
    "SELECT r.captured_at, r.basis, r.import_id, r.id AS raw_id, 0 AS later FROM comment c "
    "JOIN raw_record r ON r.id = c.raw_id WHERE c.id = :id "
    "UNION ALL SELECT s.captured_at, s.basis, s.import_id, s.raw_id, s.id FROM sighting s "
    "WHERE s.entity_type = 'comment' AND s.entity_id = :id")


def comment_sightings(conn: Connection, comment_id: int) -> list[dict]:
    """Every sighting of a comment, earliest first: capture time and basis, the import run (with
    its file and importer), and the raw record (id, SHA-256 as hex, size, where) it was seen in."""
    rows = [dict(r) for r in conn.execute(text(
        f"SELECT x.captured_at, x.basis, x.import_id, i.file_path, i.importer, i.importer_version, "
        f"x.raw_id, r.sha256, r.size, r.\"where\" FROM ({_COMMENT_SIGHTINGS}) x "
        f"JOIN import_run i ON i.id = x.import_id JOIN raw_record r ON r.id = x.raw_id "
        f"ORDER BY x.captured_at, x.later"), {"id": comment_id}).mappings()]
    for r in rows:
        r["sha256"] = bytes(r["sha256"]).hex()
    return rows


def last_capture_of_case(conn: Connection, case_id: int) -> str | None:
    """The latest capture time at which any comment of the case was seen."""
    return conn.execute(text(
        "SELECT max(t) FROM (SELECT max(r.captured_at) AS t FROM comment c JOIN raw_record r ON r.id = c.raw_id "
        f"WHERE {in_case()} "
        "UNION ALL SELECT max(s.captured_at) FROM sighting s JOIN comment c ON c.id = s.entity_id "
        f"AND s.entity_type = 'comment' WHERE {in_case()}) AS x"),
        {"cid": case_id}).scalar()
