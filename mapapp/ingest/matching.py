"""Which pôle a record of an open dataset (a CORDIS organisation, a Kohesio beneficiary) belongs to.

The recipe of `shared/docs/OPEN_DATA.md`, applied to whole columns:

1. **Identifiers first**: a SIREN (a VAT number's last 9 digits, a SIRET's first 9) or a PIC
   that a pôle carries (`mapapp.data.identifiers`, plus those confirmed in this run).
2. **Names only where no identifier matches**: the record's name, normalised (case, accents,
   punctuation) and stripped of legal words (association, pôle de compétitivité, cluster…), must
   equal a pôle's name, former name or alias stripped the same way; the record must be French
   (`country` FR) when the dataset says.
3. **Short or generic names** (at most `SHORT_NAME` characters once stripped, or one of
   `GENERIC_NAMES`: "EMC2", "SCS", "ASTech", "Pôle Enfant") never match by themselves: the
   record is held for review.
4. A record that fits two pôles, whose name names another pôle than its identifier, or whose
   dates fall outside the pôle's labelled life is **reported, not attached**.
5. A reviewer confirms name matches in the review CSV (`write_review`); `read_confirmations`
   turns the confirmed rows into identifier rows, stored, so the next import matches them by
   identifier.

`MatchReport` says all of it, for a dry run as after an import.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from mapapp.data.cache import cached
from mapapp.data.identifiers import PROBLEMS, IdentifierIndex, compact, identifier_rows
from mapapp.data.labels import LABEL_STATUSES, phase_starts
from mapapp.data.store import Store
from mapapp.ingest.problems import ImportProblem
from mapapp.ingest.readers import read_csv

# Words dropped before names are compared: legal forms and the words every pôle's name may carry.
LEGAL_WORDS = frozenset(
    (
        "association",
        "associations",
        "assoc",
        "asso",
        "loi",
        "1901",
        "pole",
        "poles",
        "competitivite",
        "competitivity",
        "competitiveness",
        "cluster",
        "clusters",
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "l",
        "d",
        "et",
        "and",
        "the",
        "of",
    )
)
SHORT_NAME = 6
GENERIC_NAMES = frozenset({"risques", "fibres", "enfant", "materiaux", "energie", "innovation", "mer"})

MATCHED, AMBIGUOUS, OUTSIDE, REVIEW = "matched", "ambiguous", "outside_life", "review"
CONFIRM_WORDS = {"yes", "oui", "y", "o", "x", "1", "true", "vrai", "ok"}
REVIEW_COLUMNS = [
    "decision",
    "cluster_id",
    "cluster_name",
    "status",
    "matched_by",
    "record_name",
    "country",
    "pic",
    "vat",
    "siren",
    "where",
    "reason",
]


def name_key(text: str) -> str:
    """A name compared with another: "ASSOCIATION AEROSPACE VALLEY" and "Aerospace Valley" both give
    "aerospacevalley"; "Pôle de compétitivité" gives "" (never matches)."""
    folded = unicodedata.normalize("NFKD", str(text).casefold())
    words = re.split(r"[^0-9a-z]+", "".join(ch for ch in folded if not unicodedata.combining(ch)))
    return "".join(w for w in words if w and w not in LEGAL_WORDS)


def is_short(key: str) -> bool:
    return len(key) <= SHORT_NAME or key in GENERIC_NAMES


@dataclass(frozen=True)
class NameIndex:
    """Name keys of every pôle: its name, former names and aliases; `short` keys held for review."""

    by_key: dict[str, frozenset[str]]
    names: dict[str, str]

    @classmethod
    def of(cls, store: Store) -> NameIndex:
        return cached(store, "ingest.name_index", cls._build)

    @classmethod
    def _build(cls, store: Store) -> NameIndex:
        clusters = store.clusters
        by_key: dict[str, set[str]] = {}
        for cid, name, formers, aliases in zip(
            clusters["id"], clusters["name"], clusters["former_name_list"], clusters["alias_list"], strict=True
        ):
            for text in (name, *formers, *aliases):
                key = name_key(text)
                if key:
                    by_key.setdefault(key, set()).add(cid)
        names = dict(zip(clusters["id"], clusters["name"], strict=True))
        return cls({k: frozenset(v) for k, v in by_key.items()}, names)


def labelled_life(store: Store) -> dict[str, list[tuple[str, str]]]:
    """Per pôle, the periods [start, end) it held a label: a granting decision holds until the
    next decision or the start of the next phase (a label is granted for one phase), as
    `labels.clusters_active_on` counts it. Dates ISO; "9999-12-31" for a label still held."""

    def build(store: Store) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = {}
        starts = phase_starts(store.labels)
        labels = store.labels.sort_values(["cluster_id", "date"], kind="stable")
        for cid, events in labels.groupby("cluster_id", sort=False):
            rows = list(zip(events["date"], events["phase"], events["status"], strict=True))
            periods = []
            for i, (when, phase, status) in enumerate(rows):
                if status not in LABEL_STATUSES:
                    continue
                ends = [starts.get(int(phase) + 1, "9999-12-31")]
                if i + 1 < len(rows):
                    ends.append(rows[i + 1][0])
                periods.append((when, min(ends)))
            out[cid] = periods
        return out

    return cached(store, "ingest.labelled_life", build)


@dataclass
class Records:
    """The records of one dataset to match, one per row of `file` (positions 0..n-1).

    `sirens`, `pics`: identifiers per record ("" where none); `siren_from` names where each SIREN
    was read ("vat", "siren"); `countries`: ISO codes (None: the dataset is French);
    `starts`/`ends`: the record's period (ISO dates, "" where unknown)."""

    file: str
    lines: np.ndarray
    names: pd.Series
    sirens: pd.Series
    pics: pd.Series
    siren_from: str = "vat"
    countries: pd.Series | None = None
    starts: pd.Series | None = None
    ends: pd.Series | None = None
    vats: pd.Series | None = None
    name_column: int = 1


