"""The pôle profile panel: identity, label timeline and lineage, then members, projects and funding,
each figure with its source and date, and a visible badge wherever figures are sample data.

Charts are HTML tables with proportional bars: readable without colour, by screen readers and
on a phone, and they cost no charting library on the page.
"""

from __future__ import annotations

from dash import Input, Output, State, dcc, html, no_update

from mapapp.data.profile import MEMBER_CATEGORIES, cluster_profile
from mapapp.data.query import vocabulary
from mapapp.data.store import Store, is_sample_source
from mapapp.i18n import DATA_LANG, MESSAGES, format_date, format_eur, format_euros, format_number, t
from mapapp.ui.map import MAP_PREFIXES, footprints, ns_call

FUNDER_COLORS = {
    "state_fui": "#000091",
    "region": "#6a6af4",
    "feder": "#009081",
    "anr": "#c9191e",
    "bpifrance": "#ffca00",
    "pia": "#a558a0",
    "eu": "#0063cb",
    "fse": "#e4794a",
}
MEMBERS_SHOWN = 100
PROJECT_COLUMNS = ("col_year", "col_title", "col_partners", "col_total_cost", "col_public")


def sample_badge(lang: str, sample: bool):
    if not sample:
        return None
    return html.Span(t(lang, "sample_badge"), className="badge sample", title=t(lang, "sample_note"))


def _source_text(lang: str, source: str) -> str:
    """A source as readers see it: generated sample rows say so in words, not by the command
    that builds them."""
    return t(lang, "sample_source") if is_sample_source(source) else source


def _sources(lang: str, sources: list[dict]) -> html.P:
    text = "; ".join(
        f"{_source_text(lang, s['source'])} ({t(lang, 'as_of', date=format_date(lang, s['as_of']))})"
        for s in sources[:3]
    )
    return html.P([t(lang, "source") + t(lang, "colon"), text], className="source")


def _bar_row(label: str, segments: list, shown: str) -> html.Tr:
    """A chart row: the bars sit in a track, a column of its own (the same width on every row),
    the figure in the next one, so a bar's width is its value's share of the scale (from zero)."""
    return html.Tr(
        [
            html.Th(label, scope="row"),
            html.Td(html.Span(segments, className="bar-track"), className="bar-cell"),
            html.Td(shown, className="bar-value"),
        ]
    )


def _bar(value: float, peak: float, color: str, title: str | None = None) -> html.Span:
    width = 100 * max(value, 0) / peak if peak > 0 else 0
    return html.Span(className="bar", title=title, style={"width": f"{width:.2f}%", "background": color})


def bar_table(caption: str, rows: list[tuple[str, float, str]], color: str = "#000091") -> html.Table:
    """One row per (label, value, formatted value), bar length proportional to the value, on a
    scale from zero to the largest value."""
    peak = max((value for _, value, _ in rows), default=0)
    return html.Table(
        className="bar-table",
        children=[
            html.Caption(caption),
            html.Tbody([_bar_row(label, [_bar(value, peak, color)], shown) for label, value, shown in rows]),
        ],
    )


def stacked_years(lang: str, caption: str, by_year: list[dict]) -> html.Table:
    """Funding per year, one segment per funder, with the total written out."""
    years: dict[int, dict[str, float]] = {}
    for row in by_year:
        years.setdefault(row["year"], {})[row["funder"]] = row["amount_eur"]
    peak = max((sum(v.values()) for v in years.values()), default=0)
    body = []
    for year in sorted(years):
        parts = years[year]
        segments = [
            _bar(
                amount,
                peak,
                FUNDER_COLORS[funder],
                t(lang, "label_value", label=t(lang, "funder_" + funder), value=format_eur(lang, amount)),
            )
            for funder, amount in parts.items()
        ]
        body.append(_bar_row(str(year), segments, format_eur(lang, sum(parts.values()))))
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


def _link(lang: str, url: str | None):
    if not url:
        return ""
    return html.A(t(lang, "public_page"), href=url, target="_blank", rel="noopener noreferrer")


