"""The map: region shapes as the base layer, pôle seats coloured by theme (clustered), the opened
pôle's member footprint, and one inset per overseas region.

Filtering happens in the browser (`mapapp.map.filterFeatures` in assets/mapapp-map.js) on the
features loaded once with the page, before clustering — dash-leaflet's own `filter` breaks
cluster counts. Framing (which regions the map shows) is done there too, on the Leaflet maps
themselves, so that it follows the map's real size and keeps the insets and the legend clear.
"""

from __future__ import annotations

import dash_leaflet as dl
from dash import Input, Output, State, dcc, html

from mapapp.config import Config
from mapapp.data.cache import cached
from mapapp.data.store import Store
from mapapp.i18n import t

OVERSEAS = ("01", "02", "03", "04", "06")  # Guadeloupe, Martinique, Guyane, La Réunion, Mayotte
MAINLAND_BOUNDS = [[41.3, -5.3], [51.2, 9.7]]
LABEL_ZOOM = 10  # from this zoom on, pôle names are shown next to their markers
CLUSTER_MAX_ZOOM = 11  # beyond it every pôle has its own marker (then spiderfy for shared seats)
FOOTPRINT_PANE_Z = 450  # the opened pôle's members: above the regions (400), under the seats (600)


def ns(name: str) -> dict:
    """A function of the browser namespace (`window.mapapp.<name>`, assets/mapapp*.js), by reference."""
    return {"variable": f"mapapp.{name}"}


def layer_url(layer: str) -> str:
    """The browser file of a region layer (`coverage.REGION_LAYERS`), served by the API blueprint."""
    return f"/geodata/{layer}.geojson"


def theme_colors(store: Store) -> dict[str, str]:
    return dict(zip(store.themes["id"], store.themes["color"], strict=True))


def region_bounds(store: Store) -> dict[str, list[list[float]]]:
    """[[south, west], [north, east]] per region code, computed once per store."""
    return cached(store, "region_bounds", _region_bounds)


def _region_bounds(store: Store) -> dict[str, list[list[float]]]:
    bounds = store.regions.set_index("code").geometry.bounds.round(4)
    return {code: [[b.miny, b.minx], [b.maxy, b.maxx]] for code, b in bounds.iterrows()}


def within(points: dict | None, bounds: list[list[float]]) -> dict | None:
    """The features of a point collection inside `bounds` ([[south, west], [north, east]]): an
    inset's share of the opened pôle's members (the inset shows nothing beyond its region)."""
    if not points:
        return points
    (south, west), (north, east) = bounds
    return {
        "type": "FeatureCollection",
        "features": [
            f
            for f in points["features"]
            if south <= f["geometry"]["coordinates"][1] <= north and west <= f["geometry"]["coordinates"][0] <= east
        ],
    }


def footprints(store: Store, points: dict | None) -> list[dict | None]:
    """The opened pôle's members for each map of `MAP_PREFIXES`: all on the main map, its share on
    each inset — rather than every member drawn six times over."""
    bounds = region_bounds(store)
    return [points, *(within(points, bounds[code]) for code in OVERSEAS)]


def region_feature(store: Store, code: str) -> dict:
    """One region of the browser layer, inlined in an inset (a few KB) instead of fetching all."""
    return {"type": "FeatureCollection", "features": [f for f in store.web_regions["features"] if f["id"] == code]}


def _layers(
    store: Store,
    config: Config,
    prefix: str,
    lang: str,
    selected_regions: list[str],
    code=None,
    footprint=None,
    layer: str = "regions",
) -> list:
    layers = []
    if config.tile_url:
        layers.append(dl.TileLayer(url=config.tile_url, attribution=config.tile_attribution))
    layers += [
        dl.GeoJSON(
            id=f"{prefix}-regions",
            **({"data": region_feature(store, code)} if code else {"url": layer_url(layer)}),
            style=ns("map.regionStyle"),
            onEachFeature=ns("map.regionFeature"),
            hoverStyle=ns("map.regionHover"),
            hideout={"selected": selected_regions},
        ),
        # In a pane of its own: drawn above the regions whichever layer loads first (the regions
        # come from a file, the members with the page when it opens on a pôle).
        dl.Pane(
            name="footprint",
            style={"zIndex": FOOTPRINT_PANE_Z},
            children=dl.GeoJSON(
                id=f"{prefix}-footprint",
                data=footprint,
                pointToLayer=ns("map.memberPoint"),
                onEachFeature=ns("map.memberTooltip"),
            ),
        ),
        dl.GeoJSON(
            id=f"{prefix}-clusters",
            data=None,
            cluster=True,
            zoomToBoundsOnClick=True,
            spiderfyOnMaxZoom=True,
            superClusterOptions={"radius": 40, "maxZoom": CLUSTER_MAX_ZOOM},
            pointToLayer=ns("map.seatMarker"),
            onEachFeature=ns("map.seatTooltip"),
            clusterToLayer=ns("map.clusterIcon"),
            hideout={
                "colors": theme_colors(store),
                "selected": None,
                "labelZoom": LABEL_ZOOM,
                "lang": lang,
                "seatRegion": t(lang, "seat_region"),
                # Leaflet names its zoom buttons in English: named in the page's language instead.
                "zoomIn": t(lang, "zoom_in"),
                "zoomOut": t(lang, "zoom_out"),
            },
        ),
    ]
    return layers


