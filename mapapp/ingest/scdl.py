"""Regions' own grant files in the national SCDL `subventions` format (schema.data.gouv.fr, 1.x/2.x).

`import funding` recognises such a file by its header and takes it as published:

- a grant's beneficiary is a pôle member when the SIREN (first 9 digits of `idBeneficiaire`)
  is a member's `siren`; grants to anyone else are skipped and counted. A SIREN that is a member
  of several pôles is credited to its first membership in `member_id` order.
- each matched grant is one funding line: amount = `montant` × `pourcentageSubvention` (the
  beneficiary's share of a grant split between several; 1 when absent), year of
  `dateConvention`, funder from the attributor (see `funder_of`), source naming the attributor.
- grants of one decision with one object (`idAttribuant`, `referenceDecision`, `objet`) are one
  project, id `scdl-<idAttribuant>-<referenceDecision>` (a line number when there is no
  reference; a short hash of the object when one decision funds several objects): title =
  `objet`, total cost = `montant`, partners = the matched beneficiaries.

Everything is vectorised; only rows with a problem cost Python per row.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd

from mapapp.data.query import normalize_text
from mapapp.data.schema import check_frame, select_fields
from mapapp.data.store import Store
from mapapp.ingest.french import is_blank, parse_date, parse_number
from mapapp.ingest.problems import ImportProblem
from mapapp.ingest.readers import RawTable
from mapapp.ingest.result import ImportResult

SCDL_FIELDS = (
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
)
_SIGNATURE = {normalize_text(f) for f in ("nomAttribuant", "idAttribuant", "idBeneficiaire", "montant")}

# Attributor name (normalised) prefix -> funder. Local authorities publish SCDL files, so
# anything unrecognised is "region" (the funder class for Regions and local authorities).
FUNDER_BY_ATTRIBUTOR = (
    ("bpifrance", "bpifrance"),
    ("oseo", "bpifrance"),
    ("agencenationaledelarecherche", "anr"),
    ("anr", "anr"),
    ("commissioneuropeenne", "eu"),
    ("unioneuropeenne", "eu"),
    ("secretariatgeneralpourlinvestissement", "pia"),
    ("etat", "state_fui"),
    ("ministere", "state_fui"),
    ("prefecture", "state_fui"),
)
SKIP_NOT_MEMBER = "grant(s) to a beneficiary that is no pôle member (SIREN)"
SKIP_NO_SIRET = "grant(s) without a valid beneficiary SIRET"


def is_scdl(headers: list[str]) -> bool:
    """True when the header has the SCDL subventions signature columns."""
    return {normalize_text(h) for h in headers} >= _SIGNATURE


def funder_of(attributor: pd.Series) -> pd.Series:
    """Funder per attributor name: "Région Bretagne", "Conseil régional…", "Collectivité…" and any
    other local authority -> region; Bpifrance, ANR, the State, the EU by their names."""
    keys = attributor.fillna("").astype(str).map(normalize_text)
    funder = pd.Series("region", index=attributor.index, dtype=object)
    for prefix, value in reversed(FUNDER_BY_ATTRIBUTOR):
        funder = funder.where(~keys.str.startswith(prefix), value)
    return funder


def _slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._]+", "-", value).strip("-")


def read_scdl(raw: RawTable, store: Store, result: ImportResult, source: str | None, as_of: str | None):
    by_key = {normalize_text(h): i + 1 for i, h in enumerate(raw.headers)}
    columns = {f: by_key[normalize_text(f)] for f in SCDL_FIELDS if normalize_text(f) in by_key}
    version = "2.x" if "notificationue" in by_key or "idrae" in by_key else "1.x"
    result.fmt = f"SCDL subventions ({version}) in {raw.fmt}"
    result.columns = {f: raw.headers[c - 1] for f, c in columns.items()}
    result.ignored_columns = [h for i, h in enumerate(raw.headers) if i + 1 not in columns.values()]
    n = len(raw.cells)

    def cells(field: str) -> pd.Series:
        if field not in columns:
            return pd.Series("", index=pd.RangeIndex(n), dtype=object)
        series = raw.cells[columns[field]].reset_index(drop=True)
        return series.where(~is_blank(series), "").astype(str).str.strip()

    siret = (
        cells("idBeneficiaire").str.replace(r"[\s.\u00a0\u202f]", "", regex=True).str.replace(r"\.0$", "", regex=True)
    )
    has_siret = siret.str.fullmatch(r"\d{14}|\d{9}")
    siren = siret.str[:9]
    members = store.members
    members = members[members["siren"].fillna("").ne("")].sort_values("member_id", kind="stable")
    first = members.drop_duplicates("siren").set_index("siren")
    matched = has_siret & siren.isin(first.index)
    result.skipped[SKIP_NO_SIRET] += int((~has_siret).sum())
    result.skipped[SKIP_NOT_MEMBER] += int((has_siret & ~matched).sum())

    rows = np.flatnonzero(matched.to_numpy())
    lines = raw.lines[rows]
    sub = {f: cells(f).iloc[rows].reset_index(drop=True) for f in SCDL_FIELDS}
    sub_siren = siren.iloc[rows].reset_index(drop=True)
    member_id = sub_siren.map(first["member_id"])
    cluster_id = sub_siren.map(first["cluster_id"])
    problems: list[ImportProblem] = []

    def fail(bad: pd.Series, field: str, message) -> None:
        column = columns.get(field, 1)
        for pos in np.flatnonzero(bad.to_numpy()):
            problems.append(ImportProblem(raw.file, int(lines[pos]), column, message(sub[field].iloc[pos])))

    montant, bad = parse_number(sub["montant"])
    fail(bad | sub["montant"].eq(""), "montant", lambda v: f'montant "{v}" is not an amount in euros')
    share, bad = parse_number(sub["pourcentageSubvention"])
    share = share.where(share <= 1, share / 100).fillna(1.0)  # "45" meant as 45 %
    fail(bad, "pourcentageSubvention", lambda v: f'pourcentageSubvention "{v}" is not a number')
    signed, bad = parse_date(sub["dateConvention"])
    fail(bad | sub["dateConvention"].eq(""), "dateConvention", lambda v: f'dateConvention "{v}" is not a date')
    year = signed.dt.year.astype("Int64")
    attributor = sub["idAttribuant"].str.replace(r"\s", "", regex=True)
    fail(attributor.eq(""), "idAttribuant", lambda v: "idAttribuant (SIRET of the attributor) is missing")

    reference = sub["referenceDecision"].map(_slug)
    base = "scdl-" + attributor + "-" + reference.where(reference.ne(""), "l" + pd.Series(lines).astype(str))
    group = base + "\x00" + sub["objet"]
    # one decision with several objects: tell the projects apart by their object
    several = group.groupby(base).transform("nunique").gt(1)
    digest = sub["objet"].map(lambda o: hashlib.sha1(o.encode()).hexdigest()[:6])
    project_id = base.where(~several, base + "-" + digest)

    name = sub["nomAttribuant"]
    src = pd.Series(source, index=sub_siren.index) if source else name + f" — SCDL subventions ({raw.file})"
    as_of_default = (
        signed.max().strftime("%Y-%m-%d") if signed.notna().any() else pd.Timestamp.today().strftime("%Y-%m-%d")
    )
    when = pd.Series(as_of or as_of_default, index=sub_siren.index, dtype=object)
    funding = pd.DataFrame(
        {
            "project_id": project_id,
            "cluster_id": cluster_id,
            "funder": funder_of(name),
            "year": year,
            "amount_eur": (montant * share).round(2),
            "sample": False,
            "source": src,
            "as_of": when,
        }
    ).pipe(select_fields, "funding")

    title = sub["objet"].where(sub["objet"].ne(""), "Subvention " + name)
    keyed = pd.DataFrame(
        {"project_id": project_id, "cluster_id": cluster_id, "member_id": member_id, "pos": funding.index}
    )
    grouped = keyed.groupby("project_id", sort=False)
    firsts = grouped["pos"].first()
    projects = pd.DataFrame(
        {
            "project_id": firsts.index,
            "cluster_id": cluster_id.iloc[firsts].to_numpy(),
            "cluster_ids": grouped["cluster_id"].agg(lambda s: "|".join(dict.fromkeys(s))).to_numpy(),
            "title": title.iloc[firsts].to_numpy(),
            "year": grouped["pos"].agg(lambda p: year.iloc[p].min()).astype("Int64").to_numpy(),
            "total_cost_eur": montant.iloc[firsts].to_numpy(),
            "partner_ids": grouped["member_id"].agg(lambda s: "|".join(dict.fromkeys(s))).to_numpy(),
            "sample": False,
            "source": src.iloc[firsts].to_numpy(),
            "as_of": when.iloc[firsts].to_numpy(),
        }
    ).pipe(select_fields, "projects")

    reported = {p.line for p in problems}
    seen: set[tuple[int, str]] = set()
    targets = {"year": "dateConvention", "amount_eur": "montant", "total_cost_eur": "montant", "title": "objet"}
    for table, frame, positions in (
        ("funding", funding, np.arange(len(funding))),
        ("projects", projects, firsts.to_numpy()),
    ):
        for error in check_frame(frame, table, raw.file, first_line=0):
            line = int(lines[positions[error.line]]) if error.line is not None else 1
            if line in reported or (line, error.field) in seen:
                continue  # a parse error, or the funding line's twin in projects, already says it
            seen.add((line, error.field))
            column = columns.get(targets.get(error.field, "idBeneficiaire"), 1)
            problems.append(ImportProblem(raw.file, line, column, f"{table}.{error.field}: {error.message}"))
    result.frame = funding
    result.extra_frames = {"projects": projects}
    result.errors.extend(sorted(problems, key=lambda p: (p.line, p.column)))
    return result
