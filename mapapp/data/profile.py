"""The profile of one pôle: directory facts, lineage, members, projects and funding, JSON-ready.

`cluster_profile(store, cluster_id)` reads only the rows of that pôle: the row positions of
every activity table are grouped by `cluster_id` once per store (in `store.cache`), so a profile
costs the same on 2 M member rows as on 20 k. Counts are taken from the same rows that
`query.activity_by_cluster` counts, so a profile agrees with `/api/clusters`.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from mapapp.data.cache import cached, memoized
from mapapp.data.figures import cluster_figures
from mapapp.data.identifiers import cluster_identifiers
from mapapp.data.query import normalize_text
from mapapp.data.store import Store

MEMBER_CATEGORIES = ("large", "eti", "sme", "research", "training", "other")
CLUSTER_ID_PATTERN = "^[a-z0-9-]+$"  # ids are slugs
CLUSTER_ID_MAX_LENGTH = 100
PER_CLUSTER_TABLES = ("members", "projects", "funding", "labels")


def is_cluster_id(text: str) -> bool:
    """Whether `text` has the form of a pôle id (it may still name no pôle): `is_cluster_id("i-trans")`."""
    return len(text) <= CLUSTER_ID_MAX_LENGTH and re.fullmatch(CLUSTER_ID_PATTERN, text) is not None


def _rows_by_cluster(store: Store) -> dict[str, dict[str, np.ndarray]]:
    """Per table, the row positions of each pôle (`groupby(...).indices`), computed once."""
    return {
        table: getattr(store, table).groupby("cluster_id", sort=False).indices if len(getattr(store, table)) else {}
        for table in PER_CLUSTER_TABLES
    }


def _rows(store: Store, table: str, cluster_id: str) -> pd.DataFrame:
    positions = cached(store, "profile_rows", _rows_by_cluster)[table].get(cluster_id)
    frame = getattr(store, table)
    return frame.iloc[positions] if positions is not None else frame.iloc[0:0]


def _member_names(store: Store) -> pd.Series:
    """member_id -> name over every pôle (partners may belong to another pôle)."""
    return pd.Series(store.members["name"].to_numpy(), index=store.members["member_id"].to_numpy())


def _commune_names(store: Store) -> pd.Series:
    return store.communes.set_index("code")["name"]


def _plain(value):
    """A JSON value: numpy scalars unboxed; NaN, NA and empty text become None."""
    if hasattr(value, "item"):
        value = value.item()
    if value is pd.NA or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values (a profile's frames are small: one pôle's rows)."""
    return [{key: _plain(value) for key, value in row.items()} for row in frame.to_dict(orient="records")]


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _sources(frame: pd.DataFrame) -> list[dict]:
    distinct = frame[["source", "as_of"]].drop_duplicates().sort_values(["source", "as_of"])
    return _records(distinct)


def _any_sample(frame: pd.DataFrame) -> bool:
    return bool(frame["sample"].astype(bool).any()) if len(frame) else False


def _lineage(store: Store, row: pd.Series) -> dict:
    clusters = store.clusters
    name_of = dict(zip(clusters["id"], clusters["name"], strict=True))
    merged_into = None
    if _text(row["merged_into"]):
        merged_into = {
            "id": row["merged_into"],
            "name": name_of.get(row["merged_into"]),
            "date": _text(row["merged_date"]),
        }
    sources = clusters[clusters["merged_into"] == row["id"]].sort_values(["merged_date", "id"])
    merged_from = _records(sources[["id", "name", "merged_date"]].rename(columns={"merged_date": "date"}))
    return {
        "merged_into": merged_into,
        "merged_from": merged_from,
        "renamed_date": _text(row["renamed_date"]),
        "renamed_source": _text(row["renamed_source"]),
        "ended": {
            "date": _text(row["ended_date"]),
            "how": row["ended_how"],
            "source": _text(row["ended_source"]),
            "note": _text(row["ended_note"]),
        }
        if _text(row["ended_how"])
        else None,
    }


