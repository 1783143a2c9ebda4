"""Read the built reference layers (regions, départements, pre-2016 regions, gazetteer)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

LAYERS = ("regions", "departements", "regions_2015", "communes")
WEB_LAYERS = ("regions", "departements", "regions_2015")  # simplified for browsers, as web/<name>.geojson


@cache
def regions_2015_table() -> pd.DataFrame:
    """The 27 regions in force before 1 January 2016, as lists of département codes (INSEE COG)."""
    table = pd.read_csv(Path(__file__).with_name("regions_2015.csv"), dtype=str, keep_default_na=False)
    return table.assign(departement_codes=table["departement_codes"].str.split("|"))


def read_layer(geodata_dir: Path, name: str) -> gpd.GeoDataFrame:
    """One built layer from `geodata_dir`, e.g. `read_layer(dir, "regions")` (18 rows)."""
    if name not in LAYERS:
        raise ValueError(f"unknown layer {name!r}; expected one of {', '.join(LAYERS)}")
    return gpd.read_parquet(geodata_dir / f"{name}.parquet")
