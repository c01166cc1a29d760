"""One exception hierarchy for user-facing problems.

Every problem names where it is (file, row, column, value) and, where it can, how to fix
it. Validation collects all problems of a file before raising, so a user sees them
together rather than one per run.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "GraphkitError", "DataError", "SpecError", "JudgmentError", "UsageError"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, and what."""

    message: str
    file: str | None = None
    row: int | None = None  # CSV: the line as a spreadsheet shows it (header is row 1); Parquet: 1-based record
    column: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        head = ", ".join(where)
        val = "" if self.value is None else f" (got {self.value!r})"
        return f"{head}: {self.message}{val}" if head else f"{self.message}{val}"


class GraphkitError(Exception):
    """Base class: an error caused by the user's input or arguments, reported without a traceback."""

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self, limit: int = 200) -> str:
        """Return the problems as one line each (at most ``limit`` lines, then a count)."""
        lines = [f"error: {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"error: … and {len(self.problems) - limit} more problems")
        return "\n".join(lines)


class DataError(GraphkitError):
    """A dataset table is missing, malformed or inconsistent."""


class SpecError(GraphkitError):
    """The indicator specification file is malformed."""


class JudgmentError(GraphkitError):
    """An AHP judgment matrix or judgments file is malformed or too inconsistent."""


class UsageError(GraphkitError):
    """A command-line argument or API parameter is invalid."""
