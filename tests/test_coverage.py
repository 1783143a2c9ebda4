"""Territorial coverage: per-region figures, classes, region profile, comparison and their HTTP API.

Aggregation is checked on a tiny hand-made data set whose answers are written by hand below;
consistency with `/api/clusters` and the HTTP contract on the real shipped data.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from mapapp.data.classes import classify
from mapapp.data.coverage import region_coverage
from mapapp.data.query import FilterError, Filters, Vocabulary, filter_clusters, vocabulary
from mapapp.data.region_profile import compare_regions, region_profile
from mapapp.data.store import Store, load_directory
from mapapp.geo.layers import read_layer, regions_2015_table
from mapapp.view import parse_compared_regions, parse_filters

# --- A hand-made data set -------------------------------------------------------------------
# Regions: 11 (1,000,000 inhabitants), 84 (500,000), 53 (200,000), 06 Mayotte (unknown).
# Pôles:   alpha  health          seat Paris (11)      active 11|84   phases 4, 5
#          beta   digital         seat Lyon (84)       active 84      phase 5
#          gamma  health|digital  seat Mamoudzou (06)  active 06|53   phase 5
#          delta  energy          no sourced seat: placed in its region 53   active 53   phase 1
# Members: alpha 2 in Paris (sme, large) + 1 in Lyon (research); beta 1 in Lyon (sme) + 1 in
#          Grenoble (eti); gamma 1 in Mamoudzou (sme) + 1 in Rennes (other); delta 1 in Rennes
#          (training).
# Projects: p1 alpha 2020 (state_fui 100,000 in 2020 + region 50,000 in 2021); p2 beta 2022
#          (anr 200,000, sample); p3 delta 2010 (feder 30,000: in 53, where its pôle is placed).
# Regions before 2016: 11 (1,000,000), 82 Rhône-Alpes (départements 69, 38: 400,000), 83 Auvergne
#          (63, where Clermont-Ferrand has no member: 100,000), 53 (200,000), 06 Mayotte (unknown).

COMMUNES = [
    ("75056", "Paris", "75", "11"),
    ("69123", "Lyon", "69", "84"),
    ("38185", "Grenoble", "38", "84"),
    ("35238", "Rennes", "35", "53"),
    ("97611", "Mamoudzou", "976", "06"),
    ("63113", "Clermont-Ferrand", "63", "84"),
]
CLUSTERS_CSV = (
    (
        "id,name,former_names,themes,seat_commune_code,seat_commune_name,region_codes,website,"
        "merged_into,merged_date,renamed_date,source,as_of\n"
    )
    + """alpha,Alpha,,health,75056,Paris,11|84,,,,,test,2026-01-01
