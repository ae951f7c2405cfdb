"""Moved to otklik.store.evidence (and store.codec); this name stays until the analysis side imports the store's modules."""

from .store.codec import CHUNK_CODEC, CHUNK_RECORDS, decode, pack  # noqa: F401
from .store.evidence import check_records, comment_sightings, last_capture_of_case, record_bytes, sha256_file  # noqa: F401