def _roles(lang: str, roles: list[str]) -> str:
    return ", ".join(t(lang, "role_" + r) if ("role_" + r) in MESSAGES[lang] else r for r in roles)


def open_projects(lang: str, profile: dict) -> list:
    """ "Projets européens (CORDIS)" and "FEDER (Kohesio)": the real projects of the pôle's
    association, with the EU money it received, its role and the project's public page."""
    out = []
    cordis, kohesio = profile["open_projects"]["cordis"], profile["open_projects"]["kohesio"]
    if cordis["count"]:
        rows = [
            html.Tr(
                [
                    html.Td([html.Strong(p["acronym"] or ""), " ", html.Span(p["title"])], lang=DATA_LANG),
                    html.Td(f"{p['programme'] or ''} ({p['year']})"),
                    html.Td(_roles(lang, p["roles"])),
                    html.Td(format_euros(lang, p["eu_contribution_eur"] or 0)),
                    html.Td(format_euros(lang, p["eu_contribution_total_eur"] or 0)),
                    html.Td(", ".join(p["partners"][:5]) + ("…" if len(p["partners"]) > 5 else ""), lang=DATA_LANG),
                    html.Td(_link(lang, p["url"])),
                ]
            )
            for p in cordis["items"][:100]
        ]
        header = ("col_project", "col_programme", "col_role", "col_eu_to_cluster", "col_eu_total")
        out += [
            html.H3(f"{t(lang, 'cordis_projects')} ({format_number(lang, cordis['count'])})"),
            html.P(t(lang, "open_data_note"), className="hint"),
            html.Table(
                [
                    html.Thead(
                        html.Tr(
                            [html.Th(t(lang, k)) for k in (*header, "col_partners_country")]
                            + [html.Th(t(lang, "public_page"))]
                        )
                    ),
                    html.Tbody(rows),
                ],
                className="data-table",
            ),
            _sources(lang, cordis["sources"]),
        ]
    if kohesio["count"]:
        rows = [
            html.Tr(
                [
                    html.Td(p["title"], lang=DATA_LANG),
                    html.Td(f"{p['fund'] or ''} ({p['year']})"),
                    html.Td(format_euros(lang, p["total_cost_eur"] or 0)),
                    html.Td(format_euros(lang, p["eu_contribution_eur"] or 0)),
                    html.Td(
                        f"{format_number(lang, p['cofinancing_rate'], 1)} %"
                        if p["cofinancing_rate"] is not None
                        else ""
                    ),
                    html.Td(p["nuts_region"] or "", lang=DATA_LANG),
                    html.Td(_link(lang, p["url"])),
                ]
            )
            for p in kohesio["items"][:100]
        ]
        header = ("col_project", "col_fund", "col_eligible", "col_eu_budget", "col_rate", "col_nuts", "public_page")
        out += [
            html.H3(f"{t(lang, 'kohesio_projects')} ({format_number(lang, kohesio['count'])})"),
            html.Table(
                [html.Thead(html.Tr([html.Th(t(lang, k)) for k in header])), html.Tbody(rows)],
                className="data-table",
            ),
            _sources(lang, kohesio["sources"]),
        ]
    return out


def identifier_facts(lang: str, profile: dict) -> list[tuple[str, str]]:
    """(label, value) of the association's identifiers and SIRENE registered office, for the facts list."""
    ids = profile["identifiers"]
    facts = [
        (label, ", ".join(item["value"] for item in ids[scheme]))
        for scheme, label in (("siren", "SIREN"), ("siret", "SIRET"), ("vat", t(lang, "vat")), ("pic", "PIC"))
        if ids[scheme]
    ]
    office = ids.get("office")
    if office and office["address"]:
        facts.append((t(lang, "registered_office"), office["address"]))
    return facts


