"""`import sirene FILE`: the registered office of each pôle association, from INSEE's SIRENE stock.

FILE is `StockEtablissement` as published (the CSV, or the zip holding it: ≈ 40 million rows,
several GB), or any subset of it with its header (columns read by name; header names are
stripped, since two Lambert columns carry a trailing space). It is **streamed** with pyarrow's
CSV reader, a few MB at a time and only the columns used, so memory stays flat whatever the
file's size; only the rows of the pôles' SIRENs (`cluster_identifiers`) are kept.

For each pôle SIREN found, its head office (`etablissementSiege` true, an active one first)
becomes a `siret` identifier row with its address, commune and point: SIRENE's coordinates are
Lambert 93 (EPSG:2154) in mainland France and UTM in the overseas départements, converted to
WGS84 with pyproj. Source "INSEE SIRENE" and the file's date (its latest
`dateDernierTraitementEtablissement`). The store then places a pôle whose seat no source gives
at its head office; a head office in another commune than a sourced seat is reported, never
applied (`identifiers.place_offices`).

A row the header does not fit, a commune code or a coordinate that cannot be read in a pôle's
row is an error at its FILE:LINE:COLUMN; nothing is written then.
"""

from __future__ import annotations

import io
import math
import zipfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from mapapp.data.identifiers import IdentifierIndex, identifier_rows, place_offices, siret_problem
from mapapp.data.store import Store
from mapapp.ingest.connector_result import ConnectorResult, new_result
from mapapp.ingest.problems import ImportProblem
from mapapp.ingest.readers import sniff_separator

REQUIRED = ("siren", "siret", "etablissementSiege", "codeCommuneEtablissement", "etatAdministratifEtablissement")
OPTIONAL = (
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "coordonneeLambertAbscisseEtablissement",
    "coordonneeLambertOrdonneeEtablissement",
    "dateDernierTraitementEtablissement",
)
# Bytes parsed at a time: memory holds a few blocks whatever the file's size. 512 kB blocks were
# faster than 8 MB ones and took a seventh of the memory (bench/RESULTS.md).
BLOCK_SIZE = 1 << 19
# SIRENE's projection per overseas département (INSEE: Lambert 93 in mainland France and Corsica).
PROJECTIONS = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "975": 4467, "976": 4471}
MAINLAND = 2154
FAR_KM = 30.0  # a point this far from its commune's is reported: a wrong projection or a typo
SOURCE = "INSEE SIRENE, StockEtablissement"
SHOWN_BAD_ROWS = 50


@contextmanager
def _open(path: Path):
    """The CSV's bytes: the file itself, or the first .csv member of a zip."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
            if not members:
                raise FileNotFoundError(f"no .csv file in {path.name}")
            with archive.open(members[0]) as fh:
                yield fh, f"{path.name}/{members[0]}"
    else:
        with open(path, "rb") as fh:
            yield fh, path.name


def to_wgs84(x: pd.Series, y: pd.Series, commune_code: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of SIRENE's projected coordinates (NaN where missing), each row
    with its département's projection (`PROJECTIONS`, Lambert 93 elsewhere)."""
    from pyproj import Transformer

    lon, lat = np.full(len(x), np.nan), np.full(len(x), np.nan)
    epsg = commune_code.str[:3].map(PROJECTIONS).fillna(MAINLAND).astype(int).to_numpy()
    present = (~np.isnan(x.to_numpy())) & (~np.isnan(y.to_numpy()))
    for code in np.unique(epsg[present]):
        rows = present & (epsg == code)
        transformer = Transformer.from_crs(int(code), 4326, always_xy=True)
        lon[rows], lat[rows] = transformer.transform(x.to_numpy()[rows], y.to_numpy()[rows])
    return lon, lat


def _distance_km(lon1, lat1, lon2, lat2) -> float:
    mean = math.radians((lat1 + lat2) / 2)
    return 6371.0 * math.hypot(math.radians(lon2 - lon1) * math.cos(mean), math.radians(lat2 - lat1))


