"""`python -m mapapp import sirene|cordis|kohesio` on both stores: what users see after, and nothing
written on bad input."""

from __future__ import annotations

import csv
import dataclasses
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from open_data_files import (
    AEROSPACE_SIREN,
    MINALOGIC_SIREN,
    VESTAPOLIS_SIREN,
    fixture_geodata,
    sirene_row,
    write_cordis,
    write_kohesio,
    write_sirene,
    zip_cordis,
)

from mapapp import create_app
from mapapp.config import Config
from mapapp.data import coverage, query
from mapapp.data.query import vocabulary
from mapapp.data.store import load_store
from mapapp.ui.profile import profile_panel


@pytest.fixture(scope="module")
def geodata(tmp_path_factory) -> Path:
    return fixture_geodata(tmp_path_factory.mktemp("open-store") / "geodata")


@dataclasses.dataclass
class Env:
    backend: object
    geodata: Path

    @property
    def env(self) -> dict[str, str]:
        return {**self.backend.env, "MAPAPP_GEODATA_DIR": str(self.geodata)}

    @property
    def config(self) -> Config:
        return dataclasses.replace(self.backend.config, geodata_dir=self.geodata)

    def store(self):
        return load_store(self.geodata, self.backend.data_dir, self.backend.database_url)

    def run(self, *args: str, code: int | None = 0) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "mapapp", *args], env=self.env, capture_output=True, text=True, timeout=300
        )
        assert code is None or done.returncode == code, done.stdout + done.stderr
        return done


@pytest.fixture
def env(backend_env, geodata) -> Env:
    return Env(backend_env, geodata)


