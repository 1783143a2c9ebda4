"""Helpers shared by the test suite and the benchmarks (public, like `geopandas.testing`)."""

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

# Debian's Chromium, driven headless; the flags keep it off the (closed) network.
CHROMIUM = os.environ.get("MAPAPP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def pg_bin() -> tuple[Path | None, str]:
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


# Runs the command given as its arguments and writes, on its stdout, the command's exit status and
# peak RSS (KiB) from wait4. A middleman, because Linux hands a process that was started by
# vfork/fork + exec the high-water mark of the parent's memory as its own starting `ru_maxrss`:
# measured straight from a large test process, every child would look at least as large as it.
_MEASURE = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n"
)


def run_measured(args: list[str], env: dict | None = None, cwd=None, timeout: float = 1800) -> tuple[int, str, int]:
    """Run `args`; its exit code, its stderr (text) and its peak memory (max RSS, bytes). The peak
    is the command's own, from wait4's rusage in a small middleman process (see `_MEASURE`):
    nothing sampled, nothing missed, nothing inherited from the caller."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _MEASURE, *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a timeout stops the command too, not only the middleman
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    code, peak_kib = (int(part) for part in done.stdout.split())
    return code, done.stderr.decode(errors="replace"), peak_kib * 1024


def poll(predicate, seconds: float = 120):
    """The first truthy `predicate()`, asked every 50 ms; AssertionError after `seconds` (a
    deadline for something that must happen, not a timing assertion)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"still false after {seconds} s: {predicate}")
