"""The PostGIS store: activity tables in PostgreSQL, shared by several stateless app servers.

Versions, as in the files store: every import publishes a new version and never changes an old
one. Tables:

- `mapapp_<table>__v<N>`: the rows of `table` written by import N (`mapapp_members__v3`; members
  with a PostGIS point geometry, SRID 4326), with a `_row` column keeping the row order;
- `mapapp_versions`: one row per kept version — `version` N, `parent`, `created`, `note`, and
  `tables`, the physical table of each of its tables (those it wrote, and those it shares with
  its parent). A table a version does not have is read from the embedded store of
  `MAPAPP_DATA_DIR` (the shipped sample), so the first import of members merges with the sample
  exactly as on the files backend;
- `mapapp_state`, one row: `version`, the live version (0: none, the sample), and `generation`,
  what every app server polls, bumped by every import and rollback.

An import runs in ONE transaction, serialised with other writers by an advisory lock: the new
tables are written (COPY), then, holding the state row `FOR UPDATE`, the version row is added,
the state points at it, the generation is bumped, and the versions beyond the last
`KEEP_VERSIONS` of its chain are deleted with the tables no kept version uses. PostgreSQL DDL is
transactional, so a failure or a killed client leaves the database as it was. Readers take the
state row `FOR SHARE` first, which waits for a commit in progress, then read every table in the
same transaction: old or new, never a mix. `rollback()` points the state at the parent version
when that version is kept, and refuses otherwise. A version whose tables are gone is a
`StoreError`, never an empty store.

Databases written by the first layout (live `mapapp_<table>` tables, one `__prev` level) are
read as one version made of their live tables; the next import or rollback records it so.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa

from mapapp.storage import KEEP_VERSIONS, TABLES, NothingToRollBack, StoreChanged, StoreError, conform
from mapapp.storage.files import FilesBackend

_LOCK_KEY = 0x6D61706170  # "mapap": serialises writers across app servers
_ENGINES: dict[str, sa.Engine] = {}
BASE = 0  # the version of a database without imports: every table read from MAPAPP_DATA_DIR


def engine_for(url: str) -> sa.Engine:
    """One pooled engine per URL; `postgresql://` URLs use psycopg 3."""
    if url not in _ENGINES:
        driver_url = url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                driver_url = "postgresql+psycopg://" + url[len(prefix) :]
        _ENGINES[url] = sa.create_engine(driver_url, pool_pre_ping=True)
    return _ENGINES[url]


def _forget_inherited_connections() -> None:
    """A forked worker (gunicorn --preload builds the app, store loaded, before forking) opens its
    own connections: the ones in the pools it inherited stay the parent's (SQLAlchemy's advice
    for os.fork: `dispose(close=False)`)."""
    for engine in _ENGINES.values():
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def live(table: str) -> str:
    """The table's name in the first layout (one live table per table)."""
    return f"mapapp_{table}"


def physical(table: str, version: int) -> str:
    return f"mapapp_{table}__v{version}"


def _exists(conn: sa.Connection, name: str) -> bool:
    return conn.execute(sa.text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}).scalar()


def _copy_rows(table, conn, keys, data_iter) -> None:
    """pandas `to_sql` method: COPY, an order of magnitude faster than INSERTs."""
    columns = ", ".join(f'"{k}"' for k in keys)
    with conn.connection.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in data_iter:
            copy.write_row(row)


def _versions(conn: sa.Connection) -> dict[int, tuple[int, str, dict[str, str]]]:
    """version -> (parent, note, tables) of every version row."""
    rows = conn.execute(sa.text("SELECT version, parent, note, tables FROM mapapp_versions")).all()
    return {int(v): (int(parent), note, json.loads(tables)) for v, parent, note, tables in rows}


