"""Writing an import into the store: what it adds, updates and removes, then one atomic commit.

The rules, table by table (`KEYS` in `mapapp.storage`: member_id, project_id, (project_id,
funder, year) for funding, id for clusters):

- **merge** (default) upserts: a row whose key is in the file is replaced by the file's row, a
  new key is added, every other row stays.
- **replace** replaces every row of the *pôles present in the file* (by `cluster_id`): a file
  about two pôles never touches a third. For `clusters` and `cluster_identifiers`, both modes
  upsert by key.
- **A pôle is either sample or real, per table.** Importing real rows of a table for a pôle
  removes that pôle's sample rows of that table, in both modes, so the UI's "Données d'exemple"
  badges vanish exactly where real data replaced them. Sample funding lines describe sample
  projects, so importing projects for a pôle also removes its sample funding lines.

Nothing is written while the file has errors, nor by a dry run, nor when the file changes nothing
(a version that changes nothing would only use up a rollback slot); `ImportPlan.report()` says
what would be (or was) added, updated and removed, with a few keys of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from mapapp.ingest.result import ImportResult
from mapapp.storage import COMPACT_TEXT, KEYS, TABLES, Backend, StoreChanged, conform

MODES = ("merge", "replace")
DIRECTORY_TABLES = ("clusters", "cluster_identifiers")  # laid over the directory: upserted, never sample
SHOWN_KEYS = 3


@dataclass
class TableChange:
    """What an import does to one table (the keys added, updated, removed, as Series: a million
    of them stay Arrow strings), and the whole table after it."""

    table: str
    added: pd.Series
    updated: pd.Series
    unchanged: int
    removed: pd.Series
    frame: pd.DataFrame = field(repr=False)

    def summary(self) -> str:
        def some(keys: pd.Series) -> str:
            more = f", … {len(keys) - SHOWN_KEYS} more" if len(keys) > SHOWN_KEYS else ""
            return f" ({', '.join(keys.iloc[:SHOWN_KEYS])}{more})" if len(keys) else ""

        return (
            f"{self.table}: {len(self.added)} added{some(self.added)}, "
            f"{len(self.updated)} updated{some(self.updated)}, {self.unchanged} unchanged, "
            f"{len(self.removed)} removed{some(self.removed)}; {len(self.frame)} rows after"
        )


@dataclass
class ImportPlan:
    """The changes of one import. `version` is set once committed (None for a dry run)."""

    kind: str
    file: str
    mode: str
    changes: dict[str, TableChange]
    version: str | None = None
    dry_run: bool = False

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {table: change.frame for table, change in self.changes.items()}

    @property
    def changed(self) -> bool:
        return any(len(c.added) or len(c.updated) or len(c.removed) for c in self.changes.values())

    def note(self) -> str:
        counts = "; ".join(
            f"{c.table} +{len(c.added)} ~{len(c.updated)} -{len(c.removed)}" for c in self.changes.values()
        )
        return f"import {self.kind} {self.file} ({self.mode}): {counts}"

    def report(self) -> str:
        if self.version:
            head = f"committed as version {self.version}"
        elif self.dry_run:
            head = "dry run: nothing written"
        else:
            head = "nothing to change: nothing written"
        return "\n".join([head, *(change.summary() for change in self.changes.values())])


def row_keys(frame: pd.DataFrame, table: str) -> pd.Series:
    """The key of every row as text ("p-1/feder/2019" for funding)."""
    columns = KEYS[table]
    keys = frame[columns[0]].astype(COMPACT_TEXT)
    for column in columns[1:]:
        keys = keys + "/" + frame[column].astype(COMPACT_TEXT).fillna("<NA>")
    return keys.reset_index(drop=True)


def _within(keys: pd.Series, others: pd.Series) -> pd.Series:
    """`keys.isin(others)` on the keys' Arrow strings: no Python object per key."""

    def arrow(series: pd.Series) -> pa.Array:
        array = pa.array(series)  # the Arrow strings themselves: a chunked array after a concat
        return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array

    found = pc.is_in(arrow(keys), value_set=arrow(others))
    return pd.Series(found.to_numpy(zero_copy_only=False), index=keys.index, dtype=bool)


