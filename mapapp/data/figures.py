"""The figures each pôle (or the press) has published: members, projects, funding, with source and date.

`cluster_figures.csv` holds every dated value as published ("220 adhérents", "près d'un millier
de membres"); this module reads the numbers a source's words state (`stated_numbers`), picks the
latest value of each headline measure per pôle (`headline_figures`) and lists a pôle's figures
for its profile (`cluster_figures`). Nothing here is sample data.
"""

from __future__ import annotations

import math
import re
import unicodedata

import pandas as pd

from mapapp.data.cache import cached
from mapapp.data.store import Store

MEMBER_KINDS = ("members_sme", "members_eti", "members_sme_eti", "members_large_firms", "members_research_training")
MEASURES = (
    "members",
    *MEMBER_KINDS,
    "projects_labelled",
    "projects_funded",
    "projects_rd_budget_eur",
    "public_funding_eur",
)
# Each headline (one value per pôle, the latest) and the measures it is read from, in order of
# preference when two are published on the same date.
HEADLINES = {
    "members": ("members",),
    "projects": ("projects_funded", "projects_labelled"),
    "funding": ("public_funding_eur",),
    "rd_budget": ("projects_rd_budget_eur",),
}
# Column names of the headline values, as in `/api/clusters` and the exports.
HEADLINE_COLUMNS = {
    "members": "members_published",
    "projects": "projects_published",
    "funding": "funding_published_eur",
    "rd_budget": "rd_budget_published_eur",
}
PUBLISHED_COLUMNS = [
    "members_published",
    "members_published_as_of",
    "projects_published",
    "projects_published_as_of",
    "projects_published_measure",
    "projects_published_period",
    "funding_published_eur",
    "funding_published_as_of",
    "funding_published_period",
    "rd_budget_published_eur",
    "rd_budget_published_as_of",
    "rd_budget_published_period",
]

_WORDS = {
    **dict.fromkeys(("un", "une", "one"), 1),
    **dict.fromkeys(("deux", "two"), 2),
    **dict.fromkeys(("trois", "three"), 3),
    **dict.fromkeys(("quatre", "four"), 4),
    **dict.fromkeys(("cinq", "five"), 5),
    "six": 6,
    **dict.fromkeys(("sept", "seven"), 7),
    **dict.fromkeys(("huit", "eight"), 8),
    **dict.fromkeys(("neuf", "nine"), 9),
    **dict.fromkeys(("dix", "ten"), 10),
    **dict.fromkeys(("onze", "eleven"), 11),
    **dict.fromkeys(("douze", "twelve"), 12),
    **dict.fromkeys(("treize", "thirteen"), 13),
    **dict.fromkeys(("quatorze", "fourteen"), 14),
    **dict.fromkeys(("quinze", "fifteen"), 15),
    **dict.fromkeys(("seize", "sixteen"), 16),
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    **dict.fromkeys(("vingt", "twenty"), 20),
    **dict.fromkeys(("trente", "thirty"), 30),
    **dict.fromkeys(("quarante", "forty"), 40),
    **dict.fromkeys(("cinquante", "fifty"), 50),
    **dict.fromkeys(("soixante", "sixty"), 60),
    **dict.fromkeys(("cent", "hundred"), 100),
    **dict.fromkeys(("mille", "thousand"), 1000),
    # "une soixantaine": about sixty, as the source writes it.
    "dizaine": 10,
    "douzaine": 12,
    "quinzaine": 15,
    "vingtaine": 20,
    "trentaine": 30,
    "quarantaine": 40,
    "cinquantaine": 50,
    "soixantaine": 60,
    "centaine": 100,
}
# Words and symbols that multiply the number before them ("3,6 milliards", "1,2 Md€", "250 Me",
# "un millier", "deux cents").
_SCALES = (
    (r"milliards?|mds?|mrds?|billions?", 1e9),
    (r"millions?|me|m", 1e6),
    (r"milliers?|mille|thousands?|k", 1e3),
    (r"centaines?|cents?|hundreds?", 1e2),
    (r"dizaines?", 1e1),
)
_NUMBER = re.compile(
    r"(?<![\w,.])"
    r"(?P<digits>\d{1,3}(?:[ .]\d{3})+(?:,\d+)?|\d+(?:[,.]\d+)?)"
    r"|\b(?P<word>" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")s?\b"
)
_ARTICLES = ("un", "une")
_SCALE = re.compile(r"\s*(?:d'|de\s+)?(?P<scale>" + "|".join(p for p, _ in _SCALES) + r")(?![a-z])")


