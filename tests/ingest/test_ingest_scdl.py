"""Regions' SCDL `subventions` files: recognised by header, matched to members by SIREN."""

from __future__ import annotations

import time

from ingest_files import MEMBERS, luhn_siren, write_csv

from mapapp.ingest import read_import
from mapapp.ingest.scdl import SCDL_FIELDS, SKIP_NO_SIRET, SKIP_NOT_MEMBER, funder_of

REGION = ("Région Bretagne", "23350001600040")


def grant(attributor, reference, siret, objet, montant, share="1.00", signed="2023-06-27", name="Bénéficiaire"):
    """One SCDL 2.x row, fields in the published order."""
    values = {
        "nomAttribuant": attributor[0],
        "idAttribuant": attributor[1],
        "dateConvention": signed,
        "referenceDecision": reference,
        "nomBeneficiaire": name,
        "idBeneficiaire": siret,
        "objet": objet,
        "montant": montant,
        "nature": "aide en numéraire",
        "conditionsVersement": "échelonné",
        "datesPeriodeVersement": "2023-07-01/2024-06-30",
        "idRAE": "",
        "notificationUE": "non",
        "pourcentageSubvention": share,
    }
    return [values[f] for f in SCDL_FIELDS]


def test_scdl_grants_become_funding_lines_and_projects(store_with_sirens, tmp_path):
    paris, toulouse, lyon = (MEMBERS[i][8] + "00017" for i in range(3))
    rows = [
        grant(REGION, "CP-2023-06-12", paris, "Projet collaboratif NAVIRE", "100000.00", "0.60"),  # line 2
        grant(REGION, "CP-2023-06-12", toulouse, "Projet collaboratif NAVIRE", "100000.00", "0.40"),  # 3
        grant(REGION, "CP-2023-06-12", luhn_siren("77777777") + "00010", "Fête locale", "500.00"),  # 4: not a member
        grant(REGION, "", "", "Sans SIRET", "10.00"),  # 5: no SIRET
        grant(("Bpifrance", "32025248900034"), "", lyon, "Aide à l'innovation", "25000.5", signed="2021-01-05"),  # 6
        grant(REGION, "CP-2023-06-12", lyon, "Autre objet", "1000"),  # 7: same decision, other object
    ]
    path = write_csv(tmp_path / "subventions-bretagne.csv", list(SCDL_FIELDS), rows, "utf-8", ",")
    result = read_import("funding", path, store_with_sirens)
    assert result.errors == [], result.report()
    assert result.fmt.startswith("SCDL subventions (2.x)")
    assert result.skipped[SKIP_NOT_MEMBER] == 1 and result.skipped[SKIP_NO_SIRET] == 1
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
    assert "scdl-32025248900034-l6" in projects.index
    assert set(funding["project_id"]) == set(projects.index)
    assert "skipped: 1 " + SKIP_NOT_MEMBER in result.report()


def test_scdl_errors_are_reported_on_matched_rows_only(store_with_sirens, tmp_path):
    member = MEMBERS[0][8] + "00017"
    rows = [
        grant(REGION, "R1", member, "Objet", "mille euros"),
        grant(REGION, "R2", member, "Objet", "10", signed="2004-01-01"),
        grant(REGION, "R3", luhn_siren("12121212") + "00010", "Objet", "n'importe quoi", signed="pas une date"),
    ]
    path = write_csv(tmp_path / "scdl.csv", list(SCDL_FIELDS), rows, "utf-8", ";")
    errors = [str(e) for e in read_import("funding", path, store_with_sirens).errors]
    assert errors == [
        'scdl.csv:2:8: montant "mille euros" is not an amount in euros',
        "scdl.csv:3:3: funding.year: 2004 is below the minimum 2005",
    ]


def test_a_whole_regions_file_imports_in_one_go(store_with_sirens, tmp_path):
    members = [m[8] for m in MEMBERS if m[8]]
    rows = [
        grant(
            REGION,
            f"CP-{i // 3}",
            (members[i % len(members)] if i % 10 == 0 else luhn_siren(f"{30000000 + i}")) + "00010",
            f"Objet {i}",
            f"{1000 + i}.50",
        )
        for i in range(20_000)
    ]
    path = write_csv(tmp_path / "region.csv", list(SCDL_FIELDS), rows, "utf-8", ",")
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
