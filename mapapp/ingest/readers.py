"""Readers turning a CSV, XLSX or GeoJSON file into `RawTable`s of cells and their file lines.

Cells stay as the file has them (text for CSV; text, numbers or dates for XLSX) — French number
and date parsing happens later, per column, in `mapapp.ingest.french`.

Files are read as a stream of rows, `CHUNK_ROWS` at a time (`open_table(...).chunks()`), so
memory stays bounded whatever their size; what no real table needs is refused as soon as it is
seen, with its place in the file: more than `MAX_COLUMNS` columns, a CSV cell over
`MAX_CELL_CHARS` characters (an unclosed quote, usually) or a line over `MAX_LINE_CHARS`, a
GeoJSON file over `MAX_GEOJSON_BYTES` (it is read whole). An XLSX sheet is streamed by its cells
(openpyxl, read-only, through defusedxml), so a cell far away (XFD1048576) costs nothing, and a
file that is not what it claims to be (broken zip, XML with a DTD, invalid JSON) is a problem at
line 1, never a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

from mapapp.ingest.problems import ImportProblem

SEPARATORS = (";", "\t", ",")  # ties go to the first: French exports use ';'
_SEP_LINE = re.compile(r"^sep=(.)\s*$")
CHUNK_ROWS = 20_000
MAX_COLUMNS = 1_000
MAX_CELL_CHARS = 131_072  # the csv module's own field limit
MAX_LINE_CHARS = 4 * 1024 * 1024
MAX_GEOJSON_BYTES = 64 * 1024 * 1024
_ENCODINGS = ["cp1252", "iso8859_15", "mac_roman", "cp850"]  # what French offices produce


@dataclass
class RawTable:
    """Cells of one file (or of one chunk of its rows): `cells` has one column per file column,
    labelled 1..n (column numbers).

    Attributes:
        file: the file name used in messages.
        headers: header text per column number (1-based: headers[0] is column 1).
        cells: DataFrame of object cells, columns 1..n; rows in file order.
        lines: the file line of each row (see `mapapp.ingest.problems`).
        fmt: what was detected, e.g. "CSV, cp1252, separator ';'".
        skipped: rows left out, counted by reason (e.g. blank lines).
        problems: structural problems (e.g. a row with more cells than the header).
    """

    file: str
    headers: list[str]
    cells: pd.DataFrame
    lines: np.ndarray
    fmt: str
    skipped: Counter = field(default_factory=Counter)
    problems: list[ImportProblem] = field(default_factory=list)


class ReadError(Exception):
    """The file cannot be read further; `problem` says where and why."""

    def __init__(self, problem: ImportProblem):
        super().__init__(str(problem))
        self.problem = problem


def _stripped(value):
    if isinstance(value, str):
        return value.strip()
    return None if value is None or value != value else value  # NaN: no value


def _blank(row: list) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


class TableReader:
    """One file as a header and a stream of rows: `chunks()` gives them as RawTables of at most
    `CHUNK_ROWS` rows; `rows_read`, `skipped` and `problems` add up as they are read. A problem
    that stops the reading (`ReadError`) ends the stream. `pending`: problems the reader found
    before streaming (a bad GeoJSON feature), handed out with the chunk holding their line."""

    def __init__(
        self,
        file: str,
        fmt: str,
        records: Iterable[tuple[int, list]],
        pending: list[ImportProblem] = (),
        warnings: list[ImportProblem] = (),
    ):
        self.file, self.fmt = file, fmt
        self.headers: list[str] = []
        self.header_line = 0
        self.skipped: Counter = Counter()
        self.problems: list[ImportProblem] = []
        self.warnings = list(warnings)
        self.rows_read = 0
        self._pending = sorted(pending, reverse=True)
        self._records = iter(records)
        try:
            for line, row in self._records:
                if not _blank(row):
                    self._set_headers(line, row)
                    break
        except ReadError as exc:
            self.problems.append(exc.problem)
            self.headers, self._records = [], iter(())

    @classmethod
    def failed(cls, file: str, fmt: str, problem: ImportProblem) -> TableReader:
        reader = cls(file, fmt, ())
        reader.problems.append(problem)
        return reader

    def _set_headers(self, line: int, row: list) -> None:
        headers = ["" if cell is None else str(cell).strip() for cell in row]
        while headers and not headers[-1]:
            headers.pop()
        if len(headers) > MAX_COLUMNS:
            message = f"the header has {len(headers):,} columns; at most {MAX_COLUMNS:,} are read"
            raise ReadError(ImportProblem(self.file, line, MAX_COLUMNS + 1, message))
        self.headers, self.header_line = headers, line

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[RawTable]:
        width = len(self.headers)
        done = not width
        while not done:
            body, lines, problems, skipped = [], [], [], Counter()
            consumed, last = 0, 0
            try:
                for last, row in itertools.islice(self._records, size):
                    consumed += 1
                    if _blank(row):
                        skipped["blank line"] += 1
                        continue
                    if len(row) > width and not _blank(row[width:]):
                        message = f"{len(row)} cells but the header has {width} columns"
                        problems.append(ImportProblem(self.file, last, width + 1, message))
                    body.append(row[:width] if len(row) >= width else list(row) + [""] * (width - len(row)))
                    lines.append(last)
            except ReadError as exc:
                problems.append(exc.problem)
                consumed = 0
            done = consumed < size
            while self._pending and (done or self._pending[-1].line <= last):
                problems.append(self._pending.pop())
            self.skipped.update(skipped)
            self.problems.extend(problems)
            self.rows_read += len(body)
            if body or problems or skipped:
                yield self._chunk(body, lines, sorted(problems, key=lambda p: (p.line, p.column)), skipped)

    def _chunk(self, body: list[list], lines: list[int], problems: list, skipped: Counter) -> RawTable:
        width = len(self.headers)
        cells = pd.DataFrame(body, columns=range(1, width + 1), dtype=object)
        for column in cells.columns:  # text cells are stripped once here, so blank text is ""
            values = cells[column].to_numpy()  # kept as objects: ints beside None must not become floats
            cells[column] = np.array([_stripped(v) for v in values], dtype=object) if len(values) else values
        return RawTable(self.file, self.headers, cells, np.array(lines, dtype=int), self.fmt, skipped, problems)

    def whole(self) -> RawTable:
        """Every row at once (for the few tables read as a whole, and for tests)."""
        parts = list(self.chunks()) or [self._chunk([], [], [], Counter())]
        cells = pd.concat([p.cells for p in parts], ignore_index=True) if len(parts) > 1 else parts[0].cells
        lines = np.concatenate([p.lines for p in parts])
        return RawTable(self.file, self.headers, cells, lines, self.fmt, self.skipped, self.problems)


def open_table(path: Path, sheet: str | None = None) -> TableReader:
    """Read `path` by its extension: .xlsx/.xlsm, .geojson/.json, anything else as CSV."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet)
    if suffix in (".xls", ".ods"):
        message = f"{suffix} files are not read: save the sheet as .xlsx or CSV (UTF-8)"
        return TableReader.failed(path.name, suffix[1:].upper(), ImportProblem(path.name, 1, 1, message))
    if suffix in (".geojson", ".json"):
        return read_geojson(path)
    return read_csv(path)


