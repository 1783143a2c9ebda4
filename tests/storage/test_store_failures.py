"""A store that is missing, empty or broken is refused by every command and never served: a
running server keeps its last good store, says so on `/healthz`, and answers while it loads a
new one beside it (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from test_store import CLUSTER, members_csv, run

from mapapp.data import store as store_module
from mapapp.testing import poll
from tests.conftest import LiveServer


def files_env(data_dir: Path) -> SimpleNamespace:
    """What `run` needs to run the CLI on the files store of `data_dir`."""
    return SimpleNamespace(env={**os.environ, "MAPAPP_DATA_DIR": str(data_dir), "MAPAPP_DATABASE_URL": ""})


def break_store(env) -> None:
    """Make the live version point at something that is not there."""
    if env.database_url:
        import psycopg

        with psycopg.connect(env.database_url, autocommit=True) as conn:
            conn.execute("UPDATE mapapp_state SET version = 99, generation = generation + 1")
    else:
        (env.data_dir / "CURRENT").write_text(json.dumps({"version": "v000099"}))


def test_commands_refuse_a_broken_store(backend_env, tmp_path):
    env = backend_env
    run(env, "import", "members", str(members_csv(tmp_path / "m.csv")))
    break_store(env)
    validate = run(env, "validate", check=1)
    assert "INVALID" in validate.stdout
    assert ("v000099" if env.kind == "files" else "live version 99") in validate.stdout
    for args in (("export", "clusters"), ("import", "--rollback"), ("import", "members", str(tmp_path / "m.csv"))):
        done = run(env, *args, check=2)
        assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr


def test_a_version_with_a_missing_table_is_broken_not_empty(backend_env, tmp_path):
    env = backend_env
    run(env, "import", "members", str(members_csv(tmp_path / "m.csv")))
    if env.database_url:
        import psycopg

        with psycopg.connect(env.database_url, autocommit=True) as conn:
            version = conn.execute("SELECT version FROM mapapp_state").fetchone()[0]
            conn.execute(f'DROP TABLE "mapapp_members__v{version}"')
        message = f"lacks its table mapapp_members__v{version}"
    else:
        (env.data_dir / "versions" / "v000001" / "members.parquet").unlink()
        message = "lacks members.parquet"
    assert message in run(env, "validate", check=1).stdout


@pytest.mark.parametrize("state", ["missing", "empty"])
def test_a_missing_or_empty_data_dir_is_refused_naming_the_variable(tmp_path, state):
    data_dir = tmp_path / "dta"  # a typo
    if state == "empty":
        data_dir.mkdir()
    env = files_env(data_dir)
    validate = run(env, "validate", check=1)
    assert f"MAPAPP_DATA_DIR={data_dir}" in validate.stdout and "INVALID" in validate.stdout
    members = members_csv(tmp_path / "m.csv")
    for args in (("serve", "--port", "1"), ("export", "clusters"), ("import", "members", str(members))):
        done = run(env, *args, check=2)
        assert f"MAPAPP_DATA_DIR={data_dir}" in done.stderr and "build-sample" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert data_dir.exists() == (state == "empty") and not any(data_dir.glob("*") if data_dir.exists() else [])


def test_server_keeps_its_last_good_store_and_says_so(backend_env, tmp_path):
    env = backend_env
    with LiveServer(env.config) as server:

        def members() -> int:
            return requests.get(f"{server.url}/api/clusters/{CLUSTER}", timeout=30).json()["members"]["count"]

        def health() -> dict:
            answer = requests.get(f"{server.url}/healthz", timeout=30)
            assert answer.status_code == 200
            return answer.json()

        assert health()["status"] == "ok"
        run(env, "import", "members", str(members_csv(tmp_path / "m.csv", rows=7)))
        poll(lambda: members() == 7)
        good = health()["version"]

        break_store(env)
        report = poll(lambda: (h := health())["status"] == "degraded" and h)
        assert report["version"] == good and report["problem"]["serving_version"] == good
        assert report["problem"]["error"] and report["problem"]["since"]
        assert members() == 7  # still the last good store

        if env.database_url:  # repair: back to the good version
            import psycopg

            with psycopg.connect(env.database_url, autocommit=True) as conn:
                conn.execute("UPDATE mapapp_state SET version = 1, generation = generation + 1")
        else:
            (env.data_dir / "CURRENT").write_text(json.dumps({"version": "v000001", "last": 1}))
        poll(lambda: health()["status"] == "ok")
        assert members() == 7


def test_requests_are_answered_while_a_new_store_loads_beside_the_old(use_env, tmp_path, monkeypatch):
    """The reload is held half-way: every request meanwhile is answered from the old store; once
    released, the new store replaces it."""
    release, started = threading.Event(), threading.Event()
    load_store = store_module.load_store

    def held(*args, **kwargs):
        if threading.current_thread().name == "mapapp-store-reload":
            started.set()
            assert release.wait(300)
        return load_store(*args, **kwargs)

    monkeypatch.setattr(store_module, "load_store", held)
    with LiveServer(use_env.config) as server:
        loader = server.app.server.config["MAPAPP_STORE_LOADER"]
        before = requests.get(f"{server.url}/api/clusters/{CLUSTER}", timeout=30).json()["members"]["count"]
        subprocess.run(
            [sys.executable, "-m", "mapapp", "import", "members", str(members_csv(tmp_path / "m.csv", rows=5))],
            env=use_env.env,
            check=True,
            capture_output=True,
        )
        poll(lambda: requests.get(f"{server.url}/healthz", timeout=30) and started.is_set())
        try:
            for path in ("/healthz", f"/api/clusters/{CLUSTER}", "/api/clusters", "/api/regions", "/"):
                assert requests.get(server.url + path, timeout=30).status_code == 200, path
            assert requests.get(f"{server.url}/api/clusters/{CLUSTER}", timeout=30).json()["members"]["count"] == before
            assert loader.loading()
        finally:
            release.set()
        loader.wait()
        poll(lambda: requests.get(f"{server.url}/api/clusters/{CLUSTER}", timeout=30).json()["members"]["count"] == 5)
        assert requests.get(f"{server.url}/healthz", timeout=30).json()["status"] == "ok"
