"""The pôle profile panel: identity, label timeline and lineage, then members, projects and funding,
each figure with its source and date, and a visible badge wherever figures are sample data.

Charts are HTML tables with proportional bars: readable without colour, by screen readers and
on a phone, and they cost no charting library on the page.
"""

from __future__ import annotations

from dash import Input, Output, State, dcc, html, no_update

from mapapp.data.profile import cluster_profile
from mapapp.data.store import Store
from mapapp.i18n import DATA_LANG, format_date, format_eur, format_number, t
from mapapp.ui.map import MAP_PREFIXES, footprints, ns_call

FUNDER_COLORS = {
    "state_fui": "#000091",
    "region": "#6a6af4",
    "feder": "#009081",
    "anr": "#c9191e",
    "bpifrance": "#ffca00",
    "pia": "#a558a0",
    "eu": "#0063cb",
}
MEMBERS_SHOWN = 100
PROJECT_COLUMNS = ("col_year", "col_title", "col_partners", "col_total_cost", "col_public")


def sample_badge(lang: str, sample: bool):
    if not sample:
        return None
    return html.Span(t(lang, "sample_badge"), className="badge sample", title=t(lang, "sample_note"))


def _sources(lang: str, sources: list[dict]) -> html.P:
    text = "; ".join(f"{s['source']} ({t(lang, 'as_of', date=format_date(lang, s['as_of']))})" for s in sources[:3])
    return html.P([t(lang, "source") + t(lang, "colon"), text], className="source")


def bar_table(caption: str, rows: list[tuple[str, float, str]], color: str = "#000091") -> html.Table:
    """One row per (label, value, formatted value), bar length proportional to the value."""
    peak = max((value for _, value, _ in rows), default=0) or 1
    return html.Table(
        className="bar-table",
        children=[
            html.Caption(caption),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Th(label, scope="row"),
                            html.Td(
                                [
                                    html.Span(
                                        className="bar",
                                        style={"width": f"{100 * value / peak:.1f}%", "background": color},
                                    ),
                                    html.Span(shown, className="bar-value"),
                                ]
                            ),
                        ]
                    )
                    for label, value, shown in rows
                ]
            ),
        ],
    )


def stacked_years(lang: str, caption: str, by_year: list[dict]) -> html.Table:
    """Funding per year, one segment per funder, with the total written out."""
    years: dict[int, dict[str, float]] = {}
    for row in by_year:
        years.setdefault(row["year"], {})[row["funder"]] = row["amount_eur"]
    peak = max((sum(v.values()) for v in years.values()), default=0) or 1
    body = []
    for year in sorted(years):
        parts = years[year]
        segments = [
            html.Span(
                className="bar",
                title=t(lang, "label_value", label=t(lang, "funder_" + funder), value=format_eur(lang, amount)),
                style={"width": f"{100 * amount / peak:.2f}%", "background": FUNDER_COLORS[funder]},
            )
            for funder, amount in parts.items()
        ]
        body.append(
            html.Tr(
                [
                    html.Th(str(year), scope="row"),
                    html.Td(
                        [
                            html.Span(segments, className="stack"),
                            html.Span(format_eur(lang, sum(parts.values())), className="bar-value"),
                        ]
                    ),
                ]
            )
        )
    legend = html.Ul(
        [
            html.Li([html.Span(className="swatch square", style={"background": color}), t(lang, "funder_" + funder)])
            for funder, color in FUNDER_COLORS.items()
        ],
        className="funder-legend",
    )
    return html.Div([html.Table([html.Caption(caption), html.Tbody(body)], className="bar-table"), legend])


def _source_link(lang: str, url: str | None, as_of: str | None, label_key: str = "figure_source") -> list:
    """ "(source, 12 juil. 2005)" with the source as a link that opens apart: every fact says where
    it comes from."""
    if not url:
        return []
    when = format_date(lang, as_of)
    link = html.A(t(lang, label_key), href=url, target="_blank", rel="noopener noreferrer")
    return [" (", link, f", {when})" if when else ")"]


def _figure_value(lang: str, figure: dict) -> str:
    value = format_eur(lang, figure["value"]) if figure["unit"] == "EUR" else format_number(lang, figure["value"])
    period = figure.get("period")
    if period == "cumulative":
        return f"{value} {t(lang, 'period_cumulative')}"
    if period:
        return f"{value} {t(lang, 'period_range' if '-' in period else 'period_year', period=period)}"
    return value


