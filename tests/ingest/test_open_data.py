"""CORDIS, Kohesio and SIRENE files in their published shapes: read, matched to pôles, checked."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from ingest_files import luhn_siren, luhn_siret
from open_data_files import (
    AEROSPACE_SIREN,
    KOHESIO_HEADER,
    MINALOGIC_SIREN,
    ORGANIZATION_HEADER,
    SIRENE_HEADER,
    VESTAPOLIS_SIREN,
    fixture_geodata,
    french_vat,
    kohesio_row,
    sirene_row,
    write_cordis,
    write_kohesio,
    write_sirene,
    zip_cordis,
)

from mapapp.data.identifiers import check_identifiers, place_offices, vat_of
from mapapp.data.store import load_store
from mapapp.ingest import sirene
from mapapp.ingest.connectors import read_connector
from mapapp.ingest.matching import name_key


@pytest.fixture(scope="module")
def geodata(tmp_path_factory) -> Path:
    return fixture_geodata(tmp_path_factory.mktemp("open") / "geodata")


@pytest.fixture(scope="module")
def store(geodata):
    return load_store(geodata, geodata / "sample")


@pytest.fixture
def cordis_zip(tmp_path) -> Path:
    return zip_cordis(write_cordis(tmp_path / "csv"), tmp_path / "cordis-h2020projects-csv.zip")


def lambert93(store, code: str, east_deg: float = 0.0) -> tuple[str, str, float, float]:
    """SIRENE's Lambert 93 coordinates (metres, 1 decimal as published) of a point near a
    commune's, with that point in WGS84 (computed with pyproj's forward projection)."""
    from pyproj import Transformer

    point = store.communes.set_index("code").geometry[code]
    lon, lat = point.x + east_deg, point.y
    x, y = Transformer.from_crs(4326, 2154, always_xy=True).transform(lon, lat)
    return f"{x:.1f}", f"{y:.1f}", lon, lat


# -- identifiers ------------------------------------------------------------------------------


def test_vat_numbers_follow_the_published_key():
    for siren in ("732829320", AEROSPACE_SIREN, MINALOGIC_SIREN, "356000000"):
        assert vat_of(siren) == french_vat(siren)
    assert vat_of("732829320") == "FR44732829320"


def test_identifiers_are_checked_against_their_keys_and_the_siren():
    siren = luhn_siren("55512345")
    frame = pd.DataFrame(
        [
            ("a", "siren", siren),
            ("a", "siret", luhn_siret(siren, "0002")),
            ("a", "vat", french_vat(siren)),
            ("a", "pic", "912345678"),
            ("b", "siren", siren[:-1] + str((int(siren[-1]) + 1) % 10)),  # wrong key
            ("b", "pic", "91234567"),  # 8 digits
            ("c", "siren", "356000000"),  # La Poste: the known exception to the Luhn key
            ("d", "siren", luhn_siren("12312312")),
            ("d", "siret", luhn_siret(siren, "0002")),  # another SIREN's establishment
            ("d", "vat", french_vat(siren)),  # another SIREN's VAT
        ],
        columns=["cluster_id", "scheme", "value"],
    )
    errors = check_identifiers(frame, "ids.csv")
    assert [e.line for e in errors] == [6, 7, 10, 11]
    assert "Luhn" in errors[0].message and "PIC" in errors[1].message
    assert "not an establishment" in errors[2].message and french_vat(frame.value[7]) in errors[3].message


def test_the_shipped_identifiers_are_sourced_and_valid(config):
    frame = pd.read_csv(config.geodata_dir / "cluster_identifiers.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns)[:5] == ["cluster_id", "scheme", "value", "source", "as_of"]
    assert check_identifiers(frame, "cluster_identifiers.csv") == []
    assert frame["source"].str.match(r"https?://").all()  # every shipped identifier names its page


def test_names_are_compared_without_legal_words():
    assert name_key("ASSOCIATION AEROSPACE VALLEY") == name_key("Aerospace Valley") == "aerospacevalley"
    assert name_key("Pôle de compétitivité Images et Réseaux") == name_key("Images & Réseaux")
    assert name_key("Pôle de compétitivité") == ""


# -- CORDIS -----------------------------------------------------------------------------------


def outcome_by_line(result) -> dict[int, tuple[str, str, str]]:
    match = result.match
    lines = match.records.lines
    return {
        int(lines[pos]): (row.status, row.cluster_id, row.matched_by)
        for pos, row in enumerate(match.outcome.itertuples())
        if row.status
    }


def test_cordis_records_match_by_vat_pic_then_name_and_the_rest_is_held(store, cordis_zip):
    result = read_connector("cordis", cordis_zip, store)
    assert result.errors == [], result.report()
    # organization.csv lines: header 1; the Turin row spans lines 7-8 (cut by a line break)
    assert outcome_by_line(result) == {
        3: ("matched", "aerospace-valley", "vat"),
        5: ("matched", "minalogic", "pic"),
        6: ("matched", "cap-digital", "name"),
        9: ("ambiguous", "", ""),  # an alias of two pôles
        10: ("review", "scs", ""),  # a short name
        11: ("outside_life", "elastopole", "name"),  # a 2021 project; merged into Polymeris end 2020
        12: ("ambiguous", "", ""),  # Aerospace Valley's VAT under Valorial's name
    }
    report = result.report()
    assert 'organization.csv:9: "WATER CLUSTER FRANCE" fits several pôles: aqua-valley, dream-eau-et-milieux' in report
    assert "its vat names aerospace-valley but its name names valorial" in report
    assert "held for review" in report and "organization.csv:10:" in report


def test_cordis_projects_and_funding_lines_carry_the_published_amounts(store, cordis_zip):
    result = read_connector("cordis", cordis_zip, store)
    projects = result.frame.set_index("project_id")
    assert sorted(projects.index) == [
        "cordis-950001-aerospace-valley",
        "cordis-950002-cap-digital",
        "cordis-950002-minalogic",
    ]
    av = projects.loc["cordis-950001-aerospace-valley"]
    assert (av["acronym"], av["title"], av["programme"], av["role"]) == (
        "SKYWAYS",
        "Skyways for drones",
        "Horizon 2020",
        "participant",
    )
    assert (av["total_cost_eur"], av["eu_contribution_eur"], av["eu_contribution_total_eur"]) == (
        2500000.5,
        150000.25,
        2000000.0,
    )
    assert (int(av["year"]), av["start_date"], av["end_date"]) == (2016, "2016-05-01", "2019-04-30")
    assert av["partner_names"] == "FLUGZEUG GMBH (DE)|AERO PME SAS (FR)"
    assert av["url"] == "https://cordis.europa.eu/project/id/950001"
    assert (av["as_of"], bool(av["sample"]), av["dataset"]) == ("2024-02-15", False, "cordis")
    assert projects.loc["cordis-950002-minalogic", "cluster_ids"] == "minalogic|cap-digital"
    assert projects.loc["cordis-950002-minalogic", "role"] == "coordinator"
    # the Turin row, cut in two in the file, is read whole: its country is right
    assert projects.loc["cordis-950002-minalogic", "partner_names"].endswith("UNIVERSITA DI TORINO (IT)")
    funding = result.extra_frames["funding"].set_index("project_id")
    assert funding["funder"].eq("eu").all() and funding["programme"].eq("UE — Horizon 2020").all()
    assert funding.loc["cordis-950002-cap-digital", ["year", "amount_eur"]].tolist() == [2017, 50000.5]


def test_cordis_folder_and_zip_read_alike(store, cordis_zip, tmp_path):
    from_zip = read_connector("cordis", cordis_zip, store).frame.drop(columns="source")
    from_folder = read_connector("cordis", tmp_path / "csv", store).frame.drop(columns="source")
    pd.testing.assert_frame_equal(from_zip, from_folder)


def test_cordis_broken_lines_are_reported_at_their_lines_and_never_crash(store, tmp_path):
    folder = write_cordis(tmp_path / "csv")
    with (folder / "organization.csv").open("a", encoding="utf-8") as fh:
        fh.write('"950001";"x";"1";"2"\n')  # a record too short to join with anything: line 14
        fh.write(";".join(['"950002"'] * (len(ORGANIZATION_HEADER) + 2)) + "\n")  # too long: line 15
    result = read_connector("cordis", folder, store)
    assert result.errors == []
    shown = [str(w) for w in result.warnings]
    assert any(w.startswith("organization.csv:7:") and "lines 7-8" in w and "joined again" in w for w in shown)
    assert any(w.startswith("project.csv:4:") and "lines 4-5" in w for w in shown)
    assert any(w.startswith("organization.csv:14:") and "skipped" in w for w in shown)
    assert any(w.startswith("organization.csv:15:") and "27 cells but the header has 25" in w for w in shown)
    assert len(result.frame) == 3


def test_a_bad_amount_in_a_pole_row_is_an_error_at_its_line_and_column(store, tmp_path):
    folder = write_cordis(tmp_path / "csv")
    text = (folder / "organization.csv").read_text(encoding="utf-8").replace('"150000,25"', '"150 000,2x"', 1)
    (folder / "organization.csv").write_text(text, encoding="utf-8")
    result = read_connector("cordis", folder, store)
    column = ORGANIZATION_HEADER.index("ecContribution") + 1
    assert [str(e) for e in result.errors] == [
        f'organization.csv:3:{column}: ecContribution "150 000,2x" is not an amount'
    ]


def test_a_zip_without_the_cordis_files_is_an_error(store, tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "nothing")
    result = read_connector("cordis", path, store)
    assert [str(e) for e in result.errors] == [
        "other.zip:1:1: no project.csv in other.zip: give the CORDIS zip or the folder holding its CSV files",
        "other.zip:1:1: no organization.csv in other.zip: give the CORDIS zip or the folder holding its CSV files",
    ]


def test_a_confirmed_review_stores_the_identifier_the_record_revealed(store, cordis_zip, tmp_path):
    from mapapp.ingest.matching import write_review

    first = read_connector("cordis", cordis_zip, store)
    review = tmp_path / "review.csv"
    write_review(review, first.review_rows())
    rows = list(csv.DictReader(review.open(encoding="utf-8")))
    assert [(r["status"], r["record_name"]) for r in rows] == [
        ("matched", "ASSOCIATION CAP DIGITAL"),
        ("ambiguous", "WATER CLUSTER FRANCE"),
        ("review", "SCS"),
        ("outside_life", "ELASTOPOLE"),
        ("ambiguous", "VALORIAL"),
    ]
    rows[2]["decision"] = "oui"  # the reviewer confirms SCS
    rows[1].update(decision="oui", cluster_id="aqua-valley")  # and picks one of the two water pôles
    with review.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    confirmed = read_connector("cordis", cordis_zip, store, confirm=review)
    assert confirmed.errors == []
    ids = confirmed.extra_frames["cluster_identifiers"]
    assert ids[["cluster_id", "scheme", "value"]].values.tolist() == [
        ["aqua-valley", "pic", "900000005"],
        ["scs", "pic", "900000006"],
    ]
    assert ids["source"].str.contains("confirmed in review.csv:").all()
    by_line = outcome_by_line(confirmed)
    assert by_line[9] == ("matched", "aqua-valley", "pic") and by_line[10] == ("matched", "scs", "pic")


def test_a_bad_review_file_is_an_error_at_its_line(store, cordis_zip, tmp_path):
    review = tmp_path / "review.csv"
    review.write_text("decision,cluster_id,record_name,pic\noui,no-such-pole,X,1\n,scs,SCS,12\noui,scs,SCS,12\n")
    result = read_connector("cordis", cordis_zip, store, confirm=review)
    assert [str(e) for e in result.errors] == [
        'review.csv:2:2: unknown pôle id "no-such-pole"',
        'review.csv:4:4: "12" is not a PIC (9 digits)',
    ]


# -- Kohesio ----------------------------------------------------------------------------------


def test_kohesio_operations_of_pole_associations_become_feder_and_fse_lines(store, tmp_path):
    path = write_kohesio(tmp_path / "kohesio_fr_2014-2020.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfOperation_Unique_Identifier,") and b"\r\n" in path.read_bytes()
    result = read_connector("kohesio", path, store)
    assert result.errors == [], result.report()
    assert outcome_by_line(result) == {
        2: ("matched", "valorial", "name"),
        4: ("matched", "aerospace-valley", "siren"),  # its SIRET in Beneficiary_Local_Identifier
        6: ("review", "emc2", ""),
        8: ("matched", "valorial", "name"),
    }
    projects = result.frame.set_index("project_id")
    op = projects.loc["kohesio-Q1001-valorial"]
    assert (op["title"], int(op["year"]), op["total_cost_eur"], op["eu_contribution_eur"], op["cofinancing_rate"]) == (
        "Opération Q1001, « animation »",
        2016,
        400000.0,
        200000.0,
        50.0,
    )
    assert (op["fund"], op["nuts_region"], op["role"]) == ("FEDER", "FRH0 Bretagne", "beneficiary")
    assert op["url"] == "https://kohesio.ec.europa.eu/fr/projects/Q1001"
    funding = result.extra_frames["funding"].set_index("project_id")
    assert funding.loc["kohesio-Q1002-aerospace-valley", ["funder", "amount_eur"]].tolist() == ["feder", 60000.25]
    assert funding.loc["kohesio-Q1004-valorial", ["funder", "programme"]].tolist() == ["fse", "FSE — 2014-2020"]


def test_kohesio_operations_of_other_funds_are_counted_and_left_out(store, tmp_path):
    path = write_kohesio(
        tmp_path / "k.csv", [kohesio_row("Q9", "Valorial", "JTF", "2022-01-01", "2023-01-01", "10", "5", "50")]
    )
    result = read_connector("kohesio", path, store)
    assert len(result.frame) == 0 and sum(result.skipped.values()) == 1
    assert any(str(w).startswith("k.csv:2:") and "fund JTF" in str(w) for w in result.warnings)


def test_kohesio_without_beneficiary_names_is_an_error(store, tmp_path):
    path = tmp_path / "old.csv"
    header = [h for h in KOHESIO_HEADER if h != "Beneficiary_Name"]
    path.write_text(",".join(header) + "\r\n", encoding="utf-8-sig")
    result = read_connector("kohesio", path, store)
    assert [str(e).split(" (header")[0] for e in result.errors] == ['old.csv:1:1: missing column "Beneficiary_Name"']


# -- SIRENE -----------------------------------------------------------------------------------


def test_lambert_93_origin_is_3_east_46_5_north():
    lon, lat = sirene.to_wgs84(pd.Series([700000.0]), pd.Series([6600000.0]), pd.Series(["75056"]))
    assert lon[0] == pytest.approx(3.0, abs=1e-9) and lat[0] == pytest.approx(46.5, abs=1e-9)


def sirene_fixture(store, path: Path, filler: int = 0) -> tuple[Path, dict]:
    toulouse = lambert93(store, "31555", 0.01)
    champs = lambert93(store, "77083")
    meylan = lambert93(store, "38229")
    rows = [
        sirene_row(AEROSPACE_SIREN, "00013", True, "31555", *toulouse[:2]),
        sirene_row(AEROSPACE_SIREN, "00021", False, "33063", *lambert93(store, "33063")[:2]),
        sirene_row(VESTAPOLIS_SIREN, "00018", True, "77083", *champs[:2]),
        sirene_row(MINALOGIC_SIREN, "00015", True, "38229", *meylan[:2]),
    ]
    return write_sirene(path, rows, filler=filler), {"31555": toulouse, "77083": champs, "38229": meylan}


def test_sirene_finds_the_head_offices_of_the_poles_sirens(store, tmp_path):
    path, points = sirene_fixture(store, tmp_path / "StockEtablissement_utf8.csv", filler=50)
    assert path.read_text().splitlines()[0].count("Etablissement ,") == 2  # the published trailing spaces
    result = read_connector("sirene", path, store)
    assert result.errors == [], result.report()
    rows = result.frame.set_index("cluster_id")
    assert rows.loc["aerospace-valley", "value"] == luhn_siret(AEROSPACE_SIREN, "00013")  # the head office only
    assert rows.loc["vestapolis", "commune_code"] == "77083"
    for cluster_id, code in (("aerospace-valley", "31555"), ("vestapolis", "77083")):
        _, _, lon, lat = points[code]
        assert rows.loc[cluster_id, ["longitude", "latitude"]].tolist() == pytest.approx([lon, lat], abs=1e-6)
    assert rows["as_of"].eq("2025-01-15").all()  # the file's latest dateDernierTraitementEtablissement
    assert rows.loc["aerospace-valley", "source"] == f"INSEE SIRENE, StockEtablissement ({path.name}:52)"
    assert rows.loc["aerospace-valley", "address"] == "2 AV DE L'EUROPE, 31400 VILLE"
    checks = {c.cluster_id: (c.applied, c.office_commune) for c in result.seat_checks}
    assert checks == {"vestapolis": (True, "77083"), "aerospace-valley": (True, "31555"), "minalogic": (False, "38229")}
    assert "not applied" in result.report()


def test_sirene_offices_place_unsourced_seats_and_leave_sourced_ones(store, tmp_path):
    path, points = sirene_fixture(store, tmp_path / "stock.csv")
    found = read_connector("sirene", path, store).frame
    clusters, _ = place_offices(store.clusters, pd.concat([store.identifiers, found]), store.communes)
    seats = clusters.set_index("id")
    assert store.clusters.set_index("id").loc["vestapolis", "seat_precision"] == "region"
    assert seats.loc["vestapolis", ["seat_commune_code", "seat_precision", "seat_region_code"]].tolist() == [
        "77083",
        "commune",
        "11",
    ]
    assert seats.loc["minalogic", "seat_commune_code"] == "38185"  # the sourced seat stays (Grenoble)
    aerospace = seats.loc["aerospace-valley"].geometry
    assert (aerospace.x, aerospace.y) == pytest.approx(points["31555"][2:], abs=1e-6)


def test_sirene_is_read_in_blocks_and_bad_rows_are_errors_at_their_lines(store, tmp_path, monkeypatch):
    monkeypatch.setattr(sirene, "BLOCK_SIZE", 1 << 14)  # many blocks for a few thousand rows
    path, _ = sirene_fixture(store, tmp_path / "stock.csv", filler=3000)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(2000, "123456789,00012,12345678900012,O\n")  # becomes line 2001
    path.write_text("".join(lines), encoding="utf-8")
    result = read_connector("sirene", path, store)
    assert [str(e) for e in result.errors] == [
        f"stock.csv:2001:5: 4 cells but the header has {len(SIRENE_HEADER)}: not a StockEtablissement row"
    ]


def test_sirene_reads_the_published_zip(store, tmp_path):
    path, _ = sirene_fixture(store, tmp_path / "StockEtablissement_utf8.csv", filler=10)
    archive = tmp_path / "StockEtablissement_utf8.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as fh:
        fh.write(path, path.name)
    result = read_connector("sirene", archive, store)
    assert result.errors == [] and sorted(result.frame["cluster_id"]) == ["aerospace-valley", "minalogic", "vestapolis"]
    assert result.frame["source"].str.contains("StockEtablissement_utf8.zip/StockEtablissement_utf8.csv:").all()


def test_sirene_unreadable_coordinates_of_a_pole_row_are_errors(store, tmp_path):
    rows = [sirene_row(AEROSPACE_SIREN, "00013", True, "31555", "57x000", "6279000")]
    path = write_sirene(tmp_path / "stock.csv", rows, filler=3)
    result = read_connector("sirene", path, store)
    column = [h.strip() for h in SIRENE_HEADER].index("coordonneeLambertAbscisseEtablissement") + 1
    assert [str(e) for e in result.errors] == [f'stock.csv:5:{column}: "57x000" is not a coordinate in metres']