def _signatures(frame: pd.DataFrame) -> pd.Series:
    """One 64-bit hash per row of all its values, to tell an update from an unchanged row without
    writing every row out as text (points hashed by their WKB)."""
    frame = pd.DataFrame(frame)
    if "geometry" in frame.columns:
        frame = frame.assign(geometry=shapely.to_wkb(frame["geometry"].to_numpy(), hex=True))
    return pd.Series(pd.util.hash_pandas_object(frame, index=False).to_numpy())


def merge_table(
    table: str, existing: pd.DataFrame, incoming: pd.DataFrame, mode: str, cascade_clusters: set[str] = frozenset()
) -> TableChange:
    """The table after importing `incoming` (see the module docstring for the rules).

    `cascade_clusters`: pôles whose sample rows go even though `incoming` has none of their rows
    (sample funding lines of pôles whose projects were imported)."""
    existing = existing.reset_index(drop=True)
    incoming = conform(incoming, table, compact=True)
    existing = conform(existing, table, compact=True) if len(existing) else incoming.iloc[0:0]
    old_keys, new_keys = row_keys(existing, table), row_keys(incoming, table)
    same_key = _within(old_keys, new_keys)
    if table in DIRECTORY_TABLES:
        gone = pd.Series(False, index=existing.index)
    else:
        clusters = set(incoming["cluster_id"])
        in_file = existing["cluster_id"].isin(clusters)
        sample = existing["sample"].astype(bool)
        gone = in_file if mode == "replace" else in_file & sample
        gone |= sample & existing["cluster_id"].isin(cascade_clusters)
    kept = existing[~(same_key | gone)]

    before = dict(zip(old_keys[same_key], _signatures(existing[same_key]), strict=True))
    known = _within(new_keys, old_keys)
    after = _signatures(incoming[known.to_numpy()])  # only rows that may be updates
    changed = [before.get(k) != sig for k, sig in zip(new_keys[known], after, strict=True)]
    updated = new_keys[known][changed]
    added = new_keys[~known]
    removed = old_keys[gone & ~same_key]

    if table == "members":
        crs = existing.crs if isinstance(existing, gpd.GeoDataFrame) and existing.crs else "EPSG:4326"
        parts = [gpd.GeoDataFrame(p, geometry="geometry").set_crs(crs, allow_override=True) for p in (kept, incoming)]
        frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=crs)
    else:
        frame = pd.concat([kept, incoming], ignore_index=True)
    return TableChange(table, added, updated, len(new_keys) - len(added) - len(updated), removed, frame)


def plan_import(result: ImportResult, current: dict[str, pd.DataFrame], mode: str = "merge") -> ImportPlan:
    """The changes `result` (a file read without errors) makes to the `current` tables.

    The tables after it need no second check: their kept rows were checked when the store was
    loaded, the file's rows by `read_import`, and no key is in both."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    incoming = {result.kind: result.frame, **result.extra_frames}
    plan = ImportPlan(result.kind, result.file, mode, {})
    cascade: set[str] = set()
    if "projects" in incoming:
        cascade = set(incoming["projects"]["cluster_id"])
    for table in TABLES:
        if table in incoming:
            change = merge_table(table, current[table], incoming[table], mode)
        elif table == "funding" and cascade:
            change = merge_table(table, current[table], current[table].iloc[0:0], mode, cascade)
            if not len(change.removed):
                continue
        else:
            continue
        plan.changes[table] = change
    return plan


def apply_import(
    backend: Backend,
    result: ImportResult,
    mode: str = "merge",
    dry_run: bool = False,
    expected_version: str | None = None,
) -> ImportPlan:
    """Plan the import against the store now and, unless `dry_run` or it changes nothing,
    commit it in one atomic step. `expected_version`: the version `result` was read against
    (the store `read_import` validated with); StoreChanged if another import came in between."""
    if result.errors:
        raise ValueError("the file has errors: nothing to apply")
    if dry_run:
        _, tables = backend.read()
        plan = plan_import(result, tables, mode)
        plan.dry_run = True
        return plan
    with backend.writer() as writer:
        if expected_version is not None and writer.version != expected_version:
            raise StoreChanged(
                f"the store changed (version {expected_version} -> {writer.version}) while the file was read: "
                "run the import again"
            )
        plan = plan_import(result, writer.tables, mode)
        if plan.changed:
            plan.version = writer.commit(plan.tables, plan.note())
    return plan
