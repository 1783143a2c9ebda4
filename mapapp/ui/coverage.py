"""Territorial coverage for regional authorities: the region layer as a choropleth (pôles seated or
active, members, projects, funding; absolute or per 100,000 inhabitants), its legend, the region
profile (one region selected) and the comparison (two to four regions)."""

from __future__ import annotations

import math

from dash import Input, Output, State, dcc, html

from mapapp.data import coverage
from mapapp.data.cache import memoized
from mapapp.data.query import Filters, region_coverage
from mapapp.data.store import Store
from mapapp.i18n import format_eur, format_euros, format_number, t
from mapapp.ui.map import MAP_PREFIXES, ns_call
from mapapp.ui.profile import bar_table, sample_badge, stacked_years
from mapapp.ui.state import COVERAGE_MODES as MODES
from mapapp.ui.state import HISTORIC_PHASES

PALETTE = ("#e8edff", "#b6c5f5", "#7f98e8", "#4463d0", "#000091")  # light to dark, blue France
NA_COLOR = "#d9d9d9"
COUNT_MEASURES = ("clusters_seated", "clusters_active", "members", "projects")
CLASSES = 5
REGION_LAYER_URLS = {"regions": "/geodata/regions.geojson", "regions_2015": "/geodata/regions_2015.geojson"}


def coverage_controls(lang: str, mode: str, per_capita: bool, layer: str, phase: int | None) -> html.Fieldset:
    return html.Fieldset(
        [
            html.Legend(t(lang, "coverage")),
            dcc.RadioItems(
                id="coverage-mode",
                options=[{"label": t(lang, f"mode_{m}"), "value": m} for m in MODES],
                value=mode,
                className="mode-list",
            ),
            dcc.Checklist(
                id="coverage-per-capita",
                options=[{"label": t(lang, "per_100k"), "value": "per_100k"}],
                value=["per_100k"] if per_capita else [],
            ),
            html.Div(
                id="coverage-layer-box",
                hidden=phase not in HISTORIC_PHASES,
                children=dcc.Checklist(
                    id="coverage-layer",
                    options=[{"label": t(lang, "layer_2015"), "value": "regions_2015"}],
                    value=["regions_2015"] if layer == "regions_2015" else [],
                ),
            ),
        ]
    )


def _format(lang: str, measure: str, value: float | None, per_capita: bool) -> str:
    if value is None or value != value:
        return "n/a"
    if measure == "funding_eur" and not per_capita:
        return format_eur(lang, value)
    if measure == "funding_eur":
        return format_euros(lang, value)
    return format_number(lang, value, digits=2 if per_capita else 0)


def choropleth(store: Store, lang: str, filters: Filters, mode: str, per_capita: bool, layer: str = "regions") -> dict:
    """Colours, tooltip texts and legend of the region layer for one mode (none: plain map)."""
    if mode not in coverage.MEASURES:
        return NO_COLOURING
    column = f"{mode}_per_100k" if per_capita else mode
    figures = region_coverage(store, filters, layer=layer)
    values = dict(zip(figures["code"], figures[column], strict=True))
    classes = coverage.classify(values, k=CLASSES, scheme="quantiles")
    colors = {code: (PALETTE[c] if c is not None else NA_COLOR) for code, c in classes["classes"].items()}
    unit = t(lang, f"unit_{mode}") + (" " + t(lang, "per_100k_short") if per_capita else "")
    labels = {code: f"{_format(lang, mode, v, per_capita)} {unit}" for code, v in values.items()}
    note = None
    if mode == "members_published":
        # Real figures, counted where the pôle is seated; say how many pôles published none.
        missing = dict(zip(figures["code"], figures["clusters_without_members_published"], strict=True))
        for code, n in missing.items():
            if n:
                labels[code] += " (" + _missing_text(lang, int(n)) + ")"
        total = int(figures["clusters_without_members_published"].sum())
        note = t(lang, "members_published_note") + (" " + _missing_text(lang, total) + "." if total else "")
    bounds, lower, rows = classes["bins"], min((v for v in values.values() if v == v), default=0), []
    # Counts are whole numbers: class i holds bins[i-1] < v <= bins[i], so from the next whole
    # number above bins[i-1] to the whole part of bins[i]; a one-value class shows that value.
    counts = not per_capita and mode in COUNT_MEASURES
    for i, upper in enumerate(bounds):
        low = lower if i == 0 else bounds[i - 1]
        if counts:
            low, upper = (low if i == 0 else math.floor(low) + 1), math.floor(upper)
        low_text, upper_text = _format(lang, mode, low, per_capita), _format(lang, mode, upper, per_capita)
        rows.append(
            {"color": PALETTE[i], "text": upper_text if low_text == upper_text else f"{low_text} – {upper_text}"}
        )
    if any(c is None for c in classes["classes"].values()):
        rows.append({"color": NA_COLOR, "text": "n/a"})
    return {
        "colors": colors,
        "labels": labels,
        "legend": {"title": unit, "rows": rows, "note": note},
        "sample": bool(figures["sample"].any()) and mode in ("members", "projects", "funding_eur"),
    }


