"""The command line, run as a user runs it: `python -m mapapp ...` in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "mapapp", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_export_clusters_geojson_with_filters():
    result = run("export", "clusters", "--format", "geojson", "--theme", "health", "--region", "84")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["features"]
    for feature in data["features"]:
        assert "health" in feature["properties"]["themes"] and "84" in feature["properties"]["region_codes"]


def test_export_clusters_csv_to_a_file(tmp_path):
    out = tmp_path / "poles.csv"
    result = run("export", "clusters", "--format", "csv", "--phase", "5", "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) >= 55 and all("5" in r["phases"].split("|") for r in rows)


def test_export_regions():
    result = run("export", "regions")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert len(rows) == 18 and {"code", "clusters_seated", "members_per_100k"} <= set(rows[0])


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--phase", "9"], "'9'"), (["--theme", "cooking"], "'cooking'"), (["--region", "xx"], "'xx'")],
)
def test_bad_filter_values_exit_2_naming_the_value(args, named):
    result = run("export", "clusters", *args)
    assert result.returncode == 2
    assert named in result.stderr and result.stdout == ""


def test_validate_prints_a_summary():
    result = run("validate")
    assert "official counts" in result.stdout
    assert "phase 4 labels (joint applications count once): 56" in result.stdout
