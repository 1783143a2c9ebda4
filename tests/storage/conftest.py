"""Fixtures of the store tests: a private data directory per test, and a real PostgreSQL + PostGIS.

`backend_env` is parametrized over the two backends, so every store test runs on both. The
PostgreSQL server is Debian's (`apt-get install postgresql postgresql-15-postgis-3`, done by
`tests/run.sh`), started once per session in a temporary directory — as the `postgres` user when
the tests run as root, since PostgreSQL refuses to run as root. Under CI=true a missing or
failing PostgreSQL fails the run; elsewhere the PostGIS tests are skipped with the reason.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mapapp.config import DEFAULT_GEODATA_DIR, Config
from mapapp.testing import PostgresServer, pg_bin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ingest"))


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but PostgreSQL/PostGIS cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres():
    bin_dir, reason = pg_bin()
    if bin_dir is None:
        _unavailable(reason)
    server = PostgresServer(bin_dir)
    try:
        server.start()
    except (subprocess.SubprocessError, OSError) as exc:
        log = server.root / "server.log"
        detail = getattr(exc, "stderr", "") or (log.read_text() if log.exists() else "")
        server.stop()
        _unavailable(f"PostgreSQL did not start: {exc} {detail}")
    yield server
    server.stop()


@dataclass
class BackendEnv:
    """One test's store: a private copy of the shipped sample as data directory, and for the
    PostGIS backend a fresh database."""

    kind: str
    data_dir: Path
    database_url: str

    @property
    def config(self) -> Config:
        return Config(geodata_dir=DEFAULT_GEODATA_DIR, data_dir=self.data_dir, database_url=self.database_url)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "MAPAPP_GEODATA_DIR": str(DEFAULT_GEODATA_DIR),
            "MAPAPP_DATA_DIR": str(self.data_dir),
            "MAPAPP_DATABASE_URL": self.database_url,
        }

    def backend(self):
        from mapapp.storage import open_backend

        return open_backend(self.data_dir, self.database_url)

    def fingerprint(self) -> dict[str, str]:
        """sha256 of every byte of the store: every file under the data directory and, for
        PostGIS, every row of every mapapp table (and the state row)."""
        prints = {
            str(p.relative_to(self.data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.data_dir.rglob("*"))
            if p.is_file()
        }
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as conn:
                names = [
                    r[0]
                    for r in conn.execute(
                        "SELECT tablename FROM pg_tables WHERE tablename LIKE 'mapapp%' ORDER BY tablename"
                    )
                ]
                for name in names:
                    rows = conn.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall()
                    prints[f"db:{name}"] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return prints


@pytest.fixture(params=["files", "postgis"])
def backend_env(request, tmp_path) -> BackendEnv:
    data_dir = tmp_path / "data"
    shutil.copytree(DEFAULT_GEODATA_DIR / "sample", data_dir)
    url = request.getfixturevalue("postgres").new_database() if request.param == "postgis" else ""
    return BackendEnv(request.param, data_dir, url)


@pytest.fixture
def use_env(backend_env, monkeypatch) -> BackendEnv:
    """`backend_env`, also set in this process's environment (for in-process `main([...])`)."""
    for name in ("MAPAPP_GEODATA_DIR", "MAPAPP_DATA_DIR", "MAPAPP_DATABASE_URL"):
        monkeypatch.setenv(name, backend_env.env[name])
    return backend_env
