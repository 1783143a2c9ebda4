#!/usr/bin/env bash
# The benchmarks of issues 7 and 15, in one command, at 1× and 100× data (loopback only):
#   bash bench/run.sh            # ≈ 40 min on 2 cores; the 100× data are built once in /tmp/x100
# Tables go to stdout and bench/out/*.md; bench/RESULTS.md records them with this command.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q --disable-pip-version-check -e ".[bench]"

echo "== map: first paint and bytes vs minimal Leaflet and Folium, filter latency, /api/clusters req/s vs static"
python bench/bench_map.py --runs 5
python bench/bench_map.py --scale 100 --runs 3
echo "== first map paint as seen (screencast), bytes, marker click → profile; desktop and phone (CPU ÷4)"
python bench/bench_firstpaint.py --runs 5
python bench/bench_firstpaint.py --scale 100 --runs 3
echo "== load: 50 users for 60 s through gunicorn (Procfile), p95, errors, RSS/PSS per worker"
python bench/bench_load.py --scale 1,100 --users 50 --seconds 60
