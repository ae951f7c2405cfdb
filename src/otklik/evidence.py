"""Moved to otklik.store.evidence; this name stays until the analysis side imports the store's module."""

from .store.evidence import (  # noqa: F401
    CHUNK_CODEC, CHUNK_RECORDS, check_records, comment_sightings, decode, last_capture_of_case, pack, record_bytes, sha256_file,
)