def scan(path: Path, sirens: set[str]) -> dict:
    """Stream the file once: its header, the rows of `sirens` (with their row number among the
    well-formed rows), the rows the header does not fit, the rows read and the latest
    `dateDernierTraitementEtablissement`."""
    with _open(path) as (binary, name):
        first = binary.readline()
    header_text = first.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    separator = sniff_separator(header_text)
    headers = [h.strip().strip('"').strip() for h in header_text.split(separator)]
    out = {"file": name, "headers": headers, "separator": separator, "rows": [], "bad": [], "count": 0, "date": ""}
    missing = [c for c in REQUIRED if c not in headers]
    if missing or not sirens:
        out["missing"] = missing
        return out
    wanted = [c for c in (*REQUIRED, *OPTIONAL) if c in headers]
    bad: list[str] = []

    def invalid(row) -> str:
        bad.append(row.text)
        return "skip"

    targets = pa.array(sorted(sirens), type=pa.string())
    latest = ""
    with _open(path) as (binary, _):
        reader = pcsv.open_csv(
            binary,
            read_options=pcsv.ReadOptions(column_names=headers, skip_rows=1, block_size=BLOCK_SIZE),
            parse_options=pcsv.ParseOptions(delimiter=separator, invalid_row_handler=invalid),
            convert_options=pcsv.ConvertOptions(
                include_columns=wanted, column_types={c: pa.string() for c in wanted}, strings_can_be_null=False
            ),
        )
        for batch in reader:
            hits = pc.is_in(batch.column("siren"), value_set=targets)
            if pc.any(hits).as_py():
                taken = batch.filter(hits).to_pylist()
                rows = np.flatnonzero(hits.to_numpy(zero_copy_only=False)) + out["count"]
                for row, number in zip(taken, rows, strict=True):
                    row["_row"] = int(number)
                    out["rows"].append(row)
            if "dateDernierTraitementEtablissement" in wanted:
                top = pc.max(batch.column("dateDernierTraitementEtablissement")).as_py() or ""
                latest = max(latest, top)
            out["count"] += batch.num_rows
    out["date"] = latest[:10]
    out["bad"] = bad
    return out


