"""The pôle associations' identifiers — SIREN, head-office SIRET, FR VAT, PICs — checked and sourced.

`geodata/cluster_identifiers.csv` holds the identifiers a source states (one row each, with
`source` and `as_of`); the store's `cluster_identifiers` table adds those found by
`import sirene` (the head office, with its address and point) and those confirmed by a reviewed
name match (`import cordis … --confirm`). Both are checked with python-stdnum: a SIREN or
SIRET must pass its Luhn key (La Poste's exceptions included), a VAT number must be the
SIREN's (`FR` + key + SIREN, key = (12 + 3 × (SIREN mod 97)) mod 97), a head-office SIRET must
begin with the pôle's SIREN. A pôle's VAT number is derived from its SIREN when no row states
it. Nothing here is guessed: a pôle without a sourced identifier has none, and `validate`
lists it.

A SIRENE head office also places a pôle whose seat no source gives (`place_offices`); where the
directory's sourced seat names another commune, the difference is reported, never applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva

from mapapp.data.cache import cached
from mapapp.data.schema import (
    DataError,
    DataValidationError,
    empty_frame,
    field_names,
    read_csv_table,
    with_optional_columns,
)

SCHEMES = ("siren", "siret", "vat", "pic")
IDENTIFIERS_FILE = "cluster_identifiers.csv"
KEY = ["cluster_id", "scheme", "value"]


def vat_of(siren: str) -> str:
    """The French VAT number of a SIREN: `vat_of("732829320")` is "FR44732829320"."""
    return "FR" + stdnum_siren.to_tva(siren)


def siren_problem(value: str) -> str:
    """Why `value` is no SIREN ("" when it is one)."""
    if not (len(value) == 9 and value.isdigit()):
        return f'"{value}" is not a SIREN (9 digits)'
    return "" if stdnum_siren.is_valid(value) else f'SIREN "{value}" fails its check digit (Luhn)'


def siret_problem(value: str) -> str:
    if not (len(value) == 14 and value.isdigit()):
        return f'"{value}" is not a SIRET (14 digits)'
    return "" if stdnum_siret.is_valid(value) else f'SIRET "{value}" fails its check digit (Luhn)'


def vat_problem(value: str) -> str:
    if not value.startswith("FR"):
        return f'"{value}" is not a French VAT number (FR + key + SIREN)'
    return "" if stdnum_tva.is_valid(value) else f'VAT number "{value}" fails its key (FR + key + SIREN)'


def pic_problem(value: str) -> str:
    # A PIC has no published check digit: its form is all that can be checked.
    return "" if len(value) == 9 and value.isdigit() else f'"{value}" is not a PIC (9 digits)'


PROBLEMS = {"siren": siren_problem, "siret": siret_problem, "vat": vat_problem, "pic": pic_problem}


def compact(value: str) -> str:
    """An identifier as typed ("732 829 320", "FR 44 732829320") without spaces, dots or dashes."""
    return "".join(ch for ch in str(value).upper() if ch.isalnum())


def check_identifiers(frame: pd.DataFrame, file: str, first_line: int = 2) -> list[DataError]:
    """Every identifier that fails its check, or contradicts the pôle's SIREN (row i at line
    `first_line + i`). The schema check (`schema.check_frame`) comes first: this one reads values."""
    errors = []
    sirens = frame[frame["scheme"] == "siren"].groupby("cluster_id")["value"].agg(set)
    for pos, (cluster_id, scheme, value) in enumerate(
        zip(frame["cluster_id"], frame["scheme"], frame["value"], strict=True)
    ):
        line = first_line + pos
        check = PROBLEMS.get(scheme)
        message = check(value) if check else ""
        own = sirens.get(cluster_id, set())
        if not message and own and scheme == "siret" and value[:9] not in own:
            message = f'SIRET "{value}" is not an establishment of the pôle\'s SIREN {"/".join(sorted(own))}'
        if not message and own and scheme == "vat" and value[4:] not in own:
            message = (
                f'VAT number "{value}" is not the pôle\'s SIREN {"/".join(sorted(own))} (expected {vat_of(min(own))})'
            )
        if message:
            errors.append(DataError(file, line, "value", message))
    return errors


def identifier_rows(rows: list[dict]) -> pd.DataFrame:
    """A `cluster_identifiers` frame from dicts: missing text "" and missing points NaN."""
    names = field_names("cluster_identifiers")
    frame = pd.DataFrame(rows, columns=names) if rows else empty_frame("cluster_identifiers")
    for column in names:
        if column in ("longitude", "latitude"):
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
        else:
            frame[column] = frame[column].fillna("").astype(object)
    return frame


def load_identifiers(geodata_dir: Path, imported: pd.DataFrame | None = None) -> pd.DataFrame:
    """The directory's identifiers (`cluster_identifiers.csv`, empty when absent) with the
    store's imported ones laid over them (same pôle, scheme and value: the import's row wins).
    Raises DataValidationError when one fails its check."""
    path = geodata_dir / IDENTIFIERS_FILE
    frame = read_csv_table(path, "cluster_identifiers") if path.exists() else empty_frame("cluster_identifiers")
    errors = check_identifiers(frame, path.name)
    if imported is not None and len(imported):
        imported = with_optional_columns(pd.DataFrame(imported), "cluster_identifiers")[frame.columns]
        errors += check_identifiers(imported, "cluster_identifiers (imported)")
        keys = pd.MultiIndex.from_frame(frame[KEY])
        kept = frame[~keys.isin(pd.MultiIndex.from_frame(imported[KEY]))]
        frame = pd.concat([kept, imported], ignore_index=True)
    if errors:
        raise DataValidationError(errors)
    for column in ("longitude", "latitude"):
        frame[column] = pd.to_numeric(frame[column].replace("", None)).astype("float64")
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class IdentifierIndex:
    """Pôles by identifier, for matching records of other datasets: SIREN (also reached through
    a SIRET or a VAT number) and PIC, each to the set of pôle ids that carry it."""

    by_siren: dict[str, frozenset[str]]
    by_pic: dict[str, frozenset[str]]

    @classmethod
    def of(cls, store) -> IdentifierIndex:
        return cached(store, "identifier_index", cls._build)

    @classmethod
    def _build(cls, store) -> IdentifierIndex:
        return cls.from_rows(store.identifiers)

    @classmethod
    def from_rows(cls, rows: pd.DataFrame) -> IdentifierIndex:
        """The index of identifier rows (columns cluster_id, scheme, value)."""
        scheme, value = rows["scheme"], rows["value"].astype(str)
        siren = np.select(
            [scheme == "siren", scheme == "siret", scheme == "vat"], [value, value.str[:9], value.str[4:]], ""
        )
        sirens = pd.DataFrame({"key": siren, "cluster_id": rows["cluster_id"]})
        sirens = sirens[sirens["key"] != ""]
        pics = rows[rows["scheme"] == "pic"].rename(columns={"value": "key"})
        return cls(
            by_siren={k: frozenset(g) for k, g in sirens.groupby("key")["cluster_id"]},
            by_pic={k: frozenset(g) for k, g in pics.groupby("key")["cluster_id"]},
        )

    def sirens(self) -> set[str]:
        return set(self.by_siren)


def cluster_identifiers(store, cluster_id: str) -> dict:
    """A pôle's identifiers for its profile: SIREN, head-office SIRET and VAT number (stated, or
    derived from the SIREN) and PICs, each with its source; the SIRENE head office if known."""
    rows = store.identifiers[store.identifiers["cluster_id"] == cluster_id].sort_values(["scheme", "as_of", "value"])

    def items(scheme: str) -> list[dict]:
        return [
            {"value": r.value, "source": r.source, "as_of": r.as_of, "stated_as": r.stated_as or None}
            for r in rows[rows["scheme"] == scheme].itertuples()
        ]

    out = {scheme: items(scheme) for scheme in SCHEMES}
    stated_vat = {v["value"] for v in out["vat"]}
    for item in out["siren"]:
        if vat_of(item["value"]) not in stated_vat:
            out["vat"].append(
                {
                    "value": vat_of(item["value"]),
                    "source": f"derived from the SIREN {item['value']} (FR + key + SIREN)",
                    "as_of": item["as_of"],
                    "stated_as": None,
                }
            )
    office = head_office(rows)
    out["office"] = None
    if office is not None:
        out["office"] = {
            "siret": office["value"],
            "address": office["address"] or None,
            "commune_code": office["commune_code"] or None,
            "lon": None if pd.isna(office["longitude"]) else round(float(office["longitude"]), 6),
            "lat": None if pd.isna(office["latitude"]) else round(float(office["latitude"]), 6),
            "source": office["source"],
            "as_of": office["as_of"],
            "note": office["note"] or None,
        }
    return out


def head_office(rows: pd.DataFrame) -> pd.Series | None:
    """The latest SIRET row that locates an establishment (commune code), or None."""
    located = rows[(rows["scheme"] == "siret") & (rows["commune_code"] != "")]
    if located.empty:
        return None
    return located.sort_values(["as_of", "value"]).iloc[-1]


def clusters_without_identifiers(store) -> list[str]:
    """Ids of the pôles (current first, then the others) that carry no identifier at all."""
    known = set(store.identifiers["cluster_id"])
    clusters = store.clusters.sort_values(["current", "id"], ascending=[False, True])
    return [cid for cid in clusters["id"] if cid not in known]


@dataclass(frozen=True)
class SeatCheck:
    """What a SIRENE head office says about a pôle's seat: `applied` when it placed a pôle that
    no source locates, else the difference with the directory's sourced seat (not applied)."""

    cluster_id: str
    office_commune: str
    seat_commune: str
    applied: bool
    message: str