def _figure_row(lang: str, figure: dict) -> html.Tr:
    return html.Tr(
        [
            html.Th(t(lang, "measure_" + figure["measure"]), scope="row"),
            html.Td(html.Strong(_figure_value(lang, figure))),
            html.Td(
                [
                    format_date(lang, figure["as_of"]),
                    " — ",
                    html.A(
                        t(lang, "figure_source"),
                        href=figure["source"],
                        target="_blank",
                        rel="noopener noreferrer",
                    ),
                    " ",
                    # The source's own words for the number, in French whatever the page's language.
                    html.Q(figure["stated_as"], lang=DATA_LANG, className="stated-as"),
                ]
            ),
        ]
    )


def published_section(lang: str, profile: dict) -> html.Section:
    """ "Chiffres publiés par le pôle": real, dated, sourced figures, shown before any sample: the
    latest value of each measure, then every dated value (growth) in a disclosure."""
    figures = profile.get("figures") or []
    latest: dict[str, dict] = {}
    for figure in figures:  # measure order, newest first
        latest.setdefault(figure["measure"], figure)
    # Members by kind are shown beside the members figure of the same date only: "of which 380
    # SMEs" from 2011 under a members count of 2023 would read as a share of it.
    members_date = latest["members"]["as_of"] if "members" in latest else None
    latest = {m: f for m, f in latest.items() if not m.startswith("members_") or f["as_of"] == members_date}
    body: list = [
        html.H3(t(lang, "published_figures"), id="published-title"),
        html.P(t(lang, "published_figures_note"), className="source"),
    ]
    if not latest:
        body.append(html.P(t(lang, "published_figures_none")))
    else:
        body.append(html.Table(html.Tbody([_figure_row(lang, f) for f in latest.values()]), className="figures"))
        if len(figures) > len(latest):
            body.append(
                html.Details(
                    [
                        html.Summary(f"{t(lang, 'published_figures')} — {format_number(lang, len(figures))}"),
                        html.Table(html.Tbody([_figure_row(lang, f) for f in figures]), className="figures"),
                    ],
                    className="all-figures",
                )
            )
    return html.Section(body, className="published", **{"aria-labelledby": "published-title"})


def _seat_text(lang: str, seat: dict | None) -> list:
    if not seat:
        return [t(lang, "no_seat")]
    if seat["precision"] == "region":
        return [html.Em(t(lang, "seat_region")), *_source_link(lang, seat.get("source"), seat.get("as_of"))]
    if seat["precision"] == "area":
        text = t(lang, "seat_area", area=seat["area"], commune=seat["name"])
    else:
        text = seat["name"]
    return [text, *_source_link(lang, seat.get("source"), seat.get("as_of"))]


def _timeline(lang: str, profile: dict) -> html.Ol:
    by_phase: dict[int, list[dict]] = {}
    for label in profile["labels"]:
        by_phase.setdefault(label["phase"], []).append(label)
    items = []
    for phase in (1, 2, 3, 4, 5):
        events = by_phase.get(phase, [])
        status = events[-1]["status"] if events else None
        text = ", ".join(f"{t(lang, 'status_' + e['status'])} ({format_date(lang, e['date'])})" for e in events) or "—"
        items.append(
            html.Li(
                [html.Strong(f"Phase {phase}"), html.Span(text)], className=f"phase-step {status or 'none'}", title=text
            )
        )
    return html.Ol(items, className="timeline", **{"aria-label": t(lang, "labels")})


def _lineage(lang: str, profile: dict) -> list:
    lineage, out = profile["lineage"], []
    if lineage.get("merged_into"):
        target = lineage["merged_into"]
        key = "merged_into" if target.get("date") else "merged_into_nodate"
        out.append(html.P(t(lang, key, name=target["name"], date=format_date(lang, target.get("date")))))
    if lineage.get("merged_from"):
        out.append(html.P(t(lang, "merged_from", names=", ".join(m["name"] for m in lineage["merged_from"]))))
    if lineage.get("renamed_source"):
        key = "renamed" if lineage.get("renamed_date") else "renamed_nodate"
        renamed = t(lang, key, date=format_date(lang, lineage.get("renamed_date")))
        out.append(html.P([renamed, *_source_link(lang, lineage["renamed_source"], lineage.get("renamed_date"))]))
    ended = lineage.get("ended")
    if ended:
        text = t(lang, "ended_" + ended["how"], date=format_date(lang, ended["date"]))
        out.append(html.P([text, *_source_link(lang, ended["source"], ended["date"])], className="ended"))
    return out


