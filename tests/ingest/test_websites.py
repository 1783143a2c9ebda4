"""A pôle's website is an http(s) URL or nothing: `javascript:`, `vbscript:` and `data:` URLs in
any spelling are refused at import (at their line and column), a directory or a stored table
holding one is refused at load, and no answer of the API carries one (issue 13)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pandas as pd
import pytest
from ingest_files import write_csv

from mapapp.config import DEFAULT_GEODATA_DIR, Config
from mapapp.data.schema import DataValidationError
from mapapp.data.store import load_store
from mapapp.ingest import read_import
from mapapp.storage import open_backend
from mapapp.testing import poll

HOSTILE = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil.example/x",
    "https://ok.example/ javascript:alert(1)",
]
HEADER = ["Nom", "Thèmes", "Régions", "Code INSEE", "Site web"]
HTTP_ONLY = re.compile(r"https?://\S+")


def clusters_csv(tmp_path, websites: list[str]):
    rows = [[f"Pôle d'essai {i}", "digital", "11", "75056", url] for i, url in enumerate(websites)]
    return write_csv(tmp_path / "poles.csv", HEADER, rows, "utf-8", ";")


def test_hostile_websites_are_refused_at_their_line_and_column(store, tmp_path):
    result = read_import("clusters", clusters_csv(tmp_path, HOSTILE), store)
    website_errors = [str(e) for e in result.errors if "website" in str(e)]
    assert [e.split(": website:")[0] for e in website_errors] == [f"poles.csv:{i + 2}:5" for i in range(len(HOSTILE))]
    assert all("does not match pattern https?://" in e for e in website_errors)


def test_http_and_https_websites_are_accepted_any_case(store, tmp_path):
    urls = ["https://www.pole.example/", "http://pole.example", "HTTPS://WWW.POLE.EXAMPLE/Accueil", ""]
    result = read_import("clusters", clusters_csv(tmp_path, urls), store)
    assert result.errors == []
    assert result.frame["website"].tolist() == [
        "https://www.pole.example/",
        "http://pole.example",
        "https://WWW.POLE.EXAMPLE/Accueil",
        "",
    ]


@pytest.mark.parametrize("url", HOSTILE[:5])
def test_a_directory_with_a_hostile_website_is_refused_at_load(tmp_path, url):
    geodata = tmp_path / "geodata"
    shutil.copytree(DEFAULT_GEODATA_DIR, geodata)
    clusters = pd.read_csv(geodata / "clusters.csv", dtype=str, keep_default_na=False)
    clusters.loc[3, "website"] = url
    clusters.to_csv(geodata / "clusters.csv", index=False)
    with pytest.raises(DataValidationError) as raised:
        load_store(geodata, geodata / "sample")
    assert "clusters.csv:5: website:" in str(raised.value)


def test_a_stored_table_with_a_hostile_website_is_never_served(tmp_path):
    """Written behind the importer's back: the store is refused, the app serves the last good one."""
    from tests.conftest import LiveServer

    data_dir = tmp_path / "data"
    shutil.copytree(DEFAULT_GEODATA_DIR / "sample", data_dir)
    with LiveServer(Config(data_dir=data_dir)) as server:
        import requests

        backend = open_backend(data_dir)
        with backend.writer() as writer:
            store = server.app.server.config["MAPAPP_STORE_LOADER"].get()
            row = store.clusters.iloc[[0]][[c for c in writer.tables["clusters"].columns]].copy()
            row["website"] = "JaVaScRiPt:alert(1)"
            writer.commit({"clusters": pd.DataFrame(row)}, "hostile, by hand")
        health = poll(
            lambda: (h := requests.get(f"{server.url}/healthz", timeout=30).json())["status"] == "degraded" and h
        )
        assert "website" in health["problem"]["error"]
        for path in (
            "/api/clusters",
            "/api/clusters.geojson",
            "/api/clusters.csv",
            f"/api/clusters/{row['id'].iloc[0]}",
        ):
            assert "script:" not in requests.get(server.url + path, timeout=30).text.lower(), path


def test_every_website_the_api_serves_is_http(client):
    features = json.loads(client.get("/api/clusters").data)["features"]
    websites = [f["properties"]["website"] for f in features if f["properties"]["website"]]
    assert websites and all(HTTP_ONLY.fullmatch(url) for url in websites)
    rows = csv.DictReader(io.StringIO(client.get("/api/clusters.csv").data.decode("utf-8-sig")))
    assert all(HTTP_ONLY.fullmatch(row["website"]) for row in rows if row["website"])
    for feature in features[:20]:
        profile = client.get(f"/api/clusters/{feature['id']}").get_json()
        assert not profile["website"] or HTTP_ONLY.fullmatch(profile["website"])