def _missing_text(lang: str, n: int) -> str:
    return t(lang, "members_published_missing_one") if n == 1 else t(lang, "members_published_missing", n=n)


def choropleths(store: Store, lang: str, filters: Filters, layer: str = "regions") -> dict:
    """Every colouring of the region layer for one selection, keyed "mode|per_100k" (0/1), so
    switching modes is done in the browser without a server round trip. Built once per store,
    language, filters and layer: most page loads ask for the same few (shared, not to be changed)."""
    return memoized(store, "choropleths", (lang, filters, layer), lambda: _choropleths(store, lang, filters, layer))


def _choropleths(store: Store, lang: str, filters: Filters, layer: str) -> dict:
    return {
        f"{mode}|{int(per)}": choropleth(store, lang, filters, mode, per, layer)
        for mode in coverage.MEASURES
        for per in (False, True)
    } | {"badge": t(lang, "sample_badge"), "badge_title": t(lang, "sample_note")}


NO_COLOURING = {"colors": {}, "labels": {}, "legend": None}


def pick(all_colourings: dict, mode: str, per_capita: bool) -> dict:
    """One colouring out of `choropleths` (as `mapapp.pickChoropleth` does in the browser)."""
    return all_colourings.get(f"{mode}|{int(per_capita)}", NO_COLOURING)


def legend(lang: str, data: dict) -> list:
    if not data or not data.get("legend"):
        return []
    items = [
        html.Li([html.Span(className="swatch square", style={"background": row["color"]}), row["text"]])
        for row in data["legend"]["rows"]
    ]
    note = data["legend"].get("note")
    return [
        html.P(html.Strong(data["legend"]["title"])),
        html.Ul(items),
        html.P(note, className="legend-note") if note else None,
        sample_badge(lang, data.get("sample", False)),
    ]


def _measure_rows(lang: str, measures: dict, per_capita: bool) -> list:
    key, rank = ("per_100k", "rank_per_100k") if per_capita else ("value", "rank")
    return [
        html.Tr(
            [
                html.Th(t(lang, f"mode_{m}"), scope="row"),
                html.Td(_format(lang, m, measures[m][key], per_capita)),
                html.Td(f"{measures[m][rank]}/18" if measures[m][rank] else "n/a"),
            ]
        )
        for m in coverage.MEASURES
    ]


def region_panel(store: Store, lang: str, code: str, filters: Filters) -> list:
    profile = coverage.region_profile(store, code, filters)
    if not profile:
        return []
    label = "label_fr" if lang == "fr" else "label_en"
    population = profile["population"]

    def cluster_links(items):
        return html.Ul(
            [html.Li(html.A(c["name"], href=f"?cluster={c['id']}&region={code}")) for c in items],
            className="cluster-links",
        )

    missing = [th[label] for th in profile["themes"]["items"] if th["id"] in profile["themes"]["missing"]]
    return [
        html.H2(profile["name"], id="region-title", tabIndex="-1"),
        html.P(t(lang, "population") + t(lang, "colon") + (format_number(lang, population) if population else "n/a")),
        sample_badge(lang, profile["sample"]),
        html.Table(
            [
                html.Thead(html.Tr([html.Th(t(lang, "measure")), html.Th(t(lang, "value")), html.Th(t(lang, "rank"))])),
                html.Tbody(_measure_rows(lang, profile["measures"], False)),
            ],
            className="data-table",
        ),
        html.Table(
            [
                html.Caption(t(lang, "per_100k")),
                html.Thead(html.Tr([html.Th(t(lang, "measure")), html.Th(t(lang, "value")), html.Th(t(lang, "rank"))])),
                html.Tbody(_measure_rows(lang, profile["measures"], True)),
            ],
            className="data-table",
        ),
        html.H3(f"{t(lang, 'clusters_seated')} ({len(profile['clusters']['seated'])})"),
        cluster_links(profile["clusters"]["seated"]),
        html.H3(f"{t(lang, 'clusters_active')} ({len(profile['clusters']['active'])})"),
        cluster_links(profile["clusters"]["active"]),
        html.H3(t(lang, "themes_missing")),
        html.P(", ".join(missing) if missing else t(lang, "themes_all_present")),
        bar_table(
            t(lang, "members_by_category"),
            [(t(lang, "cat_" + c), n, format_number(lang, n)) for c, n in profile["members"]["by_category"].items()],
        ),
        bar_table(
            t(lang, "funding_by_source"),
            [
                (t(lang, "funder_" + r["funder"]), r["amount_eur"], format_eur(lang, r["amount_eur"]))
                for r in profile["funding"]["by_funder"]
            ],
            color="#6a6af4",
        ),
        stacked_years(lang, t(lang, "funding_by_year"), profile["funding"]["by_year"]),
    ]


