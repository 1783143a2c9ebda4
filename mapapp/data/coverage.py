"""Territorial coverage: what a selection of pôles amounts to in each region.

The figures come from one per-store table per region layer (`coverage_table`, built once in
`store.cache`): per pôle, its members located in each region (by category), its projects and
funding (attributed to its seat region), its seat region, its regions of activity and its themes.
A filter selects pôles with `query.filter_clusters` (same semantics as the map and
`/api/clusters`) and the figures are sums of rows, so a recolouring costs a few milliseconds on
2 M members as on 20 k. `region_coverage` is the 18- (or 27-) row table behind `/api/regions`;
one region's profile and the comparison of regions read it (`region_profile`), and the
choropleth classes are cut from it (`classes`).

Two region layers (`REGION_LAYERS`): "regions", the 18 current regions, and "regions_2015", the
27 regions in force before 2016 (`store.regions_2015`, départements from
`geo.layers.regions_2015_table`), to read phases 1-3 against the map of the time. On the old
layer members, seats (so projects and funding) are placed by their commune's département; see
`region_coverage` for what "active" means there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mapapp.data.cache import cached, memoized
from mapapp.data.figures import headline_figures
from mapapp.data.profile import MEMBER_CATEGORIES
from mapapp.data.query import FilterError, Filters, activity_by_cluster, filter_clusters
from mapapp.data.query import normalize_text as _normalize_text
from mapapp.data.store import Store
from mapapp.geo.layers import regions_2015_table

REGION_LAYERS = ("regions", "regions_2015")  # current regions (default), regions before 2016
MEASURES = ("clusters_seated", "clusters_active", "members", "projects", "funding_eur", "members_published")
COVERAGE_COLUMNS = [
    "code",
    "name",
    "population",
    *MEASURES,
    *(f"{measure}_per_100k" for measure in MEASURES),
    "clusters_without_members_published",
    "sample",
]


@dataclass(frozen=True)
class Lines:
    """Activity rows grouped by pôle, region and coded keys, as arrays (cheap to select).

    Attributes:
        cluster: position of the pôle in `store.clusters`.
        region: position of the region in the layer's regions (`layer_regions`), -1 for none.
        codes: per key, the code of each line (codes follow the sorted labels).
        labels: per key, the label of each code.
        values: per value, its aggregate over the grouped rows.
    """

    cluster: np.ndarray
    region: np.ndarray
    codes: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    values: dict[str, np.ndarray]

    def of(self, mask: np.ndarray, region: int) -> np.ndarray:
        """bool per line: of a selected pôle (`mask` per pôle) and in region `region`."""
        return (self.region == region) & mask[self.cluster]

    def sums(self, rows: np.ndarray, keys: tuple[str, ...], value: str | None = None) -> list[tuple[tuple, float]]:
        """((label per key), sum of `value` or number of lines) for each combination of `keys`
        present among `rows`, ordered by the keys' labels."""
        shape = tuple(len(self.labels[key]) for key in keys)
        cell = np.zeros(0, dtype=np.int64)
        if rows.any():
            cell = np.ravel_multi_index(tuple(self.codes[key][rows] for key in keys), shape)
        size = int(np.prod(shape))
        present = np.flatnonzero(np.bincount(cell, minlength=size))
        weights = None if value is None else self.values[value][rows]
        totals = np.bincount(cell, weights=weights, minlength=size)
        return [
            (tuple(self.labels[key][c] for key, c in zip(keys, np.unravel_index(i, shape), strict=True)), totals[i])
            for i in present
        ]


def _lines(
    cluster: np.ndarray, region: np.ndarray, keys: dict[str, pd.Series], values: dict[str, tuple[pd.Series, str]]
) -> Lines:
    """Group rows (pôle position, region position, keys) and aggregate `values` (name -> (column,
    pandas aggregation)); rows of an unknown pôle are dropped."""
    keep = cluster >= 0
    codes, labels = {}, {}
    for name, column in keys.items():
        codes[name], uniques = pd.factorize(column.to_numpy()[keep], sort=True)
        labels[name] = np.asarray(uniques)
    frame = pd.DataFrame(
        {
            "cluster": cluster[keep],
            "region": region[keep],
            **codes,
            **{name: column.to_numpy()[keep] for name, (column, _) in values.items()},
        }
    )
    grouped = frame.groupby(["cluster", "region", *codes], as_index=False, sort=False).agg(
        **{name: (name, how) for name, (_, how) in values.items()}
    )
    return Lines(
        cluster=grouped["cluster"].to_numpy(),
        region=grouped["region"].to_numpy(),
        codes={name: grouped[name].to_numpy() for name in codes},
        labels=labels,
        values={name: grouped[name].to_numpy() for name in values},
    )


