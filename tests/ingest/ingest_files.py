"""Import files written by the tests in the formats offices really produce.

One set of member rows is written as Windows-1252 `;` CSV (names, postcodes, dd/mm/yyyy),
UTF-8-with-BOM `,` CSV (INSEE codes), tab-separated UTF-8, XLSX (typed cells) and GeoJSON
(points), so every format must give the same table.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_FORMULA = '=HYPERLINK("http://evil.example","clic")'


def luhn_siren(prefix: str) -> str:
    """A valid SIREN: 8 digits + the Luhn check digit."""
    for last in "0123456789":
        digits = prefix + last
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits
    raise AssertionError


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
