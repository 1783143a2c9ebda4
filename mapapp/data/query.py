"""The one query module: every view (map, table, exports, HTTP API, CLI) filters pôles here.

`filter_clusters` returns the pôles matching a `Filters` selection with their activity figures
(`coverage.region_coverage` sums the same selection per region). The parameters a selection is
read from (URL query, CLI flags) are defined in `mapapp.view`, with the values they accept
(`vocabulary`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from mapapp.data.cache import cached
from mapapp.data.figures import PUBLISHED_COLUMNS, headline_figures
from mapapp.data.store import Store

# Phases whose regions were the 27 in force before the 2016 reform (a phase that began before it).
REGIONS_REFORM_YEAR = 2016
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


@dataclass(frozen=True)
class Vocabulary:
    """What the data holds that a view can name: themes, regions, phases (`geodata/phases.csv`:
    adding a phase there adds it everywhere), pôle ids, and the French names files are named by.

    Attributes:
        historic_phases: the phases begun before the 2016 regional reform, which can be read
            against the 27 regions of the time.
    """

    themes: tuple[str, ...]
    regions: tuple[str, ...]
    phases: tuple[int, ...] = ()
    historic_phases: tuple[int, ...] = ()
    cluster_ids: frozenset[str] = frozenset()
    region_names: dict[str, str] = field(default_factory=dict, compare=False)
    theme_names: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def current_phase(self) -> int:
        """Today's phase: the default of every view."""
        return max(self.phases)


def vocabulary(store: Store) -> Vocabulary:
    """The store's vocabulary, built once per store."""
    return cached(store, "vocabulary", _vocabulary)


def _vocabulary(store: Store) -> Vocabulary:
    phases = store.phases.sort_values("phase")
    return Vocabulary(
        themes=tuple(store.themes["id"]),
        regions=tuple(store.regions["code"]),
        phases=tuple(int(p) for p in phases["phase"]),
        historic_phases=tuple(int(p) for p in phases.loc[phases["start_year"] < REGIONS_REFORM_YEAR, "phase"]),
        cluster_ids=frozenset(store.clusters["id"]),
        region_names=dict(zip(store.regions["code"], store.regions["name"], strict=True)),
        theme_names=dict(zip(store.themes["id"], store.themes["label_fr"], strict=True)),
    )


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
