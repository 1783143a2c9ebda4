"""The profile of one pôle: `cluster_profile` on the real data, and `/api/clusters/<id>`."""

from __future__ import annotations

import json

import pytest

from mapapp import create_app
from mapapp.config import Config
from mapapp.data.profile import MEMBER_CATEGORIES, cluster_profile
from mapapp.data.query import activity_by_cluster
from tests.conftest import HOSTILE_NAMES


@pytest.fixture(scope="module")
def polymeris(app) -> dict:
    response = app.server.test_client().get("/api/clusters/polymeris")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json


@pytest.fixture(scope="module")
def listed(app) -> dict:
    features = app.server.test_client().get("/api/clusters").json["features"]
    return {f["id"]: f["properties"] for f in features}


def test_directory_facts_and_lineage(polymeris):
    assert polymeris["id"] == "polymeris" and polymeris["name"] == "Polymeris"
    assert polymeris["current"] is True
    seat = polymeris["seat"]
    assert seat["commune_code"] == "01031" and seat["name"] == "Bellignat" and seat["region_code"] == "84"
    assert seat["precision"] == "commune" and "Bellignat" in seat["stated_as"]
    assert seat["source"].startswith("https://") and seat["as_of"] <= "2026-12-02"
    assert [t["id"] for t in polymeris["themes"]] == ["materials"]
    assert {r["code"]: r["name"] for r in polymeris["region_codes"]}["84"] == "Auvergne-Rhône-Alpes"
    merged_from = {m["id"]: m["date"] for m in polymeris["lineage"]["merged_from"]}
    assert merged_from == {"elastopole": "2020-12-31", "plastipolis": "2020-12-31"}
    assert polymeris["lineage"]["merged_into"] is None
    assert polymeris["source"].startswith("https://") and polymeris["as_of"] == "2020-12-31"


def test_merged_pole_points_to_its_successor(client):
    lineage = client.get("/api/clusters/plastipolis").json["lineage"]
    assert lineage["merged_into"] == {"id": "polymeris", "name": "Polymeris", "date": "2020-12-31"}


def test_labels_are_sorted_by_date(polymeris, store):
    dates = [label["date"] for label in polymeris["labels"]]
    assert dates == sorted(dates)
    assert len(dates) == int((store.labels["cluster_id"] == "polymeris").sum())
    assert {label["phase"] for label in polymeris["labels"]} == {4, 5}


def test_figures_match_the_clusters_endpoint(polymeris, listed):
    props = listed["polymeris"]
    members, projects, funding = polymeris["members"], polymeris["projects"], polymeris["funding"]
    assert members["count"] == props["members"] == len(members["items"]) > 0
    assert sum(members["by_category"].values()) == members["count"]
    assert set(members["by_category"]) == set(MEMBER_CATEGORIES)
    assert projects["count"] == props["projects"] == len(projects["items"]) > 0
    assert sum(line["amount_eur"] for line in funding["by_funder"]) == pytest.approx(funding["total_eur"])
    assert sum(line["amount_eur"] for line in funding["by_year"]) == pytest.approx(funding["total_eur"])
    assert funding["total_eur"] == pytest.approx(props["funding_eur"])
    assert sum(p["public_funding_eur"] for p in projects["items"]) == pytest.approx(funding["total_eur"])


def test_every_profile_agrees_with_the_activity_figures(store):
    activity = activity_by_cluster(store)
    for cluster_id in store.clusters["id"]:
        profile = cluster_profile(store, cluster_id)
        expected = activity.loc[cluster_id]
        assert profile["members"]["count"] == expected["members"], cluster_id
        assert profile["projects"]["count"] == expected["projects"], cluster_id
        assert profile["funding"]["total_eur"] == pytest.approx(expected["funding_eur"]), cluster_id
        assert profile["sample"] == bool(expected["sample"]), cluster_id
        json.dumps(profile, allow_nan=False)  # plain JSON values only: no numpy type, no NaN


def test_items_are_ordered_and_sample_is_flagged(polymeris):
    names = [m["name"] for m in polymeris["members"]["items"]]
    assert names == sorted(names)
    years = [p["year"] for p in polymeris["projects"]["items"]]
    assert years == sorted(years, reverse=True)
    assert polymeris["sample"] is True
    for part in ("members", "projects", "funding"):
        assert polymeris[part]["sample"] is True
        assert polymeris[part]["sources"] and all(s["source"].startswith("sample") for s in polymeris[part]["sources"])


def test_partners_are_members_of_some_pole(polymeris, store):
    known = set(store.members["name"])
    partners = [name for project in polymeris["projects"]["items"] for name in project["partners"]]
    assert partners and set(partners) <= known
    assert all("polymeris" in project["cluster_ids"] for project in polymeris["projects"]["items"])


def test_unknown_pole_is_404_naming_the_parameter(client, store):
    response = client.get("/api/clusters/no-such-pole")
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.json == {"error": "unknown pôle 'no-such-pole'", "parameter": "cluster_id"}
    assert cluster_profile(store, "no-such-pole") is None


@pytest.mark.parametrize("cluster_id", ["Polymeris", "%3Cscript%3E", "poly_meris", "a" * 101, "p%C3%B4le", "x%20y"])
def test_malformed_id_is_400_naming_the_parameter(client, cluster_id):
    response = client.get(f"/api/clusters/{cluster_id}")
    assert response.status_code == 400 and response.mimetype == "application/json"
    assert response.json["parameter"] == "cluster_id" and "cluster_id" in response.json["error"]


def test_longest_valid_id_is_only_unknown(client):
    assert client.get("/api/clusters/" + "a" * 100).status_code == 404


@pytest.fixture(scope="module")
def hostile_client(hostile_geodata):
    app = create_app(Config(geodata_dir=hostile_geodata, data_dir=hostile_geodata / "sample"))
    return app.server.test_client()


@pytest.mark.parametrize("cluster_id", sorted(HOSTILE_NAMES))
def test_hostile_names_are_served_as_inert_json(hostile_client, cluster_id):
    response = hostile_client.get(f"/api/clusters/{cluster_id}")
    assert response.status_code == 200
    assert response.mimetype == "application/json" and "html" not in response.content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    profile = response.json
    # The name comes back exactly as text: not escaped twice, not neutralised (that is CSV's job).
    assert profile["name"] == HOSTILE_NAMES[cluster_id]
    assert profile["former_names"] == [HOSTILE_NAMES[cluster_id]]
    assert profile["members"]["count"] == 0 and profile["funding"]["total_eur"] == 0
