"""Files no office would produce, as a hostile tester made them: each one ends in
`FILE:LINE:COLUMN: message` and exit code 2, never a traceback; nothing is written; memory stays
bounded whatever the file claims (issue 13)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
from ingest_files import MEMBERS, write_csv, write_xlsx

from mapapp.config import DEFAULT_GEODATA_DIR
from mapapp.ingest.readers import MAX_CELL_CHARS, MAX_COLUMNS
from mapapp.ingest.result import MAX_LISTED
from mapapp.testing import run_measured

MEMBER_HEADER = ["Pôle", "Nom", "Catégorie", "Code INSEE"]
ROWS = [[p, n, "PME", code] for p, n, _, code, *_ in MEMBERS]
# The peak memory of importing a 6-row file is ≈ 290 MB (the store, pandas, geopandas): a file
# whose reading is bounded stays well under this.
BOUND = 600 * 2**20


@pytest.fixture
def data_dir(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_GEODATA_DIR / "sample", target)
    return target


def fingerprint(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def import_file(data_dir: Path, kind: str, path: Path, *extra: str) -> tuple[int, str, int]:
    env = {**os.environ, "MAPAPP_DATA_DIR": str(data_dir), "MAPAPP_DATABASE_URL": ""}
    return run_measured([sys.executable, "-m", "mapapp", "import", kind, str(path), *extra], env=env, timeout=900)


def members_csv(tmp_path: Path, rows: list[list]) -> Path:
    return write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows, "utf-8", ";")


def geojson(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "membres.geojson"
    path.write_text(text, encoding="utf-8")
    return path


def feature(geometry="point", properties=None) -> dict:
    geometry = {"type": "Point", "coordinates": [2.35, 48.85]} if geometry == "point" else geometry
    properties = {"pole": "Cap Digital", "nom": "A", "categorie": "PME"} if properties is None else properties
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def collection(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def xlsx_with_dtd(tmp_path: Path) -> Path:
    """A valid workbook whose sheet XML declares entities that expand to a billion "lol"s."""
    good = write_xlsx(tmp_path / "good.xlsx", MEMBER_HEADER, ROWS)
    path = tmp_path / "membres.xlsx"
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    dtd = f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]>'
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode().replace("<sheetPr>", '<sheetPr codeName="&lol9;">', 1)
                assert "&lol9;" in text
                data = (dtd + text[text.index("?>") + 2 :] if text.startswith("<?xml") else dtd + text).encode()
            out.writestr(item, data)
    return path


CASES = {
    # name: (kind, file maker, expected "FILE:LINE:COLUMN: start of message")
    "header-only members": (
        "members",
        lambda d: write_csv(d / "m.csv", MEMBER_HEADER, [], "utf-8", ";"),
        "m.csv:2:1: no data rows under the header",
    ),
    "header-only projects": (
        "projects",
        lambda d: write_csv(d / "p.csv", ["Pôle", "Titre", "Année", "Coût total"], [], "utf-8", ";"),
        "p.csv:2:1: no data rows under the header",
    ),
    "a cell over the csv field limit": (
        "members",
        lambda d: write_csv(
            d / "m.csv", MEMBER_HEADER, [ROWS[0], ["Cap Digital", "x" * (MAX_CELL_CHARS + 1)]], "utf-8", ";"
        ),
        f"m.csv:3:1: a cell of this row is longer than {MAX_CELL_CHARS:,} characters",
    ),
    "invalid JSON": (
        "members",
        lambda d: geojson(d, '{"type": "FeatureCollection",\n "features": [}'),
        "membres.geojson:2:15: not JSON",
    ),
    "a feature that is a string": (
        "members",
        lambda d: geojson(d, collection(feature(), "Feature")),
        "membres.geojson:3:1: feature 2 is not a GeoJSON Feature object",
    ),
    "properties as a list": (
        "members",
        lambda d: geojson(d, collection(feature(), feature(properties=["Cap Digital", "A"]))),
        "membres.geojson:3:1: feature 2: properties must be an object, not list",
    ),
    "geometry as a list": (
        "members",
        lambda d: geojson(d, collection(feature(), feature(geometry=[2.35, 48.85]))),
        "membres.geojson:3:4: feature 2: geometry must be an object or null",
    ),
    "nested coordinates": (
        "members",
        lambda d: geojson(d, collection(feature(geometry={"type": "Point", "coordinates": [[2.35, 48.85]]}))),
        "membres.geojson:2:4: Point coordinates [[2.35, 48.85]] are not two finite numbers",
    ),
    "a 10^400 coordinate": (
        "members",
        lambda d: geojson(d, collection(feature()).replace("48.85", "1e400")),
        "membres.geojson:2:4: Point coordinates [2.35, Infinity] are not two finite numbers",
    ),
    "deeply nested arrays": (
        "members",
        lambda d: geojson(d, collection(feature()).replace("[2.35, 48.85]", "[" * 100_000 + "]" * 100_000)),
        "membres.geojson:1:1: not JSON: nested too deeply",
    ),
    "an XLSX with DTD entities": ("members", xlsx_with_dtd, "membres.xlsx:1:1: "),
    "100,000 columns": (
        "members",
        lambda d: write_csv(d / "m.csv", [f"c{i}" for i in range(100_000)], [["x"] * 100_000], "utf-8", ";"),
        f"m.csv:1:{MAX_COLUMNS + 1}: the header has 100,000 columns; at most {MAX_COLUMNS:,} are read",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_file_is_a_located_error_and_writes_nothing(data_dir, tmp_path, case):
    kind, make, expected = CASES[case]
    before = fingerprint(data_dir)
    code, stderr, _ = import_file(data_dir, kind, make(tmp_path))
    assert code == 2, stderr
    assert "Traceback" not in stderr and expected in stderr, stderr
    assert fingerprint(data_dir) == before


def test_header_only_files_of_every_table_commit_nothing(data_dir, tmp_path):
    headers = {
        "clusters": ["Nom", "Thèmes", "Régions"],
        "funding": ["Référence projet", "Financeur", "Montant"],
        "members": MEMBER_HEADER,
    }
    before = fingerprint(data_dir)
    for kind, header in headers.items():
        path = write_csv(tmp_path / f"{kind}.csv", header, [], "cp1252", ";")
        code, stderr, _ = import_file(data_dir, kind, path)
        assert code == 2 and f"{kind}.csv:2:1: no data rows under the header" in stderr, stderr
    assert fingerprint(data_dir) == before and not (data_dir / "versions").exists()


def test_an_import_that_changes_nothing_commits_nothing(data_dir, tmp_path):
    path = write_csv(tmp_path / "m.csv", MEMBER_HEADER, ROWS, "utf-8", ";")
    assert import_file(data_dir, "members", path)[0] == 0
    after_first = fingerprint(data_dir)
    code, _, _ = import_file(data_dir, "members", path)
    assert code == 0 and fingerprint(data_dir) == after_first


def test_other_geometries_are_warnings_not_errors(store, tmp_path):
    from mapapp.ingest import read_import

    line = {"type": "LineString", "coordinates": [[2.35, 48.85], [2.4, 48.9]]}
    props = {"pole": "Cap Digital", "nom": "B", "categorie": "PME", "code insee": "75056"}
    path = geojson(tmp_path, collection(feature(geometry=line, properties=props)))
    result = read_import("members", path, store)
    assert result.errors == [] and len(result.frame) == 1
    assert [str(w) for w in result.warnings] == ["membres.geojson:2:5: LineString geometry ignored: only Points"]


def sparse_xlsx(path: Path, far_cell: str) -> Path:
    """A tiny XLSX: a header and one row of members, plus one cell at `far_cell`."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(MEMBER_HEADER)
    sheet.append(ROWS[0])
    sheet[far_cell] = "?"
    workbook.save(path)
    return path


