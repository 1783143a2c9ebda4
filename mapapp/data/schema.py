"""Table schemas (Table Schema JSON files in `schemas/`) and the check every load runs.

The check is vectorised over a whole frame, so loading 100× data stays fast, and every problem
is reported with its file, line and field, e.g. `clusters.csv:12: seat_commune_code: "7505"
does not match pattern [0-9][0-9AB][0-9]{3}`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

SCHEMA_DIR = Path(__file__).with_name("schemas")
TABLES = (
    "themes",
    "phases",
    "clusters",
    "cluster_labels",
    "cluster_figures",
    "cluster_identifiers",
    "members",
    "projects",
    "funding",
)


@dataclass(frozen=True)
class DataError:
    """One problem in one cell (line is the 1-based line in a CSV file with its header)."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field}: {self.message}"


class DataValidationError(ValueError):
    """Raised when a table does not satisfy its schema; carries every problem found."""

    def __init__(self, errors: list[DataError]):
        self.errors = errors
        shown = "\n".join(str(e) for e in errors[:50])
        more = f"\n… and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{len(errors)} data error(s):\n{shown}{more}")


@cache
def schema(table: str) -> dict:
    """The Table Schema descriptor of `table` (one of TABLES)."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; expected one of {', '.join(TABLES)}")
    return json.loads((SCHEMA_DIR / f"{table}.json").read_text(encoding="utf-8"))


def field_names(table: str) -> list[str]:
    return [f["name"] for f in schema(table)["fields"]]


def empty_frame(table: str) -> pd.DataFrame:
    """A frame with the columns of `table` and no rows."""
    return pd.DataFrame({name: pd.Series(dtype=object) for name in field_names(table)})


def with_optional_columns(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """`frame` with the optional columns of `table` it lacks added, empty: tables written before
    a column was added to the schema (hand-made CSVs, older stores) still load."""
    added = {
        spec["name"]: None if spec["type"] in ("number", "integer") else ""  # numbers: missing, not text
        for spec in schema(table)["fields"]
        if spec["name"] not in frame.columns and not spec.get("constraints", {}).get("required")
    }
    return frame.assign(**added) if added else frame


def select_fields(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The columns of `table` from `frame`, in schema order; optional columns it lacks added empty,
    so a builder written before a column was added to the schema still gives a whole table."""
    return with_optional_columns(frame, table)[field_names(table)]


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | series.astype("string").str.strip().eq("")


def check_frame(
    frame: pd.DataFrame, table: str, file: str, first_line: int = 2, seen: dict[str, np.ndarray] | None = None
) -> list[DataError]:
    """Every schema violation in `frame` (row i is reported at line `first_line + i`).

    `seen`: for a table checked in chunks, the values of its unique fields in the chunks before
    (updated here), so that a value repeated across chunks is reported too. They are kept as
    sorted 64-bit hashes — 8 bytes a value where a set of millions of strings held ≈ 100 — so
    two different values are taken for one with a chance of about n² / 2⁶⁵ (10⁻⁷ for 2.6 million
    ids): an import refused, never data lost."""
    errors: list[DataError] = []

    def report(mask: pd.Series, field: str, message) -> None:
        positions = mask.to_numpy().nonzero()[0]
        values = frame[field].iloc[positions].tolist()
        for pos, value in zip(positions.tolist(), values, strict=True):
            text = message(value) if callable(message) else message
            errors.append(DataError(file, first_line + pos, field, text))

    expected = field_names(table)
    missing = [name for name in expected if name not in frame.columns]
    unexpected = [name for name in frame.columns if name not in expected]
    for name in missing:
        errors.append(DataError(file, 1, name, "column missing"))
    for name in unexpected:
        errors.append(DataError(file, 1, name, f"unexpected column (expected: {', '.join(expected)})"))
    if missing:
        return errors

    for spec in schema(table)["fields"]:
        name, kind = spec["name"], spec["type"]
        constraints = spec.get("constraints", {})
        column = frame[name]
        if kind == "any":
            continue
        blank = _blank(column)
        if constraints.get("required"):
            report(blank, name, "required value missing")
        present = ~blank
        text = column.astype("string")
        if kind in ("integer", "number"):
            numbers = pd.to_numeric(column.where(present), errors="coerce")
            bad = present & numbers.isna()
            if kind == "integer":
                bad |= present & numbers.notna() & (numbers % 1 != 0)
            report(bad, name, lambda v, k=kind: f"{v!r} is not a valid {k}")
            if "minimum" in constraints:
                report(
                    present & (numbers < constraints["minimum"]),
                    name,
                    lambda v, c=constraints: f"{v} is below the minimum {c['minimum']}",
                )
            if "maximum" in constraints:
                report(
                    present & (numbers > constraints["maximum"]),
                    name,
                    lambda v, c=constraints: f"{v} is above the maximum {c['maximum']}",
                )
        elif kind == "date":
            dates = pd.to_datetime(text.where(present), format="%Y-%m-%d", errors="coerce")
            report(present & dates.isna(), name, lambda v: f"{v!r} is not a date YYYY-MM-DD")
        elif kind == "boolean":
            ok = column.isin([True, False, "true", "false"])
            report(present & ~ok, name, lambda v: f"{v!r} is not true/false")
        if "pattern" in constraints:
            matches = text.where(present, "").str.fullmatch(constraints["pattern"]).fillna(False)
            report(
                present & ~matches.astype(bool),
                name,
                lambda v, c=constraints: f"{v!r} does not match pattern {c['pattern']}",
            )
        if "enum" in constraints:
            report(
                present & ~text.isin(constraints["enum"]),
                name,
                lambda v, c=constraints: f"{v!r} is not one of {', '.join(c['enum'])}",
            )
        if constraints.get("unique"):
            duplicated = column.duplicated(keep="first")
            if seen is not None:
                earlier = seen.get(name, np.empty(0, dtype=np.uint64))
                hashes = pd.util.hash_pandas_object(column.astype(str), index=False).to_numpy()
                at = np.minimum(np.searchsorted(earlier, hashes), max(len(earlier) - 1, 0))
                if len(earlier):
                    duplicated |= pd.Series(earlier[at] == hashes, index=column.index)
                merged = np.concatenate([earlier, np.sort(hashes[present.to_numpy()])])
                merged.sort(kind="stable")  # two sorted runs: a linear merge
                seen[name] = merged
            report(present & duplicated, name, lambda v: f"{v!r} is duplicated")
    return errors


def read_csv_table(path: Path, table: str) -> pd.DataFrame:
    """Read a hand-edited CSV table, check it against its schema and return typed columns.

    Raises DataValidationError listing every problem with file, line and field.
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except pd.errors.ParserError as exc:
        # e.g. "Expected 12 fields in line 6, saw 13": an unquoted comma in a cell.
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise DataValidationError(
            [DataError(path.name, line, "(row)", f"{exc} — quote cells that contain commas")]
        ) from exc
    except UnicodeDecodeError as exc:
        raise DataValidationError([DataError(path.name, None, "(file)", f"not UTF-8: {exc}")]) from exc
    frame = with_optional_columns(frame, table)
    errors = check_frame(frame, table, path.name)
    if errors:
        raise DataValidationError(errors)
    frame = frame[field_names(table)]
    for spec in schema(table)["fields"]:
        name, kind = spec["name"], spec["type"]
        if kind == "integer":
            frame[name] = pd.to_numeric(frame[name].replace("", None)).astype("Int64")
        elif kind == "number":
            frame[name] = pd.to_numeric(frame[name].replace("", None)).astype("float64")
        elif kind == "boolean":
            frame[name] = frame[name].eq("true")
    return frame
