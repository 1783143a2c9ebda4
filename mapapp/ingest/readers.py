"""Readers turning a CSV, XLSX or GeoJSON file into one `RawTable` of cells and their file lines.

Cells stay as the file has them (text for CSV; text, numbers or dates for XLSX) — French number
and date parsing happens later, per column, in `mapapp.ingest.french`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

from mapapp.ingest.problems import ImportProblem

SEPARATORS = (";", "\t", ",")  # ties go to the first: French exports use ';'
_SEP_LINE = re.compile(r"^sep=(.)\s*$")


@dataclass
class RawTable:
    """Cells of one file: `cells` has one column per file column, labelled 1..n (column numbers).

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


def read_table(path: Path, sheet: str | None = None) -> RawTable:
    """Read `path` by its extension: .xlsx/.xlsm, .geojson/.json, anything else as CSV."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return read_xlsx(path, sheet)
    if suffix in (".geojson", ".json"):
        return read_geojson(path)
    return read_csv(path)


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding name of `raw`: BOMs first, then strict UTF-8, then charset-normalizer
    limited to the encodings French offices produce (Windows-1252 is the fallback)."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(name), name
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw, cp_isolation=["cp1252", "iso8859_15", "mac_roman", "cp850"]).best()
    name = best.encoding if best is not None else "cp1252"
    return raw.decode(name, errors="replace"), name


def sniff_separator(header_line: str) -> str:
    """The separator of a header line: the most frequent of ';', tab, ',' outside quotes."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {sep: outside.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])  # max keeps the first on ties
    return best if counts[best] else ";"


def read_csv(path: Path) -> RawTable:
    text, encoding = decode(path.read_bytes())
    first_line = 1
    match = _SEP_LINE.match(text.split("\n", 1)[0].rstrip("\r"))
    if match:  # Excel's "sep=;" hint line, as our own CSV exports write it
        separator = match.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
        first_line = 2
    else:
        header_line = next((line for line in text.splitlines() if line.strip()), "")
        separator = sniff_separator(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    for row in reader:  # line_num is read per record so quoted newlines keep lines exact
        rows.append(row)
        lines.append(start)
        start = reader.line_num + 1
    shown = {"\t": "tab"}.get(separator, repr(separator))
    return _table(path.name, rows, np.array(lines) + (first_line - 1), f"CSV, {encoding}, separator {shown}")


def _table(file: str, rows: list[list], lines: np.ndarray, fmt: str) -> RawTable:
    """A RawTable from rows whose first non-blank row is the header."""
    skipped: Counter = Counter()
    problems: list[ImportProblem] = []

    def blank(row: list) -> bool:
        return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)

    head = next((i for i, row in enumerate(rows) if not blank(row)), None)
    if head is None:
        return RawTable(file, [], pd.DataFrame(), np.array([], dtype=int), fmt, skipped, problems)
    headers = ["" if cell is None else str(cell).strip() for cell in rows[head]]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    body, body_lines = [], []
    for row, line in zip(rows[head + 1 :], lines[head + 1 :], strict=True):
        if blank(row):
            skipped["blank line"] += 1
            continue
        if len(row) > width and not blank(row[width:]):
            problems.append(
                ImportProblem(file, int(line), width + 1, f"{len(row)} cells but the header has {width} columns")
            )
        body.append((list(row) + [""] * width)[:width])
        body_lines.append(int(line))
    cells = pd.DataFrame(body, columns=range(1, width + 1), dtype=object)
    for column in cells.columns:  # text cells are stripped once here, so blank text is ""
        text = cells[column].map(lambda v: v.strip() if isinstance(v, str) else v)
        cells[column] = text.where(text.notna(), None)
    return RawTable(file, headers, cells, np.array(body_lines, dtype=int), fmt, skipped, problems)


def _xlsx_cell(value):
    """Calamine's cell values as plain Python: whole floats as int, date-times at midnight as dates."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date()
    if isinstance(value, str | int | float | date | bool) or value is None:
        return value
    return str(value)


def read_xlsx(path: Path, sheet: str | None = None) -> RawTable:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    name = sheet if sheet is not None else workbook.sheet_names[0]
    if name not in workbook.sheet_names:
        problem = ImportProblem(path.name, 1, 1, f"no sheet {name!r}; sheets: {', '.join(workbook.sheet_names)}")
        return RawTable(path.name, [], pd.DataFrame(), np.array([], dtype=int), "XLSX", problems=[problem])
    data = workbook.get_sheet_by_name(name)
    rows = [[_xlsx_cell(v) for v in row] for row in data.to_python(skip_empty_area=False)]
    workbook.close()
    table = _table(path.name, rows, np.arange(1, len(rows) + 1), f"XLSX, sheet {name!r}")
    return table


def read_geojson(path: Path) -> RawTable:
    """Features' properties as columns; a Point geometry adds `longitude` and `latitude` columns."""
    document = json.loads(decode(path.read_bytes())[0])
    features = document.get("features", []) if isinstance(document, dict) else []
    keys: dict[str, None] = {}
    for feature in features:
        keys.update(dict.fromkeys((feature.get("properties") or {}).keys()))
    names = list(keys)
    rows = [names + ["longitude", "latitude"]]
    problems = []
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        lon = lat = None
        if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
            lon, lat = geometry["coordinates"][:2]
        elif geometry:
            problems.append(
                ImportProblem(
                    path.name, number + 1, len(names) + 1, f"{geometry.get('type')} geometry ignored: only Points"
                )
            )
        rows.append([_geojson_cell(props.get(key)) for key in names] + [lon, lat])
    table = _table(path.name, rows, np.arange(1, len(rows) + 1), "GeoJSON")
    table.problems[:0] = problems
    return table


def _geojson_cell(value):
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value