def place_offices(
    clusters: gpd.GeoDataFrame, identifiers: pd.DataFrame, communes: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[SeatCheck]]:
    """Clusters whose unsourced seats (precision `region`) are placed at their SIRENE head office
    when it lies in one of their regions of activity, and whose sourced seat in the same commune
    gets the office's exact point; every other difference is reported, not applied."""
    checks: list[SeatCheck] = []
    located = identifiers[(identifiers["scheme"] == "siret") & (identifiers["commune_code"] != "")]
    if located.empty:
        return clusters, checks
    clusters = clusters.copy()
    gazetteer = communes.set_index("code")
    positions = {cid: i for i, cid in enumerate(clusters["id"])}
    geometry = clusters.columns.get_loc(clusters.geometry.name)
    for cluster_id, rows in located.groupby("cluster_id"):
        pos = positions.get(cluster_id)
        if pos is None:
            continue
        office = head_office(rows)
        code = office["commune_code"]
        row = clusters.iloc[pos]
        name = gazetteer["name"].get(code, code)
        point = None
        if not pd.isna(office["longitude"]) and not pd.isna(office["latitude"]):
            point = Point(float(office["longitude"]), float(office["latitude"]))
        elif code in gazetteer.index:
            point = gazetteer.geometry[code]
        seat = row["seat_commune_code"]
        if seat == code:
            if point is not None:
                clusters.iloc[pos, geometry] = point
            checks.append(SeatCheck(cluster_id, code, seat, True, f"SIRENE head office in {name} ({code}): as sourced"))
            continue
        if row["seat_precision"] == "region" and not seat:
            region = gazetteer["region_code"].get(code, "")
            if region and (region in row["region_list"] or not row["region_list"]):
                for column, value in {
                    "seat_commune_code": code,
                    "seat_commune_name": name,
                    "seat_name": name,
                    "seat_region_code": region,
                    "seat_precision": "commune",
                    "seat_stated_as": f"siège : {office['address']}" if office["address"] else f"siège : {name}",
                    "seat_source": office["source"],
                    "seat_as_of": office["as_of"],
                }.items():
                    clusters.iloc[pos, clusters.columns.get_loc(column)] = value
                if point is not None:
                    clusters.iloc[pos, geometry] = point
                checks.append(
                    SeatCheck(cluster_id, code, "", True, f"seat placed at the SIRENE head office, {name} ({code})")
                )
            else:
                checks.append(
                    SeatCheck(
                        cluster_id,
                        code,
                        "",
                        False,
                        f"SIRENE head office in {name} ({code}, region {region or '?'}), outside the pôle's "
                        f"regions {'|'.join(row['region_list'])}: not applied",
                    )
                )
            continue
        where = f"{row['seat_name'] or seat} ({seat})" if seat else f"area {row['seat_area']}"
        checks.append(
            SeatCheck(
                cluster_id,
                code,
                seat,
                False,
                f"SIRENE head office in {name} ({code}) but the directory's sourced seat is {where}"
                f" ({row['seat_source'] or row['source']}): not applied",
            )
        )
    return clusters, checks
