"""Streaming reader for the large CSV files of open datasets (CORDIS, Kohesio): the columns wanted,
read by header name, each record with the file line it starts on.

A published file is read as it is, never loaded whole as a table of every column: a record is
parsed by the `csv` module (quoted cells may hold line breaks) and only the wanted cells are kept.
Records the header does not fit are reported at their line, never crash the read:

- a record that holds line breaks inside quoted cells is read whole (reported in one summary
  warning with its lines, since LINE numbers then move ahead of record numbers);
- a record cut in two by a line break outside quotes (two short pieces whose cells add up to the
  header's width) is joined again and reported;
- any other record with too few or too many cells is skipped and reported.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from mapapp.data.query import normalize_text
from mapapp.ingest.problems import ImportProblem

csv.field_size_limit(1 << 26)  # CORDIS objectives and Kohesio summaries are long cells
SHOWN_LINES = 10


@dataclass
class Columns:
    """The wanted columns of one file: `cells[name]` per record, `lines` the first file line of
    each record, `column[name]` its 1-based column number; `warnings` and `errors` at their lines."""

    file: str
    headers: list[str]
    cells: pd.DataFrame
    lines: np.ndarray
    column: dict[str, int]
    warnings: list[ImportProblem] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)

    def get(self, name: str) -> pd.Series:
        """The stripped text of a column ("" where blank or absent)."""
        if name not in self.cells:
            return pd.Series("", index=self.cells.index, dtype=object)
        return self.cells[name]

    def restricted(self, positions: np.ndarray) -> Columns:
        """The same columns for the records at `positions` only (in that order), lines kept."""
        return replace(self, cells=self.cells.iloc[positions].reset_index(drop=True), lines=self.lines[positions])

    def problems(self, name: str, bad: pd.Series, message) -> list[ImportProblem]:
        """`message(value)` at the line and column of every record where `bad` is true."""
        values, column = self.get(name), self.column.get(name, 1)
        return [
            ImportProblem(self.file, int(self.lines[pos]), column, message(values.iloc[pos]))
            for pos in np.flatnonzero(bad.to_numpy(dtype=bool))
        ]


@dataclass
class Source:
    """One file to read: its name in messages and how to open its bytes (a file, a zip member)."""

    file: str
    path: Path
    member: str | None = None

    @contextmanager
    def open_binary(self) -> Iterator[io.BufferedIOBase]:
        if self.member is None:
            with open(self.path, "rb") as fh:
                yield fh
        else:
            with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as fh:
                yield fh

    def date(self) -> str:
        """The date the file was written (its zip entry's date, else the file's modification date)."""
        if self.member is not None:
            with zipfile.ZipFile(self.path) as archive:
                y, m, d = archive.getinfo(self.member).date_time[:3]
                return f"{y:04d}-{m:02d}-{d:02d}"
        return pd.Timestamp(self.path.stat().st_mtime, unit="s").strftime("%Y-%m-%d")


def find_sources(path: Path, names: Iterable[str]) -> dict[str, Source]:
    """The files called `names` (case-insensitive) in a folder or a zip, wherever they sit in it."""
    wanted = {name.lower(): name for name in names}
    found: dict[str, Source] = {}
    if path.is_dir():
        for candidate in sorted(path.rglob("*")):
            key = candidate.name.lower()
            if key in wanted and wanted[key] not in found and candidate.is_file():
                found[wanted[key]] = Source(str(candidate.relative_to(path)), candidate)
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                key = member.rsplit("/", 1)[-1].lower()
                if key in wanted and wanted[key] not in found:
                    found[wanted[key]] = Source(f"{path.name}/{member}", path, member)
    elif path.name.lower() in wanted:
        found[wanted[path.name.lower()]] = Source(path.name, path)
    return found


def read_columns(source: Source, wanted: Iterable[str], required: Iterable[str], delimiter: str) -> Columns:
    """The `wanted` columns of `source` (UTF-8, BOM or not), matched by header name ignoring case
    and punctuation; a `required` one missing is an error at line 1."""
    with source.open_binary() as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        try:
            return _read(text, source.file, list(wanted), list(required), delimiter)
        except UnicodeDecodeError as exc:
            problem = ImportProblem(source.file, 1, 1, f"not UTF-8 text ({exc.reason}): is this the published file?")
            return Columns(source.file, [], pd.DataFrame(), np.array([], dtype=int), {}, errors=[problem])
        except csv.Error as exc:
            problem = ImportProblem(source.file, 1, 1, f"not a CSV file: {exc}")
            return Columns(source.file, [], pd.DataFrame(), np.array([], dtype=int), {}, errors=[problem])


def _read(text: io.TextIOBase, file: str, wanted: list[str], required: list[str], delimiter: str) -> Columns:
    reader = csv.reader(text, delimiter=delimiter, strict=False)
    header = next(reader, None)
    if not header:
        return Columns(file, [], pd.DataFrame(), np.array([], dtype=int), {}, errors=[_empty(file)])
    headers = [h.strip() for h in header]
    by_key = {normalize_text(h): i for i, h in enumerate(headers)}
    positions = {name: by_key[normalize_text(name)] for name in wanted if normalize_text(name) in by_key}
    errors = [
        ImportProblem(file, 1, 1, f'missing column "{name}" (header: {delimiter.join(headers)[:200]})')
        for name in required
        if name not in positions
    ]
    if errors:
        return Columns(file, headers, pd.DataFrame(), np.array([], dtype=int), {}, errors=errors)
    width = len(headers)
    names = list(positions)
    picks = [positions[name] for name in names]
    values: list[list[str]] = [[] for _ in names]
    lines: list[int] = []
    multi: list[tuple[int, int]] = []
    warnings: list[ImportProblem] = []
    pending: tuple[list[str], int, int] | None = None  # a short piece waiting for its other half

    def keep(row: list[str], line: int) -> None:
        for column, pick in zip(values, picks, strict=True):
            column.append(row[pick])
        lines.append(line)

    def drop(row: list[str], first: int, last: int) -> None:
        where = f"lines {first}-{last}" if last > first else f"line {first}"
        warnings.append(
            ImportProblem(
                file, first, min(len(row), width) + 1, f"{len(row)} cells but the header has {width} ({where}): skipped"
            )
        )

    end = 1
    for row in reader:
        first, end = end + 1, reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if pending is not None:
            piece, piece_first, piece_last = pending
            pending = None
            if len(row) < width and len(piece) + len(row) - 1 == width:
                joined = piece[:-1] + [piece[-1] + " " + row[0]] + row[1:]
                warnings.append(
                    ImportProblem(
                        file,
                        piece_first,
                        len(piece),
                        f"a line break outside quotes cut this record (lines {piece_first}-{end}): joined again",
                    )
                )
                keep(joined, piece_first)
                continue
            drop(piece, piece_first, piece_last)
        if len(row) == width:
            keep(row, first)
            if end > first:
                multi.append((first, end))
        elif len(row) < width:
            pending = (row, first, end)
        else:
            drop(row, first, end)
    if pending is not None:
        drop(*pending)
    if multi:
        shown = ", ".join(f"{a}-{b}" for a, b in multi[:SHOWN_LINES])
        more = f", … {len(multi) - SHOWN_LINES} more" if len(multi) > SHOWN_LINES else ""
        warnings.append(
            ImportProblem(
                file,
                multi[0][0],
                1,
                f"{len(multi)} record(s) hold line breaks inside quoted cells (lines {shown}{more}): read whole",
            )
        )
    cells = pd.DataFrame({name: pd.array(column, dtype=object) for name, column in zip(names, values, strict=True)})
    for name in names:
        cells[name] = cells[name].str.strip()
    column = {name: positions[name] + 1 for name in names}
    warnings.sort(key=lambda p: (p.line, p.column))
    return Columns(file, headers, cells, np.array(lines, dtype=int), column, warnings)


def _empty(file: str) -> ImportProblem:
    return ImportProblem(file, 1, 1, "no header row: the file is empty")
