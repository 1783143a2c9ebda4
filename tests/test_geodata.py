"""Invariants of the built reference geodata, on the committed files and on a fresh build."""

from __future__ import annotations

import filecmp
import json

import geopandas as gpd
import pytest
import shapely

from mapapp.config import DEFAULT_GEODATA_DIR
from mapapp.geo import build
from mapapp.geo.layers import read_layer, regions_2015_table

GEODATA = DEFAULT_GEODATA_DIR
CURRENT_REGIONS = {
    "01",
    "02",
    "03",
    "04",
    "06",
    "11",
    "24",
    "27",
    "28",
    "32",
    "44",
    "52",
    "53",
    "75",
    "76",
    "84",
    "93",
    "94",
}


@pytest.fixture(scope="module")
def regions():
    return read_layer(GEODATA, "regions")


@pytest.fixture(scope="module")
def departements():
    return read_layer(GEODATA, "departements")


@pytest.fixture(scope="module")
def communes():
    return read_layer(GEODATA, "communes")


def test_eighteen_regions_with_insee_codes(regions):
    assert set(regions["code"]) == CURRENT_REGIONS
    assert regions.geometry.is_valid.all()
    assert regions.loc[regions["code"] == "11", "name"].item() == "Île-de-France"


def test_hundred_and_one_departements(departements):
    assert len(departements) == 101
    assert departements["code"].is_unique
    assert set(departements["region_code"]) == CURRENT_REGIONS
    assert departements.geometry.is_valid.all()


def test_regions_2015_are_27_unions_of_departements(departements):
    old = read_layer(GEODATA, "regions_2015")
    assert len(old) == 27
    listed = regions_2015_table().explode("departement_codes")["departement_codes"]
    assert sorted(listed) == sorted(departements["code"])  # each département in exactly one
    alsace = old.set_index("code").geometry["42"]
    bas_rhin_haut_rhin = departements.set_index("code").geometry[["67", "68"]].union_all()
    assert shapely.symmetric_difference(alsace, bas_rhin_haut_rhin).area < 1e-3 * alsace.area


def test_every_commune_lies_in_exactly_one_region(communes, regions):
    placed = communes[communes.geometry.notna()]
    joined = gpd.sjoin(placed, regions[["code", "geometry"]], predicate="within", how="left")
    per_commune = joined.groupby(level=0)["code_right"].nunique()
    assert (per_commune == 1).all(), placed.loc[per_commune[per_commune != 1].index, "name"].tolist()
    # ... and it is its own region (the region is dissolved from its communes)
    assert (joined["code_right"] == joined["region_code"]).mean() > 0.999


def test_gazetteer_keeps_missing_facts_missing(communes):
    assert len(communes) == 34875
    mayotte = communes[communes["departement_code"] == "976"]
    assert len(mayotte) == 17 and mayotte["population"].isna().all()
    assert (communes["population"] == 0).sum() == 6  # the Meuse villages destroyed in 1916
    # Restored in 2025, no polygon of their own in the source: no invented point either.
    assert set(communes.loc[communes.geometry.isna(), "code"]) == {"15031", "15035", "15047", "15171"}


def test_no_overlap_between_regions(regions):
    geoms = regions.geometry.to_numpy()
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            assert shapely.intersection(geoms[i], geoms[j]).area < 1e-6, (regions["name"][i], regions["name"][j])


@pytest.mark.parametrize("layer", ["regions", "departements", "regions_2015"])
def test_browser_layers_keep_topology(layer):
    """Coverage simplification keeps shared borders shared: no gaps, no overlaps."""
    data = json.loads((GEODATA / "web" / f"{layer}.geojson").read_bytes())
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in data["features"]])
    assert shapely.coverage_is_valid(geoms)
    assert all(shapely.is_valid(geoms))
    assert {f["id"] for f in data["features"]} == {f["properties"]["code"] for f in data["features"]}


def test_browser_regions_are_light():
    assert (GEODATA / "web" / "regions.geojson").stat().st_size <= 300_000


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory):
    try:
        src = build.source_dir()
    except build.SourceMissing as exc:
        pytest.skip(str(exc))
    out = tmp_path_factory.mktemp("geodata")
    build.write_geodata(out, src=src, progress=False)
    return out, src


@pytest.mark.slow
def test_build_reproduces_the_committed_files(fresh_build):
    out, _ = fresh_build
    for rel in [
        "regions.parquet",
        "departements.parquet",
        "regions_2015.parquet",
        "communes.parquet",
        "web/regions.geojson",
        "web/regions.geojson.gz",
        "web/departements.geojson",
    ]:
        assert filecmp.cmp(out / rel, GEODATA / rel, shallow=False), rel


@pytest.mark.slow
def test_union_of_regions_matches_union_of_communes(fresh_build):
    _, src = fresh_build
    communes = build.read_communes(src)
    land = shapely.union_all(communes.geometry.dropna().to_numpy())
    regions = shapely.union_all(read_layer(GEODATA, "regions").geometry.to_numpy())
    # Only the ~100 m simplification of the app layer separates them.
    assert shapely.symmetric_difference(land, regions).area < 0.002 * land.area
