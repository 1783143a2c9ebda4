"""Problems found while importing a file, each placed at `FILE:LINE:COLUMN` so a person can fix it.

LINE is the line a spreadsheet or text editor shows: for CSV the physical line of the record's
first character (header = line 1, a `sep=;` line counts), for XLSX the sheet row number, for
GeoJSON the 1-based feature number plus one (as if the features were the rows under a header).
COLUMN is the 1-based column number of the file's own column the value came from (for XLSX,
column 1 is A); for GeoJSON, the position of the property in the first feature that has it, the
geometry counting as the last two columns (longitude, latitude). Problems about the whole file
(a required column missing) sit at line 1, column 1.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ImportProblem:
    """One problem in one cell (or the whole file). `str()` gives `FILE:LINE:COLUMN: message`."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"
