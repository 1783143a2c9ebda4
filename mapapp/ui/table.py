"""The table of the filtered pôles (dash-ag-grid): the accessible alternative to the map, synced
with it both ways. Its component library (~1 MB) is fetched only when the table is first opened,
so the map paints without it."""

from __future__ import annotations

import json

import dash_ag_grid as dag
from dash import Input, Output, State, dcc, html

from mapapp.i18n import LOCALES, t
from mapapp.ui.map import ns_call

DEFERRED_LIBRARY = "dash_ag_grid"


def table_section(lang: str, library_url: str) -> html.Section:
    return html.Section(
        className="table-section",
        **{"aria-label": t(lang, "table")},
        children=[
            html.Button(
                t(lang, "show_table"),
                id="table-toggle",
                className="button secondary",
                type="button",
                **{"aria-controls": "table-container", "aria-expanded": "false"},
            ),
            dcc.Store(id="table-library", data=library_url),
            dcc.Store(id="table-open", data=False),
            dcc.Store(id="grid-sync"),
            html.Div(id="table-container", className="table-container", hidden=True),
        ],
    )


def _names_formatter(kind: str) -> dict:
    """A column formatter showing names for the codes of a list cell ("health" -> "Santé"), from
    the grid's `context` (dash-ag-grid evaluates expressions, not function literals: `names` is
    assets/mapapp-panels.js's)."""
    return {"function": f"names(params.value, params.context.{kind})"}


def grid(lang: str, rows: list[dict], theme_names: dict[str, str], region_names: dict[str, str]) -> dag.AgGrid:
    number = {"type": "numericColumn", "filter": "agNumberColumnFilter", "width": 130}
    locale = LOCALES[lang].replace("_", "-")
    whole = {"function": f"params.value == null ? '' : Math.round(params.value).toLocaleString('{locale}')"}
    region_placed = json.dumps(t(lang, "seat_region"))
    return dag.AgGrid(
        id="cluster-grid",
        columnDefs=[
            {"field": "name", "headerName": t(lang, "col_name"), "flex": 2, "minWidth": 180, "sort": "asc"},
            {
                "field": "themes",
                "headerName": t(lang, "col_themes"),
                "flex": 1,
                "valueFormatter": _names_formatter("themes"),
            },
            {
                "field": "region_codes",
                "headerName": t(lang, "col_regions"),
                "flex": 1,
                "valueFormatter": _names_formatter("regions"),
            },
            {
                "field": "seat_name",
                "headerName": t(lang, "col_seat"),
                "width": 150,
                "valueGetter": {
                    "function": f"params.data.seat_precision === 'region' ? {region_placed} : "
                    "(params.data.seat_area || params.data.seat_name)"
                },
            },
            {
                "field": "phases",
                "headerName": t(lang, "col_phases"),
                "width": 100,
                "valueFormatter": {"function": "params.value.join(', ')"},
            },
            # Real figures first (published by the pôle, latest value), then the sample detail.
            {
                "field": "members_published",
                "headerName": t(lang, "col_members_published"),
                **number,
                "valueFormatter": whole,
            },
            {
                "field": "projects_published",
                "headerName": t(lang, "col_projects_published"),
                **number,
                "valueFormatter": whole,
            },
            {
                "field": "funding_published_eur",
                "headerName": t(lang, "col_funding_published"),
                **number,
                "width": 170,
                "valueFormatter": whole,
            },
            {"field": "members", "headerName": t(lang, "col_members"), **number},
            {"field": "projects", "headerName": t(lang, "col_projects"), **number},
            {
                "field": "funding_eur",
                "headerName": t(lang, "col_funding"),
                **number,
                "width": 160,
                "valueFormatter": whole,
            },
        ],
        getRowId="params.data.id",
        rowData=rows,
        defaultColDef={"sortable": True, "resizable": True},
        dashGridOptions={
            "rowSelection": {"mode": "singleRow", "checkboxes": False},
            "animateRows": False,
            "suppressCellFocus": False,
            "context": {"themes": theme_names, "regions": region_names},
        },
        style={"height": "420px"},
        className="ag-theme-quartz",
    )


def register_callbacks(app, store_of) -> None:
    app.clientside_callback(
        ns_call("panels.openTable"),
        Output("table-open", "data"),
        Input("table-toggle", "n_clicks"),
        State("table-library", "data"),
        State("table-open", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("table-container", "children"),
        Output("table-container", "hidden"),
        Output("table-toggle", "children"),
        Output("table-toggle", "aria-expanded"),
        Input("table-open", "data"),
        State("lang", "data"),
        State("table-container", "children"),
        State("filtered-rows", "data"),
        prevent_initial_call=True,
    )
    def toggle(is_open, lang, current, rows):
        label = t(lang, "hide_table" if is_open else "show_table")
        if not current:
            store = store_of()
            themes = dict(
                zip(store.themes["id"], store.themes["label_fr" if lang == "fr" else "label_en"], strict=True)
            )
            regions = dict(zip(store.regions["code"], store.regions["name"], strict=True))
            current = grid(lang, rows or [], themes, regions)
        return current, not is_open, label, "true" if is_open else "false"

    app.clientside_callback(
        "function(rows) { return rows || []; }",
        Output("cluster-grid", "rowData"),
        Input("filtered-rows", "data"),
    )
    app.clientside_callback(
        ns_call("panels.selectRow"),
        Output("selected", "data", allow_duplicate=True),
        Input("cluster-grid", "cellClicked"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ns_call("panels.syncGrid"),
        Output("grid-sync", "data"),
        Input("selected", "data"),
        prevent_initial_call=True,
    )
