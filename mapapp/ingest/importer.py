"""`read_import`: one file in, the rows of one table out, with every problem at its line and column.

This is the parsing, validation and geocoding half of `python -m mapapp import`; writing the
result into the store is the caller's job (and only when `result.errors` is empty).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from mapapp.data.query import normalize_text
from mapapp.data.schema import check_frame, empty_frame, select_fields
from mapapp.data.store import Store
from mapapp.ingest.columns import (
    CATEGORY_WORDS,
    COLUMN_ALIASES,
    DIRECTORY_DATE_FIELDS,
    DIRECTORY_TEXT_FIELDS,
    FUNDER_WORDS,
    IMPORT_FIELDS,
    LOCATION_FIELDS,
    match_headers,
)
from mapapp.ingest.french import is_blank, parse_date, parse_number, parse_year
from mapapp.ingest.geocode import Gazetteer
from mapapp.ingest.problems import ImportProblem
from mapapp.ingest.readers import RawTable, open_table
from mapapp.ingest.result import ImportResult
from mapapp.ingest.vocabulary import ClusterIndex, resolve_words, suggest
from mapapp.storage import conform

KINDS = ("clusters", "members", "projects", "funding")
_LIST_SEPARATORS = r"\s*[;|]\s*"


class Rows:
    """The cells of a file seen through its matched columns, and the problems found in them."""

    def __init__(self, raw: RawTable, fields: dict[str, int], kind: str):
        self.raw, self.fields, self.kind = raw, fields, kind
        self.index = pd.RangeIndex(len(raw.cells))
        self.problems: list[ImportProblem] = []
        self.warnings: list[ImportProblem] = []
        self.flagged: set[tuple[int, str]] = set()  # (row position, schema field) already reported

    def get(self, field: str) -> pd.Series | None:
        """The cells of an input field, or None when the file has no such column."""
        column = self.fields.get(field)
        return None if column is None else self.raw.cells[column].reset_index(drop=True)

    def text(self, field: str) -> pd.Series:
        """Stripped text of a field ("" where blank or absent); spreadsheet numbers written plainly."""
        cells = self.get(field)
        if cells is None:
            return pd.Series("", index=self.index, dtype=object)
        return cells.where(~is_blank(cells), "").astype(str).str.strip()

    def column(self, field: str) -> int:
        return self.fields.get(field, 1)

    def header(self, field: str) -> str:
        column = self.fields.get(field)
        return self.raw.headers[column - 1] if column else field

    def fail(self, messages: pd.Series, field: str, target: str) -> None:
        """Record a problem for every row whose message is not empty."""
        positions = np.flatnonzero(messages.fillna("").astype(str).ne("").to_numpy())
        column = self.column(field)
        for pos in positions:
            self.problems.append(ImportProblem(self.raw.file, int(self.raw.lines[pos]), column, messages.iloc[pos]))
            self.flagged.add((int(pos), target))

    def fail_mask(self, bad: pd.Series, field: str, target: str, message) -> None:
        """Record `message(value)` for the rows where `bad` is true."""
        cells = self.get(field)
        values = cells if cells is not None else pd.Series("", index=self.index)
        messages = pd.Series("", index=self.index, dtype=object)
        bad = bad.fillna(False).astype(bool)
        messages[bad] = values[bad].map(message)
        self.fail(messages, field, target)

    def number(self, field: str, target: str) -> pd.Series:
        cells = self.get(field)
        if cells is None:
            return pd.Series(np.nan, index=self.index)
        values, bad = parse_number(cells)
        self.fail_mask(bad, field, target, lambda v: f'"{v}" is not a number (column "{self.header(field)}")')
        return values

    def year(self, field: str, target: str) -> pd.Series:
        cells = self.get(field)
        if cells is None:
            return pd.Series(pd.NA, index=self.index, dtype="Int64")
        values, bad = parse_year(cells)
        self.fail_mask(
            bad, field, target, lambda v: f'"{v}" is not a year or a date dd/mm/yyyy (column "{self.header(field)}")'
        )
        return values

    def date(self, field: str, target: str) -> pd.Series:
        """ISO dates ("" where blank)."""
        cells = self.get(field)
        if cells is None:
            return pd.Series("", index=self.index, dtype=object)
        values, bad = parse_date(cells)
        self.fail_mask(
            bad,
            field,
            target,
            lambda v: f'"{v}" is not a date dd/mm/yyyy or yyyy-mm-dd (column "{self.header(field)}")',
        )
        return values.dt.strftime("%Y-%m-%d").fillna("").astype(object)

    def provenance(self, source: str | None, as_of: str | None) -> tuple[pd.Series, pd.Series]:
        """Per row: the --source / --as-of given, else the file's own column, else the defaults
        (source "import <file name>", as_of today)."""
        file_source = self.text("source")
        file_as_of = self.date("as_of", "as_of")
        src = pd.Series(source, index=self.index, dtype=object) if source else file_source
        src = src.where(src.ne(""), f"import {self.raw.file}")
        when = pd.Series(as_of, index=self.index, dtype=object) if as_of else file_as_of
        when = when.where(when.ne(""), date.today().isoformat())
        return src, when


def stable_id(prefix: str, *parts: pd.Series) -> pd.Series:
    """`prefix-<10 hex>` from the normalised parts: the same row gets the same id on every import."""

    def normalised(part: pd.Series) -> pd.Series:
        text = part.astype(str)
        return text.map({v: normalize_text(v) for v in text.unique()})

    joined = normalised(parts[0])
    for part in parts[1:]:
        joined = joined + "|" + normalised(part)
    return pd.Series(
        [f"{prefix}-{hashlib.sha1(s.encode()).hexdigest()[:10]}" for s in joined], index=joined.index, dtype=object
    )


def siren_of(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """SIREN (the first 9 digits of a SIREN or SIRET) and the error message per cell."""
    text = series.where(~is_blank(series), "").astype(str).str.replace(r"[\s.\u00a0\u202f-]", "", regex=True)
    text = text.str.replace(r"\.0$", "", regex=True)
    shape_ok = text.str.fullmatch(r"\d{9}|\d{14}")
    siren = text.str[:9].where(shape_ok, "")
    luhn_ok = siren.map(lambda s: not s or luhn_valid(s))
    messages = pd.Series("", index=series.index, dtype=object)
    messages[text.ne("") & ~shape_ok] = text.map(lambda v: f'"{v}" is not a SIREN (9 digits) or a SIRET (14 digits)')
    messages[shape_ok & ~luhn_ok] = siren.map(lambda v: f'SIREN "{v}" fails its check digit (Luhn)')
    return siren.where(luhn_ok, ""), messages


def luhn_valid(digits: str) -> bool:
    """The Luhn check of SIREN and SIRET numbers: `luhn_valid("732829320")`."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def read_import(
    kind: str,
    path: Path | str,
    store: Store,
    sheet: str | None = None,
    source: str | None = None,
    as_of: str | None = None,
) -> ImportResult:
    """Read, map, geocode and check one file for table `kind` against `store`.

    >>> result = read_import("members", "membres.csv", store, source="Annuaire 2024")  # doctest: +SKIP
    >>> print(result.report())  # doctest: +SKIP
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import {kind!r}; expected one of {', '.join(KINDS)}")
    path = Path(path)
    table = open_table(path, sheet)
    result = ImportResult(kind, table.file, table.fmt, empty_frame(kind))
    if as_of is not None and pd.isna(pd.to_datetime(as_of, format="%Y-%m-%d", errors="coerce")):
        result.errors.append(ImportProblem(table.file, 1, 1, f'--as-of "{as_of}" is not a date YYYY-MM-DD'))
        return result
    if not table.headers:
        result.add(table.problems or [ImportProblem(table.file, 1, 1, "no header row: the file is empty")])
        return result

    from mapapp.ingest import scdl

    if kind == "funding" and scdl.is_scdl(table.headers):
        raw = table.whole()  # grants are grouped into projects across rows: read as a whole
        result.add(raw.problems)
        result.skipped, result.rows_read = raw.skipped, len(raw.cells)
        if not len(raw.cells):
            return _no_rows(result, table)
        return scdl.read_scdl(raw, store, result, source, as_of)

    fields, ignored = match_headers(kind, table.headers)
    result.columns = {f: table.headers[c - 1] for f, c in fields.items()}
    result.ignored_columns = ignored
    required, _ = IMPORT_FIELDS[kind]
    for name in required:
        if name not in fields:
            accepted = ", ".join(f'"{a}"' for a in COLUMN_ALIASES[name])
            result.errors.append(
                ImportProblem(table.file, 1, 1, f"missing required column {name} (accepted: {accepted})")
            )
    if kind == "members" and not any(f in fields for f in LOCATION_FIELDS):
        result.errors.append(
            ImportProblem(
                table.file, 1, 1, "no location column: add code INSEE, commune (+ code postal) or latitude/longitude"
            )
        )
    if result.errors:
        return result

    # Chunk by chunk, so that a file of millions of rows never holds more than one chunk of raw
    # cells; what is kept of each is its mapped rows (compact: text as Arrow strings) and its
    # first problems.
    frames, seen = [], {}
    for raw in table.chunks():
        problems = list(raw.problems)
        if len(raw.cells):
            rows = Rows(raw, fields, kind)
            frame, targets = BUILDERS[kind](rows, store, source, as_of)
            frames.append(conform(frame, kind, compact=True))
            problems += rows.problems + schema_problems(frame, kind, rows, targets, seen)
            result.add(warnings=rows.warnings)
        result.add(sorted(problems, key=lambda p: (p.line, p.column)))
    result.add(warnings=table.warnings)
    result.skipped, result.rows_read = table.skipped, table.rows_read
    if not result.rows_read:
        return _no_rows(result, table)
    result.frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return result


def _no_rows(result: ImportResult, table) -> ImportResult:
    """A file with a header and no data: an error, so nothing is written (not an empty version)."""
    if not result.errors:
        line = table.header_line + 1
        result.add([ImportProblem(table.file, line, 1, "no data rows under the header: nothing to import")])
    return result


def schema_problems(
    frame: pd.DataFrame, kind: str, rows: Rows, targets: dict[str, str], seen: dict[str, np.ndarray] | None = None
) -> list[ImportProblem]:
    """`check_frame` on the mapped rows, moved to the file's lines and columns; cells already
    reported by the parsers are not reported twice. `seen`: unique values of earlier chunks."""
    problems = []
    for error in check_frame(pd.DataFrame(frame), kind, rows.raw.file, first_line=0, seen=seen):
        pos = error.line
        if (pos, error.field) in rows.flagged:
            continue
        field = targets.get(error.field, error.field)
        line = int(rows.raw.lines[pos]) if pos is not None and pos < len(rows.raw.lines) else 1
        problems.append(ImportProblem(rows.raw.file, line, rows.column(field), f"{error.field}: {error.message}"))
    return problems


def _place(rows: Rows, store: Store, target: str, required: bool) -> tuple[pd.Series, pd.Series]:
    """Commune codes and points for every row (see `mapapp.ingest.geocode`)."""
    gazetteer = Gazetteer.of(store)
    columns = {f: rows.get(f) for f in ("commune_code", "commune", "postcode", "departement", "latitude", "longitude")}
    columns = {f: c for f, c in columns.items() if c is not None}
    placement = gazetteer.place(columns, rows.index)
    messages = placement.messages
    if not required:
        messages = messages.where(~messages.str.startswith("no location"), "")
    for field in placement.fields[messages.ne("")].unique():
        rows.fail(messages.where(placement.fields.eq(field), ""), field, target)
    points = placement.codes.map(gazetteer.points)
    return placement.codes, points


def build_members(rows: Rows, store: Store, source, as_of) -> tuple[pd.DataFrame, dict[str, str]]:
    clusters = ClusterIndex.of(store)
    cluster_id, errors = clusters.resolve(rows.get("cluster"))
    rows.fail(errors, "cluster", "cluster_id")
    name = rows.text("name")
    category, errors = resolve_words(rows.get("category"), CATEGORY_WORDS, "category")
    rows.fail(errors, "category", "category")
    commune_code, points = _place(rows, store, "commune_code", required=True)
    siren, errors = siren_of(rows.text("siren"))
    rows.fail(errors, "siren", "siren")
    since = rows.year("since", "since")
    member_id = rows.text("member_id")
    generated = stable_id("m", cluster_id, name, commune_code)
    member_id = member_id.where(member_id.ne(""), generated)
    src, when = rows.provenance(source, as_of)
    frame = pd.DataFrame(
        {
            "member_id": member_id,
            "cluster_id": cluster_id,
            "name": name,
            "category": category,
            "commune_code": commune_code,
            "siren": siren,
            "since": since.astype("Int64"),
            "sample": False,
            "source": src,
            "as_of": when,
        }
    )
    frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(points.to_numpy(), crs="EPSG:4326"))
    frame = select_fields(frame, "members")
    location = next(f for f in ("commune_code", "commune", "latitude") if f in rows.fields)
    targets = {
        "member_id": "member_id" if "member_id" in rows.fields else "name",
        "cluster_id": "cluster",
        "commune_code": location,
    }
    return frame, targets


def _split_list(series: pd.Series) -> pd.Series:
    return series.map(lambda v: [part for part in re.split(_LIST_SEPARATORS, v) if part] if v else [])


def build_projects(rows: Rows, store: Store, source, as_of) -> tuple[pd.DataFrame, dict[str, str]]:
    clusters = ClusterIndex.of(store)
    cluster_id, errors = clusters.resolve(rows.get("cluster"))
    rows.fail(errors, "cluster", "cluster_id")
    title = rows.text("title")
    year = rows.year("year", "year")
    total_cost = rows.number("total_cost", "total_cost_eur")
    cluster_ids = cluster_id
    if "cluster_ids" in rows.fields:
        others = _split_list(rows.text("cluster_ids"))
        exploded = others.explode().dropna()
        ids, errors = clusters.resolve(exploded)
        messages = errors[errors.ne("")].groupby(level=0).agg("; ".join)
        rows.fail(messages.reindex(rows.index, fill_value=""), "cluster_ids", "cluster_ids")
        resolved = ids[ids.ne("")].groupby(level=0).agg(list).reindex(rows.index)
        cluster_ids = pd.Series(
            [
                "|".join(dict.fromkeys([lead, *(more if isinstance(more, list) else [])]))
                for lead, more in zip(cluster_id, resolved, strict=True)
            ],
            index=rows.index,
        )
    project_id = rows.text("project_id")
    project_id = project_id.where(project_id.ne(""), stable_id("p", cluster_id, title, year.astype(str)))
    partner_ids = _partners(rows, store, cluster_ids)
    src, when = rows.provenance(source, as_of)
    frame = pd.DataFrame(
        {
            "project_id": project_id,
            "cluster_id": cluster_id,
            "cluster_ids": cluster_ids,
            "title": title,
            "year": year.astype("Int64"),
            "total_cost_eur": total_cost,
            "partner_ids": partner_ids,
            "sample": False,
            "source": src,
            "as_of": when,
        }
    )
    targets = {
        "project_id": "project_id" if "project_id" in rows.fields else "title",
        "cluster_id": "cluster",
        "total_cost_eur": "total_cost",
    }
    return select_fields(frame, "projects"), targets


def _partners(rows: Rows, store: Store, cluster_ids: pd.Series) -> pd.Series:
    """member_id of each partner: given as member ids, or as names of members of the project's
    pôles (then of any pôle, when unique). Unknown partners are left out with a warning."""
    if "partners" not in rows.fields:
        return pd.Series("", index=rows.index, dtype=object)
    lists = _split_list(rows.text("partners"))
    members = store.members
    known_ids = set(members["member_id"])
    tokens = {t for parts in lists for t in parts if t not in known_ids}
    by_name: dict[str, list[tuple[str, str]]] = {}
    if tokens:
        wanted = {normalize_text(t) for t in tokens}
        keys = members["name"].map(normalize_text)
        hits = members[keys.isin(wanted)]
        for key, mid, cid in zip(keys[hits.index], hits["member_id"], hits["cluster_id"], strict=True):
            by_name.setdefault(key, []).append((mid, cid))
    out, warnings = [], []
    for pos, (parts, project_clusters) in enumerate(zip(lists, cluster_ids, strict=True)):
        ids = []
        for part in parts:
            if part in known_ids:
                ids.append(part)
                continue
            found = by_name.get(normalize_text(part), [])
            local = [mid for mid, cid in found if cid in project_clusters.split("|")]
            pick = local if local else [mid for mid, _ in found]
            if len(pick) == 1:
                ids.append(pick[0])
            else:
                why = "matches several members" if pick else "is not a member of any pôle"
                warnings.append((pos, f'partner "{part}" {why}: left out'))
        out.append("|".join(dict.fromkeys(ids)))
    column = rows.column("partners")
    rows.warnings.extend(
        ImportProblem(rows.raw.file, int(rows.raw.lines[pos]), column, message) for pos, message in warnings
    )
    return pd.Series(out, index=rows.index, dtype=object)


def build_funding(rows: Rows, store: Store, source, as_of) -> tuple[pd.DataFrame, dict[str, str]]:
    project_id = rows.text("project_id")
    projects = store.projects.drop_duplicates("project_id").set_index("project_id")
    known = project_id.isin(projects.index)
    rows.fail_mask(
        project_id.ne("") & ~known,
        "project_id",
        "project_id",
        lambda v: f'unknown project "{v}": import the projects file first',
    )
    if "cluster" in rows.fields:
        cluster_id, errors = ClusterIndex.of(store).resolve(rows.get("cluster"))
        rows.fail(errors, "cluster", "cluster_id")
    else:
        cluster_id = project_id.map(projects["cluster_id"]).fillna("")
    funder, errors = resolve_words(rows.get("funder"), FUNDER_WORDS, "funder")
    rows.fail(errors, "funder", "funder")
    year = rows.year("year", "year") if "year" in rows.fields else project_id.map(projects["year"])
    amount = rows.number("amount", "amount_eur")
    src, when = rows.provenance(source, as_of)
    frame = pd.DataFrame(
        {
            "project_id": project_id,
            "cluster_id": cluster_id,
            "funder": funder,
            "year": pd.array(year, dtype="Int64"),
            "amount_eur": amount,
            "sample": False,
            "source": src,
            "as_of": when,
        }
    )
    targets = {"cluster_id": "cluster" if "cluster" in rows.fields else "project_id", "amount_eur": "amount"}
    return select_fields(frame, "funding"), targets


def _codes(rows: Rows, field: str, table: pd.DataFrame, what: str) -> pd.Series:
    """'|'-joined ids of a list column whose items are ids or names (`table` has id, name)."""
    by_key = {normalize_text(v): i for i, v in zip(table["id"], table["id"], strict=True)}
    for column in [c for c in table.columns if c != "id"]:
        by_key.update({normalize_text(v): i for i, v in zip(table["id"], table[column], strict=True)})
    display = dict(zip(table["id"].map(normalize_text), table["id"], strict=True))
    lists = _split_list(rows.text(field).str.replace(",", ";", regex=False))
    out = lists.map(lambda parts: "|".join(by_key.get(normalize_text(p), "") or "?" for p in parts))
    unknown = {p for parts in lists for p in parts if normalize_text(p) not in by_key}
    if unknown:
        texts = {p: f'unknown {what} "{p}"{suggest(normalize_text(p), display)}' for p in unknown}
        messages = lists.map(lambda parts: "; ".join(texts[p] for p in parts if p in texts))
        rows.fail(messages, field, field)
    return out.str.replace(r"\|?\?", "", regex=True).str.strip("|")


def build_clusters(rows: Rows, store: Store, source, as_of) -> tuple[pd.DataFrame, dict[str, str]]:
    name = rows.text("name")
    cluster_key = rows.text("cluster_key")
    slug = name.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii").str.lower()
    slug = slug.str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-")
    cluster_id = cluster_key.where(cluster_key.ne(""), slug)
    themes = store.themes[["id", "label_fr", "label_en"]]
    theme_ids = _codes(rows, "themes", themes, "theme")
    regions = store.regions[["code", "name"]].rename(columns={"code": "id"})
    region_codes = _codes(rows, "region_codes", regions, "region")
    seat, _ = _place(rows, store, "seat_commune_code", required=False)
    gazetteer = Gazetteer.of(store)
    seat_name = seat.map(gazetteer.communes.set_index("code")["name"]).fillna("")
    seat_region = seat.map(store.communes.set_index("code")["region_code"]).fillna("")
    region_codes = region_codes.where(region_codes.ne(""), seat_region)
    former = _split_list(rows.text("former_names")).map("|".join)
    merged_into = rows.text("merged_into")
    known = set(store.clusters["id"]) | set(cluster_id)
    merged_ids, errors = ClusterIndex.of(store).resolve(merged_into.where(~merged_into.isin(known), ""))
    merged_into = merged_into.where(merged_into.isin(known) | merged_into.eq(""), merged_ids)
    rows.fail(errors, "merged_into", "merged_into")
    src, when = rows.provenance(source, as_of)
    frame = pd.DataFrame(
        {
            "id": cluster_id,
            "name": name,
            "former_names": former,
            "themes": theme_ids,
            "seat_commune_code": seat,
            "seat_commune_name": seat_name,
            "region_codes": region_codes,
            # http(s) only, the schema's pattern; a scheme in capitals is still http(s)
            "website": rows.text("website").str.replace(r"^(?i:https?)://", lambda m: m[0].lower(), regex=True),
            "merged_into": merged_into,
            "merged_date": rows.date("merged_date", "merged_date"),
            "renamed_date": rows.date("renamed_date", "renamed_date"),
            "source": src,
            "as_of": when,
        }
    )
    frame["aliases"] = _split_list(rows.text("aliases")).map("|".join)
    location = next((f for f in ("commune_code", "commune", "latitude") if f in rows.fields), "name")
    targets = {"id": "cluster_key" if "cluster_key" in rows.fields else "name", "seat_commune_code": location}
    for field in DIRECTORY_TEXT_FIELDS:
        frame[field] = rows.text(field)
    for field in DIRECTORY_DATE_FIELDS:
        frame[field] = rows.date(field, field)
    # A seat the file places without saying how precisely is at commune precision.
    placed = frame["seat_commune_code"].ne("")
    frame["seat_precision"] = frame["seat_precision"].where(frame["seat_precision"].ne("") | ~placed, "commune")
    return select_fields(frame, "clusters"), targets


BUILDERS = {"clusters": build_clusters, "members": build_members, "projects": build_projects, "funding": build_funding}