@pytest.mark.parametrize(
    ("far_cell", "expected"),
    [
        ("XFD1048576", f"m.xlsx:1048576:{MAX_COLUMNS + 1}: cell XFD1048576 lies beyond column {MAX_COLUMNS:,}"),
        ("ZZ100000", "m.xlsx:100000:5: 702 cells but the header has 4 columns"),
    ],
)
def test_a_far_away_cell_costs_no_memory(data_dir, tmp_path, far_cell, expected):
    path = sparse_xlsx(tmp_path / "m.xlsx", far_cell)
    assert path.stat().st_size < 10_000
    code, stderr, peak = import_file(data_dir, "members", path)
    assert code == 2 and expected in stderr, stderr
    assert peak < BOUND, f"{peak / 2**20:.0f} MB"
    print(f"{far_cell}: peak {peak / 2**20:.0f} MB")


def inflating_xlsx(path: Path, rows: int) -> Path:
    """A small XLSX whose sheet inflates a hundredfold and more: `rows` rows of the same bad member."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        'name="Membres" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    }

    def cell(text: str) -> str:  # no "r" reference: cells and rows follow each other
        return f'<c t="inlineStr"><is><t>{text}</t></is></c>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, text in parts.items():
            out.writestr(name, text)
        with out.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            sheet.write(f"<sheetData><row>{''.join(cell(h) for h in MEMBER_HEADER)}</row>".encode())
            row = f"<row>{''.join(cell(v) for v in ('Systematik', 'M', 'PME', '75056'))}</row>".encode()
            for _ in range(rows):
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return path


def test_an_inflating_xlsx_is_read_in_bounded_memory_with_a_capped_listing(data_dir, tmp_path):
    rows = 200_000
    path = inflating_xlsx(tmp_path / "m.xlsx", rows)
    with zipfile.ZipFile(path) as archive:
        inflated = archive.getinfo("xl/worksheets/sheet1.xml").file_size
    assert inflated > 100 * path.stat().st_size
    code, stderr, peak = import_file(data_dir, "members", path)
    assert code == 2, stderr[-2000:]
    assert 'm.xlsx:2:1: unknown pôle "Systematik"' in stderr
    total = 2 * rows - 1  # every row's pôle, and every member but the first is a duplicate
    assert f"… and {total - MAX_LISTED:,} more error(s)" in stderr and f"nothing written: {total:,} error(s)" in stderr
    assert len(stderr.splitlines()) < MAX_LISTED + 20
    assert peak < BOUND, f"{peak / 2**20:.0f} MB"
    print(f"inflating XLSX: {inflated / 1e6:.0f} MB of sheet XML, peak {peak / 2**20:.0f} MB")


def test_a_large_csv_is_read_in_bounded_memory(data_dir, tmp_path):
    """300,000 members (21 MB): read chunk by chunk, checked, and not written (a dry run)."""
    rows = [[p, f"{n} {i}", "PME", code] for i in range(50_000) for p, n, _, code in ROWS]
    path = write_csv(tmp_path / "m.csv", MEMBER_HEADER, rows, "cp1252", ";")
    code, stderr, peak = import_file(data_dir, "members", path, "--dry-run")
    assert code == 0, stderr[-2000:]
    assert peak < BOUND, f"{peak / 2**20:.0f} MB"
    print(f"CSV of {path.stat().st_size / 1e6:.0f} MB: peak {peak / 2**20:.0f} MB")


def test_an_id_repeated_in_a_later_chunk_is_reported_at_its_line(store, tmp_path):
    """Files are checked 20,000 rows at a time: a member id used again 20,000 rows further on is
    still a duplicate, reported at the later line; different ids in different chunks are not."""
    from mapapp.ingest import read_import
    from mapapp.ingest.readers import CHUNK_ROWS

    pole, _, category, code = ROWS[0]
    rows = [[f"id-{i}", pole, f"Membre {i}", category, code] for i in range(CHUNK_ROWS + 10)]
    rows[CHUNK_ROWS + 5][0] = "id-3"  # file line CHUNK_ROWS + 7 (header on line 1)
    path = write_csv(tmp_path / "m.csv", ["Identifiant", *MEMBER_HEADER], rows, "utf-8", ";")
    result = read_import("members", path, store)
    assert [(p.line, p.column) for p in result.errors] == [(CHUNK_ROWS + 7, 1)], result.errors[:3]
    assert "'id-3' is duplicated" in result.errors[0].message
    rows[CHUNK_ROWS + 5][0] = f"id-{CHUNK_ROWS + 5}"
    path = write_csv(tmp_path / "m.csv", ["Identifiant", *MEMBER_HEADER], rows, "utf-8", ";")
    assert read_import("members", path, store).errors == []
