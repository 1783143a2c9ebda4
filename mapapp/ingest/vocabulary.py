"""Turning a column of names into ids: pôles by id, name or former name; categories; funders.

Each resolver works on the column's distinct values only, so a 100,000-row file costs as much as
its few hundred distinct spellings. Unknown values come back with a "did you mean" suggestion.
"""

from __future__ import annotations

import difflib
from collections import defaultdict

import pandas as pd

from mapapp.data.cache import cached
from mapapp.data.query import normalize_text
from mapapp.data.store import Store
from mapapp.ingest.french import is_blank


def suggest(key: str, choices: dict[str, str]) -> str:
    """' — did you mean "X"?' for the closest normalised choice (choices: key -> display name).

    A choice is compared whole and by its beginning, so "Systematik" finds "Systematic Paris-Region".
    """
    if not key:
        return ""
    matcher = difflib.SequenceMatcher(b=key, autojunk=False)

    def score(choice: str) -> float:
        best = 0.0
        for candidate in (choice, choice[: len(key)]):
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
                best = max(best, matcher.ratio())
        return best

    scored = max(((score(c), c) for c in choices), default=(0.0, ""))
    return f' — did you mean "{choices[scored[1]]}"?' if scored[0] >= 0.75 else ""


def resolve_words(series: pd.Series, words: dict[str, tuple[str, ...]], what: str) -> tuple[pd.Series, pd.Series]:
    """Map each cell through `words` (value -> accepted words, compared normalised).

    Returns the values ("" where blank) and the error message per cell ("" where fine).
    """
    index = {normalize_text(word): value for value, aliases in words.items() for word in aliases}
    accepted = [word for aliases in words.values() for word in aliases]
    blank = is_blank(series)
    text = series.where(~blank, "").astype(str)
    distinct = pd.unique(text[~blank])
    found = {value: index.get(normalize_text(value), "") for value in distinct}
    values = text.map(found).fillna("")
    display = {normalize_text(word): word for word in accepted}
    messages = {
        value: f'unknown {what} "{value}"{suggest(normalize_text(value), display)} '
        f"(accepted: {', '.join(words)} or their French names, see mapapp/ingest/columns.py)"
        for value, target in found.items()
        if not target
    }
    errors = text.map(messages).fillna("").where(~blank, "")
    return values, errors


class ClusterIndex:
    """Pôles by id, current name or former name (normalised), for one store."""

    def __init__(self, store: Store):
        clusters = store.clusters
        self.names = dict(zip(clusters["id"], clusters["name"], strict=True))
        by_key: dict[str, set[str]] = defaultdict(set)
        former: dict[str, set[str]] = defaultdict(set)
        self.display: dict[str, str] = {}
        for cid, name, formers in zip(clusters["id"], clusters["name"], clusters["former_name_list"], strict=True):
            for key in (normalize_text(cid), normalize_text(name)):
                by_key[key].add(cid)
                self.display.setdefault(key, name)
            for old in formers:
                former[normalize_text(old)].add(cid)
                self.display.setdefault(normalize_text(old), name)
        self.ids = set(clusters["id"])
        self.by_key = dict(by_key)
        self.former = dict(former)

    @classmethod
    def of(cls, store: Store) -> ClusterIndex:
        """The index of `store`, built once per store."""
        return cached(store, "ingest.cluster_index", cls)

    def lookup(self, value: str) -> tuple[str, str]:
        """(cluster id, "") or ("", error message) for one cell."""
        if value in self.ids:
            return value, ""
        key = normalize_text(value)
        # Current names and ids win over former names: "Eau" was several pôles' old name.
        for table in (self.by_key, self.former):
            found = table.get(key, set())
            if len(found) == 1:
                return next(iter(found)), ""
            if len(found) > 1:
                names = ", ".join(f'"{self.names[c]}" ({c})' for c in sorted(found))
                return "", f'ambiguous pôle "{value}": it names {names}; use the pôle id'
        return "", f'unknown pôle "{value}"{suggest(key, self.display)}'

    def resolve(self, series: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Cluster ids ("" where blank or unknown) and error messages per cell."""
        blank = is_blank(series)
        text = series.where(~blank, "").astype(str).str.strip()
        found = {value: self.lookup(value) for value in pd.unique(text[~blank])}
        ids = text.map({v: r[0] for v, r in found.items()}).fillna("")
        errors = text.map({v: r[1] for v, r in found.items()}).fillna("").where(~blank, "")
        return ids, errors
