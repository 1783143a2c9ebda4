"""Real content: every pôle placed with an honest precision, names people use, published figures
with their sources' words, and `validate` catching what would make them untrue."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pandas as pd
import pytest

from mapapp.data.figures import headline_figures, stated_numbers, states_value
from mapapp.data.validate import content_errors, validate_all

TODAY = "2026-12-02"


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("220 adhérents", 220),
        ("près d'un millier de membres", 1000),
        ("796 projets", 796),
        ("3,6 milliards d'euros", 3_600_000_000),
        ("plus de 1 200 membres", 1200),  # narrow no-break space, as French typography writes it
        ("45 M€", 45_000_000),
        ("1,2 Md€", 1_200_000_000),
        ("une soixantaine de laboratoires", 60),
        ("quelque deux cents adhérents", 200),
    ],
)
def test_a_figure_is_read_from_the_words_of_its_source(words, value):
    assert states_value(words, value)


@pytest.mark.parametrize(
    ("words", "value"),
    [("220 adhérents", 230), ("3,6 milliards d'euros", 3_600_000), ("dont 214 de participation publique", 214e6)],
)
def test_words_that_do_not_state_the_value_are_refused(words, value):
    assert not states_value(words, value)


def test_numbers_in_a_phrase_are_all_read():
    assert stated_numbers("600 membres, dont 380 PME et 120 grands groupes") == [600, 380, 120]


def _with(store, **frames):
    # A fresh cache: derived tables of the shipped store must not leak into the altered one.
    return dataclasses.replace(store, cache={}, **frames)


def test_the_shipped_content_passes_every_check(store):
    assert content_errors(store, today=TODAY) == []


def test_a_figure_whose_words_do_not_state_it_fails_validate(store):
    figures = store.figures.copy()
    # Optitec, 1 February 2019: "220 adhérents dont 130 TPE/PME".
    row = figures.index[
        (figures["cluster_id"] == "optitec") & (figures["measure"] == "members") & (figures["as_of"] == "2019-02-01")
    ][0]
    figures.loc[row, "value"] = 230.0
    errors = content_errors(_with(store, figures=figures), today=TODAY)
    assert [(e.file, e.field) for e in errors] == [("cluster_figures.csv", "stated_as")]
    assert errors[0].line == row + 2 and "230" in errors[0].message


def test_a_future_date_and_a_figure_outside_the_pôles_life_fail_validate(store):
    figures = store.figures.copy()
    first = figures.index[0]
    figures.loc[first, "as_of"] = "2030-01-01"
    optitec = figures.index[figures["cluster_id"] == "optitec"][0]
    figures.loc[optitec, "as_of"] = "2025-06-01"  # Optitec merged into SCS on 1 January 2024
    messages = [e.message for e in content_errors(_with(store, figures=figures), today=TODAY)]
    assert any("2030-01-01 is in the future" in m for m in messages)
    assert any("2025-06-01 lies outside the life of optitec" in m for m in messages)


def test_members_of_a_kind_never_exceed_the_members(store):
    figures = store.figures
    members = figures[figures["measure"] == "members"].iloc[0]
    excess = members.copy()
    excess["measure"], excess["value"], excess["stated_as"] = "members_sme", members["value"] + 5, ""
    excess["stated_as"] = f"{int(excess['value'])} PME"
    altered = pd.concat([figures, excess.to_frame().T], ignore_index=True)
    altered["value"] = altered["value"].astype(float)
    messages = [e.message for e in content_errors(_with(store, figures=altered), today=TODAY)]
    assert any("exceeds the members published" in m for m in messages)


def test_a_phase_5_pôle_off_the_map_fails_validate(store):
    clusters = store.clusters.copy()
    row = clusters.index[clusters["id"] == "capenergies"][0]
    clusters.loc[row, "geometry"] = None
    errors = content_errors(_with(store, clusters=clusters), today=TODAY)
    assert [(e.field, e.message) for e in errors] == [
        ("seat_commune_code", "a pôle labelled in phase 5 must be on the map")
    ]


def test_a_located_seat_without_its_source_fails_validate(store):
    clusters = store.clusters.copy()
    row = clusters.index[clusters["id"] == "systematic-paris-region"][0]
    clusters.loc[row, "seat_source"] = ""
    errors = content_errors(_with(store, clusters=clusters), today=TODAY)
    assert [(e.line, e.field) for e in errors] == [(int(row) + 2, "seat_source")]


def test_every_phase_5_pôle_is_on_the_map_with_a_stated_precision(store):
    phase5 = store.clusters[store.clusters["phases"].map(lambda phases: 5 in phases)]
    assert len(phase5) == 57
    assert phase5.geometry.notna().all() and not phase5.geometry.is_empty.any()
    assert set(phase5["seat_precision"]) <= {"commune", "area", "region"}
    located = phase5[phase5["seat_precision"] != "region"]
    assert located["seat_source"].str.match(r"https?://").all() and located["seat_stated_as"].ne("").all()
    # A pôle placed in its region lies inside that region, and says so.
    regions = store.regions.set_index("code").geometry
    for _, pole in phase5[phase5["seat_precision"] == "region"].iterrows():
        assert regions[pole["region_list"][0]].contains(pole.geometry)


def test_export_phase_5_geojson_carries_seats_and_published_figures():
    result = subprocess.run(
        [sys.executable, "-m", "mapapp", "export", "clusters", "--phase", "5", "--format", "geojson"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    features = json.loads(result.stdout)["features"]
    assert len(features) == 57
    assert all(f["geometry"] and f["properties"]["seat_precision"] in ("commune", "area", "region") for f in features)
    published = [f["properties"] for f in features if f["properties"]["members_published"] is not None]
    assert len(published) >= 50
    assert all(p["members_published_as_of"] for p in published)


@pytest.mark.parametrize(
    ("q", "cluster_id"),
    [
        ("Alpha-RLH", "alpha-rlh"),
        ("NSL", "clubster-nsl"),
        ("Systematic", "systematic-paris-region"),
        ("iD4CAR", "id4car"),
    ],
)
def test_the_names_people_use_find_their_pôle(client, q, cluster_id):
    ids = [f["id"] for f in client.get(f"/api/clusters?q={q}").json["features"]]
    assert cluster_id in ids


def test_the_api_carries_the_latest_published_figures(client, store):
    feature = next(
        f for f in client.get("/api/clusters?q=systematic").json["features"] if f["id"] == "systematic-paris-region"
    )
    props = feature["properties"]
    figures = store.figures[
        (store.figures["cluster_id"] == "systematic-paris-region") & (store.figures["measure"] == "members")
    ]
    latest = figures.sort_values("as_of").iloc[-1]
    assert props["members_published"] == int(latest["value"]) and props["members_published_as_of"] == latest["as_of"]
    profile = client.get("/api/clusters/systematic-paris-region").json
    assert len(profile["figures"]) == int((store.figures["cluster_id"] == "systematic-paris-region").sum())
    for figure in profile["figures"]:
        assert figure["source"].startswith(("http://", "https://")) and states_value(
            figure["stated_as"], figure["value"]
        )


def test_headlines_pick_the_latest_value(store):
    headlines = headline_figures(store)
    members = store.figures[store.figures["measure"] == "members"]
    latest = members.sort_values(["as_of"]).groupby("cluster_id").last()
    for cid, row in latest.iterrows():
        assert headlines.loc[cid, "members_published_as_of"] == row["as_of"]


def test_csv_export_has_the_published_columns(client):
    text = client.get("/api/clusters.csv?phase=5").data.decode("utf-8-sig")
    header = text.splitlines()[0].split(",")
    for column in ("seat_precision", "members_published", "members_published_as_of", "funding_published_eur"):
        assert column in header


def test_published_members_colouring_counts_each_pôle_in_its_seat_region(client, store):
    rows = {r["code"]: r for r in client.get("/api/regions?phase=5").json}
    features = client.get("/api/clusters?phase=5").json["features"]
    by_region: dict[str, int] = {}
    without: dict[str, int] = {}
    seat_region = store.clusters.set_index("id")["seat_region_code"]
    for f in features:
        code = seat_region[f["id"]]
        value = f["properties"]["members_published"]
        by_region[code] = by_region.get(code, 0) + (value or 0)
        without[code] = without.get(code, 0) + (value is None)
    for code, row in rows.items():
        assert row["members_published"] == by_region.get(code, 0)
        assert row["clusters_without_members_published"] == without.get(code, 0)


def test_validate_prints_the_coverage(config):
    report = validate_all(config.geodata_dir, config.data_dir)
    assert report.ok, report.summary()
    summary = report.summary()
    assert "seats: 57/57 phase-5 pôles on the map" in summary
    assert "phase-5 pôles with members figures" in summary
