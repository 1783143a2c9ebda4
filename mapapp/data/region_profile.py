"""One region's coverage (`region_profile`) and two to four regions side by side
(`compare_regions`), JSON-ready: each measure with its value, per 100,000 inhabitants and rank
among the regions, read from the same `coverage.region_coverage` table as `/api/regions`."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from mapapp.data.coverage import (
    MEASURES,
    CoverageTable,
    Lines,
    coverage_table,
    layer_regions,
    region_coverage,
    selected,
)
from mapapp.data.profile import MEMBER_CATEGORIES, _plain
from mapapp.data.query import FilterError, Filters
from mapapp.data.store import Store

MAX_COMPARED = 4
MIN_COMPARED = 2
NO_FILTERS = Filters()


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

    What the region *is* does not depend on the theme or text filters, only on the phase shown
    (every pôle of the phase): `in_phase` counts its pôles seated and active, and `themes` lists
    every theme of the vocabulary with its active pôles in the region and in the country, and
    the ones `missing` (no active pôle in the region) — so ticking "Santé" does not make a
    region "lack" aerospace. Everything else follows the whole selection (`filtered` says
    whether theme or text filters narrow it): the pôles seated and active (id, name, themes;
    sorted by name), members located in the region by category, projects and funding of the
    pôles seated there by year and by funder, and for each measure its value, per 100,000
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
    profile["filtered"] = bool(filters.themes or filters.q)

    seated = np.flatnonzero(mask & (table.seat == position))
    active = np.flatnonzero(mask & table.active[:, position])
    profile["clusters"] = {
        "seated": _cluster_items(store, table, seated),
        "active": _cluster_items(store, table, active),
    }

    in_phase = selected(store, Filters(phases=filters.phases))
    active_in_phase = in_phase & table.active[:, position]
    profile["in_phase"] = {
        "clusters_seated": int((in_phase & (table.seat == position)).sum()),
        "clusters_active": int(active_in_phase.sum()),
    }
    in_region = table.themes[active_in_phase].sum(axis=0)
    national = table.themes[in_phase].sum(axis=0)
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