@dataclass
class MatchReport:
    """Per record: `cluster_id` (attached pôle, "" when none), `status` (matched, ambiguous,
    outside_life, review, "" for no candidate), `matched_by` (siren, vat, pic, name,
    confirmed) and `reason`; plus the pôles that nothing matched."""

    dataset: str
    records: Records
    outcome: pd.DataFrame
    unmatched_clusters: list[str] = field(default_factory=list)
    looked_at: int = 0

    @property
    def attached(self) -> pd.Series:
        """Per record, the pôle it is attached to ("" when none)."""
        return self.outcome["cluster_id"].where(self.outcome["status"] == MATCHED, "")

    def problems(self) -> list[ImportProblem]:
        """Ambiguous, outside-life and held records as warnings at their lines."""
        held = self.outcome[self.outcome["status"].isin([AMBIGUOUS, OUTSIDE, REVIEW])]
        return [
            ImportProblem(self.records.file, int(self.records.lines[pos]), self.records.name_column, reason)
            for pos, reason in zip(held.index, held["reason"], strict=True)
        ]

    def summary(self, names: dict[str, str]) -> str:
        o = self.outcome
        matched = o[o["status"] == MATCHED]
        lines = [f"match report ({self.dataset}, {self.records.file}): {self.looked_at} record(s) looked at"]
        by_key = matched["matched_by"].value_counts()
        keys = ", ".join(f"{k} {by_key[k]}" for k in ("siren", "vat", "pic", "confirmed", "name") if k in by_key)
        lines.append(
            f"  matched: {len(matched)} record(s) -> {matched['cluster_id'].nunique()} pôle(s) ({keys or 'none'})"
        )
        for cid, group in matched.groupby("cluster_id"):
            how = ", ".join(f"{k} {n}" for k, n in group["matched_by"].value_counts().sort_index().items())
            lines.append(f"    {cid} ({names.get(cid, cid)}): {len(group)} record(s), by {how}")
        for status, title in (
            (AMBIGUOUS, "ambiguous, not attached"),
            (OUTSIDE, "outside the pôle's labelled life, not attached"),
            (REVIEW, "held for review (short or generic name): confirm with --confirm"),
        ):
            held = o[o["status"] == status]
            lines.append(f"  {title}: {len(held)}")
            for pos, reason in zip(held.index, held["reason"], strict=True):
                lines.append(f"    {self.records.file}:{int(self.records.lines[pos])}: {reason}")
        shown = ", ".join(self.unmatched_clusters[:12])
        more = f", … {len(self.unmatched_clusters) - 12} more" if len(self.unmatched_clusters) > 12 else ""
        lines.append(f"  pôles with no record: {len(self.unmatched_clusters)}" + (f" ({shown}{more})" if shown else ""))
        return "\n".join(lines)

    def review_rows(self, names: dict[str, str]) -> pd.DataFrame:
        """The records a person should look at: name matches (to record their identifiers) and
        every record held or reported, one row each, `decision` left for the reviewer."""
        o = self.outcome
        wanted = (o["status"].isin([AMBIGUOUS, OUTSIDE, REVIEW])) | (
            (o["status"] == MATCHED) & (o["matched_by"] == "name")
        )
        rec = self.records
        pos = np.flatnonzero(wanted.to_numpy())

        def col(series: pd.Series | None) -> list[str]:
            return [""] * len(pos) if series is None else series.iloc[pos].fillna("").astype(str).tolist()

        return pd.DataFrame(
            {
                "decision": "",
                "cluster_id": o["cluster_id"].iloc[pos].tolist(),
                "cluster_name": [names.get(c, "") for c in o["cluster_id"].iloc[pos]],
                "status": o["status"].iloc[pos].tolist(),
                "matched_by": o["matched_by"].iloc[pos].tolist(),
                "record_name": col(rec.names),
                "country": col(rec.countries),
                "pic": col(rec.pics),
                "vat": col(rec.vats),
                "siren": col(rec.sirens),
                "where": [f"{rec.file}:{int(rec.lines[p])}" for p in pos],
                "reason": o["reason"].iloc[pos].tolist(),
            },
            columns=REVIEW_COLUMNS,
        )


