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

Nothing is written while the file has errors, nor by a dry run; `ImportPlan.report()` says what
would be (or was) added, updated and removed, with a few keys of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from mapapp.data.schema import check_frame
from mapapp.ingest.result import ImportResult
from mapapp.storage import KEYS, TABLES, Backend, StoreChanged, conform

MODES = ("merge", "replace")
DIRECTORY_TABLES = ("clusters", "cluster_identifiers")  # laid over the directory: upserted, never sample
SHOWN_KEYS = 3


@dataclass
class TableChange:
    """What an import does to one table, and the whole table after it."""

    table: str
    added: list[str]
    updated: list[str]
    unchanged: int
    removed: list[str]
    frame: pd.DataFrame = field(repr=False)

    def summary(self) -> str:
        def some(keys: list[str]) -> str:
            more = f", … {len(keys) - SHOWN_KEYS} more" if len(keys) > SHOWN_KEYS else ""
            return f" ({', '.join(keys[:SHOWN_KEYS])}{more})" if keys else ""

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
    errors: list[str] = field(default_factory=list)
    version: str | None = None

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {table: change.frame for table, change in self.changes.items()}

    def note(self) -> str:
        counts = "; ".join(
            f"{c.table} +{len(c.added)} ~{len(c.updated)} -{len(c.removed)}" for c in self.changes.values()
        )
        return f"import {self.kind} {self.file} ({self.mode}): {counts}"

    def report(self) -> str:
        if self.errors:
            return "\n".join(self.errors)
        head = f"committed as version {self.version}" if self.version else "dry run: nothing written"
        return "\n".join([head, *(change.summary() for change in self.changes.values())])


def row_keys(frame: pd.DataFrame, table: str) -> pd.Series:
    """The key of every row as text ("p-1/feder/2019" for funding)."""
    columns = KEYS[table]
    keys = frame[columns[0]].astype(str)
    for column in columns[1:]:
        keys = keys + "/" + frame[column].astype(str)
    return keys.reset_index(drop=True)


def _signatures(frame: pd.DataFrame) -> pd.Series:
    """One string per row holding every value, to tell an update from an unchanged row."""
    text = pd.DataFrame(frame).astype(str)
    signature = text.iloc[:, 0]
    for column in text.columns[1:]:
        signature = signature + "\x1f" + text[column]
    return signature.reset_index(drop=True)


def merge_table(
    table: str, existing: pd.DataFrame, incoming: pd.DataFrame, mode: str, cascade_clusters: set[str] = frozenset()
) -> TableChange:
    """The table after importing `incoming` (see the module docstring for the rules).

    `cascade_clusters`: pôles whose sample rows go even though `incoming` has none of their rows
    (sample funding lines of pôles whose projects were imported)."""
    existing = existing.reset_index(drop=True)
    incoming = conform(incoming, table)
    existing = conform(existing, table) if len(existing) else incoming.iloc[0:0]
    old_keys, new_keys = row_keys(existing, table), row_keys(incoming, table)
    same_key = old_keys.isin(set(new_keys))
    if table in DIRECTORY_TABLES:
        gone = pd.Series(False, index=existing.index)
    else:
        clusters = set(incoming["cluster_id"])
        in_file = existing["cluster_id"].isin(clusters)
        sample = existing["sample"].astype(bool)
        gone = in_file if mode == "replace" else in_file & sample
        gone |= sample & existing["cluster_id"].isin(cascade_clusters)
    kept = existing[~(same_key | gone)]

    matched = existing[same_key]
    before = dict(zip(old_keys[same_key], _signatures(matched), strict=True))
    after = _signatures(incoming)
    known = new_keys.isin(set(old_keys))
    updated = [k for k, sig in zip(new_keys[known], after[known], strict=True) if before.get(k) != sig]
    added = new_keys[~known].tolist()
    removed = old_keys[gone & ~same_key].tolist()

    if table == "members":
        crs = existing.crs if isinstance(existing, gpd.GeoDataFrame) and existing.crs else "EPSG:4326"
        parts = [gpd.GeoDataFrame(p, geometry="geometry").set_crs(crs, allow_override=True) for p in (kept, incoming)]
        frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=crs)
    else:
        frame = pd.concat([kept, incoming], ignore_index=True)
    return TableChange(table, added, updated, len(new_keys) - len(added) - len(updated), removed, frame)


def plan_import(result: ImportResult, current: dict[str, pd.DataFrame], mode: str = "merge") -> ImportPlan:
    """The changes `result` (a file read without errors) makes to the `current` tables."""
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
            if not change.removed:
                continue
        else:
            continue
        plan.changes[table] = change
        for error in check_frame(pd.DataFrame(change.frame), table, f"{table} after import"):
            plan.errors.append(f"{result.file}: {error}")
    return plan


def apply_import(
    backend: Backend,
    result: ImportResult,
    mode: str = "merge",
    dry_run: bool = False,
    expected_version: str | None = None,
) -> ImportPlan:
    """Plan the import against the store now and, unless `dry_run` or the plan has errors,
    commit it in one atomic step. `expected_version`: the version `result` was read against
    (the store `read_import` validated with); StoreChanged if another import came in between."""
    if result.errors:
        raise ValueError("the file has errors: nothing to apply")
    if dry_run:
        _, tables = backend.read()
        return plan_import(result, tables, mode)
    with backend.writer() as writer:
        if expected_version is not None and writer.version != expected_version:
            raise StoreChanged(
                f"the store changed (version {expected_version} -> {writer.version}) while the file was read: "
                "run the import again"
            )
        plan = plan_import(result, writer.tables, mode)
        if not plan.errors:
            plan.version = writer.commit(plan.tables, plan.note())
    return plan
