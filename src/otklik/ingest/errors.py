"""The one error of an import: the run was rolled back, and each problem names file and record."""

from __future__ import annotations


class ImportFailed(Exception):
    """The run was rolled back. `problems` lists what was wrong, each naming file and record."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))