def _overlaps(periods: list[tuple[str, str]], start: str, end: str) -> bool:
    if not start and not end:
        return True
    start, end = start or "0000-00-00", end or "9999-12-31"
    return any(s <= end and start < e for s, e in periods)


def match_records(
    store: Store,
    records: Records,
    dataset: str,
    extra: IdentifierIndex | None = None,
    confirmed_names: dict[str, str] | None = None,
) -> MatchReport:
    """Attach each record to at most one pôle (see the module docstring). `extra`: identifiers
    confirmed in this run; `confirmed_names`: name key -> pôle id confirmed for records that
    carry no identifier."""
    index = IdentifierIndex.of(store)
    names = NameIndex.of(store)
    confirmed_names = confirmed_names or {}
    n = len(records.names)

    def lookup(values: pd.Series, table: str) -> pd.Series:
        found: dict[str, frozenset[str]] = {}
        for value in pd.unique(values[values != ""]):
            hits = getattr(index, table).get(value, frozenset())
            if extra is not None:
                hits = hits | getattr(extra, table).get(value, frozenset())
            if hits:
                found[value] = hits
        return values.map(found)

    by_siren = lookup(records.sirens, "by_siren")
    by_pic = lookup(records.pics, "by_pic")
    french = pd.Series(True, index=records.names.index) if records.countries is None else records.countries.eq("FR")
    distinct = pd.unique(records.names[french])
    keys = {name: name_key(name) for name in distinct}
    by_name = records.names.where(french).map(keys).fillna("")

    cluster, status, matched_by, reason = [""] * n, [""] * n, [""] * n, [""] * n
    life = labelled_life(store)
    starts = records.starts if records.starts is not None else pd.Series("", index=records.names.index)
    ends = records.ends if records.ends is not None else pd.Series("", index=records.names.index)
    candidates_at = np.flatnonzero(
        (
            by_siren.notna() | by_pic.notna() | by_name.isin(names.by_key.keys()) | by_name.isin(confirmed_names.keys())
        ).to_numpy()
    )
    for pos in candidates_at:
        name = records.names.iloc[pos]
        key = by_name.iloc[pos]
        ids: dict[str, str] = {}
        for hits, how in ((by_siren.iloc[pos], records.siren_from), (by_pic.iloc[pos], "pic")):
            if isinstance(hits, frozenset):
                for cid in hits:
                    ids.setdefault(cid, how)
        named = names.by_key.get(key, frozenset())
        if key in confirmed_names:
            named, short = frozenset({confirmed_names[key]}), False
        else:
            short = bool(named) and is_short(key)
        pick = ""
        if len(ids) > 1:
            status[pos], reason[pos] = (
                AMBIGUOUS,
                f'"{name}": its identifiers name several pôles: {", ".join(sorted(ids))}',
            )
        elif ids:
            pick = next(iter(ids))
            if named and pick not in named and not short:
                status[pos] = AMBIGUOUS
                reason[pos] = f'"{name}": its {ids[pick]} names {pick} but its name names {", ".join(sorted(named))}'
                pick = ""
            else:
                matched_by[pos] = ids[pick]
        elif short:
            status[pos] = REVIEW
            cluster[pos] = min(named)
            reason[pos] = f'"{name}": short or generic name of {", ".join(sorted(named))}, held for review'
        elif len(named) > 1:
            status[pos] = AMBIGUOUS
            reason[pos] = f'"{name}" fits several pôles: {", ".join(sorted(named))}'
        elif named:
            pick = next(iter(named))
            matched_by[pos] = "confirmed" if key in confirmed_names else "name"
        if pick:
            cluster[pos] = pick
            start, end = str(starts.iloc[pos] or ""), str(ends.iloc[pos] or "")
            if _overlaps(life.get(pick, []), start, end):
                status[pos] = MATCHED
            else:
                status[pos] = OUTSIDE
                periods = (
                    ", ".join(f"{s}/{e if e < '9999' else '…'}" for s, e in life.get(pick, [])) or "never labelled"
                )
                reason[pos] = (
                    f'"{name}" ({pick}): {start or "?"} to {end or "?"} is outside its labelled life ({periods})'
                )
    outcome = pd.DataFrame(
        {"cluster_id": cluster, "status": status, "matched_by": matched_by, "reason": reason},
        index=records.names.index,
    )
    found = set(outcome.loc[outcome["status"] == MATCHED, "cluster_id"])
    unmatched = [cid for cid in store.clusters.sort_values("id")["id"] if cid not in found]
    return MatchReport(
        dataset,
        records,
        outcome,
        unmatched,
        looked_at=int(french.sum() + (by_siren.notna() | by_pic.notna())[~french].sum()),
    )


