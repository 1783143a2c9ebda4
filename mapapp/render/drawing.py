"""What the map of a view shows, computed from the same query as the browser map: the region layer
with its colouring and selection, the selection's seats (as the browser filters them), the opened
pôle's members, and the five overseas insets — each map with the bounds or view Leaflet is given.

Nothing here writes SVG (see `render.svg`); nothing here knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mapapp.data.query import filter_clusters
from mapapp.data.store import Store
from mapapp.i18n import format_number, t
from mapapp.render.mercator import Box, world
from mapapp.ui import coverage
from mapapp.ui.map import (
    CLUSTER_MAX_ZOOM,
    LABEL_ZOOM,
    MAINLAND_BOUNDS,
    OVERSEAS,
    footprints,
    region_bounds,
    theme_colors,
)
from mapapp.ui.profile import footprint, opened_profile
from mapapp.view import ViewState

# The look of assets/mapapp-map.js's styles (regionStyle, seatMarker, memberPoint), for a drawing without CSS.
REGION_STROKE, SELECTED_STROKE, DARK_FILL_STROKE = "#6b7280", "#000091", "#ffca00"
REGION_FILL, SELECTED_FILL = "#ffffff", "#e3e3fd"
NO_THEME_COLOR = "#555555"
COORDINATE_DIGITS = 5  # as the GeoJSON the browser clusters (exports.cluster_features)


@dataclass(frozen=True)
class Seat:
    """A pôle's seat marker: world position, colour of its first theme, how it is placed."""

    x: float
    y: float
    color: str
    name: str
    region_placed: bool = False
    selected: bool = False


@dataclass(frozen=True)
class RegionStyle:
    fill: str
    stroke: str
    width: float


@dataclass(frozen=True)
class Frame:
    """One Leaflet map: which regions it draws and how, its seats (in the order the browser
    clusters them), and where it looks: `box` fitted to the container (`fitBounds`) or a fixed
    `view` (world x, y and zoom: `setView`)."""

    key: str  # "main", or the overseas region's code
    layer: str  # the region layer ("regions" or "regions_2015"): which paths
    codes: tuple[str, ...]  # the regions drawn, in the layer's order
    styles: dict[str, RegionStyle]
    seats: tuple[Seat, ...]
    box: Box | None = None
    view: tuple[float, float, float] | None = None
    members: tuple[tuple[float, float], ...] = ()  # the opened pôle's members (world x, y)
    caption: str = ""
    label_zoom: float = LABEL_ZOOM
    cluster_max_zoom: int = CLUSTER_MAX_ZOOM


@dataclass(frozen=True)
class Drawing:
    """The whole map of a view: the main map, the insets, the legend, and its text alternative."""

    lang: str
    main: Frame
    insets: tuple[Frame, ...]
    colouring: dict = field(default_factory=dict)  # ui.coverage.pick(): colours, legend
    count: int = 0  # pôles selected (placed or not)
    title: str = ""
    description: str = ""


def dark(hex_color: str) -> bool:
    """Whether a "#rrggbb" fill is dark (relative luminance below 0.2), as `dark` in
    assets/mapapp-map.js: a chosen region's outline must show on it."""
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.2


def _styles(codes, selected: set[str], colors: dict[str, str]) -> dict[str, RegionStyle]:
    """Each region's look, as `mapapp.map.regionStyle` gives it."""
    styles = {}
    for code in codes:
        on, colour = code in selected, colors.get(code)
        fill = colour or (SELECTED_FILL if on else REGION_FILL)
        outline = DARK_FILL_STROKE if colour and dark(colour) else SELECTED_STROKE
        styles[code] = RegionStyle(fill, outline if on else REGION_STROKE, 3 if on else 1)
    return styles


def _seats(store: Store, state: ViewState) -> tuple[list[Seat], list[tuple[float, float]], int]:
    """The placed seats of the selection in the browser's order (the API's: by name), with their
    lon/lat as the GeoJSON rounds them; and how many pôles the selection has."""
    selected = filter_clusters(store, state.filters)
    placed = selected[selected.geometry.notna() & ~selected.geometry.is_empty]
    lon = placed.geometry.x.round(COORDINATE_DIGITS).to_numpy()
    lat = placed.geometry.y.round(COORDINATE_DIGITS).to_numpy()
    x, y = world(lon, lat)
    colors = theme_colors(store)
    seats = [
        Seat(
            float(px),
            float(py),
            colors.get((themes or "").split("|")[0], NO_THEME_COLOR),
            name,
            precision == "region",
            cluster_id == state.cluster,
        )
        for px, py, themes, name, precision, cluster_id in zip(
            x, y, placed["themes"], placed["name"], placed["seat_precision"], placed["id"], strict=True
        )
    ]
    return seats, list(zip(lon, lat, strict=True)), len(selected)


