"""The deterministic sample: reproducible bytes, schema-valid tables, published magnitudes."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from mapapp.config import DEFAULT_GEODATA_DIR
from mapapp.data.labels import clusters_active_on
from mapapp.data.sample import (
    CATEGORIES,
    CATEGORY_SHARES,
    PHASE_YEARS,
    SAMPLE_AS_OF,
    build_sample,
    sample_source,
)
from mapapp.data.schema import check_frame, field_names
from mapapp.data.store import load_directory, load_store
from mapapp.geo.layers import read_layer

GEODATA = DEFAULT_GEODATA_DIR
FILES = ("members.parquet", "projects.parquet", "funding.parquet")


def _read(out: Path) -> dict[str, pd.DataFrame]:
    return {
        "members": gpd.read_parquet(out / "members.parquet"),
        "projects": pd.read_parquet(out / "projects.parquet"),
        "funding": pd.read_parquet(out / "funding.parquet"),
    }


@pytest.fixture(scope="module")
def communes() -> gpd.GeoDataFrame:
    return read_layer(GEODATA, "communes")


@pytest.fixture(scope="module")
def directory(communes):
    _, clusters, labels = load_directory(GEODATA, communes)
    return clusters, labels


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("sample")
    return out, build_sample(GEODATA, out, progress=False)


@pytest.fixture(scope="module")
def tables(built) -> dict[str, pd.DataFrame]:
    return _read(built[0])


@pytest.fixture(scope="module")
def built_scale_2(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("sample-x2")
    return out, build_sample(GEODATA, out, scale=2, progress=False)


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(built, tmp_path):
    out, counts = built
    again = build_sample(GEODATA, tmp_path / "again", progress=False)
    build_sample(GEODATA, tmp_path / "other", seed=7, progress=False)
    assert again == counts
    for name in FILES:
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
        assert (out / name).read_bytes() != (tmp_path / "other" / name).read_bytes(), name


def test_counts_are_the_rows_written(built, tables):
    _, counts = built
    assert counts == {name: len(frame) for name, frame in tables.items()}


@pytest.mark.parametrize("table", ["members", "projects", "funding"])
def test_tables_satisfy_their_schema(tables, table):
    frame = tables[table]
    assert list(frame.columns) == field_names(table)
    assert check_frame(frame, table, f"{table}.parquet") == []


def test_the_app_loads_the_sample(built):
    store = load_store(GEODATA, built[0])
    assert len(store.members) == built[1]["members"]
    assert store.members.crs == store.communes.crs  # GeoParquet's default, OGC:CRS84


@pytest.mark.parametrize("table", ["members", "projects", "funding"])
def test_every_row_is_flagged_sample(tables, table):
    frame = tables[table]
    assert len(frame) > 0
    assert frame["sample"].eq(True).all()
    assert frame["source"].eq(sample_source(2005, 1)).all()
    assert frame["as_of"].eq(SAMPLE_AS_OF).all()


def test_members_are_fictitious_and_carry_no_siren(tables):
    members = tables["members"]
    # Data in French with no category in it: the UI names the category in the reader's language.
    assert members["name"].str.fullmatch(r"Membre d'exemple \d{5}").all()
    assert members["siren"].fillna("").eq("").all()
    assert members["member_id"].str.fullmatch(r"m-[a-z0-9-]+-\d{5}").all()


def test_members_sit_in_real_communes_mostly_in_the_poles_regions(tables, communes, directory):
    members, (clusters, _) = tables["members"], directory
    gazetteer = communes.set_index("code")
    assert members["commune_code"].isin(gazetteer.index).all()
    region = members["commune_code"].map(gazetteer["region_code"])
    regions_of = clusters.set_index("id")["region_list"]
    inside = [r in regions_of[c] for c, r in zip(members["cluster_id"], region, strict=True)]
    assert sum(inside) / len(inside) >= 0.80
    points = gpd.GeoSeries(members["commune_code"].map(gazetteer.geometry).to_numpy(), crs=members.crs)
    assert members.geometry.geom_equals_exact(points, 1e-9).all()


def test_member_categories_follow_the_published_shares(tables):
    shares = tables["members"]["category"].value_counts(normalize=True)
    for category, target in zip(CATEGORIES, CATEGORY_SHARES, strict=True):
        assert abs(shares.get(category, 0.0) - target) < 0.02, category


def _latest_published_members() -> pd.Series:
    """Read straight from the shipped CSV: each pôle's latest members figure."""
    figures = pd.read_csv(GEODATA / "cluster_figures.csv", dtype={"value": float})
    members = figures[figures["measure"] == "members"].sort_values("as_of")
    return members.groupby("cluster_id")["value"].last().astype(int)


def test_sample_members_are_calibrated_on_the_published_figures(tables, directory):
    clusters, labels = directory
    members = tables["members"]
    per_pole = members.groupby("cluster_id").size()
    published = _latest_published_members()
    assert len(published) >= 50
    # A pôle that published a members figure has exactly that many (fictitious) members.
    pd.testing.assert_series_equal(per_pole.reindex(published.index), published, check_names=False, check_dtype=False)
    current = clusters_active_on(labels, SAMPLE_AS_OF)  # the sample's "today", not the clock's
    unpublished = per_pole.drop(index=list(published.index), errors="ignore")
    historical = unpublished.drop(index=list(current), errors="ignore")
    assert historical.between(60, 120).all()
    # Current pôles with no figure get a count of the same order as those published.
    guessed = unpublished.reindex([c for c in current if c not in published.index]).dropna()
    assert len(guessed) and guessed.between(2, 10 * published.median()).all()
    first = labels.groupby("cluster_id")["date"].min().str[:4].astype(int)
    assert (members["since"] >= members["cluster_id"].map(first)).all()
    assert members["since"].le(2026).all()
    assert members["sample"].all() and members["name"].str.startswith("Membre d'exemple").all()


