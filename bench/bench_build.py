"""Foundation benchmarks: build wall times and browser layer sizes, in one run.

    python bench/bench_build.py            # prints a Markdown table; paste into bench/RESULTS.md

Each build runs the real CLI in a subprocess (`python -m mapapp ...`) into a temporary folder,
`--repeat` times (median reported). Sizes are read from the committed `geodata/web/` files.
"""

from __future__ import annotations

import argparse
import gzip
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(args: list[str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            command = [sys.executable, "-m", "mapapp", *[a.replace("{tmp}", tmp) for a in args]]
            started = time.perf_counter()
            subprocess.run(command, check=True, cwd=REPO, capture_output=True)
            runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [
        ("build-geodata", timed(["build-geodata", "--quiet", "-o", "{tmp}"], args.repeat)),
        ("build-sample (1×)", timed(["build-sample", "--quiet", "-o", "{tmp}"], args.repeat)),
        ("build-sample --scale 100", timed(["build-sample", "--quiet", "--scale", "100", "-o", "{tmp}"], 1)),
    ]
    print(
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, "
        f"{date.today().isoformat()}\n"
    )
    print("| command | wall time (median) |\n| --- | --- |")
    for name, seconds in rows:
        print(f"| `{name}` | {seconds:.1f} s |")
    print("\n| browser layer | GeoJSON | gzip -9 | target |\n| --- | --- | --- | --- |")
    for layer in ("regions", "departements", "regions_2015"):
        raw = (REPO / "geodata" / "web" / f"{layer}.geojson").read_bytes()
        target = "≤ 300 KB" if layer == "regions" else ""
        print(
            f"| `{layer}.geojson` | {len(raw) / 1000:.0f} KB | {len(gzip.compress(raw, 9)) / 1000:.0f} KB | {target} |"
        )


if __name__ == "__main__":
    main()