def _members(store: Store, members: pd.DataFrame) -> dict:
    by_category = members["category"].value_counts()
    located = members.geometry.notna() & ~members.geometry.is_empty
    items = pd.DataFrame(
        {
            "member_id": members["member_id"],
            "name": members["name"],
            "category": members["category"],
            "commune_code": members["commune_code"],
            "commune_name": members["commune_code"].map(cached(store, "commune_names", _commune_names)),
            "lon": members.geometry.x.where(located).round(5),
            "lat": members.geometry.y.where(located).round(5),
            "since": members["since"],
        }
    )
    items = items.assign(key=items["name"].map(normalize_text)).sort_values(["key", "member_id"], kind="stable")
    items = items.drop(columns="key")
    return {
        "count": len(members),
        "by_category": {category: int(by_category.get(category, 0)) for category in MEMBER_CATEGORIES},
        "items": _records(items),
        "sample": _any_sample(members),
        "sources": _sources(members),
    }


def _projects(store: Store, projects: pd.DataFrame, funding: pd.DataFrame, members: pd.DataFrame) -> dict:
    public = funding.groupby("project_id")["amount_eur"].sum()
    # Partners are looked up among the pôle's own members first: the global index is built only
    # if a partner belongs to another pôle.
    partner_ids = projects["partner_ids"].fillna("").str.split("|")
    wanted = pd.Index([p for ids in partner_ids for p in ids if p]).unique()
    names = pd.Series(members["name"].to_numpy(), index=members["member_id"].to_numpy())
    if not wanted.isin(names.index).all():
        names = cached(store, "member_names", _member_names)
    names = names[~names.index.duplicated()].reindex(wanted)
    items = pd.DataFrame(
        {
            "project_id": projects["project_id"],
            "title": projects["title"],
            "year": projects["year"],
            "total_cost_eur": projects["total_cost_eur"],
            "public_funding_eur": projects["project_id"].map(public).fillna(0.0).round(2),
        }
    ).sort_values(["year", "project_id"], ascending=[False, True], kind="stable")
    records = _records(items)
    order = projects.index.get_indexer(items.index)
    partner_lists = partner_ids.to_numpy()[order]
    cluster_lists = projects["cluster_ids"].fillna("").to_numpy()[order]
    for record, partners, cluster_ids in zip(records, partner_lists, cluster_lists, strict=True):
        record["partners"] = [names.get(p) or p for p in partners if p]
        record["cluster_ids"] = [c for c in cluster_ids.split("|") if c]
    return {"count": len(projects), "items": records, "sample": _any_sample(projects), "sources": _sources(projects)}


OPEN_DATASETS = ("cordis", "kohesio")
OPEN_PROJECT_FIELDS = [
    "project_id",
    "acronym",
    "title",
    "programme",
    "year",
    "start_date",
    "end_date",
    "role",
    "eu_contribution_eur",
    "eu_contribution_total_eur",
    "total_cost_eur",
    "cofinancing_rate",
    "fund",
    "nuts_region",
    "url",
    "source",
    "as_of",
]


def _open_projects(projects: pd.DataFrame) -> dict:
    """The pôle's projects imported from CORDIS and Kohesio, with what those datasets give: its
    role, the EU contribution to it and to the consortium, partners, the project's public page."""
    out = {}
    dataset = projects.get("dataset", pd.Series("", index=projects.index))
    for name in OPEN_DATASETS:
        rows = projects[dataset == name].sort_values(["year", "project_id"], ascending=[False, True], kind="stable")
        items = _records(rows[OPEN_PROJECT_FIELDS])
        for item, partners, roles in zip(items, rows["partner_names"], rows["role"], strict=True):
            item["partners"] = [p for p in (partners or "").split("|") if p]
            item["roles"] = [r for r in (roles or "").split("|") if r]
            del item["role"]
        out[name] = {
            "count": len(rows),
            "eu_contribution_eur": round(float(pd.to_numeric(rows["eu_contribution_eur"]).sum()), 2),
            "items": items,
            "sources": _sources(rows),
        }
    return out