beta,Beta,,digital,69123,Lyon,84,,,,,test,2026-01-01
gamma,Gamma,,health|digital,97611,Mamoudzou,06|53,,,,,test,2026-01-01
delta,Delta,,energy,,,53,,,,,test,2026-01-01
"""
)
LABELS_CSV = """cluster_id,phase,date,status,application,source,as_of
alpha,4,2019-02-05,labelled,,test,2026-01-01
alpha,5,2023-03-27,labelled,,test,2026-01-01
beta,5,2023-03-27,labelled,,test,2026-01-01
gamma,5,2023-03-27,labelled,,test,2026-01-01
delta,1,2005-07-12,labelled,,test,2026-01-01
"""
THEMES_CSV = """id,label_fr,label_en,color
health,Santé,Health,#CC3311
digital,Numérique,Digital,#AA3377
energy,Énergie,Energy,#DDAA33
"""
MEMBERS = [
    ("m1", "alpha", "sme", "75056"),
    ("m2", "alpha", "large", "75056"),
    ("m3", "alpha", "research", "69123"),
    ("m4", "beta", "sme", "69123"),
    ("m5", "beta", "eti", "38185"),
    ("m6", "gamma", "sme", "97611"),
    ("m7", "gamma", "other", "35238"),
    ("m8", "delta", "training", "35238"),
]
PROJECTS = [("p1", "alpha", 2020, False), ("p2", "beta", 2022, True), ("p3", "delta", 2010, False)]
FUNDING = [
    ("p1", "alpha", "state_fui", 2020, 100_000.0, False),
    ("p1", "alpha", "region", 2021, 50_000.0, False),
    ("p2", "beta", "anr", 2022, 200_000.0, True),
    ("p3", "delta", "feder", 2010, 30_000.0, False),
]
SOURCE = {"source": "test: hand-made", "as_of": "2026-01-01"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Store:
    root = tmp_path_factory.mktemp("tiny")
    (root / "clusters.csv").write_text(CLUSTERS_CSV, encoding="utf-8")
    (root / "cluster_labels.csv").write_text(LABELS_CSV, encoding="utf-8")
    (root / "themes.csv").write_text(THEMES_CSV, encoding="utf-8")
    communes = gpd.GeoDataFrame(
        {
            "code": [c[0] for c in COMMUNES],
            "name": [c[1] for c in COMMUNES],
            "departement_code": [c[2] for c in COMMUNES],
            "region_code": [c[3] for c in COMMUNES],
            "population": [2_100_000.0, 520_000.0, 160_000.0, 220_000.0, float("nan"), 147_000.0],
        },
        geometry=[
            Point(2.35, 48.86),
            Point(4.83, 45.76),
            Point(5.72, 45.19),
            Point(-1.68, 48.11),
            Point(45.2, -12.8),
            Point(3.08, 45.78),
        ],
        crs="EPSG:4326",
    )
    themes, clusters, labels = load_directory(root, communes)
    regions = gpd.GeoDataFrame(
        {
            "code": ["11", "84", "53", "06"],
            "name": ["Île-de-France", "Auvergne-Rhône-Alpes", "Bretagne", "Mayotte"],
            "population": [1_000_000.0, 500_000.0, 200_000.0, float("nan")],
        },
        geometry=[Point(2.3, 48.8), Point(4.8, 45.7), Point(-2.8, 48.2), Point(45.1, -12.8)],
        crs="EPSG:4326",
    )
    regions_2015 = gpd.GeoDataFrame(
        {
            "code": ["11", "82", "83", "53", "06"],
            "name": ["Île-de-France", "Rhône-Alpes", "Auvergne", "Bretagne", "Mayotte"],
            "population": [1_000_000.0, 400_000.0, 100_000.0, 200_000.0, float("nan")],
        },
        geometry=[Point(2.3, 48.8), Point(4.8, 45.7), Point(3.1, 45.7), Point(-2.8, 48.2), Point(45.1, -12.8)],
        crs="EPSG:4326",
    )
    members = pd.DataFrame(
        {
            "member_id": [m[0] for m in MEMBERS],
            "cluster_id": [m[1] for m in MEMBERS],
            "name": [f"Membre {m[0]}" for m in MEMBERS],
            "category": [m[2] for m in MEMBERS],
            "commune_code": [m[3] for m in MEMBERS],
            "sample": False,
            **SOURCE,
        }
    )
    projects = pd.DataFrame(
        {
            "project_id": [p[0] for p in PROJECTS],
            "cluster_id": [p[1] for p in PROJECTS],
            "year": [p[2] for p in PROJECTS],
            "sample": [p[3] for p in PROJECTS],
            **SOURCE,
        }
    )
    funding = pd.DataFrame(FUNDING, columns=["project_id", "cluster_id", "funder", "year", "amount_eur", "sample"])
    funding = funding.assign(**SOURCE)
    return Store(
        regions=regions,
        communes=communes,
        themes=themes,
        phases=pd.DataFrame(),
        clusters=clusters,
        labels=labels,
        members=members,
        projects=projects,
        funding=funding,
        regions_2015=regions_2015,
    )


def _column(table: pd.DataFrame, column: str) -> dict:
    return dict(zip(table["code"], table[column], strict=True))


def test_counts_per_region_by_hand(tiny):
    table = region_coverage(tiny, Filters())
    assert list(table["code"]) == ["11", "84", "53", "06"]
    assert _column(table, "clusters_seated") == {"11": 1, "84": 1, "53": 1, "06": 1}  # delta: placed in its region
    # alpha counts once in 11 and once in 84; gamma once in 06 and once in 53.
    assert _column(table, "clusters_active") == {"11": 1, "84": 2, "53": 2, "06": 1}
    assert _column(table, "members") == {"11": 2, "84": 3, "53": 2, "06": 1}  # where members are, not the seat
    assert _column(table, "projects") == {"11": 1, "84": 1, "53": 1, "06": 0}  # p3: delta's region
    assert _column(table, "funding_eur") == {"11": 150_000.0, "84": 200_000.0, "53": 30_000.0, "06": 0.0}
    assert table["sample"].all()  # p2 is sample


def test_per_100k_inhabitants_by_hand_and_na_for_mayotte(tiny):
    table = region_coverage(tiny, Filters()).set_index("code")
    assert table.loc["11", "members_per_100k"] == 0.2  # 2 / 1,000,000 × 100,000
    assert table.loc["84", "clusters_active_per_100k"] == 0.4  # 2 / 500,000 × 100,000
    assert table.loc["84", "funding_eur_per_100k"] == 40_000.0
    assert table.loc["53", "members_per_100k"] == 1.0
    assert table.loc["53", "clusters_seated_per_100k"] == 0.5  # delta, placed in its region: 1 / 200,000
    health = region_coverage(tiny, Filters(themes=("health",))).set_index("code")
    assert health.loc["84", "clusters_seated_per_100k"] == 0.0  # zero pôles, known population: 0, not n/a
    mayotte = table.loc["06"]
    assert mayotte["clusters_seated"] == 1 and mayotte["members"] == 1  # absolute figures are known
    for measure in ("clusters_seated", "clusters_active", "members", "projects", "funding_eur"):
        assert math.isnan(mayotte[f"{measure}_per_100k"])


def test_filters_select_the_pôles_summed(tiny):
    health = region_coverage(tiny, Filters(themes=("health",)))  # alpha, gamma
    assert _column(health, "clusters_seated") == {"11": 1, "84": 0, "53": 0, "06": 1}
    assert _column(health, "clusters_active") == {"11": 1, "84": 1, "53": 1, "06": 1}
    assert _column(health, "members") == {"11": 2, "84": 1, "53": 1, "06": 1}
    assert _column(health, "funding_eur") == {"11": 150_000.0, "84": 0.0, "53": 0.0, "06": 0.0}
    assert not health["sample"].any()
    phase1 = region_coverage(tiny, Filters(phases=(1,)))  # delta only, placed in its region
    assert _column(phase1, "clusters_seated") == {"11": 0, "84": 0, "53": 1, "06": 0}
    assert _column(phase1, "clusters_active") == {"11": 0, "84": 0, "53": 1, "06": 0}
    assert _column(phase1, "members") == {"11": 0, "84": 0, "53": 1, "06": 0}
    assert _column(phase1, "projects") == {"11": 0, "84": 0, "53": 1, "06": 0}
    # The region filter is ignored: every region is compared on the same selection.
    pd.testing.assert_frame_equal(region_coverage(tiny, Filters(regions=("53",))), region_coverage(tiny, Filters()))
    nothing = region_coverage(tiny, Filters(q="zzz"))
    assert nothing["members"].sum() == 0 and nothing["funding_eur"].dtype == "float64"


OLD = "regions_2015"


def test_counts_per_region_before_2016_by_hand(tiny):
    table = region_coverage(tiny, Filters(), layer=OLD)
    assert list(table.columns) == list(region_coverage(tiny, Filters()).columns)
    assert list(table["code"]) == ["11", "82", "83", "53", "06"]
    assert _column(table, "clusters_seated") == {"11": 1, "82": 1, "83": 0, "53": 0, "06": 1}
    # alpha (active 11|84) and beta (84): active in both old regions inside 84, Rhône-Alpes and
    # Auvergne; gamma (06|53) and delta (53) in Bretagne.
    assert _column(table, "clusters_active") == {"11": 1, "82": 2, "83": 2, "53": 2, "06": 1}
    assert _column(table, "members") == {"11": 2, "82": 3, "83": 0, "53": 2, "06": 1}  # Lyon 2 + Grenoble 1
    assert _column(table, "projects") == {"11": 1, "82": 1, "83": 0, "53": 0, "06": 0}
    assert _column(table, "funding_eur") == {"11": 150_000.0, "82": 200_000.0, "83": 0.0, "53": 0.0, "06": 0.0}
    assert table["sample"].all()
    by_code = table.set_index("code")
    assert by_code.loc["82", "members_per_100k"] == 0.75  # 3 / 400,000 × 100,000
    assert by_code.loc["83", "clusters_active_per_100k"] == 2.0  # 2 / 100,000 × 100,000
    assert by_code.loc["83", "members_per_100k"] == 0.0
    assert by_code.loc["82", "funding_eur_per_100k"] == 50_000.0
    assert all(math.isnan(by_code.loc["06", f"{m}_per_100k"]) for m in ("members", "clusters_active", "projects"))
    # The default layer is today's 18 (here 4) regions.
    pd.testing.assert_frame_equal(region_coverage(tiny, Filters(), layer="regions"), region_coverage(tiny, Filters()))


def test_regions_before_2016_honour_filters(tiny):
    health = region_coverage(tiny, Filters(themes=("health",)), layer=OLD)  # alpha, gamma
    assert _column(health, "clusters_active") == {"11": 1, "82": 1, "83": 1, "53": 1, "06": 1}
    assert _column(health, "members") == {"11": 2, "82": 1, "83": 0, "53": 1, "06": 1}
    phase1 = region_coverage(tiny, Filters(phases=(1,)), layer=OLD)  # delta only, no seat
    assert _column(phase1, "clusters_seated") == {"11": 0, "82": 0, "83": 0, "53": 0, "06": 0}
    assert _column(phase1, "clusters_active") == {"11": 0, "82": 0, "83": 0, "53": 1, "06": 0}
    assert _column(phase1, "members") == {"11": 0, "82": 0, "83": 0, "53": 1, "06": 0}
    # Classes work unchanged on the old layer (Mayotte n/a).
    classes = classify(region_coverage(tiny, Filters(), layer=OLD).set_index("code")["members_per_100k"])
    assert classes["classes"]["06"] is None and classes["bins"][-1] == 1.0  # Bretagne: 2 / 200,000


def test_region_profile_before_2016(tiny):
    auvergne = region_profile(tiny, "83", layer=OLD)
    json.dumps(auvergne, allow_nan=False)
    assert (auvergne["name"], auvergne["population"]) == ("Auvergne", 100_000.0)
    assert auvergne["clusters"]["seated"] == [] and [c["id"] for c in auvergne["clusters"]["active"]] == [
        "alpha",
        "beta",
    ]
    assert auvergne["members"]["count"] == 0 and auvergne["ranked"] == {"absolute": 5, "per_100k": 4}
    assert auvergne["measures"]["clusters_active"]["rank_per_100k"] == 1
    assert region_profile(tiny, "82", layer=OLD)["funding"]["total_eur"] == 200_000.0
    assert region_profile(tiny, "84", layer=OLD) is None  # a current code, not an old one
    compared = compare_regions(tiny, ["83", "82"], layer=OLD)
    assert [entry["code"] for entry in compared] == ["83", "82"]


def test_unknown_layer_names_the_parameter(tiny):
    with pytest.raises(FilterError) as err:
        region_coverage(tiny, Filters(), layer="regions_1982")
    assert err.value.parameter == "layer"


def test_a_store_without_the_old_layer_has_unknown_populations(tiny):
    bare = dataclasses.replace(tiny, regions_2015=None, cache={})
    table = region_coverage(bare, Filters(), layer=OLD)
    assert list(table["code"]) == list(regions_2015_table()["code"]) and len(table) == 27
    assert table["population"].isna().all() and table["members_per_100k"].isna().all()
    assert table["members"].sum() == 8 and table.set_index("code").loc["83", "clusters_active"] == 2


def test_region_profile_by_hand(tiny):
    profile = region_profile(tiny, "84")
    json.dumps(profile, allow_nan=False)
    assert (profile["code"], profile["name"], profile["population"]) == ("84", "Auvergne-Rhône-Alpes", 500_000.0)
    assert profile["clusters"]["seated"] == [{"id": "beta", "name": "Beta", "themes": ["digital"]}]
    assert [c["id"] for c in profile["clusters"]["active"]] == ["alpha", "beta"]
    assert profile["themes"]["present"] == ["health", "digital"] and profile["themes"]["missing"] == ["energy"]
    national = {t["id"]: (t["clusters_active"], t["clusters_national"]) for t in profile["themes"]["items"]}
    assert national == {"health": (1, 2), "digital": (1, 2), "energy": (0, 1)}
    assert profile["members"]["count"] == 3
    assert profile["members"]["by_category"] == {
        "large": 0,
        "eti": 1,
        "sme": 1,
        "research": 1,
        "training": 0,
        "other": 0,
    }
    assert profile["projects"]["count"] == 1 and profile["projects"]["by_year"] == [{"year": 2022, "projects": 1}]
    assert profile["funding"]["total_eur"] == 200_000.0
    assert profile["funding"]["by_funder"] == [{"funder": "anr", "amount_eur": 200_000.0, "projects": 1}]
    assert profile["funding"]["by_year"] == [{"year": 2022, "funder": "anr", "amount_eur": 200_000.0}]
    assert profile["members"]["sample"] is False and profile["projects"]["sample"] is True
    assert profile["sample"] is True and profile["sources"] == [SOURCE]


def test_region_profile_funding_by_funder_and_year(tiny):
    funding = region_profile(tiny, "11")["funding"]
    assert funding["total_eur"] == 150_000.0
    assert funding["by_funder"] == [
        {"funder": "state_fui", "amount_eur": 100_000.0, "projects": 1},
        {"funder": "region", "amount_eur": 50_000.0, "projects": 1},
    ]
    assert funding["by_year"] == [
        {"year": 2020, "funder": "state_fui", "amount_eur": 100_000.0},
        {"year": 2021, "funder": "region", "amount_eur": 50_000.0},
    ]
    assert funding["sample"] is False


def test_region_profile_ranks_ties_and_mayotte(tiny):
    measures = region_profile(tiny, "53")["measures"]
    # members 84: 3, 11: 2, 53: 2, 06: 1 -> 53 shares rank 2 with 11; per 100k 53 leads (1.0).
    assert measures["members"] == {"value": 2, "per_100k": 1.0, "rank": 2, "rank_per_100k": 1}
    # clusters_active 84: 2, 53: 2 (tie for 1st), 11: 1, 06: 1.
    assert measures["clusters_active"]["rank"] == 1
    # projects 11: 1, 84: 1, 53: 1 (delta's), 06: 0; per 100k 53 leads (0.5).
    assert measures["projects"] == {"value": 1, "per_100k": 0.5, "rank": 1, "rank_per_100k": 1}
    mayotte = region_profile(tiny, "06")
    assert mayotte["population"] is None and mayotte["ranked"] == {"absolute": 4, "per_100k": 3}
    assert mayotte["measures"]["members"] == {"value": 1, "per_100k": None, "rank": 4, "rank_per_100k": None}
    assert mayotte["measures"]["clusters_active"]["rank"] == 3  # tie with 11
    assert region_profile(tiny, "99") is None


def test_region_profile_honours_filters(tiny):
    phase5 = region_profile(tiny, "53", Filters(phases=(5,), regions=("11",)))  # region filter ignored
    assert [c["id"] for c in phase5["clusters"]["active"]] == ["gamma"]
    assert phase5["themes"]["missing"] == ["energy"]
    assert phase5["members"]["by_category"]["other"] == 1 and phase5["members"]["count"] == 1
    everything = region_profile(tiny, "53")
    assert everything["themes"]["missing"] == []
    assert everything["projects"]["count"] == 1  # delta's project: delta is placed in its region


def test_compare_regions_uses_the_same_measure_block(tiny):
    compared = compare_regions(tiny, ["06", "84"], Filters(themes=("health",)))
    assert [r["code"] for r in compared] == ["06", "84"]
    for entry in compared:
        profile = region_profile(tiny, entry["code"], Filters(themes=("health",)))
        assert entry["measures"] == profile["measures"]
    with pytest.raises(FilterError) as err:
        compare_regions(tiny, ["11", "84", "53", "06", "99"])
    assert err.value.parameter == "region"
    with pytest.raises(FilterError):
        compare_regions(tiny, ["11", "99"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("84,11", ("84", "11")), (["84", "11", "53"], ("84", "11", "53")), (["84,11", "53", "06"], None)],
)
def test_parse_compared_regions(raw, expected):
    known = Vocabulary(themes=(), regions=("11", "84", "53", "06", "93"))
    if expected:
        assert parse_compared_regions(raw, known) == expected
    else:
        assert parse_compared_regions(raw, known) == ("84", "11", "53", "06")


@pytest.mark.parametrize("raw", [None, "84", "84,84", "84,11,53,06,93", "84,xx"])
def test_parse_compared_regions_refuses(raw):
    with pytest.raises(FilterError) as err:
        parse_compared_regions(raw, Vocabulary(themes=(), regions=("11", "84", "53", "06", "93")))
    assert err.value.parameter == "region"


# --- classify --------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["quantiles", "natural_breaks"])
def test_classify_many_values(scheme):
    values = {f"r{i:02d}": float(v) for i, v in enumerate([1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200])}
    result = classify(values, k=4, scheme=scheme)
    bins = result["bins"]
    assert len(bins) == 4 and bins == sorted(bins) and bins[-1] == 200.0 and result["min"] == 1.0
    for code, value in values.items():
        cls = result["classes"][code]
        assert value <= bins[cls] and (cls == 0 or value > bins[cls - 1])
    assert set(result["classes"].values()) == {0, 1, 2, 3}


def test_classify_quantiles_by_hand():
    result = classify({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0, "f": 6.0}, k=2)
    assert result["bins"] == [3.5, 6.0]
    assert result["classes"] == {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "f": 1}


def test_classify_natural_breaks_finds_the_gap():
    result = classify({"a": 1.0, "b": 1.1, "c": 1.2, "d": 9.0, "e": 9.1, "f": 9.3}, k=2, scheme="natural_breaks")
    assert result["bins"] == [1.2, 9.3]


def test_classify_fewer_distinct_values_than_classes():
    result = classify({"a": 0.0, "b": 0.0, "c": 5.0, "d": 5.0, "e": 7.0}, k=5)
    assert result["bins"] == [0.0, 5.0, 7.0]
    assert result["classes"] == {"a": 0, "b": 0, "c": 1, "d": 1, "e": 2}


@pytest.mark.parametrize("scheme", ["quantiles", "natural_breaks"])
def test_classify_all_zero_and_na(scheme):
    result = classify(pd.Series({"11": 0.0, "84": 0.0, "06": float("nan")}), k=5, scheme=scheme)
    assert result == {"bins": [0.0], "min": 0.0, "classes": {"11": 0, "84": 0, "06": None}}
    assert classify({"06": float("nan")}) == {"bins": [], "min": None, "classes": {"06": None}}
    assert classify({}) == {"bins": [], "min": None, "classes": {}}


def test_classify_refuses_bad_arguments():
    with pytest.raises(ValueError, match="scheme"):
        classify({"a": 1.0}, scheme="jenks")
    with pytest.raises(ValueError, match="k"):
        classify({"a": 1.0}, k=0)


def test_classify_a_real_measure_with_mayotte(store):
    table = region_coverage(store, Filters()).set_index("code")
    for scheme in ("quantiles", "natural_breaks"):
        result = classify(table["members_per_100k"], k=5, scheme=scheme)
        assert len(result["bins"]) == 5 and result["classes"]["06"] is None
        assert sum(c is not None for c in result["classes"].values()) == 17


# --- the real shipped data and the HTTP API ----------------------------------------------------

FILTER_QUERIES = ["", "theme=health", "phase=5", "phase=1", "theme=digital,energy&phase=4", "q=pole", "q=zzzz"]


@pytest.mark.parametrize("query_string", FILTER_QUERIES)
def test_regions_add_up_to_the_clusters_endpoint(client, store, query_string):
    regions = client.get(f"/api/regions?{query_string}").json
    features = client.get(f"/api/clusters?{query_string}").json["features"]
    placed = [f["properties"] for f in features if f["geometry"]]
    listed = [f["properties"] for f in features]
    assert len(regions) == 18
    assert sum(r["clusters_seated"] for r in regions) == len(placed)
    codes = set(store.regions["code"])
    assert sum(r["clusters_active"] for r in regions) == sum(len(set(p["region_codes"]) & codes) for p in listed)
    # Members are where they are located (all in the gazetteer); projects and funding are
    # attributed to the seat region, so pôles without a known seat count in no region.
    assert sum(r["members"] for r in regions) == sum(p["members"] for p in listed)
    assert sum(r["projects"] for r in regions) == sum(p["projects"] for p in placed)
    assert sum(r["funding_eur"] for r in regions) == pytest.approx(sum(p["funding_eur"] for p in placed))


@pytest.mark.parametrize("query_string", FILTER_QUERIES)
def test_regions_before_2016_add_up_to_the_current_regions(store, config, query_string):
    filters = parse_filters(dict(pair.split("=", 1) for pair in query_string.split("&") if pair), vocabulary(store))
    old = region_coverage(store, filters, layer=OLD)
    new = region_coverage(store, filters)
    assert len(old) == 27 and list(old["code"]) == list(store.regions_2015["code"])
    # A pôle placed in its region for want of a sourced commune has no known old region: it
    # counts in its current region only.
    selection = filter_clusters(store, filters)
    in_region = selection[selection["seat_precision"] == "region"]
    unplaced_old = (
        in_region.assign(
            clusters_seated=1, region=store.clusters.set_index("id").loc[in_region["id"], "seat_region_code"].to_numpy()
        )
        .groupby("region")[["clusters_seated", "projects", "funding_eur"]]
        .sum()
        .reindex(new["code"], fill_value=0)
        .set_axis(new.index)
    )
    new = new.assign(**{m: new[m] - unplaced_old[m] for m in unplaced_old.columns})
    for measure in ("clusters_seated", "members", "projects"):
        assert old[measure].sum() == new[measure].sum(), measure
    assert old["funding_eur"].sum() == pytest.approx(new["funding_eur"].sum())
    # Each old region lies in one current region (départements layer): the old regions inside a
    # current one add up to it, and a pôle active there is active in each of them.
    departements = read_layer(config.geodata_dir, "departements").set_index("code")["region_code"]
    exploded = regions_2015_table().explode("departement_codes")
    current_of_old = exploded.assign(current=exploded["departement_codes"].map(departements))
    assert current_of_old.groupby("code")["current"].nunique().eq(1).all()
    current_of_old = current_of_old.drop_duplicates("code").set_index("code")["current"]
    old = old.assign(current=old["code"].map(current_of_old))
    new = new.set_index("code")
    for measure in ("clusters_seated", "members", "projects", "funding_eur"):
        sums = old.groupby("current")[measure].sum().reindex(new.index, fill_value=0)
        assert sums.to_numpy() == pytest.approx(new[measure].to_numpy()), measure
    assert (old["clusters_active"].to_numpy() == new.loc[old["current"], "clusters_active"].to_numpy()).all()
    grand_est = old.set_index("code").loc[["42", "41", "21"]]  # Alsace, Lorraine, Champagne-Ardenne
    assert grand_est["members"].sum() == new.loc["44", "members"]
    assert grand_est["clusters_seated"].sum() == new.loc["44", "clusters_seated"]


@pytest.mark.parametrize("query_string", ["", "phase=1", "phase=2&theme=health"])
def test_regions_endpoint_before_2016(client, store, query_string):
    rows = client.get(f"/api/regions?layer=regions_2015&{query_string}").json
    assert [r["code"] for r in rows] == list(store.regions_2015["code"])
    assert list(rows[0]) == list(client.get("/api/regions").json[0])
    mayotte = next(r for r in rows if r["code"] == "06")
    assert mayotte["population"] is None and mayotte["members_per_100k"] is None
    response = client.get(f"/api/regions.csv?layer=regions_2015&sep=;&{query_string}")
    assert response.status_code == 200 and 'filename="regions-2015-' in response.headers["Content-Disposition"]
    csv = pd.read_csv(io.StringIO(response.data.decode("utf-8-sig")), sep=";", dtype={"code": str})
    assert len(csv) == 27 and list(csv.columns) == list(rows[0])
    for measure in ("clusters_seated", "clusters_active", "members", "projects", "funding_eur"):
        assert csv[measure].tolist() == pytest.approx([r[measure] for r in rows]), measure
    assert (
        client.get(f"/api/regions?layer=regions&{query_string}").json == client.get(f"/api/regions?{query_string}").json
    )


@pytest.mark.parametrize("query_string", ["layer=regions_1982", "layer=REGIONS", "layer=regions&layer=regions_2015"])
def test_regions_endpoints_refuse_a_bad_layer(client, query_string):
    for url in (f"/api/regions?{query_string}", f"/api/regions.csv?{query_string}"):
        response = client.get(url)
        assert response.status_code == 400 and response.mimetype == "application/json", url
        assert response.json["parameter"] == "layer" and "layer" in response.json["error"]


@pytest.mark.parametrize("query_string", ["", "phase=5", "theme=health"])
def test_region_profiles_agree_with_the_regions_table(client, query_string):
    table = {r["code"]: r for r in client.get(f"/api/regions?{query_string}").json}
    for code, row in table.items():
        profile = client.get(f"/api/regions/{code}?{query_string}").json
        for measure, block in profile["measures"].items():
            assert block["value"] == row[measure] and block["per_100k"] == row[f"{measure}_per_100k"]
        assert profile["members"]["count"] == row["members"] == sum(profile["members"]["by_category"].values())
        assert profile["projects"]["count"] == row["projects"]
        assert profile["funding"]["total_eur"] == pytest.approx(row["funding_eur"])
        assert len(profile["clusters"]["seated"]) == row["clusters_seated"]
        assert len(profile["clusters"]["active"]) == row["clusters_active"]


def test_ranks_on_the_real_data(store):
    profiles = {code: region_profile(store, code, Filters(phases=(5,))) for code in store.regions["code"]}
    for measure in ("clusters_seated", "members", "funding_eur"):
        ranks = sorted(p["measures"][measure]["rank"] for p in profiles.values())
        assert ranks[0] == 1 and ranks[-1] <= 18 and len(ranks) == 18
        per_capita = [p["measures"][measure]["rank_per_100k"] for p in profiles.values()]
        assert per_capita.count(None) == 1 and profiles["06"]["measures"][measure]["rank_per_100k"] is None
        # Ranks with method "min": a rank r is held by regions with exactly r-1 regions above.
        values = {code: p["measures"][measure]["value"] for code, p in profiles.items()}
        for code, p in profiles.items():
            assert p["measures"][measure]["rank"] == 1 + sum(v > values[code] for v in values.values())
    assert profiles["84"]["measures"]["clusters_seated"]["rank"] == 1  # the most pôles seated in phase 5
    corse = profiles["94"]
    assert corse["measures"]["clusters_seated"]["value"] == 0
    zero_seated = sum(p["measures"]["clusters_seated"]["value"] == 0 for p in profiles.values())
    assert corse["measures"]["clusters_seated"]["rank"] == 18 - zero_seated + 1  # ties share the rank


def test_missing_themes_on_the_real_data(store):
    profile = region_profile(store, "94")  # Corse
    items = {t["id"]: t for t in profile["themes"]["items"]}
    assert set(items) == set(store.themes["id"])
    assert set(profile["themes"]["missing"]) == {t for t, item in items.items() if item["clusters_active"] == 0}
    assert set(profile["themes"]["present"]) | set(profile["themes"]["missing"]) == set(items)
    assert profile["themes"]["missing"]  # two pôles cannot cover every theme


def test_region_endpoint(client):
    response = client.get("/api/regions/84?phase=5")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.json["name"] == "Auvergne-Rhône-Alpes" and response.json["sample"] is True
    assert response.json["sources"] and response.json["clusters"]["seated"]


def test_region_endpoint_mayotte_is_na_not_zero(client):
    mayotte = client.get("/api/regions/06").json
    assert mayotte["population"] is None
    assert all(block["per_100k"] is None for block in mayotte["measures"].values())


@pytest.mark.parametrize("code", ["99", "72", "00"])
def test_unknown_region_is_404_naming_the_parameter(client, code):
    response = client.get(f"/api/regions/{code}")
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.json == {"error": f"unknown region '{code}'", "parameter": "region"}


@pytest.mark.parametrize("code", ["8", "084", "xx", "%3Cscript%3E", "8a", "a" * 200])
def test_malformed_region_is_400_naming_the_parameter(client, code):
    response = client.get(f"/api/regions/{code}")
    assert response.status_code == 400 and response.mimetype == "application/json"
    assert response.json["parameter"] == "region"


@pytest.mark.parametrize(
    ("query_string", "parameter"), [("theme=cooking", "theme"), ("phase=9", "phase"), ("q=" + "x" * 101, "q")]
)
def test_region_endpoints_refuse_bad_filters(client, query_string, parameter):
    for url in (f"/api/regions/84?{query_string}", f"/api/regions/compare?region=84,11&{query_string}"):
        response = client.get(url)
        assert response.status_code == 400 and response.json["parameter"] == parameter, url


def test_compare_endpoint(client):
    response = client.get("/api/regions/compare?region=84&region=11&phase=5")
    assert response.status_code == 200 and response.mimetype == "application/json"
    compared = response.json
    assert [r["code"] for r in compared] == ["84", "11"]
    profile = client.get("/api/regions/11?phase=5").json
    assert compared[1]["measures"] == profile["measures"]
    assert [r["code"] for r in client.get("/api/regions/compare?region=84,11,06,94").json] == ["84", "11", "06", "94"]


@pytest.mark.parametrize(
    "query_string", ["", "region=84", "region=84,84", "region=84,11,53,06,94", "region=84,xx", "region=84&region=7"]
)
def test_compare_needs_two_to_four_known_regions(client, query_string):
    response = client.get(f"/api/regions/compare?{query_string}")
    assert response.status_code == 400 and response.mimetype == "application/json"
    assert response.json["parameter"] == "region" and "region" in response.json["error"]


def test_regions_endpoints_keep_their_shape(client):
    rows = client.get("/api/regions").json
    assert list(rows[0]) == [
        "code",
        "name",
        "population",
        "clusters_seated",
        "clusters_active",
        "members",
        "projects",
        "funding_eur",
        "members_published",
        "clusters_seated_per_100k",
        "clusters_active_per_100k",
        "members_per_100k",
        "projects_per_100k",
        "funding_eur_per_100k",
        "members_published_per_100k",
        "clusters_without_members_published",
        "sample",
    ]
    csv_text = client.get("/api/regions.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == ",".join(rows[0])
    assert len(csv_text.splitlines()) == 19
    assert client.get("/api/regions?region=84").json == rows  # the region filter is ignored


@pytest.mark.parametrize("mode", ["clusters_seated", "clusters_active", "projects"])
def test_count_legends_are_disjoint_whole_ranges_holding_each_region(store, mode):
    from mapapp.ui.coverage import PALETTE, choropleth

    colouring = choropleth(store, "fr", Filters(phases=(5,)), mode, per_capita=False)
    ranges = []
    for row in colouring["legend"]["rows"]:
        low, _, high = row["text"].replace("\u202f", "").replace(" ", "").partition("–")
        ranges.append((row["color"], int(low), int(high or low)))
    for (_, _, high), (_, low, _) in zip(ranges, ranges[1:], strict=False):
        assert low == high + 1  # no gap, no overlap: "0", "1", "2 – 3", …
    figures = region_coverage(store, Filters(phases=(5,))).set_index("code")[mode]
    for code, color in colouring["colors"].items():
        value = figures[code]
        holding = [c for c, low, high in ranges if low <= value <= high]
        assert holding == [color], (code, value, ranges)
        assert color in PALETTE
