"""`import cordis PATH`: the EU research projects (FP7, Horizon 2020, Horizon Europe) of the pôles.

PATH is the zip published on the CORDIS data page (`cordis-h2020projects-csv.zip`…) or a folder
holding its `project.csv` and `organization.csv` (`;`-separated, every cell quoted, decimal
commas, UTF-8; headers in `shared/docs/OPEN_DATA.md`, read by name). Every organisation row is a
record matched to a pôle (`matching.match_records`: VAT number, then PIC, then name, French
organisations only for names). Each project with a matched pôle becomes, per pôle:

- a project `cordis-<projectID>-<pôle>`: acronym, title, programme, dates, total cost, the pôle's
  role(s), its EU contribution (`ecContribution`, summed over its rows) and the consortium's
  (`ecMaxContribution`), the other partners with their country, its CORDIS page; year = the year
  of the EC signature (else of the start);
- a funding line: funder `eu`, programme "UE — Horizon 2020" / "UE — 7e PCRD" / "UE — Horizon
  Europe", the signature year, the pôle's EU contribution.

Source: the programme's CORDIS file (European Commission, CC BY 4.0), as of the project's
`contentUpdateDate`. Several programmes are imported by several runs: they add up (merge).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mapapp.data.identifiers import compact
from mapapp.data.schema import empty_frame, field_names
from mapapp.data.store import Store
from mapapp.ingest.connector_result import new_result, with_projects
from mapapp.ingest.french import parse_date, parse_number
from mapapp.ingest.matching import Records, match_records
from mapapp.ingest.problems import ImportProblem
from mapapp.ingest.records import find_sources, read_columns

PROJECT_FILE, ORGANIZATION_FILE = "project.csv", "organization.csv"
ORGANIZATION_COLUMNS = (
    "projectID",
    "organisationID",
    "vatNumber",
    "name",
    "shortName",
    "country",
    "role",
    "ecContribution",
    "netEcContribution",
    "order",
)
PROJECT_COLUMNS = (
    "id",
    "acronym",
    "title",
    "startDate",
    "endDate",
    "totalCost",
    "ecMaxContribution",
    "ecSignatureDate",
    "frameworkProgramme",
    "contentUpdateDate",
)
PROGRAMMES = {"FP7": "7e PCRD", "H2020": "Horizon 2020", "HORIZON": "Horizon Europe", "HE": "Horizon Europe"}
PROJECT_URL = "https://cordis.europa.eu/project/id/{}"
LICENCE = "European Commission, CC BY 4.0"


def organisation_records(orgs) -> Records:
    """The organisation rows as records to match: SIREN from a French VAT number, PIC, name."""
    vat = orgs.get("vatNumber").map(compact)
    siren = vat.str[4:].where(vat.str.fullmatch(r"FR[0-9A-Z]{2}\d{9}"), "")
    return Records(
        file=orgs.file,
        lines=orgs.lines,
        names=orgs.get("name"),
        sirens=siren,
        pics=orgs.get("organisationID").str.replace(r"\.0$", "", regex=True),
        siren_from="vat",
        countries=orgs.get("country").str.upper(),
        vats=vat,
        name_column=orgs.column.get("name", 1),
    )


def read_cordis(path: Path, store: Store, source: str | None, as_of: str | None, confirmations=None):
    """Projects and funding lines of the pôles in one CORDIS programme (see the module docstring)."""
    found = find_sources(path, (PROJECT_FILE, ORGANIZATION_FILE))
    result = new_result("projects", path.name, "CORDIS")
    result.extra_frames["funding"] = empty_frame("funding")
    for name in (PROJECT_FILE, ORGANIZATION_FILE):
        if name not in found:
            message = f"no {name} in {path.name}: give the CORDIS zip or the folder holding its CSV files"
            result.errors.append(ImportProblem(path.name, 1, 1, message))
    if result.errors:
        return result
    orgs = read_columns(found[ORGANIZATION_FILE], ORGANIZATION_COLUMNS, ("projectID", "name", "country"), ";")
    projects = read_columns(found[PROJECT_FILE], PROJECT_COLUMNS, ("id", "title", "frameworkProgramme"), ";")
    result.fmt = f"CORDIS ({found[PROJECT_FILE].file} + {found[ORGANIZATION_FILE].file}; ';', decimal comma)"
    result.errors += orgs.errors + projects.errors
    result.warnings += orgs.warnings + projects.warnings
    result.rows_read = len(orgs.cells)
    if result.errors:
        return result

    records = organisation_records(orgs)
    by_project = projects.cells.assign(_pos=np.arange(len(projects.cells))).drop_duplicates("id").set_index("id")
    project_pos = orgs.get("projectID").map(by_project["_pos"])
    records.starts = project_pos.map(projects.get("startDate").str[:10]).fillna("")
    records.ends = project_pos.map(projects.get("endDate").str[:10]).fillna("")
    extra, names = (confirmations.extra, confirmations.names) if confirmations else (None, None)
    result.match = match_records(store, records, "CORDIS", extra, names)
    attached = result.match.attached
    mine = np.flatnonzero(attached.ne("").to_numpy())
    absent = project_pos.iloc[mine].isna().to_numpy()
    for pos in mine[absent]:
        project = orgs.get("projectID").iloc[pos]
        line, column = int(orgs.lines[pos]), orgs.column["projectID"]
        result.warnings.append(
            ImportProblem(orgs.file, line, column, f"project {project} is not in {PROJECT_FILE}: skipped")
        )
    mine = mine[~absent]
    if not len(mine):
        return result

    # The pôles' own rows: contribution and role(s) per (project, pôle).
    own = orgs.restricted(mine)
    contribution, bad = parse_number(own.get("ecContribution"))
    result.errors += own.problems("ecContribution", bad, lambda v: f'ecContribution "{v}" is not an amount')
    net, bad = parse_number(own.get("netEcContribution"))
    result.errors += own.problems("netEcContribution", bad, lambda v: f'netEcContribution "{v}" is not an amount')
    rows = pd.DataFrame(
        {
            "project": own.get("projectID"),
            "cluster_id": attached.iloc[mine].to_numpy(),
            "role": own.get("role"),
            "amount": contribution.fillna(net).fillna(0.0),
        }
    )
    per = (
        rows.groupby(["project", "cluster_id"], sort=False)
        .agg(amount=("amount", "sum"), role=("role", lambda r: "|".join(dict.fromkeys(x for x in r if x))))
        .reset_index()
    )
    clusters_of = per.groupby("project")["cluster_id"].agg(lambda c: "|".join(dict.fromkeys(c)))

    # The projects they are in, one row per (project, pôle).
    proj = projects.restricted(per["project"].map(by_project["_pos"]).astype(int).to_numpy())
    total, bad = parse_number(proj.get("totalCost"))
    result.errors += proj.problems("totalCost", bad, lambda v: f'totalCost "{v}" is not an amount')
    ceiling, bad = parse_number(proj.get("ecMaxContribution"))
    result.errors += proj.problems("ecMaxContribution", bad, lambda v: f'ecMaxContribution "{v}" is not an amount')
    dates = {}
    for column in ("startDate", "endDate", "ecSignatureDate", "contentUpdateDate"):
        values, bad = parse_date(proj.get(column))
        result.errors += proj.problems(column, bad, lambda v, c=column: f'{c} "{v}" is not a date')
        dates[column] = values
    programme = proj.get("frameworkProgramme").str.upper().map(PROGRAMMES)
    message = 'frameworkProgramme "{}" is not FP7, H2020 or HORIZON'.format
    result.errors += proj.problems("frameworkProgramme", programme.isna(), message)
    programme = programme.fillna("")
    total = total.fillna(ceiling)
    missing = total.isna().to_numpy()
    for pos in np.flatnonzero(missing):
        line, column = int(proj.lines[pos]), proj.column.get("totalCost", 1)
        result.warnings.append(ImportProblem(proj.file, line, column, "no totalCost nor ecMaxContribution: skipped"))
    when = dates["contentUpdateDate"].dt.strftime("%Y-%m-%d").fillna(found[PROJECT_FILE].date())
    when = pd.Series(as_of, index=when.index) if as_of else when
    src = pd.Series(source, index=when.index) if source else f"CORDIS ({found[PROJECT_FILE].file}), {LICENCE}"
    frame = pd.DataFrame(
        {
            "project_id": "cordis-" + per["project"] + "-" + per["cluster_id"],
            "cluster_id": per["cluster_id"],
            "cluster_ids": per["project"].map(clusters_of),
            "title": proj.get("title").where(proj.get("title").ne(""), proj.get("acronym")),
            "year": dates["ecSignatureDate"].fillna(dates["startDate"]).dt.year.astype("Int64"),
            "total_cost_eur": total.round(2),
            "partner_ids": "",
            "dataset": "cordis",
            "acronym": proj.get("acronym"),
            "programme": programme,
            "start_date": dates["startDate"].dt.strftime("%Y-%m-%d").fillna(""),
            "end_date": dates["endDate"].dt.strftime("%Y-%m-%d").fillna(""),
            "role": per["role"],
            "eu_contribution_eur": per["amount"].round(2),
            "eu_contribution_total_eur": ceiling.round(2),
            "cofinancing_rate": np.nan,
            "fund": "",
            "nuts_region": "",
            "partner_names": _partners(orgs, per["project"], per["cluster_id"], attached),
            "url": per["project"].map(PROJECT_URL.format),
            "sample": False,
            "source": src,
            "as_of": when,
        }
    )[field_names("projects")]
    frame, lines = frame[~missing].reset_index(drop=True), proj.lines[~missing]
    columns = {
        "year": proj.column.get("ecSignatureDate", 1),
        "total_cost_eur": proj.column.get("totalCost", 1),
        "title": proj.column.get("title", 1),
        "amount_eur": orgs.column.get("ecContribution", 1),
    }
    return with_projects(result, frame, "eu", "UE — " + frame["programme"], proj.file, lines, columns)


def _partners(orgs, project_ids: pd.Series, cluster_ids: pd.Series, attached: pd.Series) -> pd.Series:
    """Per (project, pôle): the other organisations of the project as "name (country)", '|'-separated."""
    wanted = set(project_ids)
    rows = orgs.cells[orgs.get("projectID").isin(wanted)]
    mine = attached.loc[rows.index]
    label = rows["name"].str.replace("|", "/", regex=False) + " (" + rows["country"].str.upper() + ")"
    table = pd.DataFrame({"project": rows["projectID"], "cluster": mine, "label": label})
    out = []
    grouped = dict(tuple(table.groupby("project", sort=False)))
    for project, cluster in zip(project_ids, cluster_ids, strict=True):
        group = grouped.get(project)
        if group is None:
            out.append("")
            continue
        others = group[group["cluster"] != cluster]["label"]
        out.append("|".join(dict.fromkeys(others)))
    return pd.Series(out, index=project_ids.index, dtype=object)
