"""The filter panel: themes (with their legend colours), phase (with what each phase was), region,
text search, reset, live count and downloads of exactly the filtered view. Each control holds one
parameter of the view (`mapapp.view`), its value read from and written back to the URL."""

from __future__ import annotations

from dash import Input, Output, State, dcc, html

from mapapp import view
from mapapp.data.query import vocabulary
from mapapp.data.store import Store
from mapapp.i18n import LOCALES, format_date, t
from mapapp.ui.coverage import coverage_controls
from mapapp.ui.map import MAP_PREFIXES, OVERSEAS, ns_call

# Every pôle of every phase, fetched once (and preloaded by the page head): the browser filters it.
FEATURES_URL = "/api/clusters?phase=all"
# The texts Dash's Dropdown shows itself (English by default): from our catalogs instead.
DROPDOWN_LABELS = (
    "select_all",
    "deselect_all",
    "selected_count",
    "search",
    "clear_search",
    "clear_selection",
    "no_options_found",
)
# Download buttons: (id, message, first href); the hrefs follow the filters (`view.syncUrl`), and
# each answer names its file for what it holds (Content-Disposition).
DOWNLOADS = (
    ("download-csv", "csv", "/api/clusters.csv"),
    ("download-csv-fr", "csv_fr", "/api/clusters.csv?sep=%3B"),
    ("download-geojson", "geojson", "/api/clusters.geojson"),
    ("download-regions", "download_regions", "/api/regions.csv?sep=%3B"),
)


def phase_values(store: Store) -> list[str]:
    """The phase filter's values: "all", then every phase (`geodata/phases.csv`)."""
    return [view.ALL, *(str(p) for p in vocabulary(store).phases)]


def _phase_info(store: Store, lang: str, selected: str) -> list:
    blocks = [
        html.P(
            t(lang, "all_phases_note", n=len(store.phases)),
            id=f"phase-info-{view.ALL}",
            className="phase-info",
            hidden=selected != view.ALL,
        )
    ]
    for row in store.phases.to_dict(orient="records"):
        budget = row[f"budget_{lang}"]
        blocks.append(
            html.Div(
                id=f"phase-info-{row['phase']}",
                className="phase-info",
                hidden=selected != str(row["phase"]),
                children=[
                    html.P(html.Strong(f"{row['start_year']}-{row['end_year']} · {row[f'name_{lang}']}")),
                    html.P(row[f"aim_{lang}"]),
                    html.P(t(lang, "phase_published", n=row["clusters_published"]))
                    if row["clusters_published"] == row["clusters_published"]
                    else None,
                    html.P(budget) if budget else None,
                    html.P(
                        [
                            t(lang, "source") + t(lang, "colon"),
                            row["source"],
                            f" ({t(lang, 'as_of', date=format_date(lang, row['as_of']))})",
                        ],
                        className="source",
                    ),
                ],
            )
        )
    return blocks