def read_table(path: Path, sheet: str | None = None) -> RawTable:
    """The whole file as one RawTable (see `open_table` to read it chunk by chunk)."""
    return open_table(path, sheet).whole()


def sniff_encoding(stream: io.RawIOBase | io.BufferedIOBase) -> str:
    """The encoding of a binary stream: BOMs first, then strict UTF-8 (checked over the whole
    stream, a block at a time), then charset-normalizer on the first MB, limited to the
    encodings French offices produce (Windows-1252 is the fallback). Leaves the stream at 0."""
    head = stream.read(4)
    stream.seek(0)
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return name
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while block := stream.read(1 << 20):
            decoder.decode(block)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    finally:
        stream.seek(0)
    from charset_normalizer import from_bytes

    sample = stream.read(1 << 20)
    stream.seek(0)
    best = from_bytes(sample, cp_isolation=_ENCODINGS).best()
    return best.encoding if best is not None else "cp1252"


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding name of `raw` (see `sniff_encoding`)."""
    name = sniff_encoding(io.BytesIO(raw))
    return raw.decode(name, errors="replace"), name


def sniff_separator(header_line: str) -> str:
    """The separator of a header line: the most frequent of ';', tab, ',' outside quotes."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {sep: outside.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])  # max keeps the first on ties
    return best if counts[best] else ";"


