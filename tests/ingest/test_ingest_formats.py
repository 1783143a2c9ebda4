"""Every input format gives the same rows; French numbers, dates, encodings and separators."""

from __future__ import annotations

import time
from datetime import date

import pandas as pd
import pytest
from ingest_files import EXPECTED, HOSTILE_FORMULA, HOSTILE_IMG, MEMBERS, write_csv, write_xlsx

from mapapp.data.schema import check_frame, field_names
from mapapp.ingest import read_import
from mapapp.ingest.columns import COLUMN_ALIASES, match_headers
from mapapp.ingest.french import parse_date, parse_number
from mapapp.ingest.geocode import commune_key
from mapapp.ingest.readers import decode, sniff_separator


@pytest.mark.parametrize("fmt", ["cp1252", "bom", "tab", "xlsx", "geojson"])
def test_each_format_gives_the_same_members(store, member_files, fmt):
    result = read_import("members", member_files[fmt], store, source="Annuaire test", as_of="2024-05-01")
    assert result.errors == [], result.report()
    frame = result.frame
    assert list(frame.columns) == field_names("members")
    assert check_frame(pd.DataFrame(frame), "members", "x") == []
    for column, values in EXPECTED.items():
        assert frame[column].tolist() == values, column
    assert frame["name"].tolist() == [m[1] for m in MEMBERS]  # hostile names kept as text, unchanged
    assert frame["siren"].tolist() == [m[8] for m in MEMBERS]
    assert not frame["sample"].any()
    assert set(frame["source"]) == {"Annuaire test"} and set(frame["as_of"]) == {"2024-05-01"}
    assert frame.geometry.notna().all() and frame.crs.to_epsg() == 4326
    # ids are stable: the same member gets the same id whatever the format
    reference = read_import("members", member_files["bom"], store).frame
    assert frame["member_id"].tolist() == reference["member_id"].tolist()


def test_detected_format_is_reported(store, member_files):
    assert "cp1252" in read_import("members", member_files["cp1252"], store).fmt.lower()
    assert "separator ';'" in read_import("members", member_files["cp1252"], store).fmt
    assert "utf-8-sig" in read_import("members", member_files["bom"], store).fmt
    assert "tab" in read_import("members", member_files["tab"], store).fmt
    assert "XLSX, sheet 'Membres'" in read_import("members", member_files["xlsx"], store).report()


def test_hostile_names_are_stored_as_text(store, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        ["pôle", "nom", "type", "code insee"],
        [["Cap Digital", HOSTILE_IMG, "PME", "75056"], ["Cap Digital", HOSTILE_FORMULA, "PME", "75056"]],
        "utf-8",
        ",",
    )
    result = read_import("members", path, store)
    assert result.errors == []
    assert result.frame["name"].tolist() == [HOSTILE_IMG, HOSTILE_FORMULA]


def test_french_numbers():
    cells = pd.Series(
        ["1 234,56", "1\u00a0234,56 €", "1\u202f234,56 €", "12,5 %", "1.234,56", "1234.56", "1,234.56", "", 1500],
        dtype=object,
    )
    values, bad = parse_number(cells)
    assert values.tolist()[:7] == [1234.56, 1234.56, 1234.56, 12.5, 1234.56, 1234.56, 1234.56]
    assert pd.isna(values[7]) and values[8] == 1500
    assert not bad.any()
    assert parse_number(pd.Series(["1.500", "2,5"]))[0].tolist() == [1500, 2.5]  # French column
    assert parse_number(pd.Series(["1.5", "2.25"]))[0].tolist() == [1.5, 2.25]
    assert parse_number(pd.Series(["12 abc", "1,2,3,4"]))[1].tolist() == [True, False]


def test_french_dates():
    values, bad = parse_date(pd.Series(["27/03/2023", "2023-03-27", "27.03.2023", date(2023, 3, 27), "31/02/2023"]))
    assert values[:4].dt.strftime("%Y-%m-%d").tolist() == ["2023-03-27"] * 4
    assert bad.tolist() == [False, False, False, False, True]


def test_projects_from_cp1252_with_euro_amounts(store, tmp_path):
    path = write_csv(
        tmp_path / "projets.csv",
        ["Pôle", "Intitulé", "Date de décision", "Coût total", "Partenaires"],
        [
            ["Systematic Paris-Region", "Véhicule autonome", "27/03/2023", "1 234 567,89 €", ""],
            ["Aerospace Valley", "Drone « léger »", "2019", "250\u00a0000 €", "Inconnu SA"],
        ],
        "cp1252",
        ";",
    )
    result = read_import("projects", path, store, source="test")
    assert result.errors == [], result.report()
    frame = result.frame
    assert frame["title"].tolist() == ["Véhicule autonome", "Drone « léger »"]
    assert frame["year"].tolist() == [2023, 2019]
    assert frame["total_cost_eur"].tolist() == [1234567.89, 250000.0]
    assert frame["cluster_ids"].tolist() == ["systematic-paris-region", "aerospace-valley"]
    assert [str(w) for w in result.warnings] == [
        'projets.csv:3:5: partner "Inconnu SA" is not a member of any pôle: left out'
    ]