@dataclass(frozen=True)
class CoverageTable:
    """Per pôle (rows in `store.clusters` order) and per region of one layer (columns in
    `layer_regions` order).

    Attributes:
        members: int array (pôles, regions, categories): members located in each region, by
            `MEMBER_CATEGORIES` (a member's region is its commune's, from the gazetteer; on the
            pre-2016 layer, the old region of its commune's département).
        members_by_region: int array (pôles, regions): `members` summed over categories.
        seat: int array (pôles,): position of the seat region, -1 when the seat is unknown.
        active: bool array (pôles, regions): the region is among the pôle's regions of activity
            (pre-2016 layer: it lies inside one of them, see `region_coverage`).
        themes: bool array (pôles, themes in vocabulary order).
        projects, funding_eur: per pôle (projects by `cluster_id`, funding lines summed).
        members_published: per pôle, the latest members figure it published (real, sourced;
            `figures.headline_figures`), NaN where none.
        sample: per pôle, whether any figure of it is sample data (`query.activity_by_cluster`).
        invented: per pôle, whether the pôle itself is sample (`build-sample --scale`).
        name_order: per pôle, its rank in the list sorted by normalised name.
        project_years: projects by pôle, seat region and year (value `projects`).
        funding_lines: funding by pôle, seat region, funder and year (`amount_eur`).
        funder_projects: projects funded by pôle, seat region and funder (`projects`).
        provenance: per part ("members", "projects", "funding"), its rows' (source, as_of) by
            pôle and region (members' own region; the seat region for projects and funding),
            with `sample`.
    """

    members: np.ndarray
    members_by_region: np.ndarray
    seat: np.ndarray
    active: np.ndarray
    themes: np.ndarray
    projects: np.ndarray
    funding_eur: np.ndarray
    members_published: np.ndarray
    sample: np.ndarray
    invented: np.ndarray
    name_order: np.ndarray
    project_years: Lines
    funding_lines: Lines
    funder_projects: Lines
    provenance: dict[str, Lines]


def check_layer(layer: str) -> str:
    """`layer` if it is one of `REGION_LAYERS`, else FilterError naming `layer`."""
    if layer not in REGION_LAYERS:
        raise FilterError("layer", f"unknown layer {str(layer)[:20]!r}; expected one of {', '.join(REGION_LAYERS)}")
    return layer


def layer_regions(store: Store, layer: str = "regions") -> pd.DataFrame:
    """The regions of `layer` (code, name, population; rows in the layer's order): `store.regions`
    or `store.regions_2015`. A store without the latter (hand-made) gets the 27 old regions of
    `regions_2015_table` with an unknown population."""
    if check_layer(layer) == "regions":
        return store.regions
    if store.regions_2015 is not None:
        return store.regions_2015

    def unknown_population(_: Store) -> pd.DataFrame:
        table = regions_2015_table()
        return pd.DataFrame({"code": table["code"], "name": table["name"], "population": np.nan})

    return cached(store, "regions_2015_fallback", unknown_population)


def coverage_table(store: Store, layer: str = "regions") -> CoverageTable:
    """The per-pôle × per-region table of `layer`, computed once per store and layer."""
    name = "coverage_table" if check_layer(layer) == "regions" else f"coverage_table:{layer}"
    return cached(store, name, lambda st: _build_table(st, layer))


def _positions(index: pd.Index, values: pd.Series) -> np.ndarray:
    """Positions of `values` in `index`, -1 where absent."""
    return index.get_indexer(pd.Index(values.to_numpy()))


def _membership(lists: pd.Series, index: pd.Index) -> np.ndarray:
    """bool (len(lists), len(index)): row i has item j among its list."""
    out = np.zeros((len(lists), len(index)), dtype=bool)
    exploded = lists.reset_index(drop=True).explode().dropna()
    columns = index.get_indexer(pd.Index(exploded.to_numpy()))
    known = columns >= 0
    out[exploded.index.to_numpy()[known], columns[known]] = True
    return out


