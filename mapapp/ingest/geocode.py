"""Placing rows in a commune without any network, from the store's gazetteer.

Order, per row: an INSEE commune code (arrondissements of Paris, Lyon and Marseille count as their
city); else a commune name with a postcode or a département; else a commune name alone when it is
unique in France; else latitude/longitude, which must fall inside one of the 18 regions and give
the commune whose representative point is nearest. A name that matches several communes, or none,
is an error naming the candidates — a row is never placed by a guess.

Names are compared case-, accent-, hyphen- and punctuation-insensitively, with "St"/"Ste" read as
"Saint"/"Sainte", INSEE's "Mans (Le)" as "Le Mans", and "Cedex …" or an arrondissement number
("Paris 15e", "Lyon 3ème") dropped.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from mapapp.data.cache import cached
from mapapp.data.query import normalize_text
from mapapp.data.store import Store
from mapapp.ingest.french import is_blank, parse_number

_ARTICLE = re.compile(r"^(.*?)\s*\((l'|le|la|les)\)$")
_SAINT = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_CEDEX = re.compile(r"\bcedex\b.*$")
_ARRONDISSEMENT = re.compile(r"\s+\d{1,2}\s*(e|er|eme|ème)?(\s+arrondissement)?$")
# Municipal arrondissements -> their commune (the gazetteer holds communes only).
_ARRONDISSEMENTS = {"751": "75056", "693": "69123", "132": "13055"}
MAX_CANDIDATES = 8


def commune_key(name: str) -> str:
    """The comparison form of a commune name: "St-Étienne" and "Saint Etienne" -> "saintetienne"."""
    text = unicodedata.normalize("NFKD", str(name).casefold().strip())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("’", "'")
    text = _CEDEX.sub("", text).strip()
    text = _ARRONDISSEMENT.sub("", text)
    match = _ARTICLE.match(text)
    if match:
        text = f"{match.group(2)} {match.group(1)}"
    tokens = re.findall(r"[a-z0-9]+", text)
    return normalize_text("".join(_SAINT.get(token, token) for token in tokens))


def departement_of_postcode(postcode: str) -> str:
    """ "75015" -> "75", "97411" -> "974", "20000" -> "20" (Corsica: 2A or 2B, decided by name)."""
    return postcode[:3] if postcode.startswith("97") else postcode[:2]


@dataclass(frozen=True)
class Placement:
    """Per row: the commune code ("" if none), and the problem with the field it is about."""

    codes: pd.Series
    messages: pd.Series
    fields: pd.Series


class Gazetteer:
    """The store's communes, indexed for code, name and coordinate look-ups."""

    def __init__(self, store: Store):
        communes = store.communes
        self.communes = pd.DataFrame(
            {
                "code": communes["code"].to_numpy(),
                "name": communes["name"].to_numpy(),
                "dep": communes["departement_code"].to_numpy(),
                "key": communes["name"].map(commune_key).to_numpy(),
            }
        )
        self.codes = set(self.communes["code"])
        self.points = communes.set_index("code").geometry
        self.regions = store.regions
        placed = communes[communes.geometry.notna()]
        self.tree_codes = placed["code"].to_numpy()
        self.tree = shapely.STRtree(_scaled(placed.geometry.x.to_numpy(), placed.geometry.y.to_numpy()))
        self.keys_by_dep = self.communes.groupby("dep")["key"].agg(set).to_dict()

    @classmethod
    def of(cls, store: Store) -> Gazetteer:
        """The gazetteer of `store`, built once per store."""
        return cached(store, "ingest.gazetteer", cls)

    def describe(self, codes) -> str:
        rows = self.communes.set_index("code").loc[list(codes)[:MAX_CANDIDATES]]
        more = f", … ({len(codes)} in all)" if len(codes) > MAX_CANDIDATES else ""
        return ", ".join(f"{r['name']} ({code}, dép. {r['dep']})" for code, r in rows.iterrows()) + more

    def place(self, columns: dict[str, pd.Series], index: pd.Index) -> Placement:
        """Commune codes for rows given `columns` among commune_code, commune, postcode,
        departement, latitude, longitude (each optional)."""
        codes = pd.Series("", index=index, dtype=object)
        messages = pd.Series("", index=index, dtype=object)
        fields = pd.Series("", index=index, dtype=object)
        todo = pd.Series(True, index=index)

        def fail(mask: pd.Series, message, field: str) -> None:
            messages[mask] = message if isinstance(message, str) else message[mask]
            fields[mask] = field

        if "commune_code" in columns:
            raw = columns["commune_code"]
            given = ~is_blank(raw)
            code = raw.where(given, "").astype(str).str.strip().str.upper()
            code = code.where(~code.str.fullmatch(r"\d{4}"), code.str.zfill(5))
            arrondissement = code.str[:3].map(_ARRONDISSEMENTS)
            code = code.where(arrondissement.isna(), arrondissement)
            known = code.isin(self.codes)
            codes[given & known] = code[given & known]
            unknown = given & ~known
            fail(unknown, raw.astype(str).map(lambda v: f'unknown INSEE commune code "{v}"'), "commune_code")
            todo &= ~given

        if "commune" in columns:
            raw = columns["commune"]
            given = todo & ~is_blank(raw)
            if given.any():
                self._by_name(raw[given], columns, codes, messages, fields)
            todo &= ~given

        if "latitude" in columns and "longitude" in columns:
            given = todo & ~(is_blank(columns["latitude"]) & is_blank(columns["longitude"]))
            if given.any():
                self._by_point(columns["longitude"][given], columns["latitude"][given], codes, messages, fields)
            todo &= ~given

        field = next((f for f in ("commune_code", "commune", "latitude") if f in columns), "")
        fail(
            todo,
            "no location: give a code INSEE, a commune with its code postal or département, or latitude/longitude",
            field,
        )
        return Placement(codes, messages, fields)

    def _by_name(self, names: pd.Series, columns, codes, messages, fields) -> None:
        rows = pd.DataFrame({"row": names.index, "name": names.astype(str).str.strip().to_numpy()})
        rows["key"] = rows["name"].map({n: commune_key(n) for n in rows["name"].unique()})
        dep = pd.Series("", index=names.index, dtype=object)
        if "departement" in columns:
            raw = columns["departement"][names.index]
            text = raw.where(~is_blank(raw), "").astype(str).str.strip().str.upper()
            text = text.str.extract(r"^(\d{1,3}|2[AB])\b", expand=False).fillna("")
            text = text.where(~text.str.fullmatch(r"\d"), text.str.zfill(2))
            dep = dep.where(text.eq(""), text)
        if "postcode" in columns:
            raw = columns["postcode"][names.index]
            text = raw.where(~is_blank(raw), "").astype(str).str.strip().str.replace(r"\s", "", regex=True)
            text = text.where(~text.str.fullmatch(r"\d{4}"), text.str.zfill(5))
            valid = text.str.fullmatch(r"\d{5}")
            bad = text.ne("") & ~valid
            messages[bad[bad].index] = raw[bad].astype(str).map(lambda v: f'"{v}" is not a code postal (5 digits)')
            fields[bad[bad].index] = "postcode"
            from_postcode = text.where(valid, "").map(lambda p: departement_of_postcode(p) if p else "")
            use = dep.eq("") & from_postcode.ne("")
            dep = dep.where(~use, from_postcode)
        rows["dep"] = dep.to_numpy()
        matches = rows.merge(self.communes[["code", "name", "dep", "key"]], on="key", how="left", suffixes=("", "_c"))
        in_dep = (
            matches["dep"].eq("")
            | matches["dep"].eq(matches["dep_c"])
            | (matches["dep"].eq("20") & matches["dep_c"].isin(["2A", "2B"]))
        )
        matches = matches[matches["code"].notna() & in_dep]
        # When accents tell communes apart ("Vergne" / "Vergné"), the exact spelling wins.
        exact = matches["name"].str.casefold().eq(matches["name_c"].str.casefold())
        has_exact = exact.groupby(matches["row"]).transform("any")
        matches = matches[exact | ~has_exact]
        count = matches.groupby("row").size().reindex(names.index, fill_value=0)
        first = matches.drop_duplicates("row").set_index("row")["code"]
        unique = count.eq(1)
        codes[unique[unique].index] = first[unique[unique].index]
        found = matches[matches["row"].isin(count[count.gt(1)].index)].groupby("row")["code"].agg(list)
        dep_by_row = pd.Series(rows["dep"].to_numpy(), index=names.index)
        for row in count[count.ne(1)].index:
            if messages[row]:
                continue  # a bad postcode is already reported on this row
            name, where = names[row], dep_by_row[row]
            in_where = f" in département {where}" if where else ""
            if count[row] > 1:
                messages[row] = (
                    f'ambiguous commune "{name}"{in_where}: {self.describe(found[row])}; '
                    "add its code INSEE, code postal or département"
                )
            else:
                messages[row] = self._unknown(name, where)
            fields[row] = "commune"

    def _unknown(self, name: str, dep: str) -> str:
        key = commune_key(name)
        elsewhere = self.communes.loc[self.communes["key"].eq(key), "code"].tolist()
        if dep and elsewhere:
            return f'no commune "{name}" in département {dep}; communes of that name: {self.describe(elsewhere)}'
        deps = ["2A", "2B"] if dep == "20" else [dep] if dep else None
        pool = set().union(*(self.keys_by_dep.get(d, set()) for d in deps)) if deps else set(self.communes["key"])
        close = difflib.get_close_matches(key, list(pool), n=3, cutoff=0.8)
        where = f" in département {dep}" if dep else ""
        if close:
            hits = self.communes[self.communes["key"].isin(close) & (self.communes["dep"].isin(deps) if deps else True)]
            return f'unknown commune "{name}"{where} — did you mean {self.describe(hits["code"].tolist())}?'
        return f'unknown commune "{name}"{where}'

    def _by_point(self, lon_raw: pd.Series, lat_raw: pd.Series, codes, messages, fields) -> None:
        lon, lon_bad = parse_number(lon_raw)
        lat, lat_bad = parse_number(lat_raw)
        bad = lon_bad | lat_bad | lon.isna() | lat.isna()
        for row in bad[bad].index:
            messages[row] = f'unreadable coordinates "{lat_raw[row]}", "{lon_raw[row]}" (latitude, longitude)'
            fields[row] = "latitude"
        ok = ~bad
        if not ok.any():
            return
        points = shapely.points(lon[ok].to_numpy(), lat[ok].to_numpy())
        inside, _ = self.regions.sindex.query(points, predicate="within")
        in_france = np.zeros(len(points), dtype=bool)
        in_france[inside] = True
        rows = lon[ok].index
        for row in rows[~in_france]:
            messages[row] = f"point ({lat[row]}, {lon[row]}) (latitude, longitude) is outside France's regions"
            fields[row] = "latitude"
        keep = rows[in_france]
        if len(keep):
            nearest = self.tree.query_nearest(_scaled(lon[keep].to_numpy(), lat[keep].to_numpy()), all_matches=False)
            order = np.argsort(nearest[0])
            codes[keep] = self.tree_codes[nearest[1][order]]


def _scaled(x: np.ndarray, y: np.ndarray):
    """Points with longitude shrunk by cos(latitude), so planar distance ≈ distance on the ground."""
    return shapely.points(x * np.cos(np.radians(y)), y)
