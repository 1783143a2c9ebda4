"""Every class of problem is reported as `FILE:LINE:COLUMN: message`, all of them, not the first."""

from __future__ import annotations

from ingest_files import MEMBERS, write_csv, write_xlsx

from mapapp.ingest import read_import

HEADER = ["Pôle", "Nom", "Catégorie", "Code INSEE", "Commune", "Code postal", "SIREN", "Date d'adhésion"]


def test_every_error_is_listed_with_its_line_and_column(store, tmp_path):
    good_siren = MEMBERS[0][8]
    rows = [
        ["Systematic Paris-Region", "Bon", "PME", "75056", "", "", good_siren, "27/03/2019"],  # line 2: fine
        ["Systematik", "A", "PME", "75056", "", "", "", ""],  # 3: unknown pôle
        ["Cap Digital", "B", "Multinationale", "75056", "", "", "", ""],  # 4: unknown category
        ["Cap Digital", "C", "PME", "", "Saint-Denis", "", "", ""],  # 5: ambiguous commune
        ["Cap Digital", "D", "PME", "", "Parisss", "75001", "", ""],  # 6: unknown commune
        ["Cap Digital", "E", "PME", "99999", "", "", "", ""],  # 7: unknown INSEE code
        ["Cap Digital", "F", "PME", "75056", "", "", "123 456 789", "32/13/2019"],  # 8: bad SIREN, bad date
        ["Cap Digital", "", "PME", "", "", "", "", ""],  # 9: no name, no location
        ["Cap Digital", "G", "PME", "75056", "", "", "", "2001"],  # 10: year below the schema's minimum
    ]
    path = write_csv(tmp_path / "members.csv", HEADER, rows, "cp1252", ";")
    result = read_import("members", path, store)
    assert [str(e) for e in result.errors] == [
        'members.csv:3:1: unknown pôle "Systematik" — did you mean "Systematic Paris-Region"?',
        'members.csv:4:3: unknown category "Multinationale" (accepted: large, eti, sme, research, training, other'
        " or their French names, see mapapp/ingest/columns.py)",
        'members.csv:5:5: ambiguous commune "Saint-Denis": Saint-Denis (11339, dép. 11), Saint-Denis (30247, dép. 30),'
        " Saint-Denis (93066, dép. 93), Saint-Denis (97411, dép. 974); add its code INSEE, code postal or département",
        'members.csv:6:5: unknown commune "Parisss" in département 75 — did you mean Paris (75056, dép. 75)?',
        'members.csv:7:4: unknown INSEE commune code "99999"',
        'members.csv:8:7: SIREN "123456789" fails its check digit (Luhn)',
        'members.csv:8:8: "32/13/2019" is not a year or a date dd/mm/yyyy (column "Date d\'adhésion")',
        "members.csv:9:2: name: required value missing",
        "members.csv:9:4: no location: give a code INSEE, a commune with its code postal or département, "
        "or latitude/longitude",
        "members.csv:10:8: since: 2001 is below the minimum 2005",
    ]
    assert len(result.frame) == len(rows)  # rows with errors stay visible for a dry run
    assert not result.ok and "10 error(s)" in result.report()


def test_missing_required_columns_are_all_named(store, tmp_path):
    path = write_csv(tmp_path / "m.csv", ["Nom", "Ville"], [["A", "Paris"]], "utf-8", ";")
    messages = [str(e) for e in read_import("members", path, store).errors]
    assert len(messages) == 2
    assert messages[0].startswith('m.csv:1:1: missing required column cluster (accepted: "cluster_id", "pôle"')
    assert messages[1].startswith("m.csv:1:1: missing required column category")


def test_bad_numbers_dates_and_funders(store, tmp_path):
    project_id = store.projects["project_id"].iloc[0]
    path = write_xlsx(
        tmp_path / "funding.xlsx",
        ["Projet", "Financeur", "Montant", "Année"],
        [
            [project_id, "Mécène", "12 500,00 €", 2015],  # row 2: unknown funder
            [project_id, "FUI", "douze euros", 2015],  # 3: bad number
            [project_id, "ANR", "-5", "le 3 mars"],  # 4: negative amount, bad date
            ["p-nope", "FEDER", "1", 2015],  # 5: unknown project
        ],
    )
    assert [str(e) for e in read_import("funding", path, store).errors] == [
        'funding.xlsx:2:2: unknown funder "Mécène" (accepted: state_fui, region, feder, anr, bpifrance, pia, eu'
        " or their French names, see mapapp/ingest/columns.py)",
        'funding.xlsx:3:3: "douze euros" is not a number (column "Montant")',
        "funding.xlsx:4:3: amount_eur: -5.0 is below the minimum 0",
        'funding.xlsx:4:4: "le 3 mars" is not a year or a date dd/mm/yyyy (column "Année")',
        'funding.xlsx:5:1: unknown project "p-nope": import the projects file first',
        "funding.xlsx:5:1: cluster_id: required value missing",
    ]


def test_coordinates_must_be_in_france(store, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        ["pole", "nom", "type", "latitude", "longitude"],
        [["Cap Digital", "Londres", "PME", "51,5", "-0,12"], ["Cap Digital", "Paris", "PME", "48,8566", "2,3522"]],
        "utf-8",
        ";",
    )
    result = read_import("members", path, store)
    assert [str(e) for e in result.errors] == [
        "m.csv:2:4: point (51.5, -0.12) (latitude, longitude) is outside France's regions"
    ]
    assert result.frame["commune_code"].iloc[1] == "75056"


def test_unknown_sheet_and_bad_as_of(store, member_files):
    assert "no sheet 'Feuil9'" in str(read_import("members", member_files["xlsx"], store, sheet="Feuil9").errors[0])
    assert read_import("members", member_files["xlsx"], store, sheet="Membres").ok
    bad = read_import("members", member_files["bom"], store, as_of="27/03/2024").errors
    assert [str(e) for e in bad] == ['members_bom.csv:1:1: --as-of "27/03/2024" is not a date YYYY-MM-DD']
