"""Fixtures of the store tests: a private data directory per test, and a real PostgreSQL + PostGIS.

`backend_env` is parametrized over the two backends, so every store test runs on both. The
PostgreSQL server is Debian's (`apt-get install postgresql postgresql-15-postgis-3`, done by
`tests/run.sh`), started once per session in a temporary directory — as the `postgres` user when
the tests run as root, since PostgreSQL refuses to run as root. Under CI=true a missing or
failing PostgreSQL fails the run; elsewhere the PostGIS tests are skipped with the reason.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from mapapp.config import DEFAULT_GEODATA_DIR, Config

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ingest"))

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def _pg_bin() -> tuple[Path | None, str]:
    """The bin directory of a PostgreSQL that has PostGIS, or None and why not."""
    candidates = [Path(os.environ["MAPAPP_PG_BIN"])] if os.environ.get("MAPAPP_PG_BIN") else []
    candidates += sorted(Path("/").glob(PG_BIN_GLOB.lstrip("/")), reverse=True)
    for bin_dir in candidates:
        if not (bin_dir / "pg_ctl").exists():
            continue
        version = bin_dir.parent.name
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return bin_dir, ""
        return None, f"PostgreSQL {version} has no PostGIS (apt-get install postgresql-{version}-postgis-3)"
    return None, "no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql postgresql-15-postgis-3)"


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but PostgreSQL/PostGIS cannot run: {reason}")
    pytest.skip(reason)


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free loopback port, trust authentication."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="mapapp-pg-"))
        self.data = self.root / "data"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.counter = itertools.count()

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        if self.as_user:
            shutil.chown(self.root, "postgres", "postgres")
        self.run(
            str(self.bin_dir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "-N"
        )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "server.log")
        self.run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start")
        self.sql("postgres", "CREATE DATABASE mapapp_template")
        self.sql("mapapp_template", "CREATE EXTENSION postgis")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, database: str, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)

    def new_database(self) -> str:
        name = f"mapapp_test_{next(self.counter)}"
        self.sql("postgres", f"CREATE DATABASE {name} TEMPLATE mapapp_template")
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    bin_dir, reason = _pg_bin()
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