def _funding(funding: pd.DataFrame) -> dict:
    by_funder = (
        funding.groupby("funder", as_index=False)["amount_eur"]
        .sum()
        .sort_values(["amount_eur", "funder"], ascending=[False, True])
    )
    by_year = funding.groupby(["year", "funder"], as_index=False)["amount_eur"].sum()
    programmes = funding.assign(programme=funding.get("programme", ""))
    programmes = programmes[programmes["programme"].fillna("") != ""]
    by_programme = (
        programmes.groupby(["funder", "programme"], as_index=False)["amount_eur"]
        .sum()
        .sort_values(["amount_eur", "programme"], ascending=[False, True])
    )
    return {
        "total_eur": round(float(funding["amount_eur"].sum()), 2),
        "by_funder": _records(by_funder.round(2)),
        # Lines whose programme is known ("UE — Horizon 2020", "FEDER — 2014-2020"), within their funder.
        "by_programme": _records(by_programme.round(2)),
        "by_year": _records(by_year.round(2)),
        "sample": _any_sample(funding),
        "sources": _sources(funding),
    }


def cluster_profile(store: Store, cluster_id: str) -> dict | None:
    """Everything known about one pôle, as plain JSON values; None for an unknown id.

    >>> profile = cluster_profile(store, "polymeris")  # doctest: +SKIP
    >>> [p["id"] for p in profile["lineage"]["merged_from"]]  # doctest: +SKIP
    ['elastopole', 'plastipolis']
    """
    # Many readers open the same pôles: each profile is built once per store (shared: read only).
    return memoized(store, "cluster_profile", cluster_id, lambda: _build_profile(store, cluster_id))


def _build_profile(store: Store, cluster_id: str) -> dict | None:
    match = store.clusters[store.clusters["id"] == cluster_id]
    if match.empty:
        return None
    row = match.iloc[0]
    themes = store.themes.set_index("id").reindex(row["theme_list"]).reset_index()
    region_names = dict(zip(store.regions["code"], store.regions["name"], strict=True))
    seat = None
    if row.geometry is not None and not row.geometry.is_empty:
        seat = {
            "precision": row["seat_precision"],
            "commune_code": _text(row["seat_commune_code"]),
            "name": _text(row["seat_name"]),
            "area": _text(row["seat_area"]),
            "region_code": _text(row["seat_region_code"]),
            "lon": round(float(row.geometry.x), 5),
            "lat": round(float(row.geometry.y), 5),
            "stated_as": _text(row["seat_stated_as"]),
            "source": _text(row["seat_source"]),
            "as_of": _text(row["seat_as_of"]),
            "note": _text(row["seat_note"]),
        }
    labels = _rows(store, "labels", cluster_id).sort_values(["date", "phase"], kind="stable")
    members = _rows(store, "members", cluster_id)
    projects = _rows(store, "projects", cluster_id)
    funding = _rows(store, "funding", cluster_id)
    profile = {
        "id": row["id"],
        "name": row["name"],
        "former_names": list(row["former_name_list"]),
        "aliases": list(row["alias_list"]),
        "themes": _records(themes[["id", "label_fr", "label_en", "color"]]),
        "current": bool(row["current"]),
        "website": _text(row["website"]),
        "website_source": _text(row["website_source"]),
        "website_as_of": _text(row["website_as_of"]),
        "seat": seat,
        "region_codes": [{"code": code, "name": region_names.get(code)} for code in row["region_list"]],
        "labels": _records(labels[["phase", "date", "status", "application", "source", "as_of"]]),
        "lineage": _lineage(store, row),
        # Real figures published by the pôle or the press, each with its source: shown first.
        "figures": cluster_figures(store, cluster_id),
        "members": _members(store, members),
        "projects": _projects(store, projects, funding, members),
        "funding": _funding(funding),
        # Real open data: EU projects (CORDIS) and FEDER/FSE operations (Kohesio) of the association.
        "open_projects": _open_projects(projects),
        "identifiers": cluster_identifiers(store, cluster_id),
        "source": _text(row["source"]),
        "as_of": _text(row["as_of"]),
    }
    profile["sample"] = bool(
        row["sample"] or profile["members"]["sample"] or profile["projects"]["sample"] or profile["funding"]["sample"]
    )
    return profile
