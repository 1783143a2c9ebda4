"""`python -m mapapp import sirene|cordis|kohesio PATH`: open datasets read into the store's tables.

Each connector reads a published file as it is (`sirene.py`, `cordis.py`, `kohesio.py`), matches
its records to the pôles (`matching.py`) and hands back a `ConnectorResult`: an `ImportResult`
(the same pipeline as `import projects`: `--dry-run`, one atomic commit, `--rollback`) that also
carries the match report, the records to review and, for SIRENE, what the head offices say of
the seats. Errors are `FILE:LINE:COLUMN` problems: while there is one, nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mapapp.data.store import Store
from mapapp.ingest.connector_result import ConnectorResult, new_result
from mapapp.ingest.problems import ImportProblem

CONNECTORS = ("sirene", "cordis", "kohesio")


def read_connector(
    kind: str,
    path: Path | str,
    store: Store,
    source: str | None = None,
    as_of: str | None = None,
    confirm: Path | str | None = None,
) -> ConnectorResult:
    """Read one published file of dataset `kind` against `store`; `confirm`: a reviewed CSV
    (written by `--review`) whose confirmed name matches are stored as identifiers and used."""
    if kind not in CONNECTORS:
        raise ValueError(f"unknown dataset {kind!r}; expected one of {', '.join(CONNECTORS)}")
    path = Path(path)
    names = dict(zip(store.clusters["id"], store.clusters["name"], strict=True))
    if as_of is not None and pd.isna(pd.to_datetime(as_of, format="%Y-%m-%d", errors="coerce")):
        result = new_result("projects", path.name, kind)
        result.errors.append(ImportProblem(path.name, 1, 1, f'--as-of "{as_of}" is not a date YYYY-MM-DD'))
        return result
    confirmations = None
    if confirm is not None and kind == "sirene":
        result = new_result("cluster_identifiers", path.name, kind)
        result.errors.append(
            ImportProblem(Path(confirm).name, 1, 1, "--confirm is for cordis and kohesio name matches")
        )
        return result
    if confirm is not None:
        from mapapp.ingest.matching import read_confirmations

        confirmations = read_confirmations(Path(confirm), store, as_of)
        if confirmations.errors:
            result = new_result("projects", path.name, kind)
            result.errors.extend(confirmations.errors)
            return result
    if kind == "sirene":
        from mapapp.ingest.sirene import read_sirene

        result = read_sirene(path, store, source, as_of)
    elif kind == "cordis":
        from mapapp.ingest.cordis import read_cordis

        result = read_cordis(path, store, source, as_of, confirmations)
    else:
        from mapapp.ingest.kohesio import read_kohesio

        result = read_kohesio(path, store, source, as_of, confirmations)
    result.names = names
    if confirmations is not None and len(confirmations.identifiers):
        result.extra_frames["cluster_identifiers"] = confirmations.identifiers
    result.errors.sort(key=lambda p: (p.file, p.line, p.column))
    return result