def map_view(
    store: Store,
    config: Config,
    lang: str,
    selected_regions: list[str],
    view,
    footprint: dict | None = None,
    layer: str = "regions",
) -> html.Div:
    """The main map plus one small inset per overseas region, so all of France is in view."""
    names = dict(zip(store.regions["code"], store.regions["name"], strict=True))
    bounds = region_bounds(store)
    insets = [
        html.Figure(
            className="inset",
            children=[
                dl.Map(
                    id=f"inset-{code}",
                    bounds=region_bounds(store)[code],
                    zoomSnap=0.25,
                    trackViewport=False,
                    children=_layers(
                        store, config, f"inset-{code}", lang, selected_regions, code, within(footprint, bounds[code])
                    ),
                    zoomControl=False,
                    attributionControl=False,
                    scrollWheelZoom=False,
                    keyboard=False,  # its region shape is the keyboard's stop, not the frame
                    className="inset-map",
                ),
                html.Figcaption(names[code]),
            ],
        )
        for code in OVERSEAS
    ]
    # `center`/`zoom` are always given (viewport tracking needs them). Without a view in the
    # URL, `mapapp.map.frameRegions` then frames the selected regions or the mainland once the
    # map knows its size.
    if view:
        placement = {"center": [view[0], view[1]], "zoom": view[2]}
    else:
        (south, west), (north, east) = (
            region_bounds(store)[selected_regions[0]] if len(selected_regions) == 1 else MAINLAND_BOUNDS
        )
        placement = {"center": [(south + north) / 2, (west + east) / 2], "zoom": 6}
    return html.Div(
        className="map-area" + (" layer-2015" if layer != "regions" else ""),
        children=[
            html.Div(
                id="map-region",
                role="region",
                tabIndex="-1",  # the skip link's target
                **{"aria-label": t(lang, "map_label")},
                className="main-map-wrap",
                children=dl.Map(
                    id="map",
                    zoomSnap=0.25,
                    trackViewport=True,
                    children=[
                        # Bottom right: the overseas insets take the left edge, the legend the top right.
                        dl.ZoomControl(position="bottomright"),
                        *_layers(store, config, "map", lang, selected_regions, footprint=footprint, layer=layer),
                    ],
                    zoomControl=False,
                    className="main-map",
                    attributionControl=bool(config.tile_url),
                    **placement,
                ),
            ),
            html.Div(id="empty", className="empty-state", hidden=True, children=t(lang, "empty")),
            html.Div(className="insets", role="group", children=insets, **{"aria-label": t(lang, "overseas")}),
            dcc.Store(id="region-bounds", data=region_bounds(store)),
            dcc.Store(id="map-framed"),
        ],
    )


def legend_box(legend: list | None) -> html.Div:
    """The colouring's legend: over the map's corner on a wide screen, under the map on a phone."""
    return html.Div(id="coverage-legend", className="legend-box", children=legend or [], **{"aria-live": "polite"})


MAP_PREFIXES = ("map", *(f"inset-{code}" for code in OVERSEAS))


def register_callbacks(app) -> None:
    """Browser-side glue: filtered features → every map's cluster layer, region selection →
    highlight and zoom, opened pôle → highlighted marker."""
    app.clientside_callback(
        ns_call("map.frameRegions", len(MAP_PREFIXES), MAINLAND_BOUNDS, list(OVERSEAS)),
        [Output(f"{prefix}-regions", "hideout") for prefix in MAP_PREFIXES] + [Output("map-framed", "data")],
        Input("region-filter", "value"),
        Input("choropleth", "data"),
        State("region-bounds", "data"),
    )
    app.clientside_callback(
        ns_call("map.revealSelected", CLUSTER_MAX_ZOOM),
        Output("map-framed", "data", allow_duplicate=True),
        Input("selected", "data"),
        State("features", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ns_call("map.highlightSelected", len(MAP_PREFIXES)),
        [Output(f"{prefix}-clusters", "hideout") for prefix in MAP_PREFIXES],
        Input("selected", "data"),
        State("map-clusters", "hideout"),
    )


def ns_call(name: str, *extra) -> str:
    """Clientside callback body calling `window.mapapp.<name>(...args, *extra)` (`name` may be
    dotted: "map.frameRegions")."""
    suffix = "".join(f", {value!r}" for value in extra)
    return f"function() {{ return window.mapapp.{name}(...arguments{suffix}); }}"