class PostgisBackend:
    """Activity tables in the PostGIS database at `url`; missing tables read from `base_dir`."""

    def __init__(self, url: str, base_dir: Path):
        self.url, self.base = url, FilesBackend(base_dir)
        self.engine = engine_for(url)

    def describe(self) -> str:
        with self.engine.connect() as conn, conn.begin():
            generation, version, _ = self._state(conn, "")
        url = self.engine.url.render_as_string(hide_password=True)
        label = "base" if version == BASE else f"v{version}"
        return f"PostGIS database {url} (version {label}, generation {generation})"

    def version(self) -> str:
        with self.engine.connect() as conn:
            if not _exists(conn, "mapapp_state"):
                return "pg:0"
            return f"pg:{conn.execute(sa.text('SELECT generation FROM mapapp_state WHERE id = 1')).scalar()}"

    def _state(self, conn: sa.Connection, lock: str) -> tuple[int, int, dict[str, str]]:
        """generation, live version and its tables (table -> physical table)."""
        if not _exists(conn, "mapapp_state"):
            return 0, BASE, {}
        if not _exists(conn, "mapapp_versions"):  # the first layout: its live tables
            generation = conn.execute(sa.text(f"SELECT generation FROM mapapp_state WHERE id = 1 {lock}")).scalar()
            return generation, 1, {t: live(t) for t in TABLES if _exists(conn, live(t))}
        generation, version = conn.execute(
            sa.text(f"SELECT generation, version FROM mapapp_state WHERE id = 1 {lock}")
        ).one()
        if version == BASE:
            return generation, BASE, {}
        tables = conn.execute(sa.text("SELECT tables FROM mapapp_versions WHERE version = :v"), {"v": version}).scalar()
        if tables is None:
            raise StoreError(f"the database's live version {version} is not in mapapp_versions: restore the database")
        return generation, version, json.loads(tables)

    def _read(self, conn: sa.Connection, lock: str) -> tuple[str, int, dict[str, str], dict[str, pd.DataFrame]]:
        generation, version, names = self._state(conn, lock)
        tables, base = {}, None
        for table in TABLES:
            name = names.get(table)
            if name is None:
                if base is None:
                    base = self.base.read()[1]
                tables[table] = base[table]
                continue
            if not _exists(conn, name):
                raise StoreError(f"the database's version {version} lacks its table {name}: restore the database")
            sql = f'SELECT * FROM "{name}" ORDER BY _row'
            if table == "members":
                frame = gpd.read_postgis(sa.text(sql), conn, geom_col="geometry")
            else:
                frame = pd.read_sql(sa.text(sql), conn)
            tables[table] = conform(frame.drop(columns="_row"), table)
        return f"pg:{generation}", version, names, tables

    def read(self) -> tuple[str, dict[str, pd.DataFrame]]:
        with self.engine.connect() as conn, conn.begin():
            version, _, _, tables = self._read(conn, "FOR SHARE")
            return version, tables

    def history(self) -> list[str]:
        """The versions a rollback can reach, newest first ("v3", "v2"), then "base" when the
        chain reaches it."""
        with self.engine.connect() as conn, conn.begin():
            _, version, _ = self._state(conn, "FOR SHARE")
            versions = _versions(conn) if _exists(conn, "mapapp_versions") else {}
        out = []
        while version != BASE:
            out.append(f"v{version}")
            if version not in versions:
                return out
            version = versions[version][0]
            if version != BASE and version not in versions:
                return out
        return [*out, "base"]

    @staticmethod
    def _ensure(conn: sa.Connection) -> None:
        """The state and version tables, created or brought to this layout (under the writer lock)."""
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        conn.execute(
            sa.text(
                "CREATE TABLE IF NOT EXISTS mapapp_state (id int PRIMARY KEY CHECK (id = 1), "
                "generation bigint NOT NULL DEFAULT 0, version bigint NOT NULL DEFAULT 0, "
                "note text NOT NULL DEFAULT '', updated timestamptz NOT NULL DEFAULT now())"
            )
        )
        conn.execute(sa.text("ALTER TABLE mapapp_state ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 0"))
        conn.execute(sa.text("INSERT INTO mapapp_state (id) VALUES (1) ON CONFLICT (id) DO NOTHING"))
        if _exists(conn, "mapapp_versions"):
            return
        conn.execute(
            sa.text(
                "CREATE TABLE mapapp_versions (version bigint PRIMARY KEY, parent bigint NOT NULL, "
                "created timestamptz NOT NULL DEFAULT now(), note text NOT NULL DEFAULT '', tables text NOT NULL)"
            )
        )
        first_layout = {t: live(t) for t in TABLES if _exists(conn, live(t))}
        if first_layout:  # a database of the first layout: its live tables become version 1
            conn.execute(
                sa.text("INSERT INTO mapapp_versions (version, parent, note, tables) VALUES (1, 0, :n, :t)"),
                {"n": "tables of the first layout", "t": json.dumps(first_layout)},
            )
            conn.execute(sa.text("UPDATE mapapp_state SET version = 1 WHERE id = 1"))

    @contextlib.contextmanager
    def _locked(self):
        with self.engine.connect() as conn, conn.begin():
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
            self._ensure(conn)
            yield conn

    @contextlib.contextmanager
    def writer(self):
        """One transaction: `w.version`, `w.tables`, `w.commit(...)`; committed on leaving the block."""
        with self._locked() as conn:
            version, number, names, tables = self._read(conn, "")
            yield _PostgisWriter(conn, version, number, names, tables)

    def rollback(self) -> str:
        """Point the state at the parent of the live version; refused (NothingToRollBack) at the
        base and at the oldest version kept."""
        with self._locked() as conn:
            version = conn.execute(sa.text("SELECT version FROM mapapp_state WHERE id = 1 FOR UPDATE")).scalar()
            versions = _versions(conn)
            if version == BASE:
                raise NothingToRollBack("the database has no import to roll back")
            parent = versions[version][0] if version in versions else None
            if parent is None or (parent != BASE and parent not in versions):
                raise NothingToRollBack(
                    f"v{version} is the oldest version kept in the database (the last {KEEP_VERSIONS} are kept, "
                    f"older ones are pruned): the store stays at v{version}"
                )
            generation = conn.execute(
                sa.text(
                    "UPDATE mapapp_state SET version = :v, generation = generation + 1, note = :n, updated = now() "
                    "WHERE id = 1 RETURNING generation"
                ),
                {"v": parent, "n": f"rollback from v{version}"},
            ).scalar()
            return f"pg:{generation}"