def test_project_years_lie_in_the_lead_poles_labelled_phases(tables, directory):
    projects, (clusters, _) = tables["projects"], directory
    phases = clusters.set_index("id")["phases"]
    years = {
        cid: {y for p in held for y in range(PHASE_YEARS[p][0], PHASE_YEARS[p][1] + 1)} for cid, held in phases.items()
    }
    assert all(y in years[c] for c, y in zip(projects["cluster_id"], projects["year"], strict=True))
    assert projects["year"].le(2026).all()
    assert 10 <= len(projects) / (phases.map(len) > 0).sum() <= 20


def test_projects_have_partners_of_the_lead_pole_and_plausible_costs(tables):
    projects, members = tables["projects"], tables["members"]
    owner = members.set_index("member_id")["cluster_id"]
    partners = projects["partner_ids"].str.split("|")
    assert partners.map(len).between(2, 8).all()
    assert partners.map(lambda ids: len(set(ids)) == len(ids)).all()
    exploded = partners.explode()
    lead = projects.loc[exploded.index, "cluster_id"]
    assert (exploded.map(owner).to_numpy() == lead.to_numpy()).all()
    assert 1.5e6 <= projects["total_cost_eur"].mean() <= 3.5e6
    assert projects["total_cost_eur"].mod(1).eq(0).all()
    assert projects["title"].str.fullmatch(r"Projet d'exemple \d{4}").all()


def test_co_labelling_poles_were_active_in_the_project_phase(tables, directory):
    projects, (clusters, _) = tables["projects"], directory
    phases = clusters.set_index("id")["phases"]
    ids = projects["cluster_ids"].str.split("|")
    assert (ids.str[0] == projects["cluster_id"]).all()
    assert ids.map(len).le(2).all()
    co = projects[ids.map(len) == 2]
    assert 0.05 <= len(co) / len(projects) <= 0.15
    for year, pair in zip(co["year"], co["cluster_ids"].str.split("|"), strict=True):
        phase = next(p for p, (start, end) in PHASE_YEARS.items() if start <= year <= end)
        assert pair[0] != pair[1] and phase in phases[pair[1]]


def test_funding_lines_are_plausible(tables):
    projects, funding = tables["projects"], tables["funding"]
    assert funding["project_id"].isin(projects["project_id"]).all()
    lines = funding.groupby("project_id").size()
    assert lines.between(1, 3).all() and len(lines) == len(projects)
    assert not funding.duplicated(["project_id", "funder"]).any()
    project = projects.set_index("project_id")
    project_year = funding["project_id"].map(project["year"])
    assert (funding["year"].to_numpy() == project_year.to_numpy()).all()
    share = funding.groupby("project_id")["amount_eur"].sum() / project["total_cost_eur"]
    assert share.between(0.24, 0.36).all()
    assert 0.5e6 <= funding["amount_eur"].sum() / len(projects) <= 1.0e6
    assert funding["amount_eur"].mod(1).eq(0).all()
    assert not ((funding["funder"] == "state_fui") & (funding["year"] > 2018)).any()
    assert not ((funding["funder"] == "pia") & (funding["year"] < 2010)).any()


def test_scale_2_doubles_the_poles_with_flagged_copies(built_scale_2, directory, communes):
    out, counts = built_scale_2
    real, _ = directory
    _, clusters, labels = load_directory(out, communes)
    assert len(clusters) == 2 * len(real) == counts["clusters"]
    synthetic = clusters[clusters["id"].str.startswith("sample-2-")]
    assert len(synthetic) == len(real)
    assert synthetic["sample"].all()
    assert not clusters.loc[~clusters.index.isin(synthetic.index), "sample"].any()
    assert synthetic["name"].str.startswith("Pôle d'exemple 2 — ").all()
    assert synthetic["merged_into"].eq("").all()
    seated = synthetic[synthetic["seat_commune_code"] != ""]
    assert (seated["seat_region_code"] == seated["region_list"].str[0]).all()
    assert labels.loc[labels["cluster_id"].str.startswith("sample-"), "source"].eq("sample").all()

    store = load_store(out, out)  # out is a complete data folder
    members = store.members
    assert set(members["cluster_id"]) == set(clusters["id"])
    per_pole = members.groupby("cluster_id").size()
    published = _latest_published_members()
    assert (per_pole.reindex(published.index) == published).all()  # the real pôles stay calibrated
    current = clusters_active_on(labels, SAMPLE_AS_OF)
    copies = per_pole[per_pole.index.str.startswith("sample-2-") & per_pole.index.isin(list(current))]
    assert len(copies) == len(real[real["id"].isin(list(current))]) and copies.ge(2).all()
    assert (out / "web").is_dir() and (out / "themes.csv").exists()


def test_scale_above_1_refuses_to_overwrite_the_real_directory():
    with pytest.raises(ValueError, match="output folder"):
        build_sample(GEODATA, GEODATA, scale=2, progress=False)
