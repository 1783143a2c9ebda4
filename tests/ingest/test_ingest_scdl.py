"""Regions' SCDL `subventions` files: recognised by header, matched to members by SIREN."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import frictionless
from ingest_files import (
    MEMBERS,
    SCDL_BPIFRANCE,
    SCDL_COLUMNS,
    SCDL_REGION,
    luhn_siren,
    luhn_siret,
    scdl_fixture,
    scdl_fixture_rows,
    scdl_grant,
    write_scdl,
)

from mapapp.ingest import read_import
from mapapp.ingest.importer import luhn_valid
from mapapp.ingest.scdl import SCDL_FIELDS, SKIP_NO_SIRET, SKIP_NOT_MEMBER, funder_of

# Our transcription of the published SCDL subventions 2.x Table Schema (source in its "description").
SCDL_SCHEMA = Path(__file__).with_name("scdl_subventions.schema.json")


def scdl_schema_violations(path: Path) -> list[str]:
    """Every way the file breaks the published SCDL schema: frictionless's Table Schema check (header
    names and order, types, formats, required, patterns, enums, bounds), then the schema's custom
    SIRET check (Luhn key of the 14 digits)."""
    descriptor = json.loads(SCDL_SCHEMA.read_text(encoding="utf-8"))
    resource = frictionless.Resource(
        path=path.name,
        basepath=str(path.parent),
        format="csv",
        encoding="utf-8",
        schema=frictionless.Schema.from_descriptor(descriptor),
    )
    report = frictionless.validate(resource)
    problems = [f"{e.type}: {e.message}" for e in report.errors]
    for task in report.tasks:
        for e in task.errors:
            where = f"line {getattr(e, 'row_number', None) or 1} {getattr(e, 'field_name', '') or ''}".strip()
            problems.append(f"{where}: {e.type}: {e.note or e.message}")
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            for check in descriptor["customChecks"]:
                value = row.get(check["field"]) or ""
                if value.isdigit() and len(value) == 14 and not luhn_valid(value):
                    problems.append(f"line {line} {check['field']}: {check['check']}: {value} fails the Luhn key")
    return problems


def test_the_scdl_fixture_is_valid_against_the_published_schema(tmp_path):
    descriptor = json.loads(SCDL_SCHEMA.read_text(encoding="utf-8"))
    published_order = [f["name"] for f in descriptor["fields"]]
    assert list(SCDL_COLUMNS) == published_order
    assert list(SCDL_FIELDS) == published_order  # the reader knows the published columns
    path = scdl_fixture(tmp_path / "subventions-bretagne.csv")
    assert scdl_schema_violations(path) == []


def test_the_schema_check_catches_what_real_files_get_wrong(tmp_path):
    """The check above is no rubber stamp: typical deviations from the published format are caught."""
    member = luhn_siret(MEMBERS[0][8])
    good = scdl_grant(SCDL_REGION, "R1", member, "Objet", "1000.50")
    bad = {
        "idAttribuant": "233 500 016 00040",  # spaced SIRET
        "dateConvention": "27/06/2023",  # French date
        "idBeneficiaire": member[:-1] + str((int(member[-1]) + 1) % 10),  # Luhn key wrong
        "montant": "1000,50",  # decimal comma
        "nature": "subvention",  # not in the enum
        "datesPeriodeVersement": "2023",
        "notificationUE": "Non",  # only "oui" / "non"
        "pourcentageSubvention": "60",  # a percentage, not a fraction
    }
    bad["nomBeneficiaire"] = ""  # required
    rows = [good] + [with_cell(good, field, value) for field, value in bad.items()]
    problems = scdl_schema_violations(write_scdl(tmp_path / "bad.csv", rows))
    assert [p.split(":")[0] for p in problems] == [
        "line 3 idAttribuant",
        "line 4 dateConvention",
        "line 6 montant",
        "line 7 nature",
        "line 8 datesPeriodeVersement",
        "line 9 notificationUE",
        "line 10 pourcentageSubvention",
        "line 11 nomBeneficiaire",
        "line 5 idBeneficiaire",
    ]
    shuffled = write_csv_reordered(tmp_path / "order.csv", [good])
    assert any("incorrect-label" in p for p in scdl_schema_violations(shuffled))


def with_cell(row: list[str], field: str, value: str) -> list[str]:
    changed = list(row)
    changed[SCDL_COLUMNS.index(field)] = value
    return changed


def write_csv_reordered(path: Path, rows: list[list[str]]) -> Path:
    """The same columns with two swapped: the published order is part of the format."""
    order = list(range(len(SCDL_COLUMNS)))
    order[0], order[1] = 1, 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([SCDL_COLUMNS[i] for i in order])
        writer.writerows([[row[i] for i in order] for row in rows])
    return path


def test_scdl_grants_become_funding_lines_and_projects(store_with_sirens, tmp_path):
    path = scdl_fixture(tmp_path / "subventions-bretagne.csv")  # the valid file checked above
    result = read_import("funding", path, store_with_sirens)
    assert result.errors == [], result.report()
    assert result.fmt.startswith("SCDL subventions (2.x)")
    assert result.skipped[SKIP_NOT_MEMBER] == 1 and result.skipped[SKIP_NO_SIRET] == 0
    funding = result.frame
    assert funding["amount_eur"].tolist() == [60000.0, 40000.0, 25000.5, 1000.0]
    assert funding["funder"].tolist() == ["region", "region", "bpifrance", "region"]
    assert funding["year"].tolist() == [2023, 2023, 2021, 2023]
    assert funding["cluster_id"].tolist() == [
        "systematic-paris-region",
        "aerospace-valley",
        "lyonbiopole",
        "lyonbiopole",
    ]
    assert not funding["sample"].any()
    assert funding["source"].iloc[0] == "Région Bretagne — SCDL subventions (subventions-bretagne.csv)"
    projects = result.extra_frames["projects"].set_index("project_id")
    navire = projects.index[0]
    assert navire.startswith("scdl-23350001600040-CP-2023-06-12-")  # the decision funds two objects
    assert funding["project_id"].iloc[0] == funding["project_id"].iloc[1] == navire
    assert projects.loc[navire, "total_cost_eur"] == 100000.0
    assert projects.loc[navire, "cluster_ids"] == "systematic-paris-region|aerospace-valley"
    assert len(projects.loc[navire, "partner_ids"].split("|")) == 2
    assert f"scdl-{SCDL_BPIFRANCE[1]}-l5" in projects.index  # no decision reference: the line
    assert set(funding["project_id"]) == set(projects.index)
    assert "skipped: 1 " + SKIP_NOT_MEMBER in result.report()


def test_scdl_rows_without_a_siret_are_skipped(store_with_sirens, tmp_path):
    """Not valid SCDL (idBeneficiaire is required), but real files have such rows."""
    rows = scdl_fixture_rows()
    rows += [
        scdl_grant(SCDL_REGION, "", "", "Sans SIRET", "10.00"),
        scdl_grant(SCDL_REGION, "", "inconnu", "Sans SIRET", "20.00"),
    ]
    result = read_import("funding", write_scdl(tmp_path / "scdl.csv", rows), store_with_sirens)
    assert result.errors == [], result.report()
    assert result.skipped[SKIP_NO_SIRET] == 2 and result.skipped[SKIP_NOT_MEMBER] == 1
    assert len(result.frame) == 4


def test_scdl_errors_are_reported_on_matched_rows_only(store_with_sirens, tmp_path):
    member = luhn_siret(MEMBERS[0][8])
    rows = [
        scdl_grant(SCDL_REGION, "R1", member, "Objet", "mille euros"),
        scdl_grant(SCDL_REGION, "R2", member, "Objet", "10", signed="2004-01-01"),
        scdl_grant(
            SCDL_REGION, "R3", luhn_siren("12121212") + "00010", "Objet", "n'importe quoi", signed="pas une date"
        ),
    ]
    path = write_scdl(tmp_path / "scdl.csv", rows, ";")
    errors = [str(e) for e in read_import("funding", path, store_with_sirens).errors]
    assert errors == [
        'scdl.csv:2:8: montant "mille euros" is not an amount in euros',
        "scdl.csv:3:3: funding.year: 2004 is below the minimum 2005",
    ]


def test_a_whole_regions_file_imports_in_one_go(store_with_sirens, tmp_path):
    members = [m[8] for m in MEMBERS if m[8]]
    rows = [
        scdl_grant(
            SCDL_REGION,
            f"CP-{i // 3}",
            luhn_siret(members[i % len(members)] if i % 10 == 0 else luhn_siren(f"{30000000 + i}")),
            f"Objet {i}",
            f"{1000 + i}.50",
        )
        for i in range(20_000)
    ]
    path = write_scdl(tmp_path / "region.csv", rows)
    start = time.perf_counter()
    result = read_import("funding", path, store_with_sirens)
    elapsed = time.perf_counter() - start
    assert result.errors == []
    assert len(result.frame) == 2000 and result.skipped[SKIP_NOT_MEMBER] == 18_000
    assert len(result.extra_frames["projects"]) == 2000
    assert elapsed < 10


def test_funder_of_attributor():
    import pandas as pd

    names = pd.Series(
        [
            "Région Occitanie",
            "Conseil régional de Bretagne",
            "Collectivité de Corse",
            "Bpifrance",
            "Ville de Rennes",
            "Agence nationale de la recherche",
            "Préfecture de région",
        ]
    )
    assert funder_of(names).tolist() == ["region", "region", "region", "bpifrance", "region", "anr", "state_fui"]
