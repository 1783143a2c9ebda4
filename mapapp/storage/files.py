"""The embedded store: Parquet files in immutable version directories, switched by one pointer file.

Layout of `MAPAPP_DATA_DIR`::

    members.parquet projects.parquet funding.parquet   the base version ("base"): the shipped
                                                        sample, never written by an import
    versions/v000007/                                   one directory per import, never changed
        members.parquet (GeoParquet) projects.parquet funding.parquet clusters.parquet
        VERSION.json                                    {"version", "parent", "created", "note", "files"}
    CURRENT                                             {"version": "v000007", "last": 9}: the live
                                                        version ("base" or absent: the base) and the
                                                        highest version number used so far

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
version; the last `KEEP_VERSIONS` versions are kept, and a rollback past the oldest one kept is
refused. A data directory that is missing, or a `CURRENT` naming a version that is gone or
incomplete (its `VERSION.json` lists its files), is a `StoreError`, never an empty store.
Writers are serialised by an exclusive `flock` on the data directory; readers take no lock.
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

from mapapp.geo.build import geoparquet_bytes, plain_text_columns
from mapapp.storage import KEEP_VERSIONS, TABLES, NothingToRollBack, StoreChanged, StoreError, empty_table

BASE = "base"
POINTER = "CURRENT"
VERSIONS = "versions"
META = "VERSION.json"
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

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(pd.DataFrame(frame), preserve_index=False)
    buf = io.BytesIO()
    pq.write_table(
        table.replace_schema_metadata(plain_text_columns(dict(table.schema.metadata))), buf, compression="zstd"
    )
    return buf.getvalue()


class FilesBackend:
    """Activity tables in `data_dir` (see the module docstring for the layout and guarantees)."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)

    def describe(self) -> str:
        return f"files in {self.data_dir} (version {self.version()})"

    # -- reading -------------------------------------------------------------------------------

    def _pointer(self) -> dict:
        """`CURRENT`: {"version": the live version, "last": the highest version number ever used}."""
        try:
            pointer = json.loads((self.data_dir / POINTER).read_bytes())
            version = pointer["version"]
        except FileNotFoundError:
            return {"version": BASE}
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{self.data_dir / POINTER} is unreadable ({exc}): restore it") from exc
        if not isinstance(version, str) or not (version == BASE or _VERSION_NAME.fullmatch(version)):
            raise StoreError(f"{self.data_dir / POINTER} names {version!r}, not a version like v000001: restore it")
        return pointer

    def version(self) -> str:
        return self._pointer()["version"]

    def version_dir(self, version: str) -> Path:
        return self.data_dir if version == BASE else self.data_dir / VERSIONS / version

    def _require_dir(self) -> None:
        if not self.data_dir.is_dir():
            raise StoreError(
                f"MAPAPP_DATA_DIR={self.data_dir}: no such directory. Set MAPAPP_DATA_DIR to the folder of the "
                f"activity tables, or fill a new one with `python -m mapapp build-sample -o {self.data_dir}`"
            )

    def read(self) -> tuple[str, dict[str, pd.DataFrame]]:
        self._require_dir()
        version = self.version()
        folder = self.version_dir(version)
        if version != BASE:
            meta = self._meta(version)
            # (versions written before VERSION.json listed their files are taken as they are)
            missing = [name for name in meta.get("files", []) if not (folder / name).is_file()]
            if missing:
                raise StoreError(
                    f"{folder} lacks {', '.join(missing)}: the version {POINTER} names is incomplete; "
                    f"restore it, or point {POINTER} at a kept version ({', '.join(self._kept()) or 'none'})"
                )
        return version, {table: self._read_table(folder, table) for table in TABLES}

    @staticmethod
    def _read_table(folder: Path, table: str) -> pd.DataFrame:
        path = folder / f"{table}.parquet"
        if not path.exists():
            return empty_table(table)
        try:
            return gpd.read_parquet(path) if table == "members" else pd.read_parquet(path)
        except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
            raise StoreError(f"{path} is unreadable: {exc}") from exc

    def files(self) -> dict[str, Path]:
        """The files of the current version, by table (absent tables left out)."""
        folder = self.version_dir(self.version())
        return {t: folder / f"{t}.parquet" for t in TABLES if (folder / f"{t}.parquet").exists()}

    def _meta(self, version: str) -> dict:
        """The VERSION.json of `version`; StoreError when the version is not there."""
        path = self.version_dir(version) / META
        try:
            return json.loads(path.read_bytes())
        except FileNotFoundError:
            raise StoreError(
                f"{self.data_dir / POINTER} names version {version}, but {path.parent} is missing or incomplete: "
                f"restore it, or point {POINTER} at a kept version ({', '.join(self._kept()) or 'none'})"
            ) from None
        except ValueError as exc:
            raise StoreError(f"{path} is unreadable ({exc}): restore it") from exc

    def _kept(self) -> list[str]:
        return [p.name for p in self._version_dirs() if (p / META).is_file()]

    def parent(self, version: str) -> str | None:
        return None if version == BASE else self._meta(version)["parent"]

    def history(self) -> list[str]:
        """The versions a rollback can reach, newest first: the current one, its ancestors still
        kept, and "base" when the chain reaches it."""
        versions, version = [], self.version()
        while version != BASE:
            versions.append(version)
            version = self.parent(version)
            if version != BASE and not (self.version_dir(version) / META).is_file():
                return versions
        return [*versions, BASE]

    # -- writing -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _lock(self):
        self._require_dir()  # never create it: a mistyped MAPAPP_DATA_DIR would silently start a new store
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

    def _last_number(self) -> int:
        """The highest version number used so far. A new version never reuses one, even that of a
        version rolled back from and removed since: an app server still serving it must see a new
        name to reload."""
        return max([int(p.name[1:]) for p in self._version_dirs()] + [int(self._pointer().get("last", 0))])

    def _chain(self, version: str) -> list[str]:
        """`version` and its ancestors still there, newest first, up to KEEP_VERSIONS (base not counted)."""
        chain: list[str] = []
        while version not in (None, BASE) and len(chain) < KEEP_VERSIONS:
            if not (self.version_dir(version) / META).is_file():
                break
            chain.append(version)
            version = self.parent(version)
        return chain

    def _commit(self, parent: str, tables: dict[str, pd.DataFrame], note: str) -> str:
        version = f"v{self._last_number() + 1:06d}"
        staging = Path(tempfile.mkdtemp(prefix=self._staging_prefix(), dir=self._staging_parent()))
        try:
            new_dir = staging / version
            new_dir.mkdir()
            parent_dir = self.version_dir(parent)
            files = []
            for table in TABLES:
                target = new_dir / f"{table}.parquet"
                if table in tables:
                    _write_file(target, table_bytes(table, tables[table]))
                elif (parent_dir / target.name).exists():
                    if parent == BASE:
                        _write_file(target, (parent_dir / target.name).read_bytes())
                    else:
                        os.link(parent_dir / target.name, target)
                if target.exists():
                    files.append(target.name)
            meta = {
                "version": version,
                "parent": parent,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "note": note,
                "tables": sorted(tables),
                "files": files,
            }
            _write_file(new_dir / META, json.dumps(meta, indent=1, ensure_ascii=False).encode())
            _fsync_dir(new_dir)
            pointer = staging / POINTER
            _write_file(pointer, json.dumps({"version": version, "last": int(version[1:])}).encode())
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
        """Point `CURRENT` at the version before the current one; returns that version. Refused
        (NothingToRollBack) at the base, and at the oldest version kept: its parent was pruned."""
        with self._lock():
            current = self.version()
            parent = self.parent(current)
            if parent is None:
                raise NothingToRollBack(f"{self.data_dir} is at its base version: nothing to roll back")
            if parent != BASE and not (self.version_dir(parent) / META).is_file():
                raise NothingToRollBack(
                    f"{current} is the oldest version kept in {self.data_dir} (the last {KEEP_VERSIONS} are kept, "
                    f"older ones are pruned): the store stays at {current}"
                )
            pointer = self.data_dir / f".{POINTER}.{os.getpid()}.tmp"
            _write_file(pointer, json.dumps({"version": parent, "last": self._last_number()}).encode())
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
