"""`python -m mapapp validate`: schemas, referential integrity and the official counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import frictionless
import pandas as pd

from mapapp.data.identifiers import SCHEMES, clusters_without_identifiers
from mapapp.data.labels import CountCheck, official_counts
from mapapp.data.schema import DataError, DataValidationError, schema
from mapapp.data.store import Store, load_store

DIRECTORY_FILES = {
    "themes": "themes.csv",
    "phases": "phases.csv",
    "clusters": "clusters.csv",
    "cluster_labels": "cluster_labels.csv",
    "cluster_identifiers": "cluster_identifiers.csv",
}


@dataclass
class ValidationReport:
    errors: list[DataError] = field(default_factory=list)
    counts: list[CountCheck] = field(default_factory=list)
    summary_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and all(c.ok or c.gap for c in self.counts)

    def summary(self) -> str:
        lines = list(self.summary_lines)
        for check in self.counts:
            mark = "ok " if check.ok else "gap" if check.gap else "FAIL"
            lines.append(f"  [{mark}] {check.label}: {check.actual} (published: {check.expected}; {check.source})")
            if check.gap:
                lines.append(f"        documented gap: {check.gap}")
        lines += [f"  error: {e}" for e in self.errors[:200]]
        if len(self.errors) > 200:
            lines.append(f"  … and {len(self.errors) - 200} more errors")
        off = sum(not (c.ok or c.gap) for c in self.counts)
        lines.append("valid" if self.ok else f"INVALID: {len(self.errors)} error(s), {off} count(s) off")
        return "\n".join(lines)


def _frictionless_errors(geodata_dir: Path) -> list[DataError]:
    """The standard Table Schema check (types, constraints) of the hand-edited CSV files.

    Foreign keys are checked by `referential_errors`, which also knows the gazetteer.
    """
    errors = []
    for table, name in DIRECTORY_FILES.items():
        descriptor = {k: v for k, v in schema(table).items() if k in ("fields", "primaryKey", "missingValues")}
        resource = frictionless.Resource(
            path=name, basepath=str(geodata_dir), schema=frictionless.Schema.from_descriptor(descriptor)
        )
        for task in frictionless.validate(resource).tasks:
            for err in task.errors:
                errors.append(
                    DataError(
                        name, getattr(err, "row_number", None), getattr(err, "field_name", "") or err.type, err.message
                    )
                )
    return errors


def _line_of(frame: pd.DataFrame, mask: pd.Series) -> list[int]:
    return [int(i) + 2 for i in frame.index[mask.to_numpy()]]


def referential_errors(store: Store) -> list[DataError]:
    """Every reference that points at nothing, with file, line and field."""
    errors: list[DataError] = []
    clusters, labels = store.clusters.reset_index(drop=True), store.labels
    theme_ids, region_codes = set(store.themes["id"]), set(store.regions["code"])
    commune_codes = set(store.communes["code"])
    cluster_ids = set(clusters["id"])

    for i, row in clusters.iterrows():  # ~100 hand-edited rows: clarity beats vectorising
        line = i + 2
        for theme in row["theme_list"]:
            if theme not in theme_ids:
                errors.append(DataError("clusters.csv", line, "themes", f"unknown theme {theme!r}"))
        for code in row["region_list"]:
            if code not in region_codes:
                errors.append(DataError("clusters.csv", line, "region_codes", f"unknown region {code!r}"))
        seat = row["seat_commune_code"]
        if seat and seat not in commune_codes:
            errors.append(DataError("clusters.csv", line, "seat_commune_code", f"no commune {seat!r} in the gazetteer"))
        elif seat and row["seat_region_code"] not in row["region_list"]:
            errors.append(
                DataError(
                    "clusters.csv",
                    line,
                    "seat_commune_code",
                    f"seat {seat} ({row['seat_name']}) lies in region {row['seat_region_code']}, "
                    f"not among the pôle's regions {'|'.join(row['region_list'])}",
                )
            )
        if row["merged_into"] and row["merged_into"] not in cluster_ids:
            errors.append(DataError("clusters.csv", line, "merged_into", f"no pôle {row['merged_into']!r}"))

    unknown = ~labels["cluster_id"].isin(cluster_ids)
    for line in _line_of(labels, unknown):
        errors.append(
            DataError("cluster_labels.csv", line, "cluster_id", f"no pôle {labels.loc[line - 2, 'cluster_id']!r}")
        )

    ids = store.identifiers
    for line in _line_of(ids, ~ids["cluster_id"].isin(cluster_ids)):
        errors.append(
            DataError("cluster_identifiers.csv", line, "cluster_id", f"no pôle {ids.loc[line - 2, 'cluster_id']!r}")
        )

    for table, frame in (("members", store.members), ("projects", store.projects), ("funding", store.funding)):
        for line in _line_of(frame, ~frame["cluster_id"].isin(cluster_ids))[:20]:
            errors.append(DataError(f"{table}.parquet", line, "cluster_id", "unknown pôle"))
    for line in _line_of(store.members, ~store.members["commune_code"].isin(commune_codes))[:20]:
        errors.append(DataError("members.parquet", line, "commune_code", "unknown commune"))
    project_ids = set(store.projects["project_id"])
    for line in _line_of(store.funding, ~store.funding["project_id"].isin(project_ids))[:20]:
        errors.append(DataError("funding.parquet", line, "project_id", "unknown project"))
    return errors


def validate_all(geodata_dir: Path, data_dir: Path, database_url: str = "") -> ValidationReport:
    report = ValidationReport()
    report.errors += _frictionless_errors(geodata_dir)
    try:
        store = load_store(geodata_dir, data_dir, database_url)
    except DataValidationError as exc:
        report.errors += exc.errors
        return report
    report.errors += referential_errors(store)
    report.counts = official_counts(store.labels)
    clusters = store.clusters
    report.summary_lines = [
        f"{geodata_dir}: {len(store.regions)} regions, {len(store.communes)} communes, {len(store.themes)} themes",
        f"directory: {len(clusters)} pôles ({int(clusters['current'].sum())} labelled today, "
        f"{int((clusters['seat_commune_code'] == '').sum())} without a sourced seat), "
        f"{len(store.labels)} label decisions",
        f"{data_dir}: {len(store.members)} members, {len(store.projects)} projects, "
        f"{len(store.funding)} funding lines ({int(store.members['sample'].sum()) if len(store.members) else 0} "
        "sample members)",
        *identifier_lines(store),
        "official counts:",
    ]
    return report


def identifier_lines(store: Store) -> list[str]:
    """Which pôles carry identifiers (SIREN, SIRET, VAT, PIC) and which none; what the SIRENE
    head offices say of the seats (differences are reported, never applied)."""
    missing = clusters_without_identifiers(store)
    current = set(store.clusters.loc[store.clusters["current"], "id"])
    schemes = store.identifiers.groupby("scheme")["cluster_id"].nunique()
    counts = ", ".join(f"{scheme} {int(schemes.get(scheme, 0))}" for scheme in SCHEMES)
    lines = [
        f"identifiers: {len(store.clusters) - len(missing)} of {len(store.clusters)} pôles have one ({counts}); "
        f"{len(missing)} have none ({sum(c in current for c in missing)} labelled today):",
        "  " + ", ".join(missing) if missing else "  (none)",
    ]
    lines += [f"  seat of {check.cluster_id}: {check.message}" for check in store.seat_checks]
    return lines
