"""Territorial coverage: what a selection of pôles amounts to in each region, JSON-ready.

The figures come from one per-store table per region layer (`coverage_table`, built once in
`store.cache`): per pôle, its members located in each region (by category), its projects and
funding (attributed to its seat region), its seat region, its regions of activity and its themes.
A filter selects pôles with `query.filter_clusters` (same semantics as the map and
`/api/clusters`) and the figures are sums of rows, so a recolouring costs a few milliseconds on
2 M members as on 20 k.

Two region layers (`REGION_LAYERS`): "regions", the 18 current regions, and "regions_2015", the
27 regions in force before 2016 (`store.regions_2015`, départements from
`geo.layers.regions_2015_table`), to read phases 1-3 against the map of the time. On the old
layer members, seats (so projects and funding) are placed by their commune's département; see
`region_coverage` for what "active" means there.

- `query.region_coverage(store, filters, layer)`: the 18- (or 27-) row table behind
  `/api/regions` (computed here by `coverage_frame`);
- `classify(values, k, scheme)`: choropleth classes (mapclassify) robust to ties, zeros and n/a;
- `region_profile(store, code, filters)`: one region's pôles, themes, members, projects, funding
  and its rank among the 18 regions on every measure;
- `compare_regions(store, codes, filters)`: the measure block of up to four regions.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mapapp.data.cache import cached, memoized
from mapapp.data.figures import headline_figures
from mapapp.data.profile import MEMBER_CATEGORIES, _plain
from mapapp.data.query import (
    FilterError,
    Filters,
    _values,
    activity_by_cluster,
    filter_clusters,
    region_coverage,
)
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
SCHEMES = ("quantiles", "natural_breaks")
# mapclassify's notices, expected here (few distinct values, no numba): filtered once for the
# process, since warnings.catch_warnings is not safe across a server's threads.
warnings.filterwarnings("ignore", message="Not enough unique values in array")
warnings.filterwarnings("ignore", message="Numba not installed")
REGION_CODE_PATTERN = "^[0-9]{2}$"  # INSEE region codes: two digits ("06", "84")
MAX_COMPARED = 4
MIN_COMPARED = 2
NO_FILTERS = Filters()


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
            (pre-2016 layer: it lies inside one of them, see `query.region_coverage`).
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


def is_region_code(text: str) -> bool:
    """Whether `text` has the form of an INSEE region code (it may still name no region):
    `is_region_code("84")` is True, `is_region_code("8")` is False."""
    return re.fullmatch(REGION_CODE_PATTERN, text) is not None


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


def coverage_frame(store: Store, filters: Filters, layer: str = "regions") -> pd.DataFrame:
    """The body of `query.region_coverage` (documented there): sums of `coverage_table` rows."""
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


def classify(values: Mapping[str, float] | pd.Series, k: int = 5, scheme: str = "quantiles") -> dict:
    """Choropleth classes of `values` (region code -> value) with mapclassify.

    Returns `{"bins": [upper bound of each class, ascending], "min": lowest value, "classes":
    {code: class index or None}}`; class i holds values v with bins[i-1] < v <= bins[i]. NaN
    (n/a) values get class None and are left out of the bounds. With fewer distinct values
    than `k`, each distinct value is its own class (so all-zero gives one class, [0.0]).
    `scheme` is "quantiles" or "natural_breaks" (Fisher-Jenks, deterministic).

    >>> classify({"84": 0.0, "11": 2.0, "06": float("nan")}, k=5)
    {'bins': [0.0, 2.0], 'min': 0.0, 'classes': {'84': 0, '11': 1, '06': None}}
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
    if k < 1:
        raise ValueError(f"k is {k}; at least 1 class is needed")
    series = pd.Series(values, dtype="float64")
    finite = series[np.isfinite(series.to_numpy())]
    if finite.empty:
        return {"bins": [], "min": None, "classes": {str(code): None for code in series.index}}
    distinct = np.unique(finite.to_numpy())
    if len(distinct) <= k:
        bins = distinct
    else:
        import mapclassify  # heavy (scipy, scikit-learn): imported only when classes are needed

        classifier = mapclassify.Quantiles if scheme == "quantiles" else mapclassify.FisherJenks
        bins = np.unique(classifier(finite.to_numpy(), k=k).bins)
    bins[-1] = distinct[-1]  # the top bound is the maximum, exactly
    positions = np.searchsorted(bins, finite.to_numpy(), side="left")
    classes: dict[str, int | None] = {str(code): None for code in series.index}
    classes.update({str(code): int(p) for code, p in zip(finite.index, positions, strict=True)})
    return {"bins": [float(b) for b in bins], "min": float(distinct[0]), "classes": classes}