TABS = ("members", "projects", "funding")


def tab_set(sections: list[tuple[str, str, list]]) -> list:
    """WAI-ARIA tabs: buttons with role=tab (arrow keys move between them), panels with
    role=tabpanel; the first is open."""
    tablist = html.Div(
        role="tablist",
        className="tablist",
        children=[
            html.Button(
                label,
                id=f"tab-{key}",
                role="tab",
                type="button",
                className="tab",
                **{"aria-selected": "true" if i == 0 else "false", "aria-controls": f"panel-{key}"},
                tabIndex="0" if i == 0 else "-1",
            )
            for i, (key, label, _) in enumerate(sections)
        ],
    )
    panels = [
        html.Div(
            children,
            id=f"panel-{key}",
            role="tabpanel",
            hidden=i != 0,
            tabIndex="0",
            **{"aria-labelledby": f"tab-{key}"},
            className="tabpanel",
        )
        for i, (key, _, children) in enumerate(sections)
    ]
    return [tablist, *panels]


def opened_profile(store: Store, cluster_id: str | None) -> dict | None:
    """The profile of the opened pôle (None when none is open or the id names no pôle): built
    once per render and shared by the panel and the footprint."""
    return cluster_profile(store, cluster_id) if cluster_id else None


def profile_panel(lang: str, profile: dict | None) -> list:
    """The panel's children for one pôle (empty when none is open)."""
    if not profile:
        return []
    members, projects, funding = profile["members"], profile["projects"], profile["funding"]
    label = "label_fr" if lang == "fr" else "label_en"
    facts = [
        (t(lang, "aliases"), ", ".join(profile.get("aliases") or [])),
        (t(lang, "former_names"), ", ".join(profile["former_names"])),
        (t(lang, "seat"), _seat_text(lang, profile["seat"])),
        (t(lang, "regions"), ", ".join(r["name"] for r in profile["region_codes"])),
    ]
    header = [
        html.H2(profile["name"], id="profile-title", tabIndex="-1"),
        html.Ul(
            [
                html.Li([html.Span(className="swatch", style={"background": th["color"]}), th[label]])
                for th in profile["themes"]
            ],
            className="theme-tags",
        ),
        published_section(lang, profile),
        html.Dl([part for name, value in facts if value for part in (html.Dt(name), html.Dd(value))]),
        html.P(
            [
                html.A(t(lang, "website"), href=profile["website"], target="_blank", rel="noopener noreferrer"),
                *_source_link(lang, profile.get("website_source"), profile.get("website_as_of"), "website_source"),
            ]
        )
        if profile.get("website")
        else None,
        html.H3(t(lang, "labels")),
        _timeline(lang, profile),
        *_lineage(lang, profile),
        _sources(lang, [{"source": profile["source"], "as_of": profile["as_of"]}]),
    ]
    member_rows = [(t(lang, "cat_" + cat), n, format_number(lang, n)) for cat, n in members["by_category"].items()]
    project_rows = [
        html.Tr(
            [
                html.Td(p["year"]),
                # Data, in French whatever the page's language (for screen readers' voices).
                html.Td(p["title"], lang=DATA_LANG),
                html.Td(", ".join(p["partners"][:4]) + ("…" if len(p["partners"]) > 4 else ""), lang=DATA_LANG),
                html.Td(format_eur(lang, p["total_cost_eur"])),
                html.Td(format_eur(lang, p["public_funding_eur"])),
            ]
        )
        for p in projects["items"][:50]
    ]
    funder_rows = [
        (t(lang, "funder_" + row["funder"]), row["amount_eur"], format_eur(lang, row["amount_eur"]))
        for row in funding["by_funder"]
    ]
    sections = [
        (
            "members",
            f"{t(lang, 'members')} ({format_number(lang, members['count'])})",
            [
                sample_badge(lang, members["sample"]),
                bar_table(t(lang, "members_by_category"), member_rows),
                html.Label(t(lang, "members_search"), htmlFor="member-search"),
                dcc.Input(id="member-search", type="search", debounce=False, autoComplete="off"),
                # Scrolls: focusable so that a keyboard can scroll it too.
                html.Ul(
                    id="member-list",
                    className="member-list",
                    lang=DATA_LANG,
                    tabIndex=0,
                    **{"aria-label": t(lang, "members")},
                ),
                dcc.Store(id="profile-members", data=members["items"]),
                _sources(lang, members["sources"]),
            ],
        ),
        (
            "projects",
            f"{t(lang, 'projects')} ({format_number(lang, projects['count'])})",
            [
                sample_badge(lang, projects["sample"]),
                html.Table(
                    [html.Thead(html.Tr([html.Th(t(lang, k)) for k in PROJECT_COLUMNS])), html.Tbody(project_rows)],
                    className="data-table",
                ),
                _sources(lang, projects["sources"]),
            ],
        ),
        (
            "funding",
            f"{t(lang, 'funding')} ({format_eur(lang, funding['total_eur'])})",
            [
                sample_badge(lang, funding["sample"]),
                html.P([t(lang, "total"), t(lang, "colon"), html.Strong(format_eur(lang, funding["total_eur"]))]),
                bar_table(t(lang, "funding_by_source"), funder_rows, color="#6a6af4"),
                stacked_years(lang, t(lang, "funding_by_year"), funding["by_year"]),
                _sources(lang, funding["sources"]),
            ],
        ),
    ]
    tabs = html.Div(className="profile-tabs", children=tab_set(sections))
    return [*header, tabs]


