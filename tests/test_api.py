"""The HTTP contract, through the real Flask app: GeoJSON, exports, errors, static layers."""

from __future__ import annotations

import csv
import io
import json

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