def _bad_lines(path: Path, texts: list[str]) -> list[int]:
    """The file lines of rows pyarrow could not fit (it does not tell their line numbers when
    streaming): one more pass, only when there are such rows."""
    wanted = set(texts)
    found = []
    with _open(path) as (binary, _):
        for number, raw in enumerate(io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace"), start=1):
            if raw.rstrip("\r\n") in wanted:
                found.append(number)
                if len(found) >= len(texts):
                    break
    return found


def _address(row: dict) -> str:
    street = " ".join(
        row.get(c, "")
        for c in (
            "numeroVoieEtablissement",
            "indiceRepetitionEtablissement",
            "typeVoieEtablissement",
            "libelleVoieEtablissement",
        )
        if row.get(c, "")
    )
    town = " ".join(
        row.get(c, "") for c in ("codePostalEtablissement", "libelleCommuneEtablissement") if row.get(c, "")
    )
    return ", ".join(part for part in (row.get("complementAdresseEtablissement", ""), street, town) if part)


def read_sirene(path: Path, store: Store, source: str | None, as_of: str | None) -> ConnectorResult:
    """The head offices of the pôles' SIRENs in one SIRENE file (see the module docstring)."""
    result = new_result("cluster_identifiers", path.name, "SIRENE StockEtablissement")
    index = IdentifierIndex.of(store)
    sirens = index.sirens()
    try:
        found = scan(path, sirens)
    except (OSError, FileNotFoundError, pa.ArrowInvalid, UnicodeDecodeError) as exc:
        result.errors.append(ImportProblem(path.name, 1, 1, f"cannot read the file as SIRENE CSV: {exc}"))
        return result
    file, headers = found["file"], found["headers"]
    result.file = file
    result.fmt = f"SIRENE StockEtablissement (CSV, separator {found['separator']!r}, streamed)"
    column = {name: i + 1 for i, name in enumerate(headers)}
    for name in found.get("missing", []):
        result.errors.append(ImportProblem(file, 1, 1, f'missing column "{name}" (StockEtablissement header)'))
    if not sirens:
        result.warnings.append(
            ImportProblem(file, 1, 1, "no pôle has a SIREN (geodata/cluster_identifiers.csv): nothing to look up")
        )
    if result.errors or not sirens:
        return result
    result.rows_read = found["count"] + len(found["bad"])
    bad_lines = _bad_lines(path, found["bad"][:SHOWN_BAD_ROWS]) if found["bad"] else []
    for line, text in zip(bad_lines, found["bad"], strict=False):
        cells = text.count(found["separator"]) + 1
        message = f"{cells} cells but the header has {len(headers)}: not a StockEtablissement row"
        result.errors.append(ImportProblem(file, line, min(cells, len(headers)) + 1, message))
    if len(found["bad"]) > len(bad_lines):
        more = len(found["bad"]) - len(bad_lines)
        result.errors.append(ImportProblem(file, 1, 1, f"{more} more row(s) that the header does not fit"))
    skipped = sorted(bad_lines)

    def line_of(number: int) -> int:
        line = number + 2  # the header is line 1
        for bad in skipped:
            line += bad <= line
        return line

    rows = pd.DataFrame(found["rows"], columns=[*headers, "_row"]).fillna("")
    if rows.empty:
        result.warnings.append(ImportProblem(file, 1, 1, f"none of the pôles' {len(sirens)} SIREN(s) is in this file"))
        return result
    rows["_line"] = rows["_row"].map(line_of)
    x = pd.to_numeric(rows.get("coordonneeLambertAbscisseEtablissement", ""), errors="coerce")
    y = pd.to_numeric(rows.get("coordonneeLambertOrdonneeEtablissement", ""), errors="coerce")
    for name, values in (("coordonneeLambertAbscisseEtablissement", x), ("coordonneeLambertOrdonneeEtablissement", y)):
        text = rows[name] if name in rows else pd.Series("", index=rows.index)
        unreadable = values.isna() & text.ne("") & ~text.str.startswith("[ND]")
        for pos in np.flatnonzero(unreadable.to_numpy()):
            message = f'"{text.iloc[pos]}" is not a coordinate in metres'
            result.errors.append(ImportProblem(file, int(rows["_line"].iloc[pos]), column[name], message))
    siret = rows["siret"]
    for pos in np.flatnonzero(siret.map(siret_problem).ne("").to_numpy()):
        message = siret_problem(siret.iloc[pos])
        result.errors.append(ImportProblem(file, int(rows["_line"].iloc[pos]), column["siret"], message))
    code = rows["codeCommuneEtablissement"]
    for pos in np.flatnonzero((~code.str.fullmatch(r"[0-9][0-9AB][0-9]{3}")).to_numpy()):
        message = f'"{code.iloc[pos]}" is not an INSEE commune code'
        result.errors.append(
            ImportProblem(file, int(rows["_line"].iloc[pos]), column["codeCommuneEtablissement"], message)
        )
    if result.errors:
        return result
    rows["longitude"], rows["latitude"] = to_wgs84(x, y, code)

    when = as_of or found["date"] or pd.Timestamp(path.stat().st_mtime, unit="s").strftime("%Y-%m-%d")
    gazetteer = store.communes.set_index("code")
    siege = rows["etablissementSiege"].str.lower().isin(["true", "1", "o", "oui"])
    out = []
    for siren, group in rows.groupby("siren", sort=True):
        offices = group[siege.loc[group.index]]
        clusters = sorted(index.by_siren.get(siren, ()))
        if offices.empty:
            line = int(group["_line"].min())
            message = f"SIREN {siren} ({', '.join(clusters)}): no head office (etablissementSiege) in this file"
            result.warnings.append(ImportProblem(file, line, column["etablissementSiege"], message))
            continue
        office = offices.sort_values(["etatAdministratifEtablissement", "_row"]).iloc[0]  # "A" (active) first
        note = "" if office["etatAdministratifEtablissement"] == "A" else "head office closed (etatAdministratif F)"
        lon, lat = office["longitude"], office["latitude"]
        commune = office["codeCommuneEtablissement"]
        if commune not in gazetteer.index:
            message = f"commune {commune} is not in the gazetteer: the office will not place the seat"
            result.warnings.append(
                ImportProblem(file, int(office["_line"]), column["codeCommuneEtablissement"], message)
            )
        elif not np.isnan(lon):
            point = gazetteer.geometry[commune]
            far = _distance_km(lon, lat, point.x, point.y)
            if far > FAR_KM:
                message = f"the point is {far:.0f} km from commune {commune}: coordinates left out"
                result.warnings.append(
                    ImportProblem(file, int(office["_line"]), column["coordonneeLambertAbscisseEtablissement"], message)
                )
                lon = lat = np.nan
        for cluster_id in clusters:
            out.append(
                {
                    "cluster_id": cluster_id,
                    "scheme": "siret",
                    "value": office["siret"],
                    "source": source or f"{SOURCE} ({file}:{int(office['_line'])})",
                    "as_of": when,
                    "stated_as": "etablissementSiege=true, etatAdministratifEtablissement="
                    + office["etatAdministratifEtablissement"],
                    "address": _address(office.to_dict()),
                    "commune_code": commune,
                    "longitude": lon,
                    "latitude": lat,
                    "note": note,
                }
            )
    frame = identifier_rows(out)
    result.frame = frame
    if len(frame):
        existing = store.identifiers
        keys = ["cluster_id", "scheme", "value"]
        kept = existing[~pd.MultiIndex.from_frame(existing[keys]).isin(pd.MultiIndex.from_frame(frame[keys]))]
        merged = pd.concat([kept, frame], ignore_index=True)
        _, checks = place_offices(store.clusters, merged, store.communes)
        result.seat_checks = [c for c in checks if c.cluster_id in set(frame["cluster_id"])]
    return result
