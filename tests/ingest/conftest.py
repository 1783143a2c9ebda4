"""Fixtures of the import tests: files in every format (see `ingest_files`) and a store with SIRENs."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from ingest_files import MEMBERS, spaced, write_csv, write_xlsx


@pytest.fixture
def member_files(tmp_path: Path) -> dict[str, Path]:
    """The same members in five formats."""
    files = {}
    files["cp1252"] = write_csv(
        tmp_path / "membres_cp1252.csv",
        [
            "Pôle de compétitivité",
            "Raison sociale",
            "Catégorie",
            "Commune",
            "Code postal",
            "N° SIRET",
            "Date d'adhésion",
        ],
        [
            [p, n, c, commune, cp, spaced(s) + (" 00012" if s else ""), d.strftime("%d/%m/%Y")]
            for p, n, c, _, commune, cp, _, _, s, d in MEMBERS
        ],
        "cp1252",
        ";",
    )
    files["bom"] = write_csv(
        tmp_path / "members_bom.csv",
        ["cluster", "name", "category", "Code INSEE", "siren", "since"],
        [[p, n, c, code, s, d.isoformat()] for p, n, c, code, _, _, _, _, s, d in MEMBERS],
        "utf-8-sig",
        ",",
    )
    files["tab"] = write_csv(
        tmp_path / "members.tsv",
        ["POLE", "NOM", "TYPE", "VILLE", "DEPARTEMENT", "SIREN", "ADHESION"],
        [
            [p, n, c, commune, code[:3] if code.startswith("97") else code[:2], s, d.year]
            for p, n, c, code, commune, _, _, _, s, d in MEMBERS
        ],
        "utf-8",
        "\t",
    )
    files["xlsx"] = write_xlsx(
        tmp_path / "membres.xlsx",
        ["Pôle", "Dénomination", "Type", "Code commune", "SIREN", "Membre depuis"],
        [[p, n, c, code, int(s) if s else None, d] for p, n, c, code, _, _, _, _, s, d in MEMBERS],
    )
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"pole": p, "nom": n, "categorie": c, "siren": s, "depuis": d.strftime("%d/%m/%Y")},
        }
        for p, n, c, _, _, _, lon, lat, s, d in MEMBERS
    ]
    files["geojson"] = tmp_path / "membres.geojson"
    files["geojson"].write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return files


@pytest.fixture
def store_with_sirens(store, tmp_path):
    """The shipped store whose members are replaced by imported ones that have SIRENs."""
    from mapapp.ingest import read_import

    path = write_csv(
        tmp_path / "membres.csv",
        ["Pôle", "Nom", "Catégorie", "Code INSEE", "SIREN"],
        [[p, n, c, code, s] for p, n, c, code, _, _, _, _, s, _ in MEMBERS],
        "utf-8",
        ";",
    )
    result = read_import("members", path, store, source="test")
    assert result.errors == []
    return dataclasses.replace(store, members=result.frame, cache={})