def _rank(values: np.ndarray, position: int) -> int | None:
    """Rank of `values[position]`: 1 = highest, ties share the smallest rank (pandas' method
    "min"); n/a (NaN) is not ranked."""
    value = values[position]
    if np.isnan(value):
        return None
    return 1 + int((values[~np.isnan(values)] > value).sum())


def _region_summary(figures: pd.DataFrame, position: int) -> dict:
    """Code, name, population and the measure block (value, per 100k, ranks) of the region at
    row `position` of a `region_coverage` table: the one place measures are read for a region."""
    measures = {}
    for measure in MEASURES:
        values = figures[measure].to_numpy(dtype="float64")
        ratios = figures[f"{measure}_per_100k"].to_numpy(dtype="float64")
        measures[measure] = {
            "value": _plain(figures[measure].iat[position]),
            "per_100k": _plain(ratios[position]),
            "rank": _rank(values, position),
            "rank_per_100k": _rank(ratios, position),
        }
    return {
        "code": figures["code"].iat[position],
        "name": figures["name"].iat[position],
        "population": _plain(figures["population"].iat[position]),
        "measures": measures,
        "ranked": {
            "absolute": len(figures),
            "per_100k": int(figures["clusters_seated_per_100k"].notna().sum()),
        },
    }


def _region_position(store: Store, code: str, layer: str = "regions") -> int | None:
    matches = np.flatnonzero(layer_regions(store, layer)["code"].to_numpy() == code)
    return int(matches[0]) if len(matches) else None


def _cluster_items(store: Store, table: CoverageTable, positions: np.ndarray) -> list[dict]:
    positions = positions[np.argsort(table.name_order[positions], kind="stable")]
    clusters = store.clusters
    ids, names, themes = (clusters[c].to_numpy()[positions] for c in ("id", "name", "theme_list"))
    return [{"id": cid, "name": name, "themes": list(ts)} for cid, name, ts in zip(ids, names, themes, strict=True)]


def _provenance(lines: Lines, rows: np.ndarray) -> dict:
    pairs = lines.sums(rows, ("source", "as_of"))
    return {
        "sample": bool(lines.values["sample"][rows].any()),
        "sources": [{"source": source, "as_of": as_of} for (source, as_of), _ in pairs],
    }


def _euros(amount: float) -> float:
    return round(float(amount), 2)