def _geography(store: Store, layer: str) -> tuple[pd.Index, pd.Series, np.ndarray]:
    """The region axis of `layer`: the regions' codes, each commune's region (commune code ->
    region code) and whether each pôle is active in each region (bool (pôles, regions))."""
    communes = store.communes.set_index("code")
    current = pd.Index(store.regions["code"])
    active_current = _membership(store.clusters["region_list"], current)
    if layer == "regions":
        return current, communes["region_code"], active_current
    index = pd.Index(layer_regions(store, layer)["code"])
    old_of_departement = regions_2015_table().explode("departement_codes").set_index("departement_codes")["code"]
    region_of_commune = communes["departement_code"].map(old_of_departement)
    # old region × current region: some département of the old region lies in the current one
    # (a partition in practice: each old region lies in exactly one current region).
    pairs = store.communes[["departement_code", "region_code"]].drop_duplicates()
    rows = _positions(index, pairs["departement_code"].map(old_of_departement))
    columns = _positions(current, pairs["region_code"])
    known = (rows >= 0) & (columns >= 0)
    within = np.zeros((len(index), len(current)), dtype=bool)
    within[rows[known], columns[known]] = True
    # Active in an old region: all the current regions its départements lie in (one, in
    # practice) are among the pôle's regions of activity; never when none is known.
    hits = active_current.astype(np.int64) @ within.T.astype(np.int64)
    parts = within.sum(axis=1)
    return index, region_of_commune, (hits == parts) & (parts > 0)


