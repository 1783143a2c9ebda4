"""What every open-data connector hands back: a `ConnectorResult` (an `ImportResult` with its
match report) and the builders of its projects and funding frames, checked against the schema.
Shared by `sirene.py`, `cordis.py`, `kohesio.py`; `connectors.py` dispatches to them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mapapp.data.schema import check_frame, empty_frame, field_names
from mapapp.ingest.problems import ImportProblem
from mapapp.ingest.result import ImportResult


@dataclass
class ConnectorResult(ImportResult):
    """An `ImportResult` with what matching found: `match` (a `matching.MatchReport`, None for
    SIRENE), `seat_checks` (SIRENE: `identifiers.SeatCheck` per pôle), `names` (pôle id -> name)."""

    match: object | None = None
    seat_checks: list = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {self.kind: self.frame, **self.extra_frames}

    @property
    def empty(self) -> bool:
        return all(len(frame) == 0 for frame in self.tables.values())

    def report(self) -> str:
        lines = [super().report()]
        if self.match is not None:
            lines.append(self.match.summary(self.names))
        for check in self.seat_checks:
            lines.append(f"  seat of {check.cluster_id}: {check.message}")
        if "funding" in self.tables and len(self.tables["funding"]):
            funding = self.tables["funding"]
            lines.append(
                f"funding lines: {len(funding)}, {funding['amount_eur'].sum():,.2f} EUR in all "
                f"({', '.join(f'{k} {v:,.2f}' for k, v in funding.groupby('funder')['amount_eur'].sum().items())})"
            )
        return "\n".join(lines)

    def review_rows(self) -> pd.DataFrame:
        from mapapp.ingest.matching import REVIEW_COLUMNS

        if self.match is None:
            return pd.DataFrame(columns=REVIEW_COLUMNS)
        return self.match.review_rows(self.names)


def new_result(kind: str, file: str, fmt: str) -> ConnectorResult:
    return ConnectorResult(kind, file, fmt, empty_frame(kind))


def schema_problems(
    frame: pd.DataFrame, table: str, file: str, lines: np.ndarray, columns: dict[str, int], reported: set[int]
) -> list[ImportProblem]:
    """`check_frame` on rows built from a file, moved to each row's file line (`lines`) and to the
    column it was read from (`columns`: schema field -> column number); lines already reported
    by a parser are not reported twice."""
    problems, seen = [], set()
    for error in check_frame(pd.DataFrame(frame), table, file, first_line=0):
        line = int(lines[error.line]) if error.line is not None and error.line < len(lines) else 1
        if line in reported or (line, error.field) in seen:
            continue
        seen.add((line, error.field))
        problems.append(
            ImportProblem(file, line, columns.get(error.field, 1), f"{table}.{error.field}: {error.message}")
        )
    return problems


def with_projects(
    result: ConnectorResult,
    projects: pd.DataFrame,
    funder: pd.Series | str,
    programme: pd.Series,
    file: str,
    lines: np.ndarray,
    columns: dict[str, int],
) -> ConnectorResult:
    """`result` holding `projects` and one funding line per project: the EU contribution to the
    pôle (`eu_contribution_eur`) from `funder`, in the project's year; both checked against their
    schemas, problems at the file `lines` of the projects and the `columns` they were read from."""
    funding = pd.DataFrame(
        {
            "project_id": projects["project_id"],
            "cluster_id": projects["cluster_id"],
            "funder": funder,
            "year": projects["year"],
            "amount_eur": projects["eu_contribution_eur"],
            "programme": programme,
            "sample": False,
            "source": projects["source"],
            "as_of": projects["as_of"],
        }
    )[field_names("funding")]
    reported = {p.line for p in result.errors if p.file == file}
    for table, frame in (("projects", projects), ("funding", funding)):
        result.errors += schema_problems(frame, table, file, lines, columns, reported)
    result.frame = projects
    result.extra_frames["funding"] = funding
    return result
