"""`import kohesio FILE`: the FEDER (ERDF) and FSE operations whose beneficiary is a pôle association.

FILE is Kohesio's France CSV (2014-2020 or 2021-2027; UTF-8 with BOM, `,`, CRLF), read by
header name (`shared/docs/OPEN_DATA.md`). Each operation is a record matched to a pôle by its
beneficiary (`Beneficiary_Local_Identifier` when it holds a SIREN or SIRET, else
`Beneficiary_Name`, see `matching.py`), between its start and end dates. Each matched operation
becomes, per pôle:

- a project `kohesio-<Operation_Unique_Identifier>-<pôle>`: title (in French when given), year
  of its start, total eligible expenditure as total cost, the EU budget as the EU contribution,
  the co-financing rate (%), the fund, the programme, the NUTS region, its public page;
- a funding line: funder `feder` (ERDF) or `fse` (ESF, ESF+, YEI), programme "FEDER — 2014-2020",
  the start year, the operation's EU budget.

Operations of other funds (JTF, EMFF…) are counted and left out. Source: Kohesio (European
Commission), as of the file's date unless `--as-of` says otherwise.
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
from mapapp.ingest.records import Source, read_columns

COLUMNS = (
    "Operation_Unique_Identifier",
    "Operation_Name_Programme_Language",
    "Operation_Name_English",
    "Operation_Start_Date",
    "Operation_End_Date",
    "Cofinancing_Rate",
    "Total_Eligible_Expenditure_amount",
    "Project_EU_Budget",
    "Beneficiary_Name",
    "Beneficiary_Local_Identifier",
    "Fund_Code",
    "Fund_Name",
    "Programme_Name",
    "Programming_Period",
    "Region",
    "NUTS2_Code",
    "NUTS2_Label",
    "NUTS3_Code",
    "NUTS3_Label",
    "Kohesio_URL",
    "Project_URL",
    "InfoRegio_URL",
)
REQUIRED = (
    "Operation_Unique_Identifier",
    "Beneficiary_Name",
    "Operation_Start_Date",
    "Total_Eligible_Expenditure_amount",
    "Project_EU_Budget",
)
# Fund code or name -> (funder, label of its funding lines).
FUNDS = {
    "ERDF": ("feder", "FEDER"),
    "EUROPEANREGIONALDEVELOPMENTFUND": ("feder", "FEDER"),
    "FEDER": ("feder", "FEDER"),
    "ESF": ("fse", "FSE"),
    "EUROPEANSOCIALFUND": ("fse", "FSE"),
    "ESF+": ("fse", "FSE+"),
    "ESFPLUS": ("fse", "FSE+"),
    "EUROPEANSOCIALFUNDPLUS": ("fse", "FSE+"),
    "YEI": ("fse", "IEJ"),
}
KOHESIO_PAGE = "https://kohesio.ec.europa.eu/fr/projects/{}"
SKIP_FUND = "operation(s) of pôles funded by a fund other than ERDF or ESF"


def _fund(code: pd.Series, name: pd.Series) -> tuple[pd.Series, pd.Series]:
    key = code.where(code.ne(""), name).str.upper().str.replace(r"[^A-Z+]", "", regex=True)
    found = key.map(FUNDS)
    return found.map(lambda f: f[0] if isinstance(f, tuple) else ""), found.map(
        lambda f: f[1] if isinstance(f, tuple) else ""
    )


def read_kohesio(path: Path, store: Store, source: str | None, as_of: str | None, confirmations=None):
    """Projects and funding lines of the pôles in one Kohesio file (see the module docstring)."""
    result = new_result("projects", path.name, "Kohesio")
    result.extra_frames["funding"] = empty_frame("funding")
    ops = read_columns(Source(path.name, path), COLUMNS, REQUIRED, ",")
    result.fmt = "Kohesio operations (CSV, ',')"
    result.errors += ops.errors
    result.warnings += ops.warnings
    result.rows_read = len(ops.cells)
    if result.errors:
        return result
    local = ops.get("Beneficiary_Local_Identifier").map(compact)
    siren = local.str[:9].where(local.str.fullmatch(r"\d{9}|\d{14}"), "")
    records = Records(
        file=ops.file,
        lines=ops.lines,
        names=ops.get("Beneficiary_Name"),
        sirens=siren,
        pics=pd.Series("", index=ops.cells.index),
        siren_from="siren",
        starts=ops.get("Operation_Start_Date").str[:10],
        ends=ops.get("Operation_End_Date").str[:10],
        name_column=ops.column["Beneficiary_Name"],
    )
    extra, names = (confirmations.extra, confirmations.names) if confirmations else (None, None)
    result.match = match_records(store, records, "Kohesio", extra, names)
    attached = result.match.attached
    mine = np.flatnonzero(attached.ne("").to_numpy())
    op = ops.restricted(mine)
    cluster = attached.iloc[mine].reset_index(drop=True)
    funder, fund_label = _fund(op.get("Fund_Code"), op.get("Fund_Name"))
    other = funder.eq("").to_numpy()
    if other.any():
        result.skipped[SKIP_FUND] += int(other.sum())
    for pos in np.flatnonzero(other):
        fund = op.get("Fund_Code").iloc[pos] or op.get("Fund_Name").iloc[pos] or "none"
        column = op.column.get("Fund_Code", op.column.get("Fund_Name", 1))
        result.warnings.append(ImportProblem(op.file, int(op.lines[pos]), column, f"fund {fund}: left out"))
    total, bad = parse_number(op.get("Total_Eligible_Expenditure_amount"))
    result.errors += op.problems("Total_Eligible_Expenditure_amount", bad, '"{}" is not an amount'.format)
    budget, bad = parse_number(op.get("Project_EU_Budget"))
    result.errors += op.problems("Project_EU_Budget", bad, '"{}" is not an amount'.format)
    rate, bad = parse_number(op.get("Cofinancing_Rate"))
    result.errors += op.problems("Cofinancing_Rate", bad, '"{}" is not a rate'.format)
    rate = rate.where(rate > 1, rate * 100)  # 0.5 and 50 both mean 50 %
    dates = {}
    for column in ("Operation_Start_Date", "Operation_End_Date"):
        values, bad = parse_date(op.get(column))
        result.errors += op.problems(column, bad, '"{}" is not a date'.format)
        dates[column] = values
    operation = op.get("Operation_Unique_Identifier")
    title = op.get("Operation_Name_Programme_Language")
    title = title.where(title.ne(""), op.get("Operation_Name_English"))
    url = op.get("Kohesio_URL").where(op.get("Kohesio_URL").ne(""), op.get("Project_URL"))
    url = url.where(url.ne(""), operation.map(KOHESIO_PAGE.format).where(operation.str.fullmatch(r"Q\d+"), ""))
    url = url.where(url.ne(""), op.get("InfoRegio_URL"))
    period = op.get("Programming_Period")
    nuts_code = op.get("NUTS2_Code").where(op.get("NUTS2_Code").ne(""), op.get("NUTS3_Code"))
    nuts_label = op.get("NUTS2_Label").where(op.get("NUTS2_Label").ne(""), op.get("Region"))
    nuts = (nuts_code + " " + nuts_label).str.strip()
    when = pd.Series(as_of or Source(path.name, path).date(), index=op.cells.index)
    src = pd.Series(source, index=when.index) if source else f"Kohesio ({path.name}), European Commission"
    frame = pd.DataFrame(
        {
            "project_id": "kohesio-" + operation + "-" + cluster,
            "cluster_id": cluster,
            "cluster_ids": cluster,
            "title": title,
            "year": dates["Operation_Start_Date"].dt.year.astype("Int64"),
            "total_cost_eur": total.round(2),
            "partner_ids": "",
            "dataset": "kohesio",
            "acronym": "",
            "programme": op.get("Programme_Name"),
            "start_date": dates["Operation_Start_Date"].dt.strftime("%Y-%m-%d").fillna(""),
            "end_date": dates["Operation_End_Date"].dt.strftime("%Y-%m-%d").fillna(""),
            "role": "beneficiary",
            "eu_contribution_eur": budget.round(2),
            "eu_contribution_total_eur": np.nan,
            "cofinancing_rate": rate.round(2),
            "fund": fund_label,
            "nuts_region": nuts,
            "partner_names": "",
            "url": url,
            "sample": False,
            "source": src,
            "as_of": when,
        }
    )[field_names("projects")]
    keep = ~other
    frame = frame[keep].reset_index(drop=True)
    programme = (fund_label + " — " + period).str.strip(" —")[keep].reset_index(drop=True)
    targets = {
        "year": op.column["Operation_Start_Date"],
        "total_cost_eur": op.column["Total_Eligible_Expenditure_amount"],
        "eu_contribution_eur": op.column["Project_EU_Budget"],
        "amount_eur": op.column["Project_EU_Budget"],
        "cofinancing_rate": op.column.get("Cofinancing_Rate", 1),
        "title": op.column.get("Operation_Name_Programme_Language", 1),
        "url": op.column.get("InfoRegio_URL", 1),
    }
    funder = funder[keep].reset_index(drop=True)
    return with_projects(result, frame, funder, programme, op.file, op.lines[keep], targets)