def shown(component) -> list[str]:
    """Every text and link target of a Dash component tree."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list | tuple):
        return [text for child in component for text in shown(child)]
    href = getattr(component, "href", None)
    children = getattr(component, "children", None)
    return ([href] if href else []) + (shown(children) if children is not None else [])


def regional_funding(store) -> pd.Series:
    return coverage.region_coverage(store, query.Filters()).set_index("code")["funding_eur"]


def test_cordis_and_kohesio_reach_profiles_api_and_region_totals(env, tmp_path):
    before = env.store()
    cordis = zip_cordis(write_cordis(tmp_path / "csv"), tmp_path / "cordis-h2020projects-csv.zip")
    dry = env.run("import", "cordis", str(cordis), "--dry-run")
    assert "dry run: nothing written" in dry.stdout and "matched: 3 record(s) -> 3 pôle(s)" in dry.stdout
    assert env.store().version == before.version
    out = env.run("import", "cordis", str(cordis)).stdout
    assert "committed as version" in out and "held for review" in out
    after_cordis = regional_funding(env.store())
    env.run("import", "kohesio", str(write_kohesio(tmp_path / "kohesio.csv")))
    after = env.store()

    imported = {  # by hand from the fixture files: the pôle's EU contribution, FEDER and FSE budgets
        "aerospace-valley": 150000.25 + 60000.25,
        "minalogic": 300000.0,
        "cap-digital": 50000.5,
        "valorial": 200000.0 + 15000.0,
    }
    funding = after.funding[~after.funding["sample"]].groupby("cluster_id")["amount_eur"].sum()
    assert funding.round(2).to_dict() == pytest.approx(imported)
    # Real rows replace the sample of those pôles only: each region moves by what its seated pôles
    # got imported minus the sample funding they had.
    sample = before.funding[before.funding["sample"]].groupby("cluster_id")["amount_eur"].sum()
    seat = before.clusters.set_index("id")["seat_region_code"]
    expected = regional_funding(before).copy()
    for cluster_id, amount in imported.items():
        expected[seat[cluster_id]] += amount - sample.get(cluster_id, 0.0)
    assert regional_funding(after).to_dict() == pytest.approx(expected.to_dict(), abs=0.02)

    client = create_app(env.config).server.test_client()
    profile = client.get("/api/clusters/aerospace-valley").json
    (project,) = profile["open_projects"]["cordis"]["items"]
    assert (project["acronym"], project["eu_contribution_eur"], project["roles"]) == (
        "SKYWAYS",
        150000.25,
        ["participant"],
    )
    assert project["url"] == "https://cordis.europa.eu/project/id/950001"
    assert project["partners"] == ["FLUGZEUG GMBH (DE)", "AERO PME SAS (FR)"]
    (operation,) = profile["open_projects"]["kohesio"]["items"]
    assert (operation["eu_contribution_eur"], operation["fund"], operation["cofinancing_rate"]) == (
        60000.25,
        "FEDER",
        50.0,
    )
    assert {(r["funder"], r["programme"]): r["amount_eur"] for r in profile["funding"]["by_programme"]} == {
        ("eu", "UE — Horizon 2020"): 150000.25,
        ("feder", "FEDER — 2014-2020"): 60000.25,
    }
    assert profile["funding"]["total_eur"] == pytest.approx(210000.5)
    assert profile["funding"]["sample"] is False and profile["projects"]["sample"] is False
    panel = shown(profile_panel("fr", profile, vocabulary(after).phases))  # as the page shows it
    assert "Projets européens (CORDIS) (1)" in panel and "FEDER (Kohesio) (1)" in panel
    assert "https://cordis.europa.eu/project/id/950001" in panel and "150\u202f000\u202f€" in panel

    env.run("import", "--rollback")  # the Kohesio import goes, the CORDIS one stays
    assert regional_funding(env.store()).to_dict() == pytest.approx(after_cordis.to_dict())


def test_a_broken_file_changes_nothing(env, tmp_path):
    folder = write_cordis(tmp_path / "csv")
    text = (folder / "organization.csv").read_text(encoding="utf-8").replace('"300000"', '"3OO OOO"', 1)
    (folder / "organization.csv").write_text(text, encoding="utf-8")
    before = env.backend.fingerprint()
    done = env.run("import", "cordis", str(folder), code=2)
    assert 'organization.csv:5:21: ecContribution "3OO OOO" is not an amount' in done.stderr
    assert "nothing written" in done.stderr
    kohesio = write_kohesio(tmp_path / "k.csv")
    kohesio.write_text(kohesio.read_text(encoding="utf-8-sig").replace("200000.00", "2OO"), encoding="utf-8-sig")
    assert "k.csv:2:12:" in env.run("import", "kohesio", str(kohesio), code=2).stderr
    bad = write_sirene(tmp_path / "s.csv", [sirene_row(AEROSPACE_SIREN, "00013", True, "3155", "", "")])
    assert 's.csv:2:23: "3155" is not an INSEE commune code' in env.run("import", "sirene", str(bad), code=2).stderr
    assert env.backend.fingerprint() == before


def test_sirene_fills_an_unsourced_seat_and_reports_a_different_one(env, tmp_path):
    from pyproj import Transformer

    to_lambert = Transformer.from_crs(4326, 2154, always_xy=True)
    communes = env.store().communes.set_index("code")

    def at(code: str) -> tuple[str, str]:
        point = communes.geometry[code]
        return tuple(f"{v:.1f}" for v in to_lambert.transform(point.x, point.y))

    path = write_sirene(
        tmp_path / "StockEtablissement_utf8.csv",
        [
            sirene_row(AEROSPACE_SIREN, "00013", True, "31555", *at("31555")),
            sirene_row(VESTAPOLIS_SIREN, "00018", True, "77083", *at("77083")),
            sirene_row(MINALOGIC_SIREN, "00015", True, "38229", *at("38229")),
        ],
        filler=20,
    )
    out = env.run("import", "sirene", str(path)).stdout
    assert "seat of vestapolis: seat placed at the SIRENE head office, Champs-sur-Marne (77083)" in out
    assert "seat of minalogic: SIRENE head office in Meylan (38229) but the directory's sourced seat is Grenoble" in out
    store = env.store()
    seats = store.clusters.set_index("id")
    assert seats.loc["vestapolis", ["seat_commune_code", "seat_precision", "seat_as_of"]].tolist() == [
        "77083",
        "commune",
        "2025-01-15",
    ]
    assert seats.loc["minalogic", "seat_commune_code"] == "38185"
    profile = create_app(env.config).server.test_client().get("/api/clusters/vestapolis").json
    assert profile["seat"]["commune_code"] == "77083" and profile["seat"]["source"].startswith("INSEE SIRENE")
    assert profile["identifiers"]["office"]["commune_code"] == "77083"
    assert [v["value"] for v in profile["identifiers"]["vat"]] == [
        f"FR{(12 + 3 * (int(VESTAPOLIS_SIREN) % 97)) % 97:02d}{VESTAPOLIS_SIREN}"
    ]
    validate = env.run("validate", code=None)
    assert "seat of minalogic" in validate.stdout and "identifiers: 3 of" in validate.stdout


def test_a_confirmed_name_match_is_stored_and_next_time_matches_by_identifier(env, tmp_path):
    cordis = zip_cordis(write_cordis(tmp_path / "csv"), tmp_path / "cordis.zip")
    review = tmp_path / "review.csv"
    env.run("import", "cordis", str(cordis), "--dry-run", "--review", str(review))
    rows = list(csv.DictReader(review.open(encoding="utf-8")))
    for row in rows:
        row["decision"] = "oui" if row["record_name"] in ("SCS", "ASSOCIATION CAP DIGITAL") else ""
    with review.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    env.run("import", "cordis", str(cordis), "--confirm", str(review))
    ids = env.store().identifiers
    assert sorted(
        map(tuple, ids.loc[ids["source"].str.contains("confirmed"), ["cluster_id", "scheme", "value"]].values)
    ) == [
        ("cap-digital", "pic", "900000003"),
        ("scs", "pic", "900000006"),
    ]
    again = env.run("import", "cordis", str(cordis), "--dry-run").stdout
    assert "cap-digital (Cap Digital): 1 record(s), by pic 1" in again and "scs (SCS): 1 record(s), by pic 1" in again
