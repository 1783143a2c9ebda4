"""The page, built for the URL it is shown at: `/` (full app) or `/embed` (no header), with the
view its query string names (`mapapp.view`)."""

from __future__ import annotations

from dash import Input, Output, State, dcc, html

from mapapp import view
from mapapp.config import Config
from mapapp.data.query import vocabulary
from mapapp.data.store import Store
from mapapp.i18n import t
from mapapp.ui import coverage, filters, firstpaint, profile, table
from mapapp.ui import embed as embed_ui
from mapapp.ui import map as map_ui
from mapapp.ui.map import ns_call


def _map_key(lang: str) -> html.P:
    """What the two kinds of seat marker mean: a pôle is always on the map, its seat drawn as
    precisely as a source allows."""
    return html.P(
        [html.Span(className="seat-dot key region-placed", **{"aria-hidden": "true"}), t(lang, "seat_region_key")],
        className="map-key",
    )


def page_layout(store: Store, config: Config, state: view.ViewState, embed: bool, table_library_url: str) -> html.Div:
    lang = state.lang
    opened = profile.opened_profile(store, state.cluster)
    choropleths = coverage.choropleths(store, lang, state.filters, state.layer)
    choropleth = coverage.pick(choropleths, state.mode, state.per_capita)
    other = "en" if lang == "fr" else "fr"
    switch = html.A(
        t(lang, "lang_switch"),
        id="lang-switch",
        href=f"?lang={other}",
        lang=other,
        hrefLang=other,
        className="lang-switch",
        title=t(lang, "lang_switch_label"),
    )
    # In an embed, a visible way out to the full map with the same view (href kept by syncUrl).
    full_map = html.A(
        t(lang, "open_full_map"), id="open-full-map", href="/", target="_blank", rel="noopener", hidden=not embed
    )
    if embed:
        # The host page has its own title: ours is for screen readers (every page has an h1).
        header = html.Header(
            className="embed-bar", children=[html.H1(t(lang, "title"), className="sr-only"), full_map, switch]
        )
    else:
        header = html.Header(
            className="header",
            children=[
                html.H1(t(lang, "title")),
                html.Div([embed_ui.embed_button(lang), switch], className="header-tools"),
                full_map,
            ],
        )
    notices = [html.P(t(lang, n.key, param=n.param, value=n.value), className="notice") for n in state.notices]
    hide_filters = embed and state.hide_filters  # only an embed may leave its filter panel out
    classes = ["page"] + (["embed"] if embed else []) + (["no-filters"] if hide_filters else [])
    return html.Div(
        className=" ".join(classes),
        lang=lang,
        children=[
            html.A(t(lang, "skip"), href="#map-region", className="skip-link"),
            header,
            html.Div(notices, className="notices", role="alert") if notices else None,
            html.Main(
                id="main",
                className="body",
                children=[
                    filters.filter_panel(store, state, hidden=hide_filters),
                    html.Div(
                        className="map-column",
                        children=[
                            map_ui.map_view(
                                store,
                                config,
                                lang,
                                list(state.filters.regions),
                                state.viewport,
                                profile.footprint(opened),
                                layer=state.layer,
                            ),
                            map_ui.legend_box(coverage.legend(lang, choropleth)),
                            firstpaint.image_link(store, state),
                            html.P(
                                [profile.sample_badge(lang, True), " ", t(lang, "sample_note")],
                                className="sample-note",
                            ),
                            _map_key(lang),
                            table.table_section(lang, table_library_url),
                        ],
                    ),
                    html.Div(
                        className="side-column",
                        children=[
                            profile.profile_container(store, lang, opened),
                            coverage.region_container(store, lang, state.filters, state.cluster, state.per_capita),
                        ],
                    ),
                ],
            ),
            None if embed else embed_ui.embed_dialog(lang),
            dcc.Store(id="choropleth", data=choropleth),
            dcc.Store(id="choropleths", data=choropleths),
            dcc.Store(id="lang", data=lang),
            dcc.Store(id="selected", data=state.cluster),
            # What a view is, for the browser: sent once, read by assets/mapapp-view.js.
            dcc.Store(id="view-spec", data=view.browser_spec(vocabulary(store))),
        ],
    )


def register_callbacks(app, store_of) -> None:
    map_ui.register_callbacks(app)
    filters.register_callbacks(app, store_of)
    profile.register_callbacks(app, store_of)
    table.register_callbacks(app, store_of)
    coverage.register_callbacks(app, store_of)
    embed_ui.register_callbacks(app)
    firstpaint.register_callbacks(app)
    # The URL follows every control that holds a part of the view (in `view.PAGE` order).
    app.clientside_callback(
        ns_call("view.syncUrl"),
        Output("download-csv", "href"),
        Output("download-csv-fr", "href"),
        Output("download-geojson", "href"),
        Output("lang-switch", "href"),
        Output("download-regions", "href"),
        Output("open-full-map", "href"),
        *[Input(param.control, param.prop) for param in view.PAGE if param.control],
        Input("map", "center"),
        Input("map", "zoom"),
        State("view-spec", "data"),
    )