def _plain_text(text: str) -> str:
    """Lower case, no accents, every kind of space as a plain space ("1 000" with a narrow
    no-break space reads as "1 000")."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\u00a0\u202f\u2009\s]+", " ", text).replace("’", "'")


def _digits(text: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:[ .]\d{3})+(?:,\d+)?", text):
        text = text.replace(" ", "").replace(".", "")
    return float(text.replace(",", "."))


def stated_numbers(text: str) -> list[float]:
    """The numbers a few words of French state, with their scale words applied.

    >>> stated_numbers("3,6 milliards d'euros")
    [3600000000.0]
    >>> stated_numbers("près d'un millier de membres")
    [1000.0]
    >>> stated_numbers("plus de 1 200 adhérents dont 800 PME")
    [1200.0, 800.0]
    >>> stated_numbers("45 M€")
    [45000000.0]
    >>> stated_numbers("quelque deux cents adhérents, une soixantaine de laboratoires")
    [200.0, 60.0]
    """
    plain = _plain_text(text)
    numbers: list[float] = []
    consumed = 0  # end of the last number and its scale words: "mille" in "deux mille" is not a number
    for match in _NUMBER.finditer(plain):
        if match.start() < consumed:
            continue
        word = match["word"]
        rest = plain[match.end() :]
        if word in _ARTICLES and _NUMBER.match(rest.lstrip()) and _NUMBER.match(rest.lstrip())["word"]:
            continue  # "une soixantaine": the article of a number word, not the number one
        value = _digits(match["digits"]) if match["digits"] else float(_WORDS[word])
        end = match.end()
        while scale := _SCALE.match(plain, end):
            value *= next(factor for pattern, factor in _SCALES if re.fullmatch(pattern, scale["scale"]))
            end = scale.end()
        consumed = end
        numbers.append(value)
    return numbers


def states_value(stated_as: str, value: float) -> bool:
    """Whether `stated_as` states `value` (as digits or number words): the check `validate`
    runs on every published figure. `states_value("220 adhérents", 220)` is True."""
    return any(math.isclose(number, value, rel_tol=1e-9, abs_tol=1e-6) for number in stated_numbers(stated_as))


def headline_figures(store: Store) -> pd.DataFrame:
    """Per pôle id (every pôle of the directory), the latest published value of each headline
    (`PUBLISHED_COLUMNS`: value, as_of, and for projects and amounts the measure and period);
    None where nothing is published. Computed once per store."""
    return cached(store, "headline_figures", _headlines)


def _headlines(store: Store) -> pd.DataFrame:
    ids = pd.Index(store.clusters["id"], name="id")
    out = pd.DataFrame(index=ids, columns=PUBLISHED_COLUMNS, dtype=object)
    figures = store.figures
    for headline, measures in HEADLINES.items():
        rows = figures[figures["measure"].isin(measures)]
        if rows.empty:
            continue
        preference = rows["measure"].map({m: i for i, m in enumerate(measures)})
        latest = (
            rows.assign(preference=preference)
            .sort_values(["cluster_id", "as_of", "preference"], ascending=[True, False, True], kind="stable")
            .drop_duplicates("cluster_id")
            .set_index("cluster_id")
            .reindex(ids)
        )
        column = HEADLINE_COLUMNS[headline]
        known = latest["value"].notna()
        out.loc[known, column] = latest.loc[known, "value"].map(_number)
        out.loc[known, f"{column.removesuffix('_eur')}_as_of"] = latest.loc[known, "as_of"]
        if headline == "projects":
            out.loc[known, "projects_published_measure"] = latest.loc[known, "measure"]
        if headline != "members":
            out.loc[known, f"{column.removesuffix('_eur')}_period"] = latest.loc[known, "period"].replace("", None)
    return out.astype(object).where(out.notna(), None)


def _number(value: float) -> int | float:
    """Counts as integers, amounts as they are (1.5 stays 1.5)."""
    return int(value) if float(value).is_integer() else float(value)


def cluster_figures(store: Store, cluster_id: str) -> list[dict]:
    """Every published figure of one pôle, as JSON values: measure, value, unit, as_of, period,
    source, stated_as, note; in measure order, newest first."""
    rows = store.figures[store.figures["cluster_id"] == cluster_id]
    if rows.empty:
        return []
    order = rows["measure"].map({m: i for i, m in enumerate(MEASURES)})
    rows = rows.assign(order=order).sort_values(["order", "as_of"], ascending=[True, False], kind="stable")
    return [
        {
            "measure": row.measure,
            "value": _number(row.value),
            "unit": row.unit,
            "as_of": row.as_of,
            "period": row.period or None,
            "source": row.source,
            "stated_as": row.stated_as,
            "note": row.note or None,
        }
        for row in rows.itertuples()
    ]
