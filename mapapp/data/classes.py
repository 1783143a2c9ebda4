"""Choropleth classes: regions' values cut into a few classes (mapclassify), robust to ties,
zeros and n/a, for the map's colours and its legend."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

SCHEMES = ("quantiles", "natural_breaks")
# mapclassify's notices, expected here (few distinct values, no numba): filtered once for the
# process, since warnings.catch_warnings is not safe across a server's threads.
warnings.filterwarnings("ignore", message="Not enough unique values in array")
warnings.filterwarnings("ignore", message="Numba not installed")


def classify(values: Mapping[str, float] | pd.Series, k: int = 5, scheme: str = "quantiles") -> dict:
    """Choropleth classes of `values` (region code -> value) with mapclassify.

    Returns `{"bins": [upper bound of each class, ascending], "min": lowest value, "classes":
    {code: class index or None}}`; class i holds values v with bins[i-1] < v <= bins[i]. NaN
    (n/a) values get class None and are left out of the bounds. With fewer distinct values
    than `k`, each distinct value is its own class (so all-zero gives one class, [0.0]).
    `scheme` is "quantiles" or "natural_breaks" (Fisher-Jenks, deterministic).

    >>> classify({"84": 0.0, "11": 2.0, "06": float("nan")}, k=5)
    {'bins': [0.0, 2.0], 'min': 0.0, 'classes': {'84': 0, '11': 1, '06': None}}
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
    if k < 1:
        raise ValueError(f"k is {k}; at least 1 class is needed")
    series = pd.Series(values, dtype="float64")
    finite = series[np.isfinite(series.to_numpy())]
    if finite.empty:
        return {"bins": [], "min": None, "classes": {str(code): None for code in series.index}}
    distinct = np.unique(finite.to_numpy())
    if len(distinct) <= k:
        bins = distinct
    else:
        import mapclassify  # heavy (scipy, scikit-learn): imported only when classes are needed

        classifier = mapclassify.Quantiles if scheme == "quantiles" else mapclassify.FisherJenks
        bins = np.unique(classifier(finite.to_numpy(), k=k).bins)
    bins[-1] = distinct[-1]  # the top bound is the maximum, exactly
    positions = np.searchsorted(bins, finite.to_numpy(), side="left")
    classes: dict[str, int | None] = {str(code): None for code in series.index}
    classes.update({str(code): int(p) for code, p in zip(finite.index, positions, strict=True)})
    return {"bins": [float(b) for b in bins], "min": float(distinct[0]), "classes": classes}