def compare_panel(store: Store, lang: str, codes: list[str], filters: Filters, per_capita: bool) -> list:
    blocks = coverage.compare_regions(store, codes, filters)
    key = "per_100k" if per_capita else "value"
    header = html.Tr([html.Th(t(lang, "measure")), *[html.Th(b["name"]) for b in blocks]])
    rows = [
        html.Tr(
            [
                html.Th(t(lang, f"mode_{m}"), scope="row"),
                *[html.Td(_format(lang, m, b["measures"][m][key], per_capita)) for b in blocks],
            ]
        )
        for m in coverage.MEASURES
    ]
    charts = [
        bar_table(
            t(lang, f"mode_{m}"),
            [
                (b["name"], b["measures"][m][key] or 0, _format(lang, m, b["measures"][m][key], per_capita))
                for b in blocks
            ],
        )
        for m in coverage.MEASURES
    ]
    return [
        html.H2(t(lang, "compare_title"), id="region-title", tabIndex="-1"),
        html.P(t(lang, "per_100k") if per_capita else t(lang, "absolute")),
        sample_badge(lang, any(b["sample"] for b in blocks)),
        html.Table([html.Thead(header), html.Tbody(rows)], className="data-table compare-table"),
        *charts,
    ]


def region_container(store: Store, lang: str, filters: Filters, cluster: str | None, per_capita: bool) -> html.Aside:
    children = region_children(store, lang, filters, cluster, per_capita)
    return html.Aside(
        id="region-panel",
        className="profile region",
        hidden=not children,
        children=children,
        **{"aria-labelledby": "region-title"},
    )


def region_children(store: Store, lang: str, filters: Filters, cluster: str | None, per_capita: bool) -> list:
    if cluster:
        return []  # the pôle's profile takes the column
    if len(filters.regions) == 1:
        return region_panel(store, lang, filters.regions[0], filters)
    if coverage.MIN_COMPARED <= len(filters.regions) <= coverage.MAX_COMPARED:
        return compare_panel(store, lang, list(filters.regions), filters, per_capita)
    return []


def _layer(layer, phase) -> str:
    historic = phase not in (None, "all") and int(phase) in HISTORIC_PHASES
    return "regions_2015" if historic and layer else "regions"


def _filters(themes, phase, regions, q) -> Filters:
    phases = () if not phase or phase == "all" else (int(phase),)
    return Filters(themes=tuple(themes or ()), phases=phases, regions=tuple(regions or ()), q=(q or "").strip())


def register_callbacks(app, store_of) -> None:
    @app.callback(
        Output("choropleths", "data"),
        Input("theme-filter", "value"),
        Input("phase-filter", "value"),
        Input("search", "value"),
        Input("coverage-layer", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def recolour(themes, phase, q, layer, lang):
        return choropleths(store_of(), lang, _filters(themes, phase, [], q), _layer(layer, phase))

    app.clientside_callback(
        ns_call("historicLayer", list(HISTORIC_PHASES), REGION_LAYER_URLS),
        Output("coverage-layer-box", "hidden"),
        Output("map-regions", "url"),
        Input("phase-filter", "value"),
        Input("coverage-layer", "value"),
        prevent_initial_call=True,
    )

    app.clientside_callback(
        ns_call("pickChoropleth"),
        Output("choropleth", "data"),
        Output("coverage-legend", "children"),
        Input("coverage-mode", "value"),
        Input("coverage-per-capita", "value"),
        Input("choropleths", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("region-panel", "children"),
        Output("region-panel", "hidden"),
        Input("region-filter", "value"),
        Input("theme-filter", "value"),
        Input("phase-filter", "value"),
        Input("search", "value"),
        Input("selected", "data"),
        Input("coverage-per-capita", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def region_view(regions, themes, phase, q, cluster, per_capita, lang):
        children = region_children(store_of(), lang, _filters(themes, phase, regions, q), cluster, bool(per_capita))
        return children, not children

    app.clientside_callback(
        ns_call("clickRegion"),
        Output("region-filter", "value", allow_duplicate=True),
        *[Input(f"{prefix}-regions", "clickData") for prefix in MAP_PREFIXES],
        State("region-filter", "value"),
        State("coverage-layer", "value"),
        prevent_initial_call=True,
    )
