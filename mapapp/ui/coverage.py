"""Territorial coverage for regional authorities: the region layer as a choropleth (pôles seated or
active, members, projects, funding; absolute or per 100,000 inhabitants), its legend, the region
profile (one region selected) and the comparison (two to four regions), each with its CSV."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from urllib.parse import urlencode

from dash import Input, Output, State, dcc, html

from mapapp import view
from mapapp.data.cache import memoized
from mapapp.data.classes import classify
from mapapp.data.coverage import MEASURES, REGION_LAYERS, region_coverage
from mapapp.data.query import Filters, Vocabulary, vocabulary
from mapapp.data.region_profile import MAX_COMPARED, MIN_COMPARED, compare_regions, region_profile
from mapapp.data.store import Store
from mapapp.i18n import format_eur, format_euros, format_number, t
from mapapp.ui.map import MAP_PREFIXES, layer_url, ns_call
from mapapp.ui.profile import bar_table, sample_badge, stacked_years

PALETTE = ("#e8edff", "#b6c5f5", "#7f98e8", "#4463d0", "#000091")  # light to dark, blue France
NA_COLOR = "#d9d9d9"
COUNT_MEASURES = ("clusters_seated", "clusters_active", "members", "projects", "members_published")
CLASSES = 5
MAX_DIGITS = 4  # per-inhabitant figures get as many decimals as their classes need to differ, up to this


def coverage_controls(lang: str, state: view.ViewState, vocab: Vocabulary) -> html.Fieldset:
    return html.Fieldset(
        [
            html.Legend(t(lang, view.MODE.label)),
            dcc.RadioItems(
                id=view.MODE.control,
                options=[{"label": t(lang, f"mode_{m}"), "value": m} for m in view.MODE.choices(vocab)],
                value=state.control_value(view.MODE, vocab),
                className="mode-list",
            ),
            dcc.Checklist(
                id=view.PER.control,
                options=[{"label": t(lang, view.PER.label), "value": view.PER.on_value(vocab)}],
                value=state.control_value(view.PER, vocab),
            ),
            html.Div(
                id="coverage-layer-box",
                hidden=not set(state.values["phase"]) <= set(view.LAYER.requires[1](vocab)),
                children=dcc.Checklist(
                    id=view.LAYER.control,
                    options=[{"label": t(lang, view.LAYER.label), "value": view.LAYER.on_value(vocab)}],
                    value=state.control_value(view.LAYER, vocab),
                ),
            ),
        ]
    )


def _format(lang: str, measure: str, value: float | None, per_capita: bool, digits: int = 2) -> str:
    if value is None or value != value:
        return "n/a"
    if measure == "funding_eur" and not per_capita:
        return format_eur(lang, value)
    if measure == "funding_eur":
        return format_euros(lang, value)
    # Zero is exact: "0", not "0,00".
    return format_number(lang, value, digits=digits if per_capita and value else 0)


def _digits(values: list[float], per_capita: bool) -> int:
    """Decimals for per-inhabitant figures: the fewest (at least one) that tell every one of
    `values` apart and show no non-zero value as zero, so a legend never reads "0,00 – 0,00"."""
    if not per_capita:
        return 0
    distinct = sorted(set(values))
    for digits in range(1, MAX_DIGITS + 1):
        shown = [round(v, digits) for v in distinct]
        if len(set(shown)) == len(shown) and all(s != 0 for v, s in zip(distinct, shown, strict=True) if v):
            return digits
    return MAX_DIGITS


def choropleth(store: Store, lang: str, filters: Filters, mode: str, per_capita: bool, layer: str = "regions") -> dict:
    """Colours, tooltip texts and legend of the region layer for one mode (none: plain map).

    Each legend row spans the lowest to the highest value of its class, so rows never overlap;
    the tooltip reads the value then its unit ("232 809 € de financements pour 100 000 hab.")."""
    if mode not in MEASURES:
        return NO_COLOURING
    column = f"{mode}_per_100k" if per_capita else mode
    figures = region_coverage(store, filters, layer=layer)
    values = dict(zip(figures["code"], figures[column], strict=True))
    classes = classify(values, k=CLASSES, scheme="quantiles")
    colors = {code: (PALETTE[c] if c is not None else NA_COLOR) for code, c in classes["classes"].items()}
    bins = classes["bins"]
    if not per_capita and mode in COUNT_MEASURES:
        # Whole numbers: class i holds bins[i-1] < v <= bins[i], so it reads from the next whole
        # number above bins[i-1] to bins[i] ("0", "1", "2 – 3"): every count has its one row.
        ranges = {
            i: (math.floor(classes["min"]) if i == 0 else math.floor(bins[i - 1]) + 1, math.floor(b))
            for i, b in enumerate(bins)
        }
    else:
        # Measured values: each class reads from its lowest to its highest value, so no two rows
        # share a bound ("0", "0,01 – 0,05", not "0,00" then "0,00 – 0,05").
        held: dict[int, list[float]] = {}
        for code, c in classes["classes"].items():
            if c is not None:
                held.setdefault(c, []).append(float(values[code]))
        ranges = {c: (min(held[c]), max(held[c])) for c in sorted(held)}
    money = mode == "funding_eur"
    digits = _digits([bound for pair in ranges.values() for bound in pair], per_capita and not money)
    per = " " + t(lang, "per_100k_short") if per_capita else ""
    unit = t(lang, f"unit_{mode}") + per
    labels = {code: f"{_format(lang, mode, v, per_capita, digits)} {unit}" for code, v in values.items()}
    note = None
    if mode == "members_published":
        # Real figures, counted where the pôle is seated; say how many pôles published none.
        missing = dict(zip(figures["code"], figures["clusters_without_members_published"], strict=True))
        for code, n in missing.items():
            if n:
                labels[code] += " (" + _missing_text(lang, int(n)) + ")"
        total = int(figures["clusters_without_members_published"].sum())
        note = t(lang, "members_published_note") + (" " + _missing_text(lang, total) + "." if total else "")
    rows = []
    for c, (low, high) in ranges.items():
        low_text, high_text = (_format(lang, mode, v, per_capita, digits) for v in (low, high))
        rows.append({"color": PALETTE[c], "text": low_text if low_text == high_text else f"{low_text} – {high_text}"})
    if any(c is None for c in classes["classes"].values()):
        rows.append({"color": NA_COLOR, "text": "n/a"})
    return {
        "colors": colors,
        "labels": labels,
        "legend": {"title": t(lang, f"mode_{mode}") + per, "rows": rows, "note": note},
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
        for mode in MEASURES
        for per in (False, True)
    } | {"badge": t(lang, "sample_badge"), "badge_title": t(lang, "sample_note")}


NO_COLOURING = {"colors": {}, "labels": {}, "legend": None}


def pick(all_colourings: dict, mode: str, per_capita: bool) -> dict:
    """One colouring out of `choropleths` (as `mapapp.map.pickChoropleth` does in the browser)."""
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


def _measure_rows(lang: str, profile: dict, per_capita: bool) -> list:
    """Value and rank of each measure; a rank is out of the regions ranked (per inhabitant,
    Mayotte has no population and is not ranked: 17 of 18)."""
    key, rank = ("per_100k", "rank_per_100k") if per_capita else ("value", "rank")
    ranked = profile["ranked"]["per_100k" if per_capita else "absolute"]
    return [
        html.Tr(
            [
                html.Th(t(lang, f"mode_{m}"), scope="row"),
                html.Td(_format(lang, m, measure[key], per_capita)),
                html.Td(f"{measure[rank]}/{ranked}" if measure[rank] else "n/a"),
            ]
        )
        for m, measure in profile["measures"].items()
    ]


def _selection_text(lang: str, vocab_labels: dict[str, str], filters: Filters) -> str:
    parts = [vocab_labels.get(theme, theme) for theme in filters.themes]
    if filters.q:
        parts.append(t(lang, "search_for", q=filters.q))
    return ", ".join(parts)


def _phase_text(lang: str, filters: Filters) -> str:
    if not filters.phases:
        return t(lang, "of_all_phases")
    return t(lang, "of_phase", phase=", ".join(str(p) for p in filters.phases))


def _csv_link(lang: str, href: str) -> html.P:
    return html.P(html.A(t(lang, "download_csv"), href=href, className="button link"), className="panel-download")


def csv_href(path: str, filters: Filters) -> str:
    """`path` (a CSV endpoint) for the selection of `filters`, in French spreadsheet form."""
    pairs = [(key, value) for key, values in view.values_from(filters).items() for value in values]
    return f"{path}?" + urlencode([*pairs, ("sep", ";")])


def region_panel(store: Store, lang: str, code: str, filters: Filters) -> list:
    profile = region_profile(store, code, filters)
    if not profile:
        return []
    vocab = vocabulary(store)
    label = "label_fr" if lang == "fr" else "label_en"
    theme_labels = dict(zip(store.themes["id"], store.themes[label], strict=True))
    population = profile["population"]
    values = view.values_from(filters)

    def cluster_links(items):
        # In-app links: the current view with this pôle opened (assets/mapapp-view.js keeps the
        # rest of the view, colouring and map included; the href works in a new tab too).
        return html.Ul(
            [
                html.Li(
                    html.A(
                        c["name"],
                        href=view.page_url(values, vocab, cluster=(c["id"],)),
                        lang="fr",
                        **{"data-view": json.dumps({"cluster": [c["id"]]})},
                    )
                )
                for c in items
            ],
            className="cluster-links",
        )

    def heading(key: str, listed: list, total: int) -> html.H3:
        count = t(lang, "n_of_total", n=len(listed), total=total) if profile["filtered"] else str(total)
        return html.H3(f"{t(lang, key)} ({count})")

    missing = [theme_labels[theme] for theme in profile["themes"]["missing"]]
    in_phase = profile["in_phase"]
    return [
        html.H2(profile["name"], id="region-title", tabIndex="-1"),
        html.P(t(lang, "population") + t(lang, "colon") + (format_number(lang, population) if population else "n/a")),
        html.P(
            t(
                lang,
                "selection_note",
                selection=_selection_text(lang, theme_labels, filters),
                phase=_phase_text(lang, filters),
            ),
            className="selection-note",
        )
        if profile["filtered"]
        else None,
        sample_badge(lang, profile["sample"]),
        html.Table(
            [
                html.Thead(html.Tr([html.Th(t(lang, "measure")), html.Th(t(lang, "value")), html.Th(t(lang, "rank"))])),
                html.Tbody(_measure_rows(lang, profile, False)),
            ],
            className="data-table",
        ),
        html.Table(
            [
                html.Caption(t(lang, "per_100k")),
                html.Thead(html.Tr([html.Th(t(lang, "measure")), html.Th(t(lang, "value")), html.Th(t(lang, "rank"))])),
                html.Tbody(_measure_rows(lang, profile, True)),
            ],
            className="data-table",
        ),
        heading("clusters_seated", profile["clusters"]["seated"], in_phase["clusters_seated"]),
        cluster_links(profile["clusters"]["seated"]),
        heading("clusters_active", profile["clusters"]["active"], in_phase["clusters_active"]),
        cluster_links(profile["clusters"]["active"]),
        html.H3(t(lang, "themes_missing", phase=_phase_text(lang, filters))),
        html.P(", ".join(missing) if missing else t(lang, "themes_all_present"), className="themes-missing"),
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
        _csv_link(lang, csv_href(f"/api/regions/{code}.csv", replace(filters, regions=()))),
    ]


def compare_panel(store: Store, lang: str, codes: list[str], filters: Filters, per_capita: bool) -> list:
    blocks = compare_regions(store, codes, filters)
    key = "per_100k" if per_capita else "value"
    header = html.Tr([html.Th(t(lang, "measure")), *[html.Th(b["name"]) for b in blocks]])
    rows = [
        html.Tr(
            [
                html.Th(t(lang, f"mode_{m}"), scope="row"),
                *[html.Td(_format(lang, m, b["measures"][m][key], per_capita)) for b in blocks],
            ]
        )
        for m in MEASURES
    ]
    charts = [
        bar_table(
            t(lang, f"mode_{m}"),
            [
                (b["name"], b["measures"][m][key] or 0, _format(lang, m, b["measures"][m][key], per_capita))
                for b in blocks
            ],
        )
        for m in MEASURES
    ]
    return [
        html.H2(t(lang, "compare_title"), id="region-title", tabIndex="-1"),
        html.P(t(lang, "per_100k") if per_capita else t(lang, "absolute")),
        sample_badge(lang, any(b["sample"] for b in blocks)),
        html.Table([html.Thead(header), html.Tbody(rows)], className="data-table compare-table"),
        *charts,
        _csv_link(lang, csv_href("/api/regions/compare.csv", filters)),
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
    if MIN_COMPARED <= len(filters.regions) <= MAX_COMPARED:
        return compare_panel(store, lang, list(filters.regions), filters, per_capita)
    return []


def register_callbacks(app, store_of) -> None:
    @app.callback(
        Output("choropleths", "data"),
        Input(view.THEME.control, "value"),
        Input(view.PHASE.control, "value"),
        Input(view.Q.control, "value"),
        Input(view.LAYER.control, "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def recolour(themes, phase, q, layer, lang):
        store = store_of()
        values = view.from_controls(vocabulary(store), theme=themes, phase=phase, q=q, layer=layer)
        return choropleths(store, lang, view.filters_from(values), values["layer"][0])

    app.clientside_callback(
        ns_call("map.historicLayer", {layer: layer_url(layer) for layer in REGION_LAYERS}),
        Output("coverage-layer-box", "hidden"),
        Output("map-regions", "url"),
        Input(view.PHASE.control, "value"),
        Input(view.LAYER.control, "value"),
        State("view-spec", "data"),
        prevent_initial_call=True,
    )

    app.clientside_callback(
        ns_call("map.pickChoropleth"),
        Output("choropleth", "data"),
        Output("coverage-legend", "children"),
        Input(view.MODE.control, "value"),
        Input(view.PER.control, "value"),
        Input("choropleths", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("region-panel", "children"),
        Output("region-panel", "hidden"),
        Input(view.REGION.control, "value"),
        Input(view.THEME.control, "value"),
        Input(view.PHASE.control, "value"),
        Input(view.Q.control, "value"),
        Input("selected", "data"),
        Input(view.PER.control, "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def region_view(regions, themes, phase, q, cluster, per_capita, lang):
        store = store_of()
        values = view.from_controls(vocabulary(store), region=regions, theme=themes, phase=phase, q=q)
        children = region_children(store, lang, view.filters_from(values), cluster, bool(per_capita))
        return children, not children

    app.clientside_callback(
        ns_call("panels.showRegion"),
        Output("region-panel", "title"),
        Input("region-panel", "children"),
        prevent_initial_call=True,
    )

    app.clientside_callback(
        ns_call("map.clickRegion"),
        Output(view.REGION.control, "value", allow_duplicate=True),
        *[Input(f"{prefix}-regions", "clickData") for prefix in MAP_PREFIXES],
        State(view.REGION.control, "value"),
        State(view.LAYER.control, "value"),
        prevent_initial_call=True,
    )
