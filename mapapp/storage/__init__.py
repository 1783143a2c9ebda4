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
- `rollback()`: back to the state before the last import.

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
# Rows with the same key are the same row: an import updates them instead of adding a duplicate.
KEYS: dict[str, tuple[str, ...]] = {
    "clusters": ("id",),
    "cluster_identifiers": ("cluster_id", "scheme", "value"),
    "members": ("member_id",),
    "projects": ("project_id",),
    "funding": ("project_id", "funder", "year"),
}


class NothingToRollBack(Exception):
    """The store is at its base version: there is no earlier import to go back to."""


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

    def describe(self) -> str: ...


def empty_table(table: str) -> pd.DataFrame:
    """A table with the schema's columns and no rows (members: a GeoDataFrame)."""
    frame = empty_frame(table)
    if table == "members":
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    return frame


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Columns in schema order with the store's dtypes: integers as nullable Int64, numbers as
    float64, booleans as bool, the rest as text; what a database hands back reads like Parquet.
    Optional columns added to the schema after a store was written are added, empty."""
    frame = with_optional_columns(frame, table)[field_names(table)].copy()
    for spec in schema(table)["fields"]:
        name, kind = spec["name"], spec["type"]
        if kind == "integer":
            frame[name] = pd.array(pd.to_numeric(frame[name]), dtype="Int64")
        elif kind == "number":
            frame[name] = pd.to_numeric(frame[name]).astype("float64")
        elif kind == "boolean":
            frame[name] = frame[name].astype(bool)
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