def read_csv(path: Path) -> TableReader:
    name = path.name
    binary = open(path, "rb")  # noqa: SIM115 — closed when the rows are read (or on failure)
    encoding = sniff_encoding(binary)
    text = io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
    number = 0

    def physical_lines() -> Iterator[str]:
        """The file's lines, none longer than MAX_LINE_CHARS (a longer one is never held whole)."""
        nonlocal number
        while line := text.readline(MAX_LINE_CHARS + 1):
            number += 1
            if len(line) > MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
                raise ReadError(
                    ImportProblem(name, number, 1, f"line {number} is longer than {MAX_LINE_CHARS:,} characters")
                )
            yield line

    lines = physical_lines()
    try:
        seen = []
        for line in lines:
            seen.append(line)
            if line.strip():
                break
    except ReadError as exc:
        text.close()
        return TableReader.failed(name, f"CSV, {encoding}", exc.problem)
    first = seen[-1].rstrip("\r\n") if seen else ""
    match = _SEP_LINE.match(first)
    if match:  # Excel's "sep=;" hint line, as our own CSV exports write it
        separator, seen = match.group(1), seen[:-1]
    else:
        separator = sniff_separator(first)
    offset = len(seen) + 1 if match else 0

    def records() -> Iterator[tuple[int, list]]:
        reader = csv.reader(itertools.chain(seen, lines), delimiter=separator)
        start = 1
        try:
            for row in reader:  # line_num is read per record so quoted newlines keep lines exact
                yield start + offset, row
                start = reader.line_num + 1
        except csv.Error as exc:
            too_long = "field larger than field limit" in str(exc)
            message = (
                f"a cell of this row is longer than {MAX_CELL_CHARS:,} characters — an unclosed quote?"
                if too_long
                else f"unreadable CSV row: {exc}"
            )
            raise ReadError(ImportProblem(name, start + offset, 1, message)) from None
        finally:
            text.close()

    shown = {"\t": "tab"}.get(separator, repr(separator))
    return TableReader(name, f"CSV, {encoding}, separator {shown}", records())


