"""The embedded store: Parquet files in immutable version directories, switched by one pointer file.

Layout of `MAPAPP_DATA_DIR`::

    members.parquet projects.parquet funding.parquet   the base version ("base"): the shipped
                                                        sample, never written by an import
    versions/v000007/                                   one directory per import, never changed
        members.parquet (GeoParquet) projects.parquet funding.parquet clusters.parquet
        VERSION.json                                    {"version", "parent", "created", "note"}
    CURRENT                                             {"version": "v000007"}; absent = base

Why Parquet directories rather than a GeoPackage: the app already reads (Geo)Parquet, ten times
faster than SQLite for whole tables, and a directory that is never modified once published gives
readers a consistent snapshot for free: a reader reads `CURRENT` once, then only files of that
version, so during an import it sees the old data or the new, never a mix.

An import (`FilesBackend.writer().commit`) is atomic and leaves nothing behind when it fails:

1. it writes the new version into a staging directory *beside* the data directory (same
   filesystem, so renames are atomic), fsyncs every file and the directory;
2. renames the staging directory into `versions/`, then
3. replaces `CURRENT` with `os.replace` of a fsynced temporary file, and fsyncs the directory.

An exception or a `kill -9` before step 2 leaves the data directory byte-identical (the stale
staging directory is removed by the next import). Between steps 2 and 3 — two system calls apart —
a kill leaves an unreferenced version directory: the data read is unchanged and the next import
removes it. Unchanged tables are hard-linked from the previous version (copied from the base, whose
files `build-sample` may rewrite in place). `rollback()` points `CURRENT` back at the parent
version; the last `KEEP_VERSIONS` versions are kept. Writers are serialised by an exclusive
`flock` on the data directory; readers take no lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from mapapp.geo.build import geoparquet_bytes
from mapapp.storage import TABLES, NothingToRollBack, StoreChanged, empty_table

BASE = "base"
POINTER = "CURRENT"
VERSIONS = "versions"
KEEP_VERSIONS = 5
_VERSION_NAME = re.compile(r"v\d{6}")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def table_bytes(table: str, frame: pd.DataFrame) -> bytes:
    """The file of one table: deterministic GeoParquet for members, zstd Parquet for the others."""
    if table == "members":
        return geoparquet_bytes(gpd.GeoDataFrame(frame, geometry="geometry"))
    import io

    buf = io.BytesIO()
    pd.DataFrame(frame).to_parquet(buf, index=False, compression="zstd")
    return buf.getvalue()


class FilesBackend:
    """Activity tables in `data_dir` (see the module docstring for the layout and guarantees)."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)

    def describe(self) -> str:
        return f"files in {self.data_dir} (version {self.version()})"

    # -- reading -------------------------------------------------------------------------------

    def version(self) -> str:
        try:
            return json.loads((self.data_dir / POINTER).read_bytes())["version"]
        except FileNotFoundError:
            return BASE

    def version_dir(self, version: str) -> Path:
        return self.data_dir if version == BASE else self.data_dir / VERSIONS / version

    def read(self) -> tuple[str, dict[str, pd.DataFrame]]:
        version = self.version()
        folder = self.version_dir(version)
        return version, {table: self._read_table(folder, table) for table in TABLES}

    @staticmethod
    def _read_table(folder: Path, table: str) -> pd.DataFrame:
        path = folder / f"{table}.parquet"
        if not path.exists():
            return empty_table(table)
        return gpd.read_parquet(path) if table == "members" else pd.read_parquet(path)

    def files(self) -> dict[str, Path]:
        """The files of the current version, by table (absent tables left out)."""
        folder = self.version_dir(self.version())
        return {t: folder / f"{t}.parquet" for t in TABLES if (folder / f"{t}.parquet").exists()}

    def parent(self, version: str) -> str | None:
        if version == BASE:
            return None
        meta = json.loads((self.version_dir(version) / "VERSION.json").read_bytes())
        return meta["parent"]

    # -- writing -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _lock(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.data_dir, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    @contextlib.contextmanager
    def writer(self):
        """Exclusive access: `w.version`, `w.tables` (the current snapshot) and `w.commit(...)`."""
        with self._lock():
            self._remove_leftovers()
            version, tables = self.read()
            yield _FilesWriter(self, version, tables)

    def _staging_parent(self) -> Path:
        parent = self.data_dir.resolve().parent
        same_fs = os.access(parent, os.W_OK) and os.stat(parent).st_dev == os.stat(self.data_dir).st_dev
        if same_fs:
            return parent
        fallback = self.data_dir / VERSIONS
        fallback.mkdir(exist_ok=True)
        return fallback

    def _staging_prefix(self) -> str:
        return f".{self.data_dir.resolve().name}.staging-"

    def _remove_leftovers(self) -> None:
        """Staging directories of killed imports and unreferenced versions (under the lock)."""
        for parent in {self._staging_parent(), self.data_dir / VERSIONS}:
            for stale in parent.glob(self._staging_prefix() + "*") if parent.exists() else []:
                shutil.rmtree(stale, ignore_errors=True)
        keep = set(self._chain(self.version()))
        for folder in self._version_dirs():
            if folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)

    def _version_dirs(self) -> list[Path]:
        root = self.data_dir / VERSIONS
        if not root.exists():
            return []
        return sorted(p for p in root.iterdir() if _VERSION_NAME.fullmatch(p.name))

    def _chain(self, version: str) -> list[str]:
        """`version` and its ancestors, newest first, up to KEEP_VERSIONS (base not counted)."""
        chain: list[str] = []
        while version not in (None, BASE) and len(chain) < KEEP_VERSIONS:
            chain.append(version)
            try:
                version = self.parent(version)
            except FileNotFoundError:
                break
        return chain

    def _commit(self, parent: str, tables: dict[str, pd.DataFrame], note: str) -> str:
        numbers = [int(p.name[1:]) for p in self._version_dirs()]
        version = f"v{max(numbers, default=0) + 1:06d}"
        staging = Path(tempfile.mkdtemp(prefix=self._staging_prefix(), dir=self._staging_parent()))
        try:
            new_dir = staging / version
            new_dir.mkdir()
            parent_dir = self.version_dir(parent)
            for table in TABLES:
                target = new_dir / f"{table}.parquet"
                if table in tables:
                    _write_file(target, table_bytes(table, tables[table]))
                elif (parent_dir / target.name).exists():
                    if parent == BASE:
                        _write_file(target, (parent_dir / target.name).read_bytes())
                    else:
                        os.link(parent_dir / target.name, target)
            meta = {
                "version": version,
                "parent": parent,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "note": note,
                "tables": sorted(tables),
            }
            _write_file(new_dir / "VERSION.json", json.dumps(meta, indent=1, ensure_ascii=False).encode())
            _fsync_dir(new_dir)
            pointer = staging / POINTER
            _write_file(pointer, json.dumps({"version": version}).encode())
            _fsync_dir(staging)

            versions = self.data_dir / VERSIONS
            versions.mkdir(exist_ok=True)
            os.rename(new_dir, versions / version)
            _fsync_dir(versions)
            os.replace(pointer, self.data_dir / POINTER)
            _fsync_dir(self.data_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._remove_leftovers()
        return version

    def rollback(self) -> str:
        """Point `CURRENT` at the version before the current one; returns that version."""
        with self._lock():
            current = self.version()
            parent = self.parent(current)
            if parent is None:
                raise NothingToRollBack(f"{self.data_dir} is at its base version: nothing to roll back")
            if parent == BASE:
                (self.data_dir / POINTER).unlink()
            else:
                pointer = self.data_dir / f".{POINTER}.{os.getpid()}.tmp"
                _write_file(pointer, json.dumps({"version": parent}).encode())
                os.replace(pointer, self.data_dir / POINTER)
            _fsync_dir(self.data_dir)
            return parent


class _FilesWriter:
    def __init__(self, backend: FilesBackend, version: str, tables: dict[str, pd.DataFrame]):
        self.backend, self.version, self.tables = backend, version, tables
        self.committed: str | None = None

    def commit(self, tables: dict[str, pd.DataFrame], note: str) -> str:
        if self.committed is not None or self.backend.version() != self.version:
            raise StoreChanged("the store changed during this import: run it again")
        self.committed = self.backend._commit(self.version, tables, note)
        return self.committed