def write_review(path: Path, rows: pd.DataFrame) -> None:
    """The review CSV (UTF-8, `,`): set `decision` to "oui" on the rows to confirm."""
    rows.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


@dataclass
class Confirmations:
    """What a reviewed CSV confirms: identifier rows to store, name keys to attach in this run."""

    identifiers: pd.DataFrame
    names: dict[str, str]
    errors: list[ImportProblem]
    extra: IdentifierIndex


def read_confirmations(path: Path, store: Store, as_of: str | None = None) -> Confirmations:
    """The confirmed rows of a review CSV (`decision` oui/yes/x/1): each names a pôle (`cluster_id`)
    and the identifiers the record revealed (PIC, VAT, SIREN), checked; bad rows are errors at
    their FILE:LINE:COLUMN."""
    raw = read_csv(path)
    errors = list(raw.problems)
    columns = {h.strip().lower(): i + 1 for i, h in enumerate(raw.headers)}
    for needed in ("decision", "cluster_id", "record_name"):
        if needed not in columns:
            errors.append(ImportProblem(raw.file, 1, 1, f"missing column {needed} (a review CSV written by --review)"))
    rows, names = [], {}
    known = set(store.clusters["id"])
    today = as_of or date.today().isoformat()
    if not errors:

        def cell(i: int, name: str) -> str:
            column = columns.get(name)
            value = raw.cells[column].iloc[i] if column else ""
            return "" if value is None else str(value).strip()

        for i in range(len(raw.cells)):
            line = int(raw.lines[i])
            if cell(i, "decision").lower() not in CONFIRM_WORDS:
                continue
            cid = cell(i, "cluster_id")
            if cid not in known:
                errors.append(ImportProblem(raw.file, line, columns["cluster_id"], f'unknown pôle id "{cid}"'))
                continue
            where, record = cell(i, "where"), cell(i, "record_name")
            found = 0
            for scheme, column in (("pic", "pic"), ("vat", "vat"), ("siren", "siren")):
                value = compact(cell(i, column))
                if not value:
                    continue
                problem = PROBLEMS[scheme](value)
                if problem:
                    errors.append(ImportProblem(raw.file, line, columns[column], problem))
                    continue
                found += 1
                rows.append(
                    {
                        "cluster_id": cid,
                        "scheme": scheme,
                        "value": value,
                        "source": f"{where} ({record}), name match confirmed in {raw.file}:{line}",
                        "as_of": today,
                        "stated_as": record,
                        "note": "revealed by a reviewed name match",
                    }
                )
            key = name_key(record)
            if key:
                names[key] = cid
    frame = identifier_rows(rows).drop_duplicates(["cluster_id", "scheme", "value"], ignore_index=True)
    extra = IdentifierIndex.from_rows(frame)
    return Confirmations(frame, names, errors, extra)
