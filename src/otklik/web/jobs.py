"""Long-running work started from the browser (an import, an analysis) in a background thread,
with progress the job page polls. In memory: one local server, jobs last as long as it runs."""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


# An absolute path's folders ("/srv/otklik/uploads/case-1/…/"), not inside a URL ("https://host/a/").
_FOLDERS = re.compile(r"(?<![\w:/.~-])(?:/[^\s/'\"]+)+/(?=[^\s/'\"])")


def without_folders(line: str, roots=()) -> str:
    """A line for the browser: every absolute path cut to its file's name (where the server keeps
    uploads is none of a user's business, and the name is what they uploaded). `roots` (the
    workspace) are cut first, whatever characters their names hold."""
    for root in roots:
        line = line.replace(str(root).rstrip("/") + "/", "/")
    return _FOLDERS.sub("", line)


@dataclass
class Job:
    id: str
    kind: str  # import | analyze
    case: str
    user: str
    started: float = field(default_factory=time.time)
    status: str = "running"  # running | done | failed
    stage: str = ""
    done: int = 0
    total: int = 0
    lines: list[str] = field(default_factory=list)  # what the CLI would print: summary or errors
    finished: float | None = None

    @property
    def percent(self) -> int | None:
        return int(100 * self.done / self.total) if self.total else None


class Jobs:
    def __init__(self, hide=()):
        """`hide`: folders never to show in a job's lines (the workspace; see without_folders)."""
        self.hide = sorted({str(h) for h in hide} | {str(Path(h).resolve()) for h in hide}, key=len, reverse=True)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def running(self, case: str, kind: str) -> Job | None:
        return next((j for j in self._jobs.values() if j.case == case and j.kind == kind and j.status == "running"), None)

    def start(self, kind: str, case: str, user: str, work: Callable[[Job], list[str]],
              on_error: Callable[[Exception], list[str] | None] = lambda e: None) -> Job:
        """Run `work(job)` in a thread; it returns the lines to show, or raises. `on_error`
        turns an expected exception into lines (None: an unexpected error, shown briefly)."""
        job = Job(secrets.token_urlsafe(12), kind, case, user)
        with self._lock:
            self._jobs[job.id] = job

        def run():
            try:
                job.lines = work(job)
                job.status = "done"
            except Exception as e:  # the thread must record every failure for the page
                lines = on_error(e)
                if lines is None:
                    logging.getLogger("otklik.web").exception("%s job on %s failed", kind, case)
                    lines = [f"error: {type(e).__name__}: {e}"]
                job.lines, job.status = lines, "failed"
            finally:
                job.lines = [without_folders(str(line), self.hide) for line in job.lines]
                job.finished = time.time()
        threading.Thread(target=run, name=f"otklik-{kind}-{job.id}", daemon=True).start()
        return job
