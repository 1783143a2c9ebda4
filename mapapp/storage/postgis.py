"""The PostGIS store: activity tables in PostgreSQL, shared by several stateless app servers.

Tables: `mapapp_members` (PostGIS point geometry, SRID 4326), `mapapp_projects`,
`mapapp_funding`, `mapapp_clusters`, each with a `_row` column keeping the row order, and
`mapapp_state`, one row: `generation` (the version every app server polls), the tables the last
import or rollback touched, and its note. A table not yet imported is read from the embedded
store of `MAPAPP_DATA_DIR` (the shipped sample), so the first import of members merges with the
sample exactly as on the files backend.

An import runs in ONE transaction, serialised with other writers by an advisory lock: the new
tables are written as `mapapp_<table>__new` (COPY), then, holding the state row `FOR UPDATE`, the
previous `mapapp_<table>__prev` is dropped, the live table renamed to `__prev`, `__new` renamed
live, and the generation bumped. PostgreSQL DDL is transactional, so a failure or a killed
client leaves the database as it was. Readers take the state row `FOR SHARE` first, which waits
for a swap in progress, then read every table in the same transaction: old or new, never a mix.
`rollback()` swaps the last import's tables with their `__prev` (one level: a second rollback
redoes the import).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa

from mapapp.storage import TABLES, NothingToRollBack, StoreChanged, conform
from mapapp.storage.files import FilesBackend

_LOCK_KEY = 0x6D61706170  # "mapap": serialises writers across app servers
_ENGINES: dict[str, sa.Engine] = {}


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
    return f"mapapp_{table}"


def _exists(conn: sa.Connection, name: str) -> bool:
    return conn.execute(sa.text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}).scalar()


def _copy_rows(table, conn, keys, data_iter) -> None:
    """pandas `to_sql` method: COPY, an order of magnitude faster than INSERTs."""
    columns = ", ".join(f'"{k}"' for k in keys)
    with conn.connection.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in data_iter:
            copy.write_row(row)


class PostgisBackend:
    """Activity tables in the PostGIS database at `url`; missing tables read from `base_dir`."""

    def __init__(self, url: str, base_dir: Path):
        self.url, self.base = url, FilesBackend(base_dir)
        self.engine = engine_for(url)

    def describe(self) -> str:
        return f"PostGIS database {self.engine.url.render_as_string(hide_password=True)} (version {self.version()})"

    def version(self) -> str:
        with self.engine.connect() as conn:
            if not _exists(conn, "mapapp_state"):
                return "pg:0"
            return f"pg:{conn.execute(sa.text('SELECT generation FROM mapapp_state WHERE id = 1')).scalar()}"

    def _read(self, conn: sa.Connection, lock: str) -> tuple[str, dict[str, pd.DataFrame]]:
        generation = 0
        if _exists(conn, "mapapp_state"):
            generation = conn.execute(sa.text(f"SELECT generation FROM mapapp_state WHERE id = 1 {lock}")).scalar()
        tables, base = {}, None
        for table in TABLES:
            name = live(table)
            if not _exists(conn, name):
                if base is None:
                    base = self.base.read()[1]
                tables[table] = base[table]
                continue
            sql = f'SELECT * FROM "{name}" ORDER BY _row'
            if table == "members":
                frame = gpd.read_postgis(sa.text(sql), conn, geom_col="geometry")
            else:
                frame = pd.read_sql(sa.text(sql), conn)
            tables[table] = conform(frame.drop(columns="_row"), table)
        return f"pg:{generation}", tables

    def read(self) -> tuple[str, dict[str, pd.DataFrame]]:
        with self.engine.connect() as conn, conn.begin():
            return self._read(conn, "FOR SHARE")

    @staticmethod
    def _ensure(conn: sa.Connection) -> None:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        conn.execute(
            sa.text(
                "CREATE TABLE IF NOT EXISTS mapapp_state (id int PRIMARY KEY CHECK (id = 1), "
                "generation bigint NOT NULL DEFAULT 0, last_tables text NOT NULL DEFAULT '', "
                "note text NOT NULL DEFAULT '', updated timestamptz NOT NULL DEFAULT now())"
            )
        )
        conn.execute(sa.text("INSERT INTO mapapp_state (id) VALUES (1) ON CONFLICT (id) DO NOTHING"))

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
            version, tables = self._read(conn, "")
            yield _PostgisWriter(conn, version, tables)

    def rollback(self) -> str:
        with self._locked() as conn:
            state = conn.execute(sa.text("SELECT last_tables FROM mapapp_state WHERE id = 1 FOR UPDATE")).scalar()
            tables = [t for t in state.split(",") if t]
            if not any(_exists(conn, live(t) + "__prev") or _exists(conn, live(t)) for t in tables):
                raise NothingToRollBack("the database has no import to roll back")
            for table in tables:
                name = live(table)
                has_live, has_prev = _exists(conn, name), _exists(conn, name + "__prev")
                if has_live:
                    conn.execute(sa.text(f'ALTER TABLE "{name}" RENAME TO "{name}__swap"'))
                if has_prev:
                    conn.execute(sa.text(f'ALTER TABLE "{name}__prev" RENAME TO "{name}"'))
                if has_live:
                    conn.execute(sa.text(f'ALTER TABLE "{name}__swap" RENAME TO "{name}__prev"'))
            generation = conn.execute(
                sa.text(
                    "UPDATE mapapp_state SET generation = generation + 1, note = 'rollback', updated = now() "
                    "WHERE id = 1 RETURNING generation"
                )
            ).scalar()
            return f"pg:{generation}"


class _PostgisWriter:
    def __init__(self, conn: sa.Connection, version: str, tables: dict[str, pd.DataFrame]):
        self.conn, self.version, self.tables = conn, version, tables
        self.committed: str | None = None

    def _write(self, table: str, frame: pd.DataFrame) -> None:
        from geoalchemy2 import Geometry

        name = live(table) + "__new"
        self.conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))
        frame = conform(frame, table)
        frame.insert(0, "_row", range(len(frame)))  # a column, not an index: no index names to clash on rename
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
        for table, frame in tables.items():
            self._write(table, frame)
        conn.execute(sa.text("SELECT generation FROM mapapp_state WHERE id = 1 FOR UPDATE"))
        for table in tables:
            name = live(table)
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}__prev"'))
            if _exists(conn, name):
                conn.execute(sa.text(f'ALTER TABLE "{name}" RENAME TO "{name}__prev"'))
            conn.execute(sa.text(f'ALTER TABLE "{name}__new" RENAME TO "{name}"'))
        generation = conn.execute(
            sa.text(
                "UPDATE mapapp_state SET generation = generation + 1, last_tables = :t, note = :n, updated = now() "
                "WHERE id = 1 RETURNING generation"
            ),
            {"t": ",".join(tables), "n": note},
        ).scalar()
        self.committed = f"pg:{generation}"
        return self.committed
