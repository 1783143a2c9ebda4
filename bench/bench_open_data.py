"""Open-data connector benchmarks (issue 14): `import cordis` on a file the size of the H2020 zip and
`import sirene` on 10 million establishment rows, with rows/s and the peak memory of the command.

    python bench/bench_open_data.py [--cordis-projects 35000] [--cordis-orgs 180000]
                                    [--sirene-rows 10000000] [--only cordis|sirene] [--keep DIR]

Files are generated in the published shapes (`tests/ingest/open_data_files.py`): CORDIS
`project.csv` (≈ 2 kB of objective per project) and `organization.csv`, `;`, quoted, decimal
commas, ~0.1 % of records cut by a line break, zipped; SIRENE `StockEtablissement` with its 54
columns (≈ 230 bytes a row, as INSEE's), as CSV and as zip. A few rows name real pôles (by name
for CORDIS; by the SIRENs of a private copy of the geodata for SIRENE), so matching works as in
real use. Each import is the real CLI in a subprocess, timed from start to exit, its peak RSS read
by `/usr/bin/time -v` (the whole process: Python, the store it loads, the reader). Goals: a
CORDIS programme in < 60 s; 10 M SIRENE rows in < 120 s under 500 MB.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "ingest"))

from open_data_files import (  # noqa: E402
    ORGANIZATION_HEADER,
    PROJECT_HEADER,
    SIRENE_HEADER,
    fixture_geodata,
    organisation,
    project,
    sirene_row,
)

from mapapp.data.identifiers import IdentifierIndex  # noqa: E402
from mapapp.data.store import load_store  # noqa: E402

COUNTRIES = ("FR", "DE", "IT", "ES", "NL", "BE", "PT", "SE", "PL", "AT")
ROLES = ("participant", "participant", "participant", "partner", "thirdParty")
POLE_NAMES = ("ASSOCIATION AEROSPACE VALLEY", "POLE DE COMPETITIVITE VALORIAL", "ASSOCIATION CAP DIGITAL", "MINALOGIC")


def quoted(cells) -> str:
    return ";".join('"' + str(c).replace('"', '""') + '"' for c in cells)


def write_cordis(folder: Path, projects: int, orgs: int, seed: int = 14) -> Path:
    """A CORDIS H2020-sized zip: `projects` projects, `orgs` organisation rows."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    words = [
        f"{stem}{i}" for stem in ("method", "demonstr", "materia", "ener", "numeri", "capteur") for i in range(400)
    ]
    with (folder / "project.csv").open("w", encoding="utf-8") as fh:
        fh.write(quoted(PROJECT_HEADER) + "\n")
        for i in range(projects):
            year = 2014 + i % 8
            row = project(
                str(100000 + i),
                f"ACR{i}",
                f"Project number {i}" + ("\nsecond line" if i % 1000 == 7 else ""),
                f"{year}-03-01",
                f"{year + 3}-02-28",
                f"{rng.randint(100, 9000) * 1000},{rng.randint(0, 99):02d}",
                f"{rng.randint(100, 5000) * 1000}",
                f"{year}-01-15",
            )
            # ≈ 2 kB of varied words: the zip compresses about as much as the published one
            row[PROJECT_HEADER.index("objective")] = " ".join(rng.choices(words, k=220))
            fh.write(quoted(row) + "\n")
    per_project = max(1, orgs // projects)
    with (folder / "organization.csv").open("w", encoding="utf-8") as fh:
        fh.write(quoted(ORGANIZATION_HEADER) + "\n")
        written = 0
        while written < orgs:
            pid = str(100000 + (written // per_project) % projects)
            if written % 4000 == 11:
                name, country = POLE_NAMES[(written // 4000) % len(POLE_NAMES)], "FR"
            else:
                name, country = f"ORGANISATION {written:06d} GMBH", rng.choice(COUNTRIES)
            row = organisation(
                pid,
                name,
                country,
                rng.choice(ROLES),
                f"{rng.randint(10, 900) * 1000},{rng.randint(0, 99):02d}",
                pic=str(900000000 + written),
            )
            text = quoted(row)
            if written % 1000 == 500:  # a record cut by a line break outside quotes
                cut = text.index(';"31000";')
                text = text[:cut] + "\n" + text[cut:]
            fh.write(text + "\n")
            written += 1
    target = folder.with_suffix(".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("project.csv", "organization.csv"):
            archive.write(folder / name, name)
    return target


def write_sirene(path: Path, rows: int, sirens: list[str], chunk: int = 200_000) -> Path:
    """`rows` StockEtablissement rows; the pôles' `sirens` appear near the end, the rest are other
    SIRENs (≈ 230 bytes a row)."""
    template = sirene_row("000000000", "00011", True, "75056", "652123.4", "6862345.6")
    header = [h.strip() for h in SIRENE_HEADER]
    template[header.index("libelleVoieEtablissement")] = "DU GENERAL DE GAULLE"
    template[header.index("libelleCommuneEtablissement")] = "PARIS 8"
    template[header.index("identifiantAdresseEtablissement")] = "75108_3969_00012"
    template[header.index("denominationUsuelleEtablissement")] = "ETABLISSEMENT"
    line = ",".join(template[3:]) + "\n"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(SIRENE_HEADER) + "\n")
        for start in range(0, rows, chunk):
            fh.write(
                "".join(
                    f"{400000000 + i:09d},00011,{400000000 + i:09d}00011,{line}"
                    for i in range(start, min(rows, start + chunk))
                )
            )
        writer = csv.writer(fh, lineterminator="\n")
        for siren in sirens:
            writer.writerow(sirene_row(siren, "00013", True, "31555", "574600.0", "6279500.0"))
    return path


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of `python -m mapapp ARGS` (RSS from /usr/bin/time -v)."""
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, "-m", "mapapp", *args], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stdout[-2000:] + done.stderr[-4000:])
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    return elapsed, peak_kb / 1024, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cordis-projects", type=int, default=35_000)
    parser.add_argument("--cordis-orgs", type=int, default=180_000)
    parser.add_argument("--sirene-rows", type=int, default=10_000_000)
    parser.add_argument("--only", choices=["cordis", "sirene"])
    parser.add_argument("--keep", help="generate files there (kept) instead of a temporary folder")
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-open-data-"))
    root.mkdir(parents=True, exist_ok=True)
    geodata = root / "geodata"
    if not geodata.exists():
        fixture_geodata(geodata)
    data_dir = root / "data"
    import os

    env = {**os.environ, "PYTHONPATH": str(REPO), "MAPAPP_GEODATA_DIR": str(geodata), "MAPAPP_DATA_DIR": str(data_dir)}
    table = [
        "| import | file | rows | wall time | rows/s | peak RSS | goal |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    try:
        if args.only in (None, "cordis"):
            started = time.perf_counter()
            archive = write_cordis(root / "cordis-h2020projects-csv", args.cordis_projects, args.cordis_orgs)
            print(
                f"CORDIS files written in {time.perf_counter() - started:.0f} s",
                f"({archive.stat().st_size / 1e6:.0f} MB zip)",
            )
            for mode in ("--dry-run", None):
                shutil.rmtree(data_dir, ignore_errors=True)
                shutil.copytree(geodata / "sample", data_dir)
                seconds, peak, out = timed(["import", "cordis", str(archive), *([mode] if mode else [])], env)
                matched = re.search(r"matched: (\d+) record", out).group(1)
                label = "`import cordis` " + (mode or "(committed)")
                size = f"zip {archive.stat().st_size / 1e6:.0f} MB, {args.cordis_projects:,} projects"
                table.append(
                    f"| {label} | {size} | {args.cordis_orgs:,} org. rows ({matched} matched) | {seconds:.1f} s | "
                    f"{args.cordis_orgs / seconds:,.0f} | {peak:.0f} MB | < 60 s {'✔' if seconds < 60 else '✘'} |"
                )
                print(table[-1])
        if args.only in (None, "sirene"):
            store = load_store(geodata, geodata / "sample")
            sirens = sorted(IdentifierIndex.of(store).sirens())
            csv_path = root / "StockEtablissement_utf8.csv"
            if not csv_path.exists():
                started = time.perf_counter()
                write_sirene(csv_path, args.sirene_rows, sirens)
                print(
                    f"SIRENE CSV written in {time.perf_counter() - started:.0f} s",
                    f"({csv_path.stat().st_size / 1e9:.2f} GB)",
                )
            zip_path = csv_path.with_suffix(".zip")
            if not zip_path.exists():
                with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
                    archive.write(csv_path, csv_path.name)
            rows = args.sirene_rows + len(sirens)
            for path in (csv_path, zip_path):
                shutil.rmtree(data_dir, ignore_errors=True)
                shutil.copytree(geodata / "sample", data_dir)
                seconds, peak, _ = timed(["import", "sirene", str(path), "--dry-run"], env)
                ok = "✔" if seconds < 120 and peak < 500 else "✘"
                size = f"{path.suffix[1:].upper()} {path.stat().st_size / 1e9:.2f} GB"
                table.append(
                    f"| `import sirene --dry-run` | {size} | {rows:,} | {seconds:.1f} s | {rows / seconds:,.0f} | "
                    f"{peak:.0f} MB | < 120 s, < 500 MB {ok} |"
                )
                print(table[-1])
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print("\n".join(table))


if __name__ == "__main__":
    main()
