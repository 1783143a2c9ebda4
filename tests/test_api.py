"""The HTTP contract, through the real Flask app: GeoJSON, exports, errors, static layers."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

REQUIRED_PROPERTIES = {
    "id",
    "name",
    "themes",
    "phases",
    "region_codes",
    "seat_commune_code",
    "seat_name",
    "members",
    "projects",
    "funding_eur",
    "sample",
}


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["status"] == "ok"


def test_clusters_is_a_feature_collection_with_the_contract_properties(client, store):
    data = client.get("/api/clusters?phase=all").json
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == len(store.clusters)
    for feature in data["features"]:
        assert set(feature["properties"]) >= REQUIRED_PROPERTIES
        assert feature["id"] == feature["properties"]["id"]
    placed = [f for f in data["features"] if f["geometry"]]
    assert all(-62 < f["geometry"]["coordinates"][0] < 56 for f in placed)


def test_filters_in_the_url_match_the_query_function(client):
    all_ids = {f["id"] for f in client.get("/api/clusters").json["features"]}
    health = {f["id"] for f in client.get("/api/clusters?theme=health").json["features"]}
    both = {f["id"] for f in client.get("/api/clusters?theme=health&theme=digital").json["features"]}
    commas = {f["id"] for f in client.get("/api/clusters?theme=health,digital").json["features"]}
    assert health < all_ids and health <= both and both == commas


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("theme=cooking", "theme"), ("phase=9", "phase"), ("region=xx", "region"), ("q=" + "x" * 101, "q")],
)
@pytest.mark.parametrize("endpoint", ["/api/clusters", "/api/clusters.csv", "/api/clusters.geojson", "/api/regions"])
def test_bad_parameters_are_400_naming_the_parameter(client, endpoint, query, parameter):
    response = client.get(f"{endpoint}?{query}")
    assert response.status_code == 400
    assert response.json["parameter"] == parameter
    assert parameter in response.json["error"]


def test_empty_result_is_an_empty_collection(client):
    response = client.get("/api/clusters?q=zzzz-nothing")
    assert response.status_code == 200 and response.json["features"] == []


def test_csv_export_opens_in_a_french_spreadsheet(client):
    response = client.get("/api/clusters.csv?sep=;&region=84")
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows and all("84" in r["region_codes"].split("|") for r in rows)


def test_geodata_layer_is_served_precompressed_and_cacheable(client):
    response = client.get("/geodata/regions.geojson", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    etag = response.headers["ETag"]
    again = client.get("/geodata/regions.geojson", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304
    plain = client.get("/geodata/regions.geojson")
    assert len(json.loads(plain.data)["features"]) == 18
    assert client.get("/geodata/secret.geojson").status_code == 404


def test_api_is_read_only(client):
    assert client.post("/api/clusters").status_code == 405
    assert client.delete("/api/clusters").status_code == 405


def test_only_the_app_and_the_embed_are_pages(client):
    assert client.get("/").status_code == 200
    assert client.get("/embed").status_code == 200
    assert client.get("/embed?region=84").status_code == 200
    assert client.get("/nope/xyz").status_code == 404
    assert client.get("/api/nothing").status_code == 404


def test_our_assets_are_compressed_and_revalidated(client):
    response = client.get("/assets/mapapp.js", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    import brotli

    assert b"window.mapapp" in brotli.decompress(response.data)
    again = client.get(
        "/assets/mapapp.js", headers={"Accept-Encoding": "br", "If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_static_bytes_are_compressed(client):
    response = client.get("/_dash-component-suites/dash_leaflet/dash_leaflet.js", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    import brotli

    assert len(brotli.decompress(response.data)) > 3 * len(response.data)
    api = client.get("/api/clusters", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip"


def csp(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: sources}."""
    return {
        name: values
        for name, *values in (part.split() for part in response.headers["Content-Security-Policy"].split(";"))
    }