def _timeline(lang: str, profile: dict, phases: tuple[int, ...]) -> html.Ol:
    by_phase: dict[int, list[dict]] = {}
    for label in profile["labels"]:
        by_phase.setdefault(label["phase"], []).append(label)
    items = []
    for phase in phases:
        events = by_phase.get(phase, [])
        status = events[-1]["status"] if events else None
        text = ", ".join(f"{t(lang, 'status_' + e['status'])} ({format_date(lang, e['date'])})" for e in events) or "—"
        items.append(
            html.Li(
                [html.Strong(f"Phase {phase}"), html.Span(text)], className=f"phase-step {status or 'none'}", title=text
            )
        )
    return html.Ol(
        items,
        className="timeline",
        style={"gridTemplateColumns": f"repeat({len(phases)}, 1fr)"},
        **{"aria-label": t(lang, "labels")},
    )


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


def profile_panel(lang: str, profile: dict | None, phases: tuple[int, ...]) -> list:
    """The panel's children for one pôle (empty when none is open); `phases`: every phase, for
    its label timeline."""
    if not profile:
        return []
    members, projects, funding = profile["members"], profile["projects"], profile["funding"]
    label = "label_fr" if lang == "fr" else "label_en"
    facts = [
        (t(lang, "aliases"), ", ".join(profile.get("aliases") or [])),
        (t(lang, "former_names"), ", ".join(profile["former_names"])),
        (t(lang, "seat"), _seat_text(lang, profile["seat"])),
        (t(lang, "regions"), ", ".join(r["name"] for r in profile["region_codes"])),
        *identifier_facts(lang, profile),
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
        _timeline(lang, profile, phases),
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
    programme_rows = [
        (row["programme"], row["amount_eur"], format_eur(lang, row["amount_eur"])) for row in funding["by_programme"]
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
                # Scrolls: focusable so that a keyboard can scroll it too. Names are data, in
                # French; their category is in the page's language (mapapp.panels.renderMembers).
                html.Ul(id="member-list", className="member-list", tabIndex=0, **{"aria-label": t(lang, "members")}),
                dcc.Store(id="profile-members", data=members["items"]),
                dcc.Store(id="member-categories", data={c: t(lang, "cat_" + c) for c in MEMBER_CATEGORIES}),
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
                *open_projects(lang, profile),
            ],
        ),
        (
            "funding",
            f"{t(lang, 'funding')} ({format_eur(lang, funding['total_eur'])})",
            [
                sample_badge(lang, funding["sample"]),
                html.P([t(lang, "total"), t(lang, "colon"), html.Strong(format_eur(lang, funding["total_eur"]))]),
                bar_table(t(lang, "funding_by_source"), funder_rows, color="#6a6af4"),
                bar_table(t(lang, "funding_by_programme"), programme_rows, color="#0063cb") if programme_rows else None,
                stacked_years(lang, t(lang, "funding_by_year"), funding["by_year"]),
                _sources(lang, funding["sources"]),
            ],
        ),
    ]
    tabs = html.Div(className="profile-tabs", children=tab_set(sections))
    return [*header, tabs]


def profile_container(store: Store, lang: str, profile: dict | None) -> html.Aside:
    """The panel; its close button stays in the page so the callbacks always see it."""
    children = profile_panel(lang, profile, vocabulary(store).phases)
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
        ns_call("panels.selectCluster"),
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
        store = store_of()
        profile = opened_profile(store, cluster_id)
        if cluster_id and profile is None:
            return no_update
        children = profile_panel(lang, profile, vocabulary(store).phases)
        return (children, not children, *footprints(store, footprint(profile)))

    app.clientside_callback(
        ns_call("panels.focusProfile"),
        Output("profile-focus", "data"),
        Input("profile", "children"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ns_call("panels.selectTab", list(TABS)),
        [Output(f"panel-{key}", "hidden") for key in TABS]
        + [Output(f"tab-{key}", "aria-selected") for key in TABS]
        + [Output(f"tab-{key}", "tabIndex") for key in TABS],
        [Input(f"tab-{key}", "n_clicks") for key in TABS],
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ns_call("panels.renderMembers", MEMBERS_SHOWN),
        Output("member-list", "children"),
        Input("member-search", "value"),
        Input("profile-members", "data"),
        State("member-categories", "data"),
    )
