"""Import export files into the store (see `service` for how a run works).

    service   import_files, Summary, summary_lines: one transaction per run
    reader    the forked child that reads, hashes and packs; the wire format of its batches
    writer    the run's batches into the store's tables
    threads   reply parents, thread roots and forwarded copies, at the end of a run
    recheck   `otklik verify`'s check of the comment rows against their raw records, re-read
    errors    ImportFailed
"""

from ..store.sql import bulk_insert  # noqa: F401 (moved to store.sql: the analysis imports it from here for now)
from .errors import ImportFailed
from .service import Summary, import_files, summary_lines

__all__ = ["ImportFailed", "Summary", "import_files", "summary_lines"]