def test_security_headers_and_frame_ancestors(app, client):
    from mapapp import create_app
    from mapapp.config import Config

    response = client.get("/")
    policy = csp(response)
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    # Dash's inline scripts are allowed by their hashes only: an injected <script> would not run.
    assert "'unsafe-inline'" not in policy["script-src"]
    assert set(app.csp_hashes()) <= set(policy["script-src"])
    assert policy["connect-src"] == ["'self'"] and policy["img-src"] == ["'self'", "data:"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    allowed = create_app(
        Config(
            frame_ancestors=("https://www.example.gouv.fr",),
            tile_url="https://{s}.tile.example.org/{z}/{x}/{y}.png",
        )
    ).server.test_client()
    policy = csp(allowed.get("/embed"))
    assert policy["frame-ancestors"] == ["'self'", "https://www.example.gouv.fr"]
    assert policy["img-src"] == ["'self'", "data:", "https://*.tile.example.org"]
    # Data and scripts get a short policy (no 2 KB of hashes on every answer) that keeps them inert.
    data_policy = csp(allowed.get("/api/clusters"))
    assert data_policy == {"default-src": ["'none'"], "frame-ancestors": ["'self'", "https://www.example.gouv.fr"]}


# --- One default for every view of a URL; exports a person can open (issue 12) ------------------


def test_the_api_s_default_phase_is_the_page_s(client, store):
    """`/api/regions/compare?region=53&region=52` ranks Bretagne as the page does: both read no
    `phase` as today's phase, and `phase=all` as every phase."""
    today = client.get("/api/clusters").json["features"]
    assert today and all(5 in f["properties"]["phases"] for f in today)
    assert len(client.get("/api/clusters?phase=all").json["features"]) == len(store.clusters)
    compared = client.get("/api/regions/compare?region=53&region=52").json
    assert compared == client.get("/api/regions/compare?region=53&region=52&phase=5").json
    assert compared != client.get("/api/regions/compare?region=53&region=52&phase=all").json
    assert client.get("/api/regions").json == client.get("/api/regions?phase=5").json


def _french_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def test_the_french_csv_of_pôles_is_french(client):
    response = client.get("/api/clusters.csv?sep=;&theme=health&region=84")
    assert (
        'filename="poles-sante-et-biotechnologies-auvergne-rhone-alpes-phase-5.csv"'
        in response.headers["Content-Disposition"]
    )
    rows = _french_rows(response)
    assert rows
    for row in rows:
        assert row["sample"] in ("oui", "non") and row["current"] in ("oui", "non")
        assert row["funding_eur"].isdigit()  # whole euros
        assert "," in row["latitude"] and "." not in row["latitude"]  # decimal comma
        for value in row.values():
            assert not re.fullmatch(r"-?\d+\.\d+", value), value  # never a decimal point
    members = [row["members_published"] for row in rows if row["members_published"]]
    assert members and all(m.isdigit() for m in members)  # 270, not 270.0


def test_the_french_csv_of_regions_is_french(client):
    response = client.get("/api/regions.csv?sep=;&theme=health")
    assert 'filename="regions-sante-et-biotechnologies-phase-5.csv"' in response.headers["Content-Disposition"]
    rows = {row["code"]: row for row in _french_rows(response)}
    assert rows["01"]["population"] == "390253" and rows["01"]["sample"] in ("oui", "non")
    assert re.fullmatch(r"\d+,\d+", rows["84"]["members_per_100k"])
    assert rows["84"]["funding_eur"].isdigit() and rows["84"]["funding_eur_per_100k"].isdigit()
    assert rows["06"]["members_per_100k"] == ""  # Mayotte: n/a
    international = client.get("/api/regions.csv?theme=health").data.decode("utf-8-sig")
    assert "390253.0" not in international and "390253," in international


def test_a_region_profile_and_a_comparison_export_as_csv(client):
    profile = client.get("/api/regions/84?theme=health").json
    response = client.get("/api/regions/84.csv?sep=;&theme=health")
    assert (
        'filename="region-auvergne-rhone-alpes-sante-et-biotechnologies-phase-5.csv"'
        in response.headers["Content-Disposition"]
    )
    rows = {row["measure"]: row for row in _french_rows(response)}
    assert int(rows["members"]["value"]) == profile["measures"]["members"]["value"]
    assert int(rows["members"]["rank"]) == profile["measures"]["members"]["rank"]
    assert rows["members"]["ranked"] == "18" and rows["members"]["ranked_per_100k"] == "17"
    assert int(rows["members_sme"]["value"]) == profile["members"]["by_category"]["sme"]
    compared = client.get("/api/regions/compare.csv?sep=;&region=53&region=52")
    assert 'filename="comparaison-bretagne-pays-de-la-loire-phase-5.csv"' in compared.headers["Content-Disposition"]
    rows = _french_rows(compared)
    assert {row["region_code"] for row in rows} == {"53", "52"}
    assert client.get("/api/regions/99.csv").status_code == 404
    assert client.get("/api/regions/compare.csv?region=53").status_code == 400


def test_a_region_s_themes_and_pôle_counts_do_not_depend_on_the_theme_filter(client):
    everything = client.get("/api/regions/84").json
    health = client.get("/api/regions/84?theme=health").json
    assert health["themes"] == everything["themes"]
    assert health["in_phase"] == everything["in_phase"]
    assert (health["filtered"], everything["filtered"]) == (True, False)
    assert len(health["clusters"]["active"]) < health["in_phase"]["clusters_active"]
    assert {"digital", "energy", "materials"} <= set(health["themes"]["present"])  # not "missing" with Santé ticked
