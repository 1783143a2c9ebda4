"""The map: region shapes as the base layer, pôle seats coloured by theme, overseas insets."""

from __future__ import annotations

import dash_leaflet as dl
from dash import html

from mapapp.config import Config
from mapapp.data.store import Store

OVERSEAS = ("01", "02", "03", "04", "06")  # Guadeloupe, Martinique, Guyane, La Réunion, Mayotte
MAINLAND_BOUNDS = [[41.3, -5.3], [51.2, 9.7]]


def _ns(name: str) -> dict:
    """A function defined in assets/mapapp.js (`window.mapapp.<name>`), by reference."""
    return {"variable": f"mapapp.{name}"}


def theme_colors(store: Store) -> dict[str, str]:
    return dict(zip(store.themes["id"], store.themes["color"], strict=True))


def _layers(store: Store, config: Config, prefix: str) -> list:
    layers = []
    if config.tile_url:
        layers.append(dl.TileLayer(url=config.tile_url, attribution=config.tile_attribution))
    layers += [
        dl.GeoJSON(
            id=f"{prefix}-regions",
            url="/geodata/regions.geojson",
            style=_ns("regionStyle"),
            onEachFeature=_ns("regionTooltip"),
            hoverStyle=_ns("regionHover"),
        ),
        dl.GeoJSON(
            id=f"{prefix}-clusters",
            url="/api/clusters",
            cluster=True,
            zoomToBoundsOnClick=True,
            spiderfyOnMaxZoom=True,
            superClusterOptions={"radius": 40, "maxZoom": 11},
            pointToLayer=_ns("seatMarker"),
            onEachFeature=_ns("seatTooltip"),
            clusterToLayer=_ns("clusterIcon"),
            hideout={"colors": theme_colors(store)},
        ),
    ]
    return layers


def _bounds(store: Store, code: str) -> list[list[float]]:
    minx, miny, maxx, maxy = store.regions.set_index("code").geometry[code].bounds
    return [[miny, minx], [maxy, maxx]]


def map_view(store: Store, config: Config) -> html.Div:
    """The main map plus one small inset per overseas region, so all of France is in view."""
    names = dict(zip(store.regions["code"], store.regions["name"], strict=True))
    insets = [
        html.Figure(
            className="inset",
            children=[
                dl.Map(
                    id=f"inset-{code}",
                    bounds=_bounds(store, code),
                    zoomSnap=0.25,
                    trackViewport=False,
                    children=_layers(store, config, f"inset-{code}"),
                    zoomControl=False,
                    attributionControl=False,
                    scrollWheelZoom=False,
                    className="inset-map",
                ),
                html.Figcaption(names[code]),
            ],
        )
        for code in OVERSEAS
    ]
    return html.Div(
        className="map-area",
        children=[
            dl.Map(
                id="map",
                bounds=MAINLAND_BOUNDS,
                zoomSnap=0.25,
                # Viewport tracking needs `center`: with `bounds` only it throws (dash-leaflet 1.1.3).
                trackViewport=False,
                children=_layers(store, config, "map"),
                className="main-map",
                attributionControl=bool(config.tile_url),
            ),
            html.Div(className="insets", children=insets, **{"aria-label": "Outre-mer"}),
        ],
    )
