"""The page: header, legend, map."""

from __future__ import annotations

from dash import html

from mapapp.config import Config
from mapapp.data.store import Store
from mapapp.ui.map import map_view


def legend(store: Store) -> html.Section:
    """Theme colours, as text and swatch (colour is never the only carrier of meaning)."""
    items = [
        html.Li([html.Span(className="swatch", style={"background": color}), label])
        for label, color in zip(store.themes["label_fr"], store.themes["color"], strict=True)
    ]
    return html.Section(
        className="legend",
        children=[html.H2("Thèmes"), html.Ul(items)],
        **{"aria-label": "Légende des thèmes"},
    )


def page_layout(store: Store, config: Config) -> html.Div:
    current = int(store.clusters["current"].sum())
    return html.Div(
        className="page",
        children=[
            html.Header(
                className="header",
                children=[
                    html.H1("Carte des pôles de compétitivité"),
                    html.P(
                        f"{len(store.clusters)} pôles labellisés depuis 2005, dont {current} aujourd'hui",
                        id="count",
                        className="count",
                    ),
                ],
            ),
            html.Main(className="body", children=[map_view(store, config), legend(store)]),
        ],
    )