def test_funding_words_and_amounts(store, tmp_path):
    project = store.projects.iloc[0]
    path = write_xlsx(
        tmp_path / "financements.xlsx",
        ["Référence projet", "Financeur", "Montant", "Année"],
        [
            [project["project_id"], "FUI", "12 500,00 €", 2015],
            [project["project_id"], "Conseil régional", 8000.5, "27/03/2016"],
            [project["project_id"], "France 2030", "1.000,00", 2024],
            [project["project_id"], "Horizon Europe", 100, 2024],
            [project["project_id"], "OSEO", 1, 2010],
        ],
    )
    result = read_import("funding", path, store, source="test")
    assert result.errors == [], result.report()
    assert result.frame["funder"].tolist() == ["state_fui", "region", "pia", "eu", "bpifrance"]
    assert result.frame["amount_eur"].tolist() == [12500.0, 8000.5, 1000.0, 100.0, 1.0]
    assert result.frame["year"].tolist() == [2015, 2016, 2024, 2024, 2010]
    assert set(result.frame["cluster_id"]) == {project["cluster_id"]}


def test_headers_match_aliases_in_any_case_accent_or_punctuation():
    fields, ignored = match_headers("members", ["PÔLE", "raison_sociale", "Catégorie ", "code-insee", "Remarque"])
    assert fields == {"cluster": 1, "name": 2, "category": 3, "commune_code": 4}
    assert ignored == ["Remarque"]
    # a funding file's "source" is the funder unless a "financeur" column exists
    assert match_headers("funding", ["id projet", "source", "montant"])[0]["funder"] == 2
    both = match_headers("funding", ["id projet", "financeur", "montant", "source"])[0]
    assert both["funder"] == 2 and both["source"] == 4
    assert all(isinstance(a, str) for aliases in COLUMN_ALIASES.values() for a in aliases)


def test_separator_and_encoding_detection():
    assert sniff_separator("a;b;c") == ";"
    assert sniff_separator("a\tb\tc") == "\t"
    assert sniff_separator('"x, y";b;c') == ";"
    assert sniff_separator("a,b,c") == ","
    assert decode("Pôle;Étude".encode("cp1252"))[1] == "cp1252"
    assert decode("\ufeffPôle".encode())[0] == "Pôle"


def test_commune_names_are_compared_tolerantly():
    assert commune_key("St-Étienne") == commune_key("SAINT ETIENNE") == commune_key("Saint-Étienne")
    assert commune_key("Mans (Le)") == commune_key("Le Mans")
    assert commune_key("PARIS CEDEX 07") == commune_key("Paris 15e arrondissement") == "paris"


def test_excel_sep_line_and_quoted_newlines_keep_line_numbers(store, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(
        'sep=;\npôle;nom;catégorie;code insee\nCap Digital;"Deux\nlignes";PME;75056\nCap Digital;X;PMEX;75056\n',
        encoding="utf-8",
    )
    result = read_import("members", path, store)
    assert [str(e).split(" — ")[0] for e in result.errors] == ['m.csv:5:3: unknown category "PMEX"']
    assert result.frame["name"].iloc[0] == "Deux\nlignes"


def test_a_thousand_members_and_arrondissements(store, tmp_path):
    communes = store.communes.sample(1000, random_state=7, replace=True)
    rows = [
        ["Cap Digital", f"Membre {i}", ["PME", "ETI", "GE", "laboratoire"][i % 4], code, f"{i % 28 + 1:02d}/02/2020"]
        for i, code in enumerate(communes["code"])
    ]
    rows[0][3] = "75115"  # Paris 15e arrondissement
    path = write_csv(
        tmp_path / "mille.csv", ["pole", "nom", "categorie", "code commune", "date d'adhesion"], rows, "cp1252", ";"
    )
    result = read_import("members", path, store)
    assert result.errors == []
    assert len(result.frame) == 1000 and result.frame["member_id"].is_unique
    assert result.frame["commune_code"].iloc[0] == "75056"
    assert set(result.frame["since"]) == {2020}


def test_clusters_directory_round_trips(store, config):
    result = read_import("clusters", config.geodata_dir / "clusters.csv", store)
    assert result.errors == [], result.report()
    original = pd.read_csv(config.geodata_dir / "clusters.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(result.frame.astype(str), original)


@pytest.mark.parametrize("rows", [20_000])
def test_parsing_is_vectorised(store, tmp_path, rows):
    """Not a benchmark: a guard against per-row Python creeping in (20k rows well under 10 s)."""
    codes = store.communes["code"].sample(rows, random_state=1, replace=True).tolist()
    data = [["Cap Digital", f"M{i}", "PME", code, MEMBERS[0][8], "01/01/2020"] for i, code in enumerate(codes)]
    path = write_csv(tmp_path / "big.csv", ["pôle", "nom", "type", "insee", "siren", "depuis"], data, "utf-8", ";")
    start = time.perf_counter()
    result = read_import("members", path, store)
    assert result.errors == [] and len(result.frame) == rows
    assert time.perf_counter() - start < 10
