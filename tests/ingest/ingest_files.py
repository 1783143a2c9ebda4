"""Import files written by the tests in the formats offices really produce.

One set of member rows is written as Windows-1252 `;` CSV (names, postcodes, dd/mm/yyyy),
UTF-8-with-BOM `,` CSV (INSEE codes), tab-separated UTF-8, XLSX (typed cells) and GeoJSON
(points), so every format must give the same table.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from mapapp.ingest.importer import luhn_valid
from mapapp.ingest.scdl import SCDL_FIELDS

HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_FORMULA = '=HYPERLINK("http://evil.example","clic")'


def luhn_siren(prefix: str) -> str:
    """A valid SIREN: 8 digits + the Luhn check digit."""
    return next(prefix + last for last in "0123456789" if luhn_valid(prefix + last))


def luhn_siret(siren: str, nic: str = "0001") -> str:
    """A valid SIRET: the SIREN, the first 4 NIC digits + the Luhn check digit of all 14."""
    return luhn_siren(siren + nic[:4])


# (pôle as written, name, category as written, INSEE code, commune as written, postcode, lon, lat,
#  SIREN, joined)
MEMBERS = [
    (
        "Systematic Paris-Region",
        "Société Générale d'Études",
        "Grande entreprise",
        "75056",
        "Paris",
        "75001",
        2.3201,
        48.85727,
        luhn_siren("55210055"),
        date(2019, 3, 27),
    ),
    (
        "Aerospace Valley",
        "Aéro PME",
        "PME",
        "31555",
        "Toulouse",
        "31000",
        1.42213,
        43.60191,
        luhn_siren("31234567"),
        date(2020, 1, 15),
    ),
    (
        "Lyonbiopôle",
        "Labo Œnologie & Santé",
        "laboratoire",
        "69123",
        "Lyon",
        "69003",
        4.82934,
        45.75715,
        luhn_siren("19690001"),
        date(2008, 11, 3),
    ),
    (
        "Tenerrdis",
        HOSTILE_IMG,
        "ETI",
        "42218",
        "St-Etienne",
        "42000",
        4.41641,
        45.42259,
        luhn_siren("42424242"),
        date(2015, 6, 30),
    ),
    ("Plastipolis", HOSTILE_FORMULA, "Université", "2A004", "Ajaccio", "20000", 8.68289, 41.9324, "", date(2012, 9, 1)),
    (
        "ViaMéca",
        "Start-up «Réunion»",
        "startup",
        "97411",
        "Saint-Denis",
        "97400",
        55.44746,
        -20.94335,
        luhn_siren("97400000"),
        date(2023, 2, 28),
    ),
]
EXPECTED = {
    "cluster_id": ["systematic-paris-region", "aerospace-valley", "lyonbiopole", "tenerrdis", "plastipolis", "viameca"],
    "category": ["large", "sme", "research", "eti", "training", "sme"],
    "commune_code": ["75056", "31555", "69123", "42218", "2A004", "97411"],
    "since": [2019, 2020, 2008, 2015, 2012, 2023],
}


def spaced(siren: str) -> str:
    return f"{siren[:3]} {siren[3:6]} {siren[6:]}" if siren else ""


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str, delimiter: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list], title: str = "Membres") -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, as Excel keeps it with a ' prefix
    workbook.create_sheet("Notes").append(["not the data"])
    workbook.save(path)
    return path


# A region's grant file in the national SCDL `subventions` 2.x format (schema.data.gouv.fr
# "scdl/subventions"), valid against the published schema: its columns in the published order,
# SIRETs of 14 digits with a good Luhn key, ISO dates, "." decimals, notificationUE "oui"/"non".
# The constraints are restated in scdl_subventions.schema.json and checked in test_ingest_scdl.py.
SCDL_COLUMNS = SCDL_FIELDS  # the importer's order, checked against the published schema by the tests
SCDL_REGION = ("Région Bretagne", "23350001600040")
SCDL_BPIFRANCE = ("Bpifrance", luhn_siret("320252489", "0003"))  # the SIREN; a made-up NIC


def scdl_grant(
    attributor: tuple[str, str],
    reference: str,
    siret: str,
    objet: str,
    montant: str,
    share: str = "1.00",
    signed: str = "2023-06-27",
    name: str = "Bénéficiaire",
    paid: str = "2023-07-01/2024-06-30",
    notified: bool = False,
    rae: str = "",
) -> list[str]:
    """One SCDL 2.x row, cells as published (text), in `SCDL_COLUMNS` order."""
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
        "conditionsVersement": "échelonné" if "/" in paid else "unique",
        "datesPeriodeVersement": paid,
        "idRAE": rae,
        "notificationUE": "oui" if notified else "non",
        "pourcentageSubvention": share,
    }
    return [values[f] for f in SCDL_COLUMNS]


def write_scdl(path: Path, rows: list[list], delimiter: str = ",") -> Path:
    """An SCDL file as the national format has it: UTF-8, `,`-separated (other separators: real-world)."""
    return write_csv(path, list(SCDL_COLUMNS), rows, "utf-8", delimiter)


def scdl_fixture_rows() -> list[list[str]]:
    """Grants of a region file, lines 2-6: two members sharing one decision's grant (60/40), a
    non-member, a member funded by Bpifrance (single payment, notified, RAE number) and the first
    decision funding the Lyon member for another object."""
    paris, toulouse, lyon = (luhn_siret(MEMBERS[i][8]) for i in range(3))
    decision = "CP-2023-06-12"
    navire = "Projet collaboratif NAVIRE"
    return [
        scdl_grant(SCDL_REGION, decision, paris, navire, "100000.00", "0.60", name=MEMBERS[0][1]),
        scdl_grant(SCDL_REGION, decision, toulouse, navire, "100000.00", "0.40", name=MEMBERS[1][1]),
        scdl_grant(SCDL_REGION, decision, luhn_siret(luhn_siren("77777777")), "Fête locale", "500.00"),
        scdl_grant(
            SCDL_BPIFRANCE,
            "",
            lyon,
            "Aide à l'innovation",
            "25000.5",
            signed="2021-01-05",
            name=MEMBERS[2][1],
            paid="2021-02-01",
            notified=True,
            rae="12345",
        ),
        scdl_grant(SCDL_REGION, decision, lyon, "Autre objet", "1000", name=MEMBERS[2][1]),
    ]


def scdl_fixture(path: Path) -> Path:
    """The region file of `scdl_fixture_rows`, valid against the published SCDL subventions 2.x schema."""
    return write_scdl(path, scdl_fixture_rows())