def region_profile(store: Store, code: str, filters: Filters = NO_FILTERS, layer: str = "regions") -> dict | None:
    """One region's coverage by the pôles matching `filters` (theme, phase, q; the region
    filter is ignored), as plain JSON values; None for an unknown code. `layer`: the region
    layer the code belongs to (`REGION_LAYERS`; ranks are among that layer's regions).

    Pôles seated and active (id, name, themes; sorted by name); every theme of the vocabulary
    with its active pôles in the region and in the country, and the ones `missing` (no active
    pôle in the region); members located in the region by category; projects and funding of the
    pôles seated there by year and by funder; for each measure its value, per 100,000
    inhabitants, and rank among the regions (1 = highest, ties share a rank, null where n/a).

    >>> profile = region_profile(store, "84", Filters(phases=(5,)))  # doctest: +SKIP
    >>> profile["measures"]["clusters_seated"]["rank"]  # doctest: +SKIP
    1
    """
    position = _region_position(store, code, layer)
    if position is None:
        return None
    figures = region_coverage(store, filters, layer=layer)
    table = coverage_table(store, layer)
    mask = selected(store, filters)
    profile = _region_summary(figures, position)

    seated = np.flatnonzero(mask & (table.seat == position))
    active = np.flatnonzero(mask & table.active[:, position])
    profile["clusters"] = {
        "seated": _cluster_items(store, table, seated),
        "active": _cluster_items(store, table, active),
    }

    in_region = table.themes[active].sum(axis=0)
    national = table.themes[mask].sum(axis=0)
    vocabulary = store.themes[["id", "label_fr", "label_en", "color"]].to_dict(orient="records")
    profile["themes"] = {
        "items": [
            {**theme, "clusters_active": int(n), "clusters_national": int(m)}
            for theme, n, m in zip(vocabulary, in_region, national, strict=True)
        ],
        "present": [theme["id"] for theme, n in zip(vocabulary, in_region, strict=True) if n],
        "missing": [theme["id"] for theme, n in zip(vocabulary, in_region, strict=True) if not n],
    }

    provenance = {part: _provenance(lines, lines.of(mask, position)) for part, lines in table.provenance.items()}
    by_category = table.members[mask, position, :].sum(axis=0)
    profile["members"] = {
        "count": int(by_category.sum()),
        "by_category": {category: int(n) for category, n in zip(MEMBER_CATEGORIES, by_category, strict=True)},
        **provenance["members"],
    }
    years = table.project_years.sums(table.project_years.of(mask, position), ("year",), "projects")
    profile["projects"] = {
        "count": int(sum(n for _, n in years)),
        "by_year": [{"year": int(year), "projects": int(n)} for (year,), n in years],
        **provenance["projects"],
    }
    lines = table.funding_lines
    rows = lines.of(mask, position)
    amounts = lines.sums(rows, ("funder",), "amount_eur")
    funded = table.funder_projects
    projects = dict(funded.sums(funded.of(mask, position), ("funder",), "projects"))
    by_funder = [
        {"funder": funder, "amount_eur": _euros(amount), "projects": int(projects[(funder,)])}
        for (funder,), amount in amounts
    ]
    profile["funding"] = {
        "total_eur": _euros(lines.values["amount_eur"][rows].sum()),
        "by_funder": sorted(by_funder, key=lambda line: (-line["amount_eur"], line["funder"])),
        "by_year": [
            {"year": int(year), "funder": funder, "amount_eur": _euros(amount)}
            for (year, funder), amount in lines.sums(rows, ("year", "funder"), "amount_eur")
        ],
        **provenance["funding"],
    }
    # Sample if any figure shown is: an activity part, or a listed pôle that was itself invented.
    profile["sample"] = any(part["sample"] for part in provenance.values()) or bool(
        table.invented[np.union1d(seated, active)].any()
    )
    sources = {(s["source"], s["as_of"]) for part in provenance.values() for s in part["sources"]}
    profile["sources"] = [{"source": source, "as_of": as_of} for source, as_of in sorted(sources)]
    return profile


def parse_compared_regions(raw: str | Iterable[str] | None, region_codes: Iterable[str]) -> tuple[str, ...]:
    """The regions to compare from a `region` parameter (repeated or comma-separated): 2 to 4
    distinct known codes, else FilterError naming `region`."""
    known = set(region_codes)
    codes = tuple(dict.fromkeys(_values(raw)))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise FilterError("region", f"unknown region {unknown[0][:20]!r}; expected an INSEE region code")
    if not MIN_COMPARED <= len(codes) <= MAX_COMPARED:
        raise FilterError(
            "region", f"{len(codes)} distinct regions given; compare {MIN_COMPARED} to {MAX_COMPARED} regions"
        )
    return codes


def compare_regions(
    store: Store, codes: Iterable[str], filters: Filters = NO_FILTERS, layer: str = "regions"
) -> list[dict]:
    """The measure blocks (value, per 100k, ranks) of up to four regions of `layer`, in the
    order given, for the pôles matching `filters` (region filter ignored). Raises FilterError
    naming `region` for an unknown code or more than four codes."""
    codes = list(dict.fromkeys(codes))
    if len(codes) > MAX_COMPARED:
        raise FilterError("region", f"{len(codes)} regions given; compare at most {MAX_COMPARED}")
    positions = [_region_position(store, code, layer) for code in codes]
    if None in positions:
        unknown = codes[positions.index(None)]
        raise FilterError("region", f"unknown region {unknown[:20]!r}; expected an INSEE region code")
    figures = region_coverage(store, filters, layer=layer)
    return [{**_region_summary(figures, p), "sample": bool(figures["sample"].iat[p])} for p in positions]
