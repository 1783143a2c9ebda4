"""What reading an import file gives: the table's rows, every problem, and a report for people."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from mapapp.ingest.problems import ImportProblem

# Problems kept and printed, of each kind; the others are counted ("… and 1,999,949 more"): a
# file of two million bad rows must not take gigabytes to say so.
MAX_LISTED = 100


@dataclass
class ImportResult:
    """The rows of one import file, mapped onto a table schema, and what was wrong with them.

    Attributes:
        kind: the target table: clusters, members, projects or funding.
        file: the file name used in messages.
        fmt: what was detected ("CSV, cp1252, separator ';'", "XLSX, sheet 'Membres'", "SCDL subventions …").
        frame: one row per imported row, exactly the columns of `mapapp/data/schemas/<kind>.json`
            (members: a GeoDataFrame whose geometry is the commune's point). Rows with errors are
            still there, so a dry run can show them; write nothing while `errors` is not empty.
        errors: the problems, in file order; each prints as `FILE:LINE:COLUMN: message`. At most
            MAX_LISTED are kept when added with `add`; `unlisted_errors` counts the others.
        warnings: problems that do not block the import (an unknown partner left out, a column
            ignored); the same cap, `unlisted_warnings`.
        skipped: rows left out on purpose, counted by reason (blank lines, SCDL grants to non-members).
        columns: input field -> the file header it was read from.
        ignored_columns: headers no field accepted.
        extra_frames: other tables the file fills (an SCDL file gives `projects` too).
        rows_read: data rows in the file (blank lines excluded).
    """

    kind: str
    file: str
    fmt: str
    frame: pd.DataFrame
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    extra_frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    rows_read: int = 0
    unlisted_errors: int = 0
    unlisted_warnings: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.unlisted_errors

    def add(self, errors: list[ImportProblem] = (), warnings: list[ImportProblem] = ()) -> None:
        """Problems in file order: the first MAX_LISTED of each kind are kept, the rest counted."""
        room = max(MAX_LISTED - len(self.errors), 0)
        self.errors.extend(errors[:room])
        self.unlisted_errors += max(len(errors) - room, 0)
        room = max(MAX_LISTED - len(self.warnings), 0)
        self.warnings.extend(warnings[:room])
        self.unlisted_warnings += max(len(warnings) - room, 0)

    def report(self) -> str:
        """A plain-text summary followed by every error and warning, one per line."""
        lines = [f"{self.file}: {self.fmt}; {self.rows_read} row(s) read"]
        if self.columns:
            lines.append("columns: " + ", ".join(f"{h!r} -> {f}" for f, h in self.columns.items()))
        if self.ignored_columns:
            lines.append("ignored columns: " + ", ".join(repr(h) for h in self.ignored_columns))
        tables = {self.kind: self.frame, **self.extra_frames}
        lines.append("ready: " + ", ".join(f"{len(frame)} {name}" for name, frame in tables.items()))
        for reason, count in sorted(self.skipped.items()):
            lines.append(f"skipped: {count} {reason}")
        warnings = len(self.warnings) + self.unlisted_warnings
        lines.append(f"{self.error_count} error(s), {warnings} warning(s)")
        lines.extend(str(problem) for problem in self.errors)
        if self.unlisted_errors:
            lines.append(f"… and {self.unlisted_errors:,} more error(s)")
        lines.extend(f"{problem} (warning)" for problem in self.warnings)
        if self.unlisted_warnings:
            lines.append(f"… and {self.unlisted_warnings:,} more warning(s)")
        return "\n".join(lines)
