"""The example files documented in the README import as a user would run them, in order."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).with_name("examples")
REPO = Path(__file__).resolve().parents[2]


def test_each_example_file_imports(tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(REPO / "geodata" / "sample", data_dir)
    env = {**os.environ, "MAPAPP_DATA_DIR": str(data_dir)}
    for kind in ("clusters", "members", "projects", "funding"):
        result = subprocess.run(
            [sys.executable, "-m", "mapapp", "import", kind, str(EXAMPLES / f"{kind}.csv"), "--as-of", "2026-01-01"],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=300,
        )
        assert result.returncode == 0, (kind, result.stdout, result.stderr)
    exported = subprocess.run(
        [sys.executable, "-m", "mapapp", "export", "clusters", "--q", "lyonbiopole"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
        check=True,
    )
    lyonbiopole = json.loads(exported.stdout)["features"][0]["properties"]
    assert lyonbiopole["members"] == 2 and lyonbiopole["projects"] == 1
    assert lyonbiopole["funding_eur"] == 430_000
    assert lyonbiopole["sample"] is False  # real rows replaced this pôle's sample