def profile_container(lang: str, profile: dict | None) -> html.Aside:
    """The panel; its close button stays in the page so the callbacks always see it."""
    children = profile_panel(lang, profile)
    return html.Aside(
        id="profile-panel",
        className="profile",
        hidden=not children,
        **{"aria-labelledby": "profile-title"},
        children=[
            html.Button("×", id="profile-close", className="close", type="button", **{"aria-label": t(lang, "close")}),
            html.Div(id="profile", children=children),
            dcc.Store(id="profile-focus"),
        ],
    )


def footprint(profile: dict | None) -> dict | None:
    """The opened pôle's members as points: its real footprint on the map."""
    if not profile:
        return None
    features = [
        {
            "type": "Feature",
            "id": m["member_id"],
            "properties": {"name": m["name"], "commune_name": m["commune_name"]},
            "geometry": {"type": "Point", "coordinates": [m["lon"], m["lat"]]},
        }
        for m in profile["members"]["items"]
        if m["lon"] is not None
    ]
    return {"type": "FeatureCollection", "features": features}


def register_callbacks(app, store_of) -> None:
    """`store_of()` returns the Store of the running app (callbacks are registered per app)."""
    map_clicks = [Input(f"{prefix}-clusters", "clickData") for prefix in MAP_PREFIXES]
    app.clientside_callback(
        ns_call("selectCluster"),
        Output("selected", "data"),
        *map_clicks,
        Input("search", "n_submit"),
        Input("profile-close", "n_clicks"),
        Input("filtered-rows", "data"),
        State("search", "value"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("profile", "children"),
        Output("profile-panel", "hidden"),
        *[Output(f"{prefix}-footprint", "data") for prefix in MAP_PREFIXES],
        Input("selected", "data"),
        State("lang", "data"),
        prevent_initial_call=True,  # the page is rendered with its pôle open already
    )
    def show_profile(cluster_id, lang):
        profile = opened_profile(store_of(), cluster_id)
        if cluster_id and profile is None:
            return no_update
        children = profile_panel(lang, profile)
        return (children, not children, *footprints(store_of(), footprint(profile)))

    app.clientside_callback(
        # A newly opened profile takes the focus: read next by screen readers, scrolled into view.
        """function(children) {
            var title = document.getElementById("profile-title");
            if (title && children && children.length) setTimeout(function () { title.focus(); }, 0);
            return window.dash_clientside.no_update;
        }""",
        Output("profile-focus", "data"),
        Input("profile", "children"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ns_call("selectTab", list(TABS)),
        [Output(f"panel-{key}", "hidden") for key in TABS]
        + [Output(f"tab-{key}", "aria-selected") for key in TABS]
        + [Output(f"tab-{key}", "tabIndex") for key in TABS],
        [Input(f"tab-{key}", "n_clicks") for key in TABS],
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ns_call("renderMembers", MEMBERS_SHOWN),
        Output("member-list", "children"),
        Input("member-search", "value"),
        Input("profile-members", "data"),
    )
