"""`python -m mapapp validate`: schemas, referential integrity, sources of every fact, published
figures against their sources' words, and the official counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import frictionless
import numpy as np
import pandas as pd

from mapapp.data.figures import MEMBER_KINDS, states_value
from mapapp.data.identifiers import SCHEMES, clusters_without_identifiers
from mapapp.data.labels import CountCheck, official_counts
from mapapp.data.schema import DataError, DataValidationError, schema
from mapapp.data.store import SEAT_PRECISIONS, Store, load_store

DIRECTORY_FILES = {
    "themes": "themes.csv",
    "phases": "phases.csv",
    "clusters": "clusters.csv",
    "cluster_labels": "cluster_labels.csv",
    "cluster_figures": "cluster_figures.csv",
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
        if not (geodata_dir / name).exists() and table == "cluster_figures":
            continue  # optional: a directory may publish no figures
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
    # A phase is a row of phases.csv: a decision of a phase not there would be shown nowhere.
    for line in _line_of(labels, ~labels["phase"].isin(store.phases["phase"])):
        errors.append(
            DataError("cluster_labels.csv", line, "phase", f"no phase {labels.loc[line - 2, 'phase']} in phases.csv")
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


def content_errors(store: Store, today: str | None = None) -> list[DataError]:
    """Every sourced fact has its source and date, and the figures say what their sources say.

    - seats located at a commune or an area name their source, date and the words stating it;
      an area seat names its area; a website, a renaming or an end names its source;
    - every pôle labelled in today's phase (the last of phases.csv) is on the map (it has a seat point);
    - every figure belongs to a pôle, its `stated_as` states its value (digits or number words:
      "un millier" is 1000), its date is not in the future and lies within the pôle's life (from
      1 January of the year of its first label decision to its merger or end);
    - members of a kind (SME, large firms…) never exceed the members published on the same date;
    - no date of the directory lies in the future.
    """
    today = today or date.today().isoformat()
    errors: list[DataError] = []
    clusters = store.clusters.reset_index(drop=True)

    def check(mask: pd.Series, field_name: str, message) -> None:
        for i in np.flatnonzero(mask.to_numpy()):
            row = clusters.iloc[i]
            errors.append(DataError("clusters.csv", i + 2, field_name, message(row) if callable(message) else message))

    located = clusters["seat_precision"].isin(["commune", "area"])
    ended = clusters["ended_date"].ne("") | clusters["ended_how"].ne("")
    # (rows at fault, column, message): a fact that is there without its source or its date.
    rules = [
        *(
            (located & clusters[column].eq(""), column, "a seat at commune or area precision needs it")
            for column in ("seat_commune_code", "seat_source", "seat_as_of", "seat_stated_as")
        ),
        (clusters["seat_precision"].eq("area") & clusters["seat_area"].eq(""), "seat_area", "an area seat names it"),
        (
            clusters["seat_precision"].eq("region") & clusters["seat_commune_code"].ne(""),
            "seat_precision",
            "a seat placed in its region has no commune; use commune or area",
        ),
        (clusters["website"].ne("") & clusters["website_source"].eq(""), "website_source", "a website needs it"),
        (clusters["renamed_date"].ne("") & clusters["renamed_source"].eq(""), "renamed_source", "a renaming needs it"),
        *(
            (ended & clusters[column].eq(""), column, "an end needs its date, kind and source")
            for column in ("ended_date", "ended_how", "ended_source")
        ),
    ]
    for mask, column, message in rules:
        check(mask, column, message)
    latest = int(store.phases["phase"].max())
    labelled_today = clusters["phases"].map(lambda phases: latest in phases)
    off_map = clusters.geometry.isna() | clusters.geometry.is_empty
    check(labelled_today & off_map, "seat_commune_code", f"a pôle labelled in phase {latest} must be on the map")
    for column in ("seat_as_of", "website_as_of", "merged_date", "renamed_date", "ended_date", "as_of"):
        check(clusters[column].gt(today), column, lambda r, c=column: f"{r[c]} is in the future")
    labels = store.labels.reset_index(drop=True)
    for i in np.flatnonzero(labels["date"].gt(today).to_numpy()):
        errors.append(DataError("cluster_labels.csv", int(i) + 2, "date", f"{labels['date'].iat[i]} is in the future"))

    errors += _figure_errors(store, today)
    return errors


def _figure_errors(store: Store, today: str) -> list[DataError]:
    figures = store.figures.reset_index(drop=True)
    errors: list[DataError] = []

    def report(mask, field_name: str, message) -> None:
        for i in np.flatnonzero(np.asarray(mask)):
            row = figures.iloc[i]
            errors.append(DataError("cluster_figures.csv", int(i) + 2, field_name, message(row)))

    clusters = store.clusters.set_index("id")
    known = figures["cluster_id"].isin(clusters.index)
    report(~known, "cluster_id", lambda r: f"no pôle {r['cluster_id']!r}")
    report(
        [
            not states_value(text, float(value))
            for text, value in zip(figures["stated_as"], figures["value"], strict=True)
        ],
        "stated_as",
        lambda r: f"{r['stated_as']!r} does not state {r['value']:g}",
    )
    amounts = figures["measure"].str.endswith("_eur")
    report(
        amounts != figures["unit"].eq("EUR"),
        "unit",
        lambda r: f"{r['measure']} is counted in {'EUR' if r['measure'].endswith('_eur') else 'count'}",
    )
    report(figures["as_of"].gt(today), "as_of", lambda r: f"{r['as_of']} is in the future")
    # A pôle lives from its first label decision, or from the merger of its predecessors into it
    # (its association exists then), to its own merger or end.
    first_label = store.labels.groupby("cluster_id")["date"].min()
    merged = clusters[clusters["merged_date"] != ""].groupby("merged_into")["merged_date"].min()
    born = pd.concat([first_label, merged]).groupby(level=0).min()
    start = figures["cluster_id"].map(born).str[:4].add("-01-01")
    end = figures["cluster_id"].map(
        clusters["merged_date"].where(clusters["merged_date"] != "", clusters["ended_date"])
    )
    end = end.where(end.fillna("") != "", today)
    outside = known & (figures["as_of"].lt(start.fillna("")) | figures["as_of"].gt(end.fillna(today)))
    report(outside, "as_of", lambda r: f"{r['as_of']} lies outside the life of {r['cluster_id']}")

    members = figures[figures["measure"] == "members"].groupby(["cluster_id", "as_of"])["value"].max()
    kinds = figures[figures["measure"].isin(MEMBER_KINDS)]
    key = pd.MultiIndex.from_frame(kinds[["cluster_id", "as_of"]])
    total = pd.Series(members.reindex(key).to_numpy(), index=kinds.index)
    report(
        figures.index.isin(kinds.index[(kinds["value"] > total).to_numpy()]),
        "value",
        lambda r: f"{r['measure']} {r['value']:g} exceeds the members published on {r['as_of']}",
    )
    # SME + ETI + "SME and ETI" would count firms twice: only disjoint kinds are summed.
    disjoint = kinds[kinds["measure"] != "members_sme_eti"].groupby(["cluster_id", "as_of"])["value"].sum()
    over = disjoint[disjoint > members.reindex(disjoint.index)]
    for (cid, as_of), value in over.items():
        line = int(figures.index[(figures["cluster_id"] == cid) & (figures["as_of"] == as_of)][0]) + 2
        errors.append(
            DataError(
                "cluster_figures.csv",
                line,
                "value",
                f"members by kind add up to {value:g}, more than the members of {cid} on {as_of}",
            )
        )
    return errors


def coverage_lines(store: Store) -> list[str]:
    """How much of the directory is real and sourced: seats, websites and published figures."""
    clusters = store.clusters
    latest = int(store.phases["phase"].max())
    labelled_today = clusters[clusters["phases"].map(lambda phases: latest in phases)]
    current = clusters[clusters["current"]]

    def precision(frame: pd.DataFrame) -> str:
        counts = frame["seat_precision"].value_counts()
        return ", ".join(f"{counts.get(p, 0)} {p}" for p in SEAT_PRECISIONS)

    placed = int((~(labelled_today.geometry.isna() | labelled_today.geometry.is_empty)).sum())
    figures = store.figures
    have = figures.groupby("cluster_id")["measure"].agg(set)

    def with_figure(measures: tuple[str, ...]) -> int:
        return sum(bool(have.get(cid, set()) & set(measures)) for cid in labelled_today["id"])

    n = len(labelled_today)
    return [
        f"seats: {placed}/{n} phase-{latest} pôles on the map ({precision(labelled_today)}); "
        f"all {len(clusters)} pôles: {precision(clusters)}",
        f"websites: {int(current['website'].ne('').sum())}/{len(current)} current pôles "
        f"({int(current['website_as_of'].ne('').sum())} dated)",
        f"published figures: {len(figures)} rows; phase-{latest} pôles with members figures "
        f"{with_figure(('members',))}/{n}, "
        f"projects {with_figure(('projects_labelled', 'projects_funded'))}/{n}, "
        f"funding or budget {with_figure(('public_funding_eur', 'projects_rd_budget_eur'))}/{n}",
    ]


def validate_all(geodata_dir: Path, data_dir: Path, database_url: str = "") -> ValidationReport:
    report = ValidationReport()
    report.errors += _frictionless_errors(geodata_dir)
    try:
        store = load_store(geodata_dir, data_dir, database_url)
    except DataValidationError as exc:
        report.errors += exc.errors
        return report
    report.errors += referential_errors(store)
    report.errors += content_errors(store)
    report.counts = official_counts(store.labels)
    clusters = store.clusters
    report.summary_lines = [
        f"{geodata_dir}: {len(store.regions)} regions, {len(store.communes)} communes, {len(store.themes)} themes",
        f"directory: {len(clusters)} pôles ({int(clusters['current'].sum())} labelled today, "
        f"{int((clusters['seat_precision'] == 'region').sum())} placed in their region for want of a sourced seat), "
        f"{len(store.labels)} label decisions",
        *coverage_lines(store),
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
