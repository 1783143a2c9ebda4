"""Serialising a filtered view: GeoJSON and spreadsheet-safe CSV, shared by the CLI and HTTP API."""

from __future__ import annotations

import io
import json
import math

import pandas as pd

from mapapp.data.cache import memoized
from mapapp.data.query import CLUSTER_COLUMNS, Filters, filter_clusters, region_coverage, search_keys
from mapapp.data.store import Store

# Cells a spreadsheet would evaluate as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The cluster columns, with the seat's coordinates next to its name.
_SEAT = CLUSTER_COLUMNS.index("seat_name") + 1
CSV_CLUSTER_COLUMNS = [*CLUSTER_COLUMNS[:_SEAT], "longitude", "latitude", *CLUSTER_COLUMNS[_SEAT:]]


def neutralise_formula(value):
    """Prefix text that a spreadsheet would run as a formula with an apostrophe.

    >>> neutralise_formula('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_bytes(frame: pd.DataFrame, sep: str) -> bytes:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_formula)
    buffer = io.StringIO()
    # UTF-8 with BOM so that a French spreadsheet opens accents correctly.
    safe.to_csv(buffer, index=False, sep=sep, lineterminator="\r\n")
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
