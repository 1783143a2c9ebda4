"""Import benchmarks (issue 6): throughput of `python -m mapapp import members` for 100k rows from
CSV (Windows-1252, `;`, French formats) and from XLSX, into the embedded store and into PostGIS;
then app start and `/api/clusters` latency on the 100x data, embedded vs PostGIS. With
`--memory-mb N` (issue 13), instead: the peak memory (max RSS) of importing an N MB members CSV.

    python bench/bench_import.py [--rows 100000] [--no-postgis]
    python bench/bench_import.py --memory-mb 200 [--code DIR]   # DIR: another checkout's code

Every import is the real CLI in a subprocess, into a private copy of the sample data folder (the
repository is never written). PostGIS runs on Debian's PostgreSQL started in a temporary folder
(mapapp.testing.PostgresServer), as in the store tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mapapp.config import DEFAULT_GEODATA_DIR, Config
from mapapp.geo.layers import read_layer
from mapapp.testing import PostgresServer, pg_bin, run_measured

REPO = Path(__file__).resolve().parent.parent
CATEGORIES = ("PME", "ETI", "Grande entreprise", "Laboratoire", "Université", "Autre")


def members_frame(rows: int, seed: int = 7, first: int = 0) -> pd.DataFrame:
    """`rows` fictitious members of real pôles in real communes, half located by INSEE code and
    half by commune name + postcode-like département, as offices' files mix them; names are
    numbered from `first`, so frames written one after the other make one file without duplicates."""
    rng = np.random.default_rng(seed)
    clusters = pd.read_csv(DEFAULT_GEODATA_DIR / "clusters.csv", dtype=str, keep_default_na=False)["name"]
    communes = read_layer(DEFAULT_GEODATA_DIR, "communes")
    communes = communes[communes.geometry.notna() & communes["population"].notna()]
    picked = communes.sample(rows, replace=True, random_state=seed, weights=communes["population"].astype(float))
    by_code = rng.random(rows) < 0.5
    return pd.DataFrame(
        {
            "Pôle": rng.choice(clusters.to_numpy(), rows),
            "Raison sociale": [f"Membre d'exemple {i:07d}" for i in range(first, first + rows)],
            "Catégorie": rng.choice(CATEGORIES, rows),
            "Code INSEE": np.where(by_code, picked["code"].to_numpy(), ""),
            "Commune": np.where(by_code, "", picked["name"].to_numpy()),
            "Département": np.where(by_code, "", picked["departement_code"].to_numpy()),
            "Date d'adhésion": [
                f"{d:02d}/03/20{y:02d}"
                for d, y in zip(rng.integers(1, 28, rows), rng.integers(6, 25, rows), strict=True)
            ],
        }
    )


def members_csv_of_size(path: Path, megabytes: float, chunk: int = 100_000) -> int:
    """A cp1252 `;` members CSV of about `megabytes` MB (written chunk by chunk); its row count."""
    rows = 0
    with open(path, "wb") as fh:
        while fh.tell() < megabytes * 1e6:
            frame = members_frame(chunk, seed=rows, first=rows)
            # Ids given, as a directory export has them: millions of ids made from the rows'
            # content (10 hex digits) would collide, and the import refuse the file.
            frame.insert(0, "Identifiant membre", [f"M{i:07d}" for i in range(rows, rows + chunk)])
            fh.write(frame.to_csv(sep=";", index=False, header=rows == 0).encode("cp1252"))
            rows += chunk
    return rows


def peak_import_memory(path: Path, data_dir: Path, code_dir: Path = REPO) -> tuple[int, float, int]:
    """Max RSS (bytes) and wall time of `python -m mapapp import members FILE --replace` run from
    `code_dir` (its own `mapapp` package first on the path), and its exit code."""
    env = {**os.environ, "MAPAPP_DATA_DIR": str(data_dir), "MAPAPP_DATABASE_URL": "", "PYTHONPATH": str(code_dir)}
    started = time.perf_counter()
    code, stderr, peak = run_measured(
        [sys.executable, "-m", "mapapp", "import", "members", str(path), "--replace"], env=env, cwd=code_dir
    )
    if code != 0:
        print(stderr[-2000:], file=sys.stderr)
    return peak, time.perf_counter() - started, code


def memory_bench(megabytes: float, code_dir: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="mapapp-bench-memory-"))
    try:
        path = work / "membres.csv"
        rows = members_csv_of_size(path, megabytes)
        size = path.stat().st_size
        data_dir = work / "data"
        shutil.copytree(DEFAULT_GEODATA_DIR / "sample", data_dir)
        peak, seconds, code = peak_import_memory(path, data_dir, code_dir)
        commit = subprocess.run(
            ["git", "-C", str(code_dir), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        print("| code | file | rows | peak RSS | × file | wall time | exit |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        print(
            f"| {commit or code_dir} | {size / 1e6:,.0f} MB | {rows:,} | {peak / 1e6:,.0f} MB | "
            f"{peak / size:.1f}× | {seconds:,.0f} s | {code} |"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def timed_import(path: Path, data_dir: Path, database_url: str = "") -> float:
    env = {**os.environ, "MAPAPP_DATA_DIR": str(data_dir), "MAPAPP_DATABASE_URL": database_url}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mapapp", "import", "members", str(path), "--replace"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stdout[-2000:] + result.stderr[-2000:])
    return time.perf_counter() - started


def app_latency(config: Config, requests_n: int = 20) -> tuple[float, float]:
    """Seconds to build the app, and median ms of `/api/clusters?theme=health` (first call excluded)."""
    from mapapp import create_app

    started = time.perf_counter()
    client = create_app(config).server.test_client()
    start_s = time.perf_counter() - started
    times = []
    for i in range(requests_n + 1):
        t = time.perf_counter()
        assert client.get(f"/api/clusters?theme=health&q={i}").status_code == 200
        times.append((time.perf_counter() - t) * 1000)
    return start_s, statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-postgis", action="store_true")
    parser.add_argument("--x100", default="/tmp/x100", help="a build-sample --scale 100 folder (built if missing)")
    parser.add_argument("--memory-mb", type=float, help="only measure the peak memory of importing a CSV this big")
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout whose mapapp runs the import")
    args = parser.parse_args()
    if args.memory_mb:
        memory_bench(args.memory_mb, args.code.resolve())
        return
    work = Path(tempfile.mkdtemp(prefix="mapapp-bench-import-"))
    frame = members_frame(args.rows)
    csv_path, xlsx_path = work / "membres.csv", work / "membres.xlsx"
    frame.to_csv(csv_path, sep=";", index=False, encoding="cp1252")
    frame.to_excel(xlsx_path, index=False, engine="openpyxl")

    server = None
    if not args.no_postgis:
        bin_dir, reason = pg_bin()
        if bin_dir is None:
            print(f"PostGIS skipped: {reason}")
        else:
            server = PostgresServer(bin_dir)
            server.start()
    rows = []
    try:
        for label, path in (("CSV (cp1252, ;)", csv_path), ("XLSX", xlsx_path)):
            data_dir = work / f"data-{path.suffix}"
            shutil.copytree(DEFAULT_GEODATA_DIR / "sample", data_dir)
            embedded = timed_import(path, data_dir)
            postgis = timed_import(path, data_dir, server.new_database()) if server else float("nan")
            rows.append((label, args.rows / embedded, args.rows / postgis))
        print(f"| file ({args.rows:,} members) | embedded store | PostGIS |\n| --- | --- | --- |")
        for label, emb, pg in rows:
            print(f"| {label} | {emb:,.0f} rows/s | {pg:,.0f} rows/s |")

        x100 = Path(args.x100)
        if not (x100 / "clusters.csv").exists():
            subprocess.run(
                [sys.executable, "-m", "mapapp", "build-sample", "--scale", "100", "-o", str(x100), "--quiet"],
                cwd=REPO,
                check=True,
                timeout=900,
            )
        print("\n| store at 100× | app start | `/api/clusters?theme=…` median |\n| --- | --- | --- |")
        start_s, latency = app_latency(Config(geodata_dir=x100, data_dir=x100))
        print(f"| embedded (Parquet versions) | {start_s:.1f} s | {latency:.1f} ms |")
        if server:
            url = server.new_database()
            # Publish the 100x activity tables into PostGIS through the import path, then read.
            from mapapp.storage import open_backend

            _, tables = open_backend(x100, "").read()
            with open_backend(x100, url).writer() as writer:
                writer.commit(tables, "bench: the 100x activity tables")
            start_s, latency = app_latency(Config(geodata_dir=x100, data_dir=x100, database_url=url))
            print(f"| PostGIS | {start_s:.1f} s | {latency:.1f} ms |")
    finally:
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
