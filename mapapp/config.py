"""Every setting of the app, read from the environment in this one place."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
DEFAULT_GEODATA_DIR = REPO_DIR / "geodata"
# scheme://host[:port], a `*.` subdomain wildcard and a `*` port allowed (CSP host-sources)
_ORIGIN = re.compile(r"https?://(\*\.)?([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:(\d{1,5}|\*))?/?")


@dataclass(frozen=True)
class Config:
    """App settings. Build one with `Config.from_env()`; tests pass their own values.

    Attributes:
        geodata_dir: reference data — regions, communes, the pôles directory
            (env `MAPAPP_GEODATA_DIR`, default `geodata/` of this repository).
        data_dir: activity data — members, projects, funding (env `MAPAPP_DATA_DIR`,
            default `geodata/sample/`, the shipped deterministic sample).
        database_url: a PostgreSQL/PostGIS URL (`postgresql://user:password@host/db`) whose
            database stores the activity tables instead of `data_dir`, so several app servers
            share one store; tables not yet imported there are read from `data_dir`
            (env `MAPAPP_DATABASE_URL`, default empty: the embedded store in `data_dir`).
        tile_url: a raster tile URL template drawn under the regions; empty means no tiles,
            the region polygons are the base map (env `MAPAPP_TILE_URL`).
        tile_attribution: attribution shown for those tiles (env `MAPAPP_TILE_ATTRIBUTION`).
        host, port: where `serve` listens (env `HOST`, `PORT`; default 127.0.0.1:8050).
        frame_ancestors: sites allowed to embed the map in an iframe, space- or comma-separated
            origins (env `MAPAPP_FRAME_ANCESTORS`; default none: same origin only).
        log_format: `json` (one object per line, default) or `text` (env `MAPAPP_LOG_FORMAT`).
        log_level: `DEBUG`, `INFO` (default), `WARNING`… (env `MAPAPP_LOG_LEVEL`).
        answer_cache_mb: memory per process for whole answers kept until the data change —
            pages, layouts, API answers, CSVs, `/map.svg`, bundles — compressed
            (env `MAPAPP_ANSWER_CACHE_MB`, default 64).
    """

    geodata_dir: Path = DEFAULT_GEODATA_DIR
    data_dir: Path = DEFAULT_GEODATA_DIR / "sample"
    database_url: str = ""
    tile_url: str = ""
    tile_attribution: str = ""
    host: str = "127.0.0.1"
    port: int = 8050
    frame_ancestors: tuple[str, ...] = ()
    log_format: str = "json"
    log_level: str = "INFO"
    answer_cache_mb: int = 64

    def __post_init__(self):
        # Origins only: a `;`, a quote or a keyword would be read as more Content-Security-Policy.
        for origin in self.frame_ancestors:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"MAPAPP_FRAME_ANCESTORS: {origin[:80]!r} is not an origin like https://www.example.gouv.fr "
                    "(scheme://host[:port]); separate several with spaces or commas"
                )

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        geodata_dir = Path(env.get("MAPAPP_GEODATA_DIR") or DEFAULT_GEODATA_DIR)
        return cls(
            geodata_dir=geodata_dir,
            data_dir=Path(env.get("MAPAPP_DATA_DIR") or geodata_dir / "sample"),
            database_url=env.get("MAPAPP_DATABASE_URL", ""),
            tile_url=env.get("MAPAPP_TILE_URL", ""),
            tile_attribution=env.get("MAPAPP_TILE_ATTRIBUTION", ""),
            host=env.get("HOST", "127.0.0.1"),
            port=int(env.get("PORT") or 8050),
            frame_ancestors=tuple(env.get("MAPAPP_FRAME_ANCESTORS", "").replace(",", " ").split()),
            log_format=env.get("MAPAPP_LOG_FORMAT") or "json",
            log_level=env.get("MAPAPP_LOG_LEVEL") or "INFO",
            answer_cache_mb=int(env.get("MAPAPP_ANSWER_CACHE_MB") or 64),
        )