def _xlsx_cell(value):
    """Spreadsheet values as plain Python: whole floats as int, date-times at midnight as dates."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date()
    if isinstance(value, str | int | float | date | bool) or value is None:
        return value
    return str(value)


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_xlsx(path: Path, sheet: str | None = None) -> TableReader:
    """The rows of one sheet, streamed by openpyxl in read-only mode. The sheet's declared size
    is ignored (`reset_dimensions`): rows are only as wide as their last cell, blank rows cost
    nothing, and a cell beyond `MAX_COLUMNS` stops the reading."""
    import openpyxl

    name = path.name
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a broken zip, XML with a DTD (defusedxml), anything not XLSX
        return TableReader.failed(name, "XLSX", ImportProblem(name, 1, 1, f"not a readable XLSX file: {_why(exc)}"))
    title = sheet if sheet is not None else workbook.sheetnames[0]
    if title not in workbook.sheetnames:
        workbook.close()
        problem = ImportProblem(name, 1, 1, f"no sheet {title!r}; sheets: {', '.join(workbook.sheetnames)}")
        return TableReader.failed(name, "XLSX", problem)
    worksheet = workbook[title]
    worksheet.reset_dimensions()

    def records() -> Iterator[tuple[int, list]]:
        number = 0
        try:
            for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
                last = len(row)
                while last and row[last - 1] is None:
                    last -= 1
                if last > MAX_COLUMNS:
                    raise ReadError(
                        ImportProblem(
                            name,
                            number,
                            MAX_COLUMNS + 1,
                            f"cell {_column_letters(last)}{number} lies beyond column {MAX_COLUMNS:,} "
                            f"({_column_letters(MAX_COLUMNS)}): at most {MAX_COLUMNS:,} columns are read",
                        )
                    )
                yield number, [_xlsx_cell(value) for value in row[:last]]
        except ReadError:
            raise
        except Exception as exc:
            raise ReadError(ImportProblem(name, max(number, 1), 1, f"unreadable XLSX sheet: {_why(exc)}")) from None
        finally:
            workbook.close()

    return TableReader(name, f"XLSX, sheet {title!r}", records())


def _why(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}" if str(exc) else type(exc).__name__


def read_geojson(path: Path) -> TableReader:
    """Features' properties as columns; a Point geometry adds `longitude` and `latitude` columns.
    A feature that is not a GeoJSON Feature, or whose properties, geometry or coordinates are
    not what GeoJSON says, is a problem at its line; other geometries are ignored (a warning)."""
    name = path.name
    if path.stat().st_size > MAX_GEOJSON_BYTES:
        message = f"GeoJSON files are read whole: at most {MAX_GEOJSON_BYTES // 2**20} MB; export the table as CSV"
        return TableReader.failed(name, "GeoJSON", ImportProblem(name, 1, 1, message))
    try:
        document = json.loads(decode(path.read_bytes())[0])
    except json.JSONDecodeError as exc:  # the place in the text file
        return TableReader.failed(name, "GeoJSON", ImportProblem(name, exc.lineno, exc.colno, f"not JSON: {exc.msg}"))
    except RecursionError:
        return TableReader.failed(name, "GeoJSON", ImportProblem(name, 1, 1, "not JSON: nested too deeply"))
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        problem = ImportProblem(name, 1, 1, 'not a GeoJSON FeatureCollection: no "features" list')
        return TableReader.failed(name, "GeoJSON", problem)
    keys: dict[str, None] = {}
    for feature in features:
        if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
            keys.update(dict.fromkeys(feature["properties"]))
    names = list(keys)
    lon_column = len(names) + 1
    problems, warnings = [], []
    records = [(1, names + ["longitude", "latitude"])]
    for number, feature in enumerate(features, start=1):
        line = number + 1
        if not isinstance(feature, dict):
            problems.append(ImportProblem(name, line, 1, f"feature {number} is not a GeoJSON Feature object"))
            continue
        props, geometry = feature.get("properties"), feature.get("geometry")
        if props is not None and not isinstance(props, dict):
            message = f"feature {number}: properties must be an object, not {type(props).__name__}"
            problems.append(ImportProblem(name, line, 1, message))
            continue
        if geometry is not None and not isinstance(geometry, dict):
            message = f"feature {number}: geometry must be an object or null"
            problems.append(ImportProblem(name, line, lon_column, message))
            continue
        lon = lat = None
        geometry = geometry or {}
        if geometry.get("type") == "Point":
            coordinates = geometry.get("coordinates")
            numbers = isinstance(coordinates, list) and 2 <= len(coordinates) <= 3
            numbers = numbers and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates)
            if not numbers or not all(math.isfinite(c) for c in coordinates):
                message = f"Point coordinates {_shown(coordinates)} are not two finite numbers"
                problems.append(ImportProblem(name, line, lon_column, message))
                continue
            lon, lat = coordinates[:2]
        elif geometry:
            kind = str(geometry.get("type"))[:40]
            warnings.append(ImportProblem(name, line, lon_column, f"{kind} geometry ignored: only Points"))
        props = props or {}
        records.append((line, [_geojson_cell(props.get(key)) for key in names] + [lon, lat]))
    return TableReader(name, "GeoJSON", records, problems, warnings)


def _shown(value, chars: int = 60) -> str:
    """A JSON value as text for a message, cut short."""
    try:
        text = json.dumps(value)
    except (RecursionError, ValueError):
        return "…"
    return text if len(text) <= chars else text[:chars] + "…"


def _geojson_cell(value):
    if isinstance(value, list | dict):
        try:
            return json.dumps(value, ensure_ascii=False)
        except (RecursionError, ValueError):  # nested deeper than it can be written back
            return "…"
    return value
