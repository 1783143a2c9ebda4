"""French number and date formats, parsed a whole column at a time.

Numbers: "1 234,56", "1 234,56 €", "12,5 %", "1.234,56", "1234.56", "1,234.56", with ordinary,
non-breaking (U+00A0), narrow no-break (U+202F) or thin (U+2009) spaces as thousands separators.
When a value has both "." and ",", the last one is the decimal mark. A lone "," is decimal
(French). A lone "." is decimal, except in a column where other values use a decimal comma:
there "1.500" is fifteen hundred. "%" values are returned as written (12,5 % -> 12.5).

Dates: dd/mm/yyyy (also with "-" or "."), yyyy-mm-dd, ISO date-times, and spreadsheet dates.
Every function returns the parsed values and a boolean mask of the cells that were present but
could not be read, so the caller reports each one at its line.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

_SPACES = "[\\s\u00a0\u202f\u2009'’]"
_DECORATION = r"(?i)\s*(€|eur|euros?|%|k€|m€)\s*$"


def is_blank(series: pd.Series) -> pd.Series:
    """Missing or whitespace-only cells."""
    if series.dtype == object:
        # readers strip text cells, so blank text is "" (compared in C, not per cell in Python)
        return (series.isna() | series.eq("")).astype(bool)
    return series.isna() | series.astype("string").str.strip().fillna("").eq("")


def on_distinct(parse):
    """Run a column parser on the column's distinct values only: a 100,000-row column of dates
    usually holds a few hundred."""

    def wrapper(series: pd.Series) -> tuple[pd.Series, pd.Series]:
        codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
        if len(uniques) == 0 or len(uniques) > len(series) // 2:
            return parse(series)
        values, bad = parse(pd.Series(uniques, dtype=object))
        values = pd.Series(values.to_numpy()[codes], index=series.index, dtype=values.dtype)
        bad = pd.Series(bad.to_numpy(dtype=bool)[codes], index=series.index)
        missing = codes < 0
        if missing.any():
            values[missing] = None
            bad[missing] = False
        return values, bad

    wrapper.__doc__ = parse.__doc__
    wrapper.__name__ = parse.__name__
    return wrapper


def _typed(series: pd.Series, kinds: tuple[type, ...]) -> pd.Series:
    return series.map(lambda v: isinstance(v, kinds) and not isinstance(v, bool)).astype(bool)


@on_distinct
def parse_number(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Floats (NaN where blank or unreadable) and the mask of unreadable cells."""
    blank = is_blank(series)
    result = pd.Series(np.nan, index=series.index, dtype="float64")
    numeric = _typed(series, (int, float)) if series.dtype == object else pd.Series(False, index=series.index)
    if numeric.any():
        result[numeric] = series[numeric].astype("float64")
    text = series.where(~blank & ~numeric).astype("string").str.strip()
    text = text.str.replace(_DECORATION, "", regex=True).str.replace(_SPACES, "", regex=True)
    text = text.str.replace("\u2212", "-", regex=False)  # the typographic minus sign
    has_comma, has_dot = text.str.contains(",", regex=False), text.str.contains(".", regex=False)
    last_comma, last_dot = text.str.rfind(","), text.str.rfind(".")
    comma_decimal = has_comma & (~has_dot | (last_comma > last_dot)) & (text.str.count(",") == 1)
    french_column = bool(comma_decimal.fillna(False).any())
    dot_thousands = has_dot & (
        (text.str.count(r"\.") > 1) | comma_decimal | (french_column & text.str.fullmatch(r"-?\d{1,3}\.\d{3}"))
    )
    text = text.where(~dot_thousands.fillna(False), text.str.replace(".", "", regex=False))
    text = text.where(comma_decimal.fillna(False), text.str.replace(",", "", regex=False))
    text = text.str.replace(",", ".", regex=False)
    valid = text.str.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?").fillna(False).astype(bool)
    result[valid] = pd.to_numeric(text[valid]).astype("float64")
    bad = ~blank & ~numeric & ~valid
    return result, bad


@on_distinct
def parse_date(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Timestamps (NaT where blank or unreadable) and the mask of unreadable cells."""
    blank = is_blank(series)
    result = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    if series.dtype == object:
        typed = _typed(series, (date, datetime))
        if typed.any():
            result[typed] = pd.to_datetime(series[typed].map(lambda v: v.isoformat()[:10]), format="%Y-%m-%d")
    else:
        typed = pd.Series(False, index=series.index)
    text = series.where(~blank & ~typed).astype("string").str.strip()
    french = text.str.replace(r"[-.]", "/", regex=True)
    for values, fmt in ((french, "%d/%m/%Y"), (text.str[:10], "%Y-%m-%d"), (french, "%d/%m/%y")):
        missing = result.isna() & text.notna()
        if not missing.any():
            break
        result[missing] = pd.to_datetime(values[missing], format=fmt, errors="coerce")
    bad = ~blank & result.isna()
    return result, bad


@on_distinct
def parse_year(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Years (Int64) from a year ("2019", 2019) or any date the column accepts (27/03/2019)."""
    numbers, _ = parse_number(series)
    whole = numbers.notna() & (numbers % 1 == 0) & numbers.between(1000, 9999)
    dates, _ = parse_date(series.where(~whole))
    years = numbers.where(whole).astype("Int64").fillna(dates.dt.year.astype("Int64"))
    bad = (~is_blank(series) & years.isna()).astype(bool)
    return years, bad