def _prune(conn: sa.Connection, current: int) -> None:
    """Delete the versions beyond the last KEEP_VERSIONS of `current`'s chain (and those rolled
    back from), and drop the tables no kept version uses."""
    versions = _versions(conn)
    keep, version = set(), current
    while version in versions and len(keep) < KEEP_VERSIONS:
        keep.add(version)
        version = versions[version][0]
    used = {name for v in keep for name in versions[v][2].values()}
    for version, (_, _, tables) in versions.items():
        if version in keep:
            continue
        for name in set(tables.values()) - used:
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))
        conn.execute(sa.text("DELETE FROM mapapp_versions WHERE version = :v"), {"v": version})


class _PostgisWriter:
    def __init__(self, conn: sa.Connection, version: str, number: int, names: dict, tables: dict[str, pd.DataFrame]):
        self.conn, self.version, self.tables = conn, version, tables
        self.number, self.names = number, names
        self.committed: str | None = None

    def _write(self, name: str, table: str, frame: pd.DataFrame) -> None:
        from geoalchemy2 import Geometry

        self.conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))
        frame = conform(frame, table)
        frame.insert(0, "_row", range(len(frame)))  # a column, not an index: no index names to clash
        dtype = None
        if table == "members":
            # EWKB hex, what PostGIS reads from COPY (to_postgis would INSERT row by row)
            points = shapely.set_srid(gpd.GeoSeries(frame["geometry"]).to_numpy(), 4326)
            frame = pd.DataFrame(frame).assign(geometry=shapely.to_wkb(points, hex=True, include_srid=True))
            dtype = {"geometry": Geometry("GEOMETRY", srid=4326, spatial_index=False)}
        pd.DataFrame(frame).to_sql(name, self.conn, index=False, dtype=dtype, method=_copy_rows)

    def commit(self, tables: dict[str, pd.DataFrame], note: str) -> str:
        if self.committed is not None:
            raise StoreChanged("this writer has already committed")
        conn = self.conn
        number = conn.execute(sa.text("SELECT coalesce(max(version), 0) + 1 FROM mapapp_versions")).scalar()
        names = dict(self.names)
        for table, frame in tables.items():
            names[table] = physical(table, number)
            self._write(names[table], table, frame)
        conn.execute(sa.text("SELECT generation FROM mapapp_state WHERE id = 1 FOR UPDATE"))
        conn.execute(
            sa.text("INSERT INTO mapapp_versions (version, parent, note, tables) VALUES (:v, :p, :n, :t)"),
            {"v": number, "p": self.number, "n": note, "t": json.dumps(names)},
        )
        generation = conn.execute(
            sa.text(
                "UPDATE mapapp_state SET version = :v, generation = generation + 1, note = :n, updated = now() "
                "WHERE id = 1 RETURNING generation"
            ),
            {"v": number, "n": note},
        ).scalar()
        _prune(conn, number)
        self.committed = f"pg:{generation}"
        return self.committed
