"""Where the activity tables live: an embedded versioned Parquet store, or PostgreSQL/PostGIS.

Both backends keep the same tables — `members` (with a point geometry), `projects`,
`funding`, `clusters` (pôles added or corrected by `import clusters`, laid over the
directory CSV) and `cluster_identifiers` (identifiers found by `import sirene` or confirmed by a
reviewed name match, laid over `cluster_identifiers.csv`) — and offer the same operations:

- `read() -> (version, tables)`: one consistent snapshot, never a mix of two imports;
- `version()`: a short string that changes with every import or rollback, cheap enough to call
  on every request (the app reloads its `Store` only when it changes, see `StoreLoader`);
- `writer()`: a context manager serialised with every other writer; its `commit(tables, note)`
  replaces the given tables in one atomic step; leaving the block by an exception (or being
  killed) writes nothing;
- `rollback()`: back to the state before the last import — never further than the last
  `KEEP_VERSIONS` versions kept: older ones are pruned, and a rollback to one of them is refused
  (`NothingToRollBack`) rather than reaching a version that is not there;
- `history()`: the versions a rollback can reach, the current one first.

Reading a store that is not there or not whole (a missing data directory, a version named by the
pointer but absent, an unreadable file) raises `StoreError` with what to do: never empty tables
that a server would serve and the next import would make permanent.

`open_backend(data_dir, database_url)` picks one: PostGIS when a `postgresql://` URL is given
(`MAPAPP_DATABASE_URL`), else the files of `data_dir` (`MAPAPP_DATA_DIR`). See `files.py` and
`postgis.py` for how each makes a write atomic.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import pandas as pd

from mapapp.data.schema import empty_frame, field_names, schema, with_optional_columns

TABLES = ("clusters", "cluster_identifiers", "members", "projects", "funding")
# Versions kept for `--rollback` (the current one included); older ones are pruned at each import.
KEEP_VERSIONS = 5
# Rows with the same key are the same row: an import updates them instead of adding a duplicate.
KEYS: dict[str, tuple[str, ...]] = {
    "clusters": ("id",),
    "cluster_identifiers": ("cluster_id", "scheme", "value"),
    "members": ("member_id",),
    "projects": ("project_id",),
    "funding": ("project_id", "funder", "year"),
}


class NothingToRollBack(Exception):
    """There is no earlier version to go back to: the store is at its base version, or at the
    oldest version kept."""


class StoreError(Exception):
    """The store cannot be read as a whole: its directory is missing, a version it names is gone,
    a file is unreadable, or it holds no activity data. The message says where and what to do."""


class StoreChanged(Exception):
    """Another import was committed between reading the store and writing it."""


class Writer(Protocol):
    version: str
    tables: dict[str, pd.DataFrame]

    def commit(self, tables: dict[str, pd.DataFrame], note: str) -> str: ...


class Backend(Protocol):
    def version(self) -> str: ...

    def read(self) -> tuple[str, dict[str, pd.DataFrame]]: ...

    def writer(self) -> AbstractContextManager[Writer]: ...

    def rollback(self) -> str: ...

    def history(self) -> list[str]: ...

    def describe(self) -> str: ...


def empty_table(table: str) -> pd.DataFrame:
    """A table with the schema's columns and no rows (members: a GeoDataFrame)."""
    frame = empty_frame(table)
    if table == "members":
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    return frame


# Text held as Arrow strings (one buffer per column) rather than one Python object per cell: an
# import of millions of rows keeps its rows at a fraction of the size, and without the freed
# cells of each chunk scattering the heap.
COMPACT_TEXT = "string[pyarrow]"


def conform(frame: pd.DataFrame, table: str, compact: bool = False) -> pd.DataFrame:
    """Columns in schema order with the store's dtypes: integers as nullable Int64, numbers as
    float64, booleans as bool, the rest as text; what a database hands back reads like Parquet.
    Optional columns added to the schema after a store was written are added, empty.
    `compact`: text as `COMPACT_TEXT` (what an import works on) instead of Python objects (what
    the app's store holds); either way missing text is ""."""
    frame = with_optional_columns(frame, table)[field_names(table)].copy()
    for spec in schema(table)["fields"]:
        name, kind = spec["name"], spec["type"]
        if kind == "integer":
            frame[name] = pd.array(pd.to_numeric(frame[name]), dtype="Int64")
        elif kind == "number":
            frame[name] = pd.to_numeric(frame[name]).astype("float64")
        elif kind == "boolean":
            frame[name] = frame[name].astype(bool)
        elif kind != "any" and compact:
            frame[name] = frame[name].astype(COMPACT_TEXT).fillna("")
        elif kind != "any":
            frame[name] = frame[name].astype(object).where(frame[name].notna(), "")
    return frame.reset_index(drop=True)


def open_backend(data_dir: Path, database_url: str = "") -> Backend:
    """The store of `data_dir`, or the PostGIS database at `database_url` when one is given
    (whose tables not yet imported are read from `data_dir`, e.g. the shipped sample)."""
    if database_url:
        from mapapp.storage.postgis import PostgisBackend

        return PostgisBackend(database_url, Path(data_dir))
    from mapapp.storage.files import FilesBackend

    return FilesBackend(Path(data_dir))


def store_version(data_dir: Path, database_url: str = "") -> str:
    """The version of the activity tables now: changes with every import and rollback."""
    return open_backend(data_dir, database_url).version()