def _build_table(store: Store, layer: str = "regions") -> CoverageTable:
    clusters = store.clusters
    cluster_index = pd.Index(clusters["id"])
    region_index, region_of_commune, active = _geography(store, layer)
    n_clusters, n_regions, n_categories = len(cluster_index), len(region_index), len(MEMBER_CATEGORIES)
    # The seat's region: on the current layer `seat_region_code` (a pôle placed in its region for
    # want of a sourced seat counts there); on the old layer, its seat commune's old region, so a
    # pôle with no sourced commune counts in no old region (its région of 2015 is unknown).
    if layer == "regions":
        seat = _positions(region_index, clusters["seat_region_code"])
    else:
        seat_commune = clusters["seat_commune_code"].where(clusters["seat_commune_code"] != "")
        seat = _positions(region_index, seat_commune.map(region_of_commune))

    members = store.members
    member_cluster = _positions(cluster_index, members["cluster_id"])
    member_region = _positions(region_index, members["commune_code"].map(region_of_commune))
    member_category = _positions(pd.Index(MEMBER_CATEGORIES), members["category"])
    # Members of an unknown pôle, in a commune outside the gazetteer or of an unknown category
    # are counted nowhere, as `/api/regions` always did.
    located = (member_cluster >= 0) & (member_region >= 0) & (member_category >= 0)
    cell = (member_cluster[located] * n_regions + member_region[located]) * n_categories + member_category[located]
    cube = np.bincount(cell, minlength=n_clusters * n_regions * n_categories)
    cube = cube.reshape(n_clusters, n_regions, n_categories).astype(np.int64)

    activity = cached(store, "activity", activity_by_cluster).reindex(cluster_index)
    names = clusters["name"].map(_normalize_text).to_numpy()
    name_order = np.empty(n_clusters, dtype=np.int64)
    name_order[np.lexsort((clusters["id"].to_numpy(), names))] = np.arange(n_clusters)

    def seat_of(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        position = _positions(cluster_index, frame["cluster_id"])
        return position, np.where(position >= 0, seat[position], -1)

    projects, funding = store.projects, store.funding
    project_cluster, project_region = seat_of(projects)
    funding_cluster, funding_region = seat_of(funding)
    located_region = np.where(located, member_region, -1)

    def provenance(frame: pd.DataFrame, cluster: np.ndarray, region: np.ndarray) -> Lines:
        keys = {"source": frame["source"], "as_of": frame["as_of"]}
        return _lines(cluster, region, keys, {"sample": (frame["sample"].astype(bool), "any")})

    return CoverageTable(
        members=cube,
        members_by_region=cube.sum(axis=2),
        seat=seat,
        active=active,
        themes=_membership(clusters["theme_list"], pd.Index(store.themes["id"])),
        projects=activity["projects"].to_numpy(dtype=np.int64),
        funding_eur=activity["funding_eur"].to_numpy(dtype="float64"),
        members_published=pd.to_numeric(
            headline_figures(store)["members_published"].reindex(cluster_index), errors="coerce"
        ).to_numpy(dtype="float64"),
        sample=activity["sample"].to_numpy(dtype=bool),
        invented=clusters["sample"].to_numpy(dtype=bool),
        name_order=name_order,
        project_years=_lines(
            project_cluster,
            project_region,
            {"year": projects["year"]},
            {"projects": (pd.Series(np.ones(len(projects), dtype=np.int64)), "sum")},
        ),
        funding_lines=_lines(
            funding_cluster,
            funding_region,
            {"funder": funding["funder"], "year": funding["year"]},
            {"amount_eur": (funding["amount_eur"].astype("float64"), "sum")},
        ),
        # A project belongs to one pôle, so distinct counts per pôle add up across pôles.
        funder_projects=_lines(
            funding_cluster,
            funding_region,
            {"funder": funding["funder"]},
            {"projects": (funding["project_id"], "nunique")},
        ),
        provenance={
            "members": provenance(members, member_cluster, located_region),
            "projects": provenance(projects, project_cluster, project_region),
            "funding": provenance(funding, funding_cluster, funding_region),
        },
    )


def selected(store: Store, filters: Filters) -> np.ndarray:
    """bool per pôle (in `store.clusters` order): matched by `filters`, region filter ignored
    (every region is compared on the same selection). Remembered per store and filter."""
    key = Filters(themes=filters.themes, phases=filters.phases, q=filters.q)

    def compute() -> np.ndarray:
        ids = filter_clusters(store, key)["id"]
        mask = np.zeros(len(store.clusters), dtype=bool)
        mask[pd.Index(store.clusters["id"]).get_indexer(pd.Index(ids.to_numpy()))] = True
        return mask

    return memoized(store, "coverage_selection", key, compute, max_entries=256)


def region_coverage(store: Store, filters: Filters, layer: str = "regions") -> pd.DataFrame:
    """Per region of `layer` (in the layer's order), for the pôles matching `filters` (region
    filter ignored, so every region is compared on the same selection):

    - clusters_seated: pôles whose seat is in the region (sums to the selection's placed pôles);
    - clusters_active: pôles with the region among their regions of activity;
    - members: members located in the region; projects, funding_eur: projects of pôles seated
      in the region (so each figure sums over regions to the total of the placed pôles);
    - members_published: the members figures published by the pôles seated in the region
      (latest value of each, real and sourced), with `clusters_without_members_published`, the
      seated pôles that published none;
    - the same per 100,000 inhabitants (NaN where the population is unknown: Mayotte);
    - sample: whether any figure of the selection is sample data.

    `layer`: "regions" (default), the 18 current regions (`store.regions`); or "regions_2015",
    the 27 regions in force before 2016 (`store.regions_2015`: codes, names, population). On the
    old layer, members are placed by their commune's département and pôles (so projects and
    funding) by their seat commune's département (`geo.layers.regions_2015_table`). Regions of
    activity are recorded as current regions, so "active" there is a convention: a pôle is
    active in an old region when the old region lies inside one of its current regions of
    activity (each old region lies in exactly one current region, that of its départements in
    the gazetteer); e.g. a pôle active in Grand Est (44) is active in Alsace, Lorraine and
    Champagne-Ardenne. Seated, members, projects and funding sum over the 27 old regions to the
    same totals as over the 18 current ones. An unknown layer raises FilterError naming `layer`.

    Sums of a per-pôle table built once per store and layer (`coverage_table`): a few ms at 100×.
    """
    table = coverage_table(store, layer)
    regions = layer_regions(store, layer)
    mask = selected(store, filters)
    n_regions = len(regions)
    placed = mask & (table.seat >= 0)

    def by_seat(values: np.ndarray | None = None) -> np.ndarray:
        """Sum per seat region over the selected placed pôles (a count when `values` is None)."""
        weights = None if values is None else values[placed]
        return np.bincount(table.seat[placed], weights=weights, minlength=n_regions)

    population = regions["population"].to_numpy(dtype="float64")
    figures = {
        "clusters_seated": by_seat().astype(np.int64),
        "clusters_active": table.active[mask].sum(axis=0).astype(np.int64),
        "members": table.members_by_region[mask].sum(axis=0).astype(np.int64),
        "projects": by_seat(table.projects).astype(np.int64),
        "funding_eur": by_seat(table.funding_eur).astype("float64").round(2),
        # Real figures: the members each pôle seated in the region published (latest value).
        "members_published": by_seat(np.nan_to_num(table.members_published)).astype(np.int64),
    }
    # Unknown (Mayotte) or zero population: the ratio is n/a (NaN), never a division by zero.
    known = population > 0
    divisor = np.where(known, population, 1.0)
    ratios = {
        f"{measure}_per_100k": np.where(known, values / divisor * 100_000, np.nan).round(3)
        for measure, values in figures.items()
    }
    return pd.DataFrame(
        {
            "code": regions["code"].to_numpy(),
            "name": regions["name"].to_numpy(),
            "population": population,
            **figures,
            **ratios,
            "clusters_without_members_published": by_seat(np.isnan(table.members_published).astype(float)).astype(
                np.int64
            ),
            "sample": np.full(n_regions, bool(table.sample[mask].any())),
        },
        columns=COVERAGE_COLUMNS,
    )
