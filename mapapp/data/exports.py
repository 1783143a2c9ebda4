"""Serialising a filtered view: GeoJSON and spreadsheet-safe CSV, shared by the CLI and HTTP API.

Two CSV forms: `,` (the international one: decimal points, true/false) and `;`, for French
spreadsheets: decimal commas, "oui"/"non", whole euros. Both are UTF-8 with a BOM, whole numbers
are written without ".0", and a cell a spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd

from mapapp.data.cache import memoized
from mapapp.data.coverage import region_coverage
from mapapp.data.profile import MEMBER_CATEGORIES
from mapapp.data.query import CLUSTER_COLUMNS, Filters, filter_clusters, search_keys
from mapapp.data.store import Store

# Cells a spreadsheet would evaluate as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The cluster columns, with the seat's coordinates next to its name.
_SEAT = CLUSTER_COLUMNS.index("seat_name") + 1
CSV_CLUSTER_COLUMNS = [*CLUSTER_COLUMNS[:_SEAT], "longitude", "latitude", *CLUSTER_COLUMNS[_SEAT:]]
FRENCH_SEP = ";"
FRENCH_BOOLEANS = {True: "oui", False: "non"}
MEASURE_COLUMNS = [
    "region_code",
    "region_name",
    "measure",
    "value",
    "per_100k",
    "rank",
    "rank_per_100k",
    "ranked",  # how many regions are ranked: all of them; per inhabitant, those whose population is known
    "ranked_per_100k",
]
FLOAT_FORMAT = "%.15g"  # as many digits as the value has, never a trailing ".0"


def neutralise_formula(value):
    """Prefix text that a spreadsheet would run as a formula with an apostrophe.

    >>> neutralise_formula('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def is_euros(column: str) -> bool:
    """Whether a column holds euros (`funding_eur`, `funding_eur_per_100k`, `amount_eur`…)."""
    return column.endswith("_eur") or "_eur_" in column


def spreadsheet_frame(frame: pd.DataFrame, french: bool) -> pd.DataFrame:
    """`frame` as a spreadsheet should read it: formulas neutralised, whole-number columns as
    integers (390253, not 390253.0); for French spreadsheets also euros rounded to the euro and
    booleans as "oui"/"non" (decimal commas are the CSV writer's)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series):
            out[column] = series.map(FRENCH_BOOLEANS) if french else series
        elif pd.api.types.is_float_dtype(series):
            if french and is_euros(column):
                series = series.round(0)
            finite = series.dropna().to_numpy()
            if np.all(np.mod(finite, 1) == 0):
                out[column] = series.astype("Int64")
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralise_formula)
    return out


def _csv_bytes(frame: pd.DataFrame, sep: str) -> bytes:
    french = sep == FRENCH_SEP
    buffer = io.StringIO()
    spreadsheet_frame(frame, french).to_csv(
        buffer, index=False, sep=sep, lineterminator="\r\n", decimal="," if french else ".", float_format=FLOAT_FORMAT
    )
    # UTF-8 with BOM so that a French spreadsheet opens accents correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _json_value(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    if value is pd.NA:
        return None
    return value


def cluster_features(store: Store, filters: Filters) -> dict:
    """GeoJSON FeatureCollection of the matching pôles' seats (pôles without a known seat have
    a null geometry). Properties: `id, name, themes, phases, region_codes, seat_commune_code,
    seat_name, seat_precision, members, projects, funding_eur, sample`, the published figures
    (`members_published`, `members_published_as_of`, …) and more; list-valued ones as arrays;
    `search_key` is the normalised names the browser-side filter searches."""
    selected = filter_clusters(store, filters)
    keys = dict(zip(store.clusters["id"], search_keys(store), strict=True))
    features = []
    for row, geom in zip(selected.drop(columns="geometry").to_dict(orient="records"), selected.geometry, strict=True):
        props = {key: _json_value(value) for key, value in row.items()}
        for key in ("themes", "region_codes", "former_names", "aliases"):
            props[key] = [part for part in (props[key] or "").split("|") if part]
        props["phases"] = [int(p) for p in (props["phases"] or "").split("|") if p]
        props["search_key"] = keys[props["id"]]
        point = None
        if geom is not None and not geom.is_empty:
            point = {"type": "Point", "coordinates": [round(geom.x, 5), round(geom.y, 5)]}
        features.append({"type": "Feature", "id": props["id"], "properties": props, "geometry": point})
    return {"type": "FeatureCollection", "features": features}


def clusters_geojson(store: Store, filters: Filters) -> bytes:
    return memoized(
        store,
        "clusters_geojson",
        filters,
        lambda: json.dumps(cluster_features(store, filters), ensure_ascii=False, separators=(",", ":")).encode(),
    )


def clusters_csv(store: Store, filters: Filters, sep: str = ",") -> bytes:
    selected = filter_clusters(store, filters)
    has_point = selected.geometry.notna()
    frame = pd.DataFrame(selected.drop(columns="geometry"))
    frame["longitude"] = selected.geometry.x.where(has_point).round(5)
    frame["latitude"] = selected.geometry.y.where(has_point).round(5)
    return _csv_bytes(frame[CSV_CLUSTER_COLUMNS], sep)


def regions_csv(store: Store, filters: Filters, sep: str = ",", layer: str = "regions") -> bytes:
    return _csv_bytes(region_coverage(store, filters, layer=layer), sep)


def regions_json(store: Store, filters: Filters, layer: str = "regions") -> bytes:
    table = region_coverage(store, filters, layer=layer)
    rows = [{k: _json_value(v) for k, v in row.items()} for row in table.to_dict(orient="records")]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _measure_rows(summary: dict) -> list[dict]:
    """One row per measure of a region's summary (`region_profile`, `compare_regions`)."""
    return [
        {
            "region_code": summary["code"],
            "region_name": summary["name"],
            "measure": measure,
            "value": block["value"],
            "per_100k": block["per_100k"],
            "rank": block["rank"],
            "rank_per_100k": block["rank_per_100k"],
            "ranked": summary["ranked"]["absolute"],
            "ranked_per_100k": summary["ranked"]["per_100k"],
        }
        for measure, block in summary["measures"].items()
    ]


def _measure_frame(rows: list[dict], sep: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=MEASURE_COLUMNS)
    euros = frame["measure"].map(is_euros)
    for column in ("value", "per_100k"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        if sep == FRENCH_SEP:  # measures of euros, to the euro, as in every French export
            frame[column] = frame[column].where(~euros, frame[column].round(0))
    for column in ("rank", "rank_per_100k", "ranked", "ranked_per_100k"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    return frame


def comparison_csv(compared: list[dict], sep: str = ",") -> bytes:
    """The regions compared (`compare_regions`), one row per region and measure."""
    return _csv_bytes(_measure_frame([row for summary in compared for row in _measure_rows(summary)], sep), sep)


def region_profile_csv(profile: dict, sep: str = ",") -> bytes:
    """One region's profile (`region_profile`): its measures (value, per 100k, ranks), then its
    members by category (`members_<category>`) and funding by funder (`funding_eur_<funder>`)."""
    by_category = profile["members"]["by_category"]
    extra = [(f"members_{category}", by_category[category]) for category in MEMBER_CATEGORIES] + [
        (f"funding_eur_{line['funder']}", line["amount_eur"]) for line in profile["funding"]["by_funder"]
    ]
    rows = _measure_rows(profile) + [
        {"region_code": profile["code"], "region_name": profile["name"], "measure": measure, "value": value}
        for measure, value in extra
    ]
    return _csv_bytes(_measure_frame(rows, sep), sep)
