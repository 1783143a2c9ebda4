"""The one query module: every view (map, table, exports, HTTP API, CLI) filters pôles here.

`parse_filters` turns raw parameters (URL query, CLI flags) into `Filters` or raises a
`FilterError` naming the parameter; `filter_clusters` returns the matching pôles with their
activity figures; `region_coverage` aggregates the same selection per region.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from mapapp.data.cache import cached
from mapapp.data.figures import PUBLISHED_COLUMNS, headline_figures
from mapapp.data.labels import PHASES
from mapapp.data.store import Store

MAX_QUERY_LENGTH = 100
FILTER_PARAMETERS = ("theme", "phase", "region", "q")
CLUSTER_COLUMNS = [
    "id",
    "name",
    "former_names",
    "aliases",
    "themes",
    "phases",
    "region_codes",
    "seat_commune_code",
    "seat_name",
    "seat_precision",
    "seat_area",
    "current",
    "website",
    *PUBLISHED_COLUMNS,
    "members",
    "projects",
    "funding_eur",
    "sample",
    "source",
    "as_of",
]


class FilterError(ValueError):
    """A filter parameter has a value that names nothing; `parameter` says which one."""

    def __init__(self, parameter: str, message: str):
        self.parameter = parameter
        super().__init__(f"{parameter}: {message}")


@dataclass(frozen=True)
class Filters:
    """A selection of pôles. Empty tuples mean "no constraint"."""

    themes: tuple[str, ...] = ()
    phases: tuple[int, ...] = ()
    regions: tuple[str, ...] = ()
    q: str = ""

    def as_params(self) -> dict[str, list[str] | str]:
        """The URL/CLI parameters that reproduce this selection."""
        params: dict[str, list[str] | str] = {}
        if self.themes:
            params["theme"] = list(self.themes)
        if self.phases:
            params["phase"] = [str(p) for p in self.phases]
        if self.regions:
            params["region"] = list(self.regions)
        if self.q:
            params["q"] = self.q
        return params


@dataclass(frozen=True)
class Vocabulary:
    """Accepted values of each filter parameter."""

    themes: tuple[str, ...]
    regions: tuple[str, ...]
    phases: tuple[int, ...] = PHASES
    region_names: dict[str, str] = field(default_factory=dict)


def vocabulary(store: Store) -> Vocabulary:
    return Vocabulary(
        themes=tuple(store.themes["id"]),
        regions=tuple(store.regions["code"]),
        region_names=dict(zip(store.regions["code"], store.regions["name"], strict=True)),
    )


def _values(raw: str | Iterable[str] | None) -> list[str]:
    """Multi-values: a parameter repeated, or separated by commas, or both."""
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    return [part.strip() for item in items if item is not None for part in str(item).split(",") if part.strip()]


def parse_filters(params: Mapping[str, str | Iterable[str] | None], vocab: Vocabulary) -> Filters:
    """Validate raw parameters. Example: `parse_filters({"theme": "health,digital"}, vocab)`.

    Raises FilterError for an unknown theme or region, a phase outside 1-5 or an over-long q.
    """
    themes = _values(params.get("theme"))
    unknown = [t for t in themes if t not in vocab.themes]
    if unknown:
        raise FilterError("theme", f"unknown theme {unknown[0]!r}; expected one of {', '.join(vocab.themes)}")

    phases: list[int] = []
    for value in _values(params.get("phase")):
        if not re.fullmatch(r"[0-9]{1,2}", value) or int(value) not in vocab.phases:
            raise FilterError("phase", f"unknown phase {value!r}; expected one of 1, 2, 3, 4, 5")
        phases.append(int(value))

    regions = _values(params.get("region"))
    unknown = [r for r in regions if r not in vocab.regions]
    if unknown:
        raise FilterError(
            "region", f"unknown region {unknown[0]!r}; expected an INSEE region code: {', '.join(vocab.regions)}"
        )

    q_values = _values_q(params.get("q"))
    if len(q_values) > MAX_QUERY_LENGTH:
        raise FilterError("q", f"search text is {len(q_values)} characters long; at most {MAX_QUERY_LENGTH}")
    return Filters(
        themes=tuple(dict.fromkeys(themes)),
        phases=tuple(sorted(set(phases))),
        regions=tuple(dict.fromkeys(regions)),
        q=q_values,
    )


def _values_q(raw: str | Iterable[str] | None) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raw = " ".join(str(v) for v in raw if v is not None)
    return raw.strip()


def normalize_text(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: "Mov'éo" -> "moveo"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def search_keys(store: Store) -> pd.Series:
    """Per pôle (in `store.clusters` order), the normalised names it can be found by: its name, former names, the
    short names and acronyms people use (aliases: "Alpha-RLH", "NSL"), and the names of the pôles merged into it
    (so "mov'eo" also finds Mov'eo's successor)."""
    return cached(store, "search_keys", _compute_search_keys)


def _compute_search_keys(store: Store) -> pd.Series:
    clusters = store.clusters
    names = clusters["name"] + "|" + clusters["former_names"].fillna("") + "|" + clusters["aliases"].fillna("")
    by_id = dict(zip(clusters["id"], names, strict=True))
    merged = clusters["merged_from"].map(lambda ids: "|".join(by_id.get(i, "") for i in ids))
    return (names + "|" + merged).map(lambda s: "|".join(normalize_text(p) for p in s.split("|") if p))


def activity_by_cluster(store: Store) -> pd.DataFrame:
    """members, projects, funding_eur and sample flag per pôle id (zeros where none)."""
    ids = pd.Index(store.clusters["id"], name="id")
    members = store.members.groupby("cluster_id").size()
    projects = store.projects.groupby("cluster_id").size()
    funding = store.funding.groupby("cluster_id")["amount_eur"].sum()
    sample = (
        pd.concat(
            [t.groupby("cluster_id")["sample"].any() for t in (store.members, store.projects, store.funding) if len(t)]
            or [pd.Series(dtype=bool)]
        )
        .groupby(level=0)
        .any()
    )
    return pd.DataFrame(
        {
            "members": members.reindex(ids, fill_value=0).astype("int64"),
            "projects": projects.reindex(ids, fill_value=0).astype("int64"),
            "funding_eur": funding.reindex(ids, fill_value=0).astype("float64").round(2),
            "sample": sample.reindex(ids, fill_value=False).astype(bool)
            | store.clusters.set_index("id")["sample"].reindex(ids).astype(bool),
        },
        index=ids,
    )


def filter_clusters(store: Store, filters: Filters) -> gpd.GeoDataFrame:
    """The pôles matching `filters`, sorted by name, with `CLUSTER_COLUMNS` + seat geometry.

    A pôle matches a theme if it has it, a phase if it held any label in that phase, a region
    if the region is among its regions of activity, and `q` if the text appears in its name,
    a former name, an alias or the name of a pôle merged into it (ignoring case, accents,
    punctuation). The published figures (`figures.PUBLISHED_COLUMNS`) come with each pôle.
    Several values of one parameter are alternatives (OR); different parameters combine (AND).
    """
    clusters = store.clusters
    mask = np.ones(len(clusters), dtype=bool)
    if filters.themes:
        wanted = set(filters.themes)
        mask &= clusters["theme_list"].map(lambda ts: not wanted.isdisjoint(ts)).to_numpy(dtype=bool)
    if filters.phases:
        wanted_phases = set(filters.phases)
        mask &= clusters["phases"].map(lambda ps: not wanted_phases.isdisjoint(ps)).to_numpy(dtype=bool)
    if filters.regions:
        wanted_regions = set(filters.regions)
        mask &= clusters["region_list"].map(lambda rs: not wanted_regions.isdisjoint(rs)).to_numpy(dtype=bool)
    if filters.q:
        needle = normalize_text(filters.q)
        if needle:
            keys = search_keys(store)
            mask &= keys.str.contains(needle, regex=False).to_numpy(dtype=bool)
    selected = clusters[mask]
    stats = cached(store, "activity", activity_by_cluster).loc[selected["id"]]
    published = headline_figures(store).loc[selected["id"]]
    out = selected.drop(columns=["sample"]).assign(
        **{column: published[column].to_numpy() for column in PUBLISHED_COLUMNS},
        phases=selected["phases"].map(lambda ps: "|".join(str(p) for p in ps)),
        members=stats["members"].to_numpy(),
        projects=stats["projects"].to_numpy(),
        funding_eur=stats["funding_eur"].to_numpy(),
        sample=stats["sample"].to_numpy(),
    )
    order = cached(store, "name_order", lambda st: st.clusters["name"].map(normalize_text).rank(method="first"))
    out = out.iloc[np.argsort(order.to_numpy()[mask], kind="stable")]
    return gpd.GeoDataFrame(out[CLUSTER_COLUMNS], geometry=out.geometry, crs=clusters.crs)


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

    Sums of a per-pôle table built once per store and layer (`coverage.coverage_table`): a few
    ms at 100×.
    """
    from mapapp.data.coverage import coverage_frame  # coverage builds on this module

    return coverage_frame(store, filters, layer)