def _points(collection: dict | None) -> tuple[tuple[float, float], ...]:
    """World positions of a GeoJSON collection's points."""
    if not collection or not collection["features"]:
        return ()
    x, y = world(*np.array([f["geometry"]["coordinates"] for f in collection["features"]], dtype=float).T)
    return tuple(zip(x.tolist(), y.tolist(), strict=True))


def framed_bounds(regions, bounds: dict[str, list[list[float]]]) -> list[list[float]]:
    """What the main map frames for a choice of regions (`target` in assets/mapapp-map.js): the
    chosen mainland regions (overseas ones are in their insets), else the chosen overseas ones,
    else mainland France — as Leaflet bounds."""
    chosen = [code for code in regions if code in bounds]
    shown = [code for code in chosen if code not in OVERSEAS] or chosen
    if not shown:
        return MAINLAND_BOUNDS
    return [
        [min(bounds[c][0][0] for c in shown), min(bounds[c][0][1] for c in shown)],
        [max(bounds[c][1][0] for c in shown), max(bounds[c][1][1] for c in shown)],
    ]


def view_drawing(store: Store, state: ViewState) -> Drawing:
    """The map the page of `state` opens on, as the browser draws it once booted."""
    lang = state.lang
    seats, lonlat, count = _seats(store, state)
    colourings = coverage.choropleths(store, lang, state.filters, state.layer)
    colouring = coverage.pick(colourings, state.mode, state.per_capita)
    colors = colouring.get("colors") or {}
    chosen = set(state.filters.regions)
    web = store.web_regions_2015 if state.layer == "regions_2015" else store.web_regions
    layer_codes = tuple(f["properties"]["code"] for f in web["features"])
    bounds = region_bounds(store)
    # The opened pôle's members, as each map of the page gets them (MAP_PREFIXES' order).
    main_members, *inset_members = (
        _points(f) for f in footprints(store, footprint(opened_profile(store, state.cluster)))
    )
    # As mapapp.map.frameRegions places the main map: the permalink's own view, else the regions
    # chosen (see `framed_bounds`), else the mainland.
    view = box = None
    if state.viewport:
        lat, lon, zoom = state.viewport
        vx, vy = world(lon, lat)
        view = (float(vx), float(vy), zoom)
    else:
        box = Box.of_bounds(framed_bounds(state.filters.regions, bounds))
    main = Frame(
        "main", state.layer, layer_codes, _styles(layer_codes, chosen, colors), tuple(seats), box, view, main_members
    )
    names = dict(zip(store.regions["code"], store.regions["name"], strict=True))
    insets = []
    for code, members in zip(OVERSEAS, inset_members, strict=True):
        (south, west), (north, east) = bounds[code]
        inside = tuple(
            seat
            for seat, (lon, lat) in zip(seats, lonlat, strict=True)
            if south <= lat <= north and west <= lon <= east
        )
        insets.append(
            Frame(
                code,
                "regions",
                (code,),
                _styles((code,), chosen, colors),
                inside,
                Box.of_bounds(bounds[code]),
                members=members,
                caption=names[code],
            )
        )
    title = t(lang, "title")
    return Drawing(
        lang,
        main,
        tuple(insets),
        colouring,
        count,
        title,
        _description(store, state, count, colouring),
    )


def _description(store: Store, state: ViewState, count: int, colouring: dict) -> str:
    """The picture's text alternative: what it shows, in words (the table is the full one)."""
    lang = state.lang
    if count > 1:
        parts = [t(lang, "count", n=format_number(lang, count))]
    else:
        parts = [t(lang, "count_one" if count == 1 else "count_zero")]
    filters = state.filters
    if filters.themes:
        label = "label_fr" if lang == "fr" else "label_en"
        names = dict(zip(store.themes["id"], store.themes[label], strict=True))
        parts.append(", ".join(names[theme] for theme in filters.themes))
    phase = str(filters.phases[0]) if filters.phases else t(lang, "phase_all").lower()
    parts.append(f"{t(lang, 'phase')} {phase}")
    if filters.regions:
        names = dict(zip(store.regions["code"], store.regions["name"], strict=True))
        parts.append(", ".join(names[code] for code in filters.regions))
    if filters.q:
        parts.append(f"« {filters.q} »")
    legend = colouring.get("legend")
    if legend:
        parts.append(t(lang, "coverage") + t(lang, "colon") + legend["title"])
    return t(lang, "map_image_alt", what=" — ".join(parts))