def filter_panel(store: Store, state: view.ViewState, hidden: bool = False) -> html.Section:
    """The panel; `hidden` (an embed's `hide=filters`) keeps its controls, which drive the map."""
    lang, vocab = state.lang, vocabulary(store)
    label = "label_fr" if lang == "fr" else "label_en"
    theme_options = [
        {
            "label": html.Span([html.Span(className="swatch", style={"background": color}), text]),
            "value": theme_id,
        }
        for theme_id, text, color in zip(store.themes["id"], store.themes[label], store.themes["color"], strict=True)
    ]
    phase_value = state.control_value(view.PHASE, vocab)
    phase_options = [{"label": t(lang, "phase_all"), "value": view.ALL}] + [
        {"label": f"{row['phase']} · {row['start_year']}-{str(row['end_year'])[2:]}", "value": str(row["phase"])}
        for row in store.phases.to_dict(orient="records")
    ]
    # The trailing space keeps the names apart in the text of the dropdown, which shows the
    # chosen ones side by side as tags: its accessible name then matches what it shows.
    region_options = [
        {"label": f"{name} ", "value": code}
        for code, name in sorted(zip(store.regions["code"], store.regions["name"], strict=True))
    ]
    return html.Section(
        className="filters",
        hidden=hidden,
        **{"aria-label": t(lang, "filters")},
        children=[
            html.Div(
                className="search-box",
                children=[
                    html.Label(t(lang, view.Q.label), htmlFor=view.Q.control),
                    dcc.Input(
                        id=view.Q.control,
                        type="search",
                        value=state.control_value(view.Q, vocab),
                        placeholder=t(lang, "search_placeholder"),
                        debounce=False,
                        autoComplete="off",
                        maxLength=view.MAX_QUERY_LENGTH,
                    ),
                ],
            ),
            html.P(id="count", className="count", role="status", **{"aria-live": "polite"}),
            html.Fieldset(
                [
                    html.Legend(t(lang, view.THEME.label)),
                    dcc.Checklist(
                        id=view.THEME.control,
                        options=theme_options,
                        value=state.control_value(view.THEME, vocab),
                        className="theme-list",
                    ),
                ]
            ),
            html.Fieldset(
                [
                    html.Legend(t(lang, view.PHASE.label)),
                    dcc.RadioItems(
                        id=view.PHASE.control, options=phase_options, value=phase_value, className="phase-list"
                    ),
                    html.Div(_phase_info(store, lang, phase_value)),
                ]
            ),
            html.Div(
                [
                    html.Label(t(lang, view.REGION.label), htmlFor=view.REGION.control),
                    dcc.Dropdown(
                        id=view.REGION.control,
                        options=region_options,
                        value=state.control_value(view.REGION, vocab),
                        multi=True,
                        placeholder=t(lang, "region_placeholder"),
                        searchable=True,
                        labels={key: t(lang, f"dropdown_{key}") for key in DROPDOWN_LABELS},
                    ),
                ]
            ),
            coverage_controls(lang, state, vocab),
            html.Div(
                className="filter-actions",
                children=[
                    html.Button(t(lang, "reset"), id="reset", className="button secondary", type="button"),
                    html.Span(t(lang, "download") + " :", className="download-label"),
                    *[
                        html.A(t(lang, label), id=link_id, href=href, className="button link")
                        for link_id, label, href in DOWNLOADS
                    ],
                ],
            ),
            # Every pôle, fetched once from the cacheable API (preloaded by the page head).
            dcc.Store(id="features-url", data=FEATURES_URL),
            dcc.Store(id="features"),
            dcc.Store(
                id="messages",
                data={key: t(lang, key) for key in ("count", "count_one", "count_zero")}
                | {"locale": LOCALES[lang].replace("_", "-")},
            ),
            dcc.Store(id="filtered-rows"),
        ],
    )


def register_callbacks(app, store_of) -> None:
    app.clientside_callback(
        ns_call("map.loadFeatures"),
        Output("features", "data"),
        Input("features-url", "data"),
    )
    # One callback from a click to every map's data: each extra callback round costs a frame.
    app.clientside_callback(
        ns_call("map.filterFeatures", list(OVERSEAS)),
        *[Output(f"{prefix}-clusters", "data") for prefix in MAP_PREFIXES],
        Output("filtered-rows", "data"),
        Output("count", "children"),
        Output("empty", "hidden"),
        Input("theme-filter", "value"),
        Input("phase-filter", "value"),
        Input("region-filter", "value"),
        Input("search", "value"),
        Input("features", "data"),
        State("messages", "data"),
        State("region-bounds", "data"),
        State("view-spec", "data"),
    )
    # "Réinitialiser": every control back to its parameter's default (the arrival view).
    app.clientside_callback(
        ns_call("view.reset"),
        Output("reset", "value"),
        Input("reset", "n_clicks"),
        State("view-spec", "data"),
        prevent_initial_call=True,
    )
    phases = phase_values(store_of())
    app.clientside_callback(
        f"function(phase) {{ return {phases}.map(function(p) {{ return p !== phase; }}); }}",
        [Output(f"phase-info-{p}", "hidden") for p in phases],
        Input(view.PHASE.control, "value"),
        prevent_initial_call=True,
    )
