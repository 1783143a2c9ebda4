"""Serving: whole answers kept per (store version, URL, encoding), compression, and the headers
every answer carries — through the real Flask app."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import brotli
import pytest

from mapapp import create_app
from mapapp.config import Config

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "tests" / "ingest" / "examples"


def members_of(body: bytes, cluster_id: str) -> int:
    features = json.loads(body)["features"]
    return next(f["properties"]["members"] for f in features if f["id"] == cluster_id)


def test_an_import_changes_what_a_compressed_get_answers(tmp_path):
    """The unfiltered `/api/clusters`, asked with gzip before and after an import, shows the
    imported members under the new ETag: answers are kept per store version."""
    data_dir = tmp_path / "data"
    shutil.copytree(REPO / "geodata" / "sample", data_dir)
    app = create_app(Config(data_dir=data_dir, log_format="text", log_level="WARNING"))
    loader = app.server.config["MAPAPP_STORE_LOADER"]
    loader.check_every = 0  # look for the import at the next request
    client = app.server.test_client()
    headers = {"Accept-Encoding": "gzip"}

    before = client.get("/api/clusters", headers=headers)
    again = client.get("/api/clusters", headers=headers)
    assert before.headers["Content-Encoding"] == "gzip" and again.data == before.data
    sample_members = members_of(gzip.decompress(before.data), "lyonbiopole")
    assert sample_members > 2

    subprocess.run(
        [sys.executable, "-m", "mapapp", "import", "members", str(EXAMPLES / "members.csv"), "--as-of", "2026-01-01"],
        env={**os.environ, "MAPAPP_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)},
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=300,
    )
    client.get("/healthz")  # sees the new version: loaded beside the served store, then swapped in
    loader.wait(300)
    after = client.get("/api/clusters", headers=headers)
    assert after.status_code == 200 and after.headers["Content-Encoding"] == "gzip"
    assert members_of(gzip.decompress(after.data), "lyonbiopole") == 2  # the file's two members
    assert after.headers["ETag"] != before.headers["ETag"]
    # The old ETag no longer validates: a client holding the old answer gets the new one.
    revalidated = client.get("/api/clusters", headers={**headers, "If-None-Match": before.headers["ETag"]})
    assert revalidated.status_code == 200


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("identity", None), ("br;q=0, gzip", "gzip")],
)
def test_each_client_gets_an_encoding_it_accepts_even_from_the_cache(client, accept, encoding):
    for _ in range(2):  # computed, then kept
        response = client.get("/api/clusters?theme=health", headers={"Accept-Encoding": accept})
        assert response.headers.get("Content-Encoding") == encoding
        body = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding](response.data)
        assert json.loads(body)["type"] == "FeatureCollection"


def test_deterministic_answers_are_computed_once(client, monkeypatch):
    from mapapp.data import exports

    calls = []
    original = exports.clusters_csv
    monkeypatch.setattr(exports, "clusters_csv", lambda *a, **k: calls.append(a) or original(*a, **k))
    url = "/api/clusters.csv?theme=energy&phase=5&sep=%3B"
    first = client.get(url, headers={"Accept-Encoding": "br"})
    # The same URL with its parameters in another order is the same answer.
    second = client.get("/api/clusters.csv?sep=%3B&phase=5&theme=energy", headers={"Accept-Encoding": "br"})
    assert first.status_code == second.status_code == 200 and second.data == first.data
    assert len(calls) == 1


def test_a_kept_answer_revalidates_with_304(client):
    first = client.get("/api/regions?theme=health", headers={"Accept-Encoding": "gzip"})
    client.get("/api/regions?theme=health", headers={"Accept-Encoding": "gzip"})  # now from the cache
    revalidated = client.get(
        "/api/regions?theme=health", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}
    )
    assert revalidated.status_code == 304 and revalidated.data == b""


def test_csv_content_type_names_its_charset_once(client):
    for url in ("/api/clusters.csv", "/api/regions.csv"):
        assert client.get(url).headers["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize("url", ["/api/clusters", "/api/regions.csv", "/", "/map.svg", "/api/clusters/axelera"])
def test_answers_leave_the_date_header_to_the_server(client, url):
    """The WSGI server (gunicorn, werkzeug) adds its own Date: the app adds none, compressed or
    not, computed or kept, or the answer would carry two."""
    for headers in ({}, {"Accept-Encoding": "br"}, {"Accept-Encoding": "gzip"}, {"Accept-Encoding": "gzip"}):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        assert "Date" not in response.headers, (url, headers)


def test_the_layout_is_kept_per_page_it_is_built_for(client):
    base = "http://localhost"
    plain = client.get("/_dash-layout", headers={"Referer": f"{base}/", "Accept-Encoding": "gzip"})
    region = client.get("/_dash-layout", headers={"Referer": f"{base}/?region=84", "Accept-Encoding": "gzip"})
    embed = client.get("/_dash-layout", headers={"Referer": f"{base}/embed?region=84", "Accept-Encoding": "gzip"})
    layouts = [json.loads(gzip.decompress(r.data)) for r in (plain, region, embed)]
    assert len({json.dumps(layout, sort_keys=True) for layout in layouts}) == 3
    assert "embed" in json.dumps(layouts[2]) and "embed" not in layouts[1]["props"]["className"]


def test_the_cache_is_bounded(app):
    from mapapp.serving import Answer, AnswerCache

    cache = AnswerCache(max_bytes=10_000)
    for i in range(50):
        cache.put(("v", i), Answer(200, [], b"x" * 1000))
    assert sum(len(a.body) for a in cache.entries.values()) <= 10_000
    assert cache.get(("v", 49)) is not None and cache.get(("v", 0)) is None
    cache.put(("v", "huge"), Answer(200, [], b"x" * 20_000))  # larger than the whole cache: not kept
    assert cache.get(("v", "huge")) is None
