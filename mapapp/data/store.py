"""Loading the data the app serves: reference layers, the pôles directory and activity tables.

Every load checks its table against its schema. The result is a `Store`, an immutable bundle of
frames that the query module reads; nothing here knows about Dash or HTTP.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from mapapp.data.identifiers import load_identifiers, place_offices
from mapapp.data.labels import LABEL_STATUSES, clusters_active_on
from mapapp.data.schema import DataValidationError, check_frame, empty_frame, read_csv_table, with_optional_columns
from mapapp.geo.layers import read_layer

LOG = logging.getLogger("mapapp.store")
ACTIVITY_TABLES = ("members", "projects", "funding")
SAMPLE_SOURCE = "sample"  # `source` of generated data: pôles invented by `build-sample --scale`, "sample: …" rows


def is_sample_source(source: str) -> bool:
    """Whether a `source` names generated sample data (a row, or a pôle invented by `--scale`):
    readers are told so in words, not shown the command that builds it."""
    return source == SAMPLE_SOURCE or source.startswith(SAMPLE_SOURCE + ":")


@dataclass(frozen=True)
class Store:
    """All data of one app instance.

    Attributes:
        regions: 18 current regions (code, name, population, geometry).
        regions_2015: the 27 regions in force before 2016 (code, name, population, geometry);
            None in hand-made stores that do without (their population is then unknown).
        communes: the gazetteer (code, name, departement_code, region_code, population, point).
        themes: theme vocabulary (id, label_fr, label_en, color).
        phases: the five phases with their aims and published figures, each with its source.
        clusters: one row per pôle with derived columns: `theme_list`, `region_list`,
            `former_name_list`, `alias_list`, `phases` (phases with a label), `labels` (phase ->
            last status), `merged_from`, `seat_name`, `seat_region_code`, `seat_precision`
            (commune, area or region: see `load_directory`), `geometry` (seat point).
        labels: label decisions (cluster_id, phase, date, status, application, source, as_of).
        members, projects, funding: activity tables (may be empty).
        figures: the figures published by or about each pôle (`cluster_figures.csv`: measure,
            value, unit, as_of, period, source, stated_as), real and sourced; may be empty.
        identifiers: the pôle associations' SIREN, SIRET, VAT and PIC rows, each sourced
            (`cluster_identifiers.csv` with the store's imported ones over it; see
            `mapapp.data.identifiers`); may be empty.
        seat_checks: what SIRENE head offices said about the seats (`identifiers.SeatCheck`):
            seats they placed, and differences with a sourced seat (reported, not applied).
        web_regions: the simplified regions GeoJSON served to browsers (`geodata/web/`).
        web_regions_2015: the same for the pre-2016 regions.
        cache: figures derived from the frames above, computed once by the query module.
        version: the activity tables' version (`mapapp.storage`): changes with every import.
    """

    regions: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame
    themes: pd.DataFrame
    phases: pd.DataFrame
    clusters: gpd.GeoDataFrame
    labels: pd.DataFrame
    members: pd.DataFrame
    projects: pd.DataFrame
    funding: pd.DataFrame
    figures: pd.DataFrame = field(default_factory=lambda: empty_frame("cluster_figures"), repr=False)
    identifiers: pd.DataFrame = field(default_factory=lambda: empty_frame("cluster_identifiers"), repr=False)
    seat_checks: tuple = field(default=(), repr=False)
    regions_2015: gpd.GeoDataFrame | None = field(default=None, repr=False)
    web_regions: dict = field(default_factory=dict, repr=False)  # the browser layer, parsed
    web_regions_2015: dict = field(default_factory=dict, repr=False)
    cache: dict = field(default_factory=dict, compare=False, repr=False)  # derived, per store
    version: str = field(default="", compare=False)


def _split(series: pd.Series) -> pd.Series:
    return series.fillna("").map(lambda v: [part for part in v.split("|") if part])


SEAT_PRECISIONS = ("commune", "area", "region")


def load_directory(
    geodata_dir: Path,
    communes: gpd.GeoDataFrame,
    imported: pd.DataFrame | None = None,
    regions: gpd.GeoDataFrame | None = None,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """Themes, clusters (with derived columns and seat points) and label decisions.

    `imported`: pôles from `import clusters`, which replace directory rows with the same id.

    Every pôle gets a seat point and a `seat_precision`: `commune` or `area` (a source names the
    commune, or only a technopole/metropolitan area placed at one of its communes: the point is
    the commune's), or `region` when no source locates it: it is then placed at a point inside
    its first region of activity (`regions`, read from `geodata_dir` when not given; a pôle
    stays unplaced only when no region layer is at hand), and says so wherever it is shown."""
    themes = read_csv_table(geodata_dir / "themes.csv", "themes")
    clusters = read_csv_table(geodata_dir / "clusters.csv", "clusters")
    if imported is not None and len(imported):
        kept = clusters[~clusters["id"].isin(imported["id"])]
        clusters = pd.concat([kept, pd.DataFrame(imported)[kept.columns]], ignore_index=True)
    labels = read_csv_table(geodata_dir / "cluster_labels.csv", "cluster_labels")
    labels = labels.sort_values(["cluster_id", "date", "phase"], kind="stable", ignore_index=True)

    clusters["theme_list"] = _split(clusters["themes"])
    clusters["region_list"] = _split(clusters["region_codes"])
    clusters["former_name_list"] = _split(clusters["former_names"])
    clusters["alias_list"] = _split(clusters["aliases"])

    holding = labels[labels["status"].isin(LABEL_STATUSES)]
    phases = holding.groupby("cluster_id")["phase"].agg(lambda s: sorted(set(int(p) for p in s)))
    clusters["phases"] = clusters["id"].map(phases).map(lambda v: v if isinstance(v, list) else [])
    last = labels.groupby(["cluster_id", "phase"])["status"].last()
    per_cluster = {cid: {int(ph): st for (_, ph), st in grp.items()} for cid, grp in last.groupby(level=0)}
    clusters["labels"] = clusters["id"].map(lambda cid: per_cluster.get(cid, {}))
    merged_from = clusters[clusters["merged_into"] != ""].groupby("merged_into")["id"].agg(list)
    clusters["merged_from"] = clusters["id"].map(merged_from).map(lambda v: v if isinstance(v, list) else [])
    today = date.today().isoformat()
    # Labelled today, and its association has not stopped (dissolved, liquidated, ceased).
    ended = clusters["ended_date"].ne("") & clusters["ended_date"].le(today)
    clusters["current"] = clusters["id"].isin(clusters_active_on(labels, today)) & ~ended
    # Pôles invented by `build-sample --scale K` say so in their source.
    clusters["sample"] = clusters["source"].eq(SAMPLE_SOURCE)

    gazetteer = communes.set_index("code")
    seat = clusters["seat_commune_code"].where(clusters["seat_commune_code"] != "")
    has_commune = seat.notna()
    clusters["seat_precision"] = clusters["seat_precision"].where(
        clusters["seat_precision"] != "", np.where(has_commune, "commune", "region")
    )
    clusters["seat_name"] = seat.map(gazetteer["name"]).fillna("")
    first_region = clusters["region_list"].map(lambda codes: codes[0] if codes else "")
    clusters["seat_region_code"] = seat.map(gazetteer["region_code"]).where(has_commune, first_region).fillna("")
    geometry = seat.map(gazetteer.geometry)
    if regions is None and (geodata_dir / "regions.parquet").exists():
        regions = read_layer(geodata_dir, "regions")
    if regions is not None:
        inside = regions.set_index("code").geometry.representative_point()
        in_region = ~has_commune & clusters["seat_region_code"].isin(inside.index)
        geometry = geometry.where(~in_region, clusters["seat_region_code"].map(inside))
    clusters = gpd.GeoDataFrame(clusters, geometry=geometry.to_numpy(), crs="EPSG:4326")
    return themes, clusters, labels


def load_figures(geodata_dir: Path) -> pd.DataFrame:
    """The published figures (`cluster_figures.csv`), checked; empty when the file is absent."""
    path = geodata_dir / "cluster_figures.csv"
    if not path.exists():
        return empty_frame("cluster_figures")
    return read_csv_table(path, "cluster_figures")


def _checked(frame: pd.DataFrame, table: str, where: str) -> pd.DataFrame:
    errors = check_frame(frame, table, where)
    if errors:
        raise DataValidationError(errors)
    return frame


def load_store(geodata_dir: Path, data_dir: Path, database_url: str = "") -> Store:
    """Read and check everything. Raises DataValidationError naming file, line and field.

    Activity tables come from `mapapp.storage`: the versioned files of `data_dir`, or the
    PostGIS database at `database_url`."""
    from mapapp.storage import open_backend

    backend = open_backend(data_dir, database_url)
    version, tables = backend.read()
    where = data_dir if not database_url else "database"
    # Columns added to a schema after a version was written are read as empty.
    tables = {table: with_optional_columns(frame, table) for table, frame in tables.items()}
    activity = {table: _checked(tables[table], table, f"{where}/{table} ({version})") for table in ACTIVITY_TABLES}
    imported = _checked(tables["clusters"], "clusters", f"{where}/clusters ({version})")
    found = _checked(tables["cluster_identifiers"], "cluster_identifiers", f"{where}/cluster_identifiers ({version})")
    communes = read_layer(geodata_dir, "communes")
    regions = read_layer(geodata_dir, "regions")
    themes, clusters, labels = load_directory(geodata_dir, communes, imported, regions)
    identifiers = load_identifiers(geodata_dir, found)
    clusters, seat_checks = place_offices(clusters, identifiers, communes)
    return Store(
        regions=regions,
        communes=communes,
        themes=themes,
        phases=read_csv_table(geodata_dir / "phases.csv", "phases"),
        clusters=clusters,
        labels=labels,
        **activity,
        figures=load_figures(geodata_dir),
        identifiers=identifiers,
        seat_checks=tuple(seat_checks),
        regions_2015=read_layer(geodata_dir, "regions_2015"),
        web_regions=json.loads((geodata_dir / "web" / "regions.geojson").read_bytes()),
        web_regions_2015=json.loads((geodata_dir / "web" / "regions_2015.geojson").read_bytes()),
        version=version,
    )


class StoreLoader:
    """The current `Store`, reloaded only when the activity tables' version changes.

    `get()` costs one small read (files: the `CURRENT` pointer; PostGIS: one row) at most every
    `check_every` seconds, so an app can call it on every request and pick up an import
    without a restart:

    >>> loader = StoreLoader(Path("geodata"), Path("geodata/sample"))  # doctest: +SKIP
    >>> store = loader.get()  # doctest: +SKIP
    """

    def __init__(self, geodata_dir: Path, data_dir: Path, database_url: str = "", check_every: float = 1.0):
        from mapapp.storage import open_backend

        self.geodata_dir, self.data_dir, self.database_url = geodata_dir, data_dir, database_url
        self.backend = open_backend(data_dir, database_url)
        self.check_every = check_every
        self._store: Store | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def get(self) -> Store:
        now = time.monotonic()
        if self._store is not None and now - self._checked_at < self.check_every:
            return self._store
        with self._lock:
            version = self.backend.version()
            self._checked_at = now
            if self._store is None or version != self._store.version:
                started = time.perf_counter()
                previous = self._store.version if self._store is not None else None
                self._store = load_store(self.geodata_dir, self.data_dir, self.database_url)
                LOG.info(
                    "store loaded",
                    extra={
                        "version": self._store.version,
                        "previous_version": previous,
                        "clusters": len(self._store.clusters),
                        "members": len(self._store.members),
                        "seconds": round(time.perf_counter() - started, 2),
                    },
                )
            return self._store
