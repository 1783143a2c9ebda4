"""The "Intégrer / Embed" dialog: the iframe snippet for the current view, with a live preview.

Everything runs in the browser (`mapapp.embed.snippet`): the view is the page's own URL, kept up
to date by `mapapp.view.syncUrl`, so the snippet always embeds what the reader is looking at. A native <dialog>
opened with showModal() keeps the focus inside and closes on Escape; its close button is a
`method="dialog"` form, so closing needs no script at all.
"""

from __future__ import annotations

from dash import Input, Output, State, dcc, html

from mapapp.i18n import LANGS, t
from mapapp.ui.map import ns_call

DEFAULT_HEIGHT = 600
HEIGHT_RANGE = (320, 3000)
WIDTH_RANGE = (280, 3000)
HOST_SCRIPT = "/assets/embed-host.js"


def embed_button(lang: str) -> html.Button:
    return html.Button(
        t(lang, "embed"),
        id="embed-open",
        type="button",
        className="button secondary",
        title=t(lang, "embed_label"),
        **{"aria-haspopup": "dialog", "aria-controls": "embed-dialog"},
    )


def _field(label_key: str, lang: str, control) -> html.Div:
    return html.Div([html.Label(t(lang, label_key), htmlFor=control.id), control], className="field")


def embed_dialog(lang: str) -> html.Dialog:
    return html.Dialog(
        id="embed-dialog",
        className="embed-dialog",
        **{"aria-labelledby": "embed-heading"},
        children=[
            html.Form(
                html.Button(
                    "×", type="submit", className="close", title=t(lang, "close"), **{"aria-label": t(lang, "close")}
                ),
                method="dialog",
            ),
            html.H2(t(lang, "embed_heading"), id="embed-heading"),
            html.P(t(lang, "embed_intro")),
            html.Div(
                className="embed-grid",
                children=[
                    html.Div(
                        className="embed-options",
                        children=[
                            _field(
                                "embed_iframe_title",
                                lang,
                                dcc.Input(id="embed-title", type="text", value=t(lang, "title"), maxLength=200),
                            ),
                            _field(
                                "embed_width",
                                lang,
                                dcc.Input(
                                    id="embed-width", type="number", min=WIDTH_RANGE[0], max=WIDTH_RANGE[1], step=10
                                ),
                            ),
                            _field(
                                "embed_height",
                                lang,
                                dcc.Input(
                                    id="embed-height",
                                    type="number",
                                    value=DEFAULT_HEIGHT,
                                    min=HEIGHT_RANGE[0],
                                    max=HEIGHT_RANGE[1],
                                    step=10,
                                ),
                            ),
                            html.Fieldset(
                                [
                                    html.Legend(t(lang, "embed_lang")),
                                    dcc.RadioItems(
                                        id="embed-lang",
                                        options=[{"label": t(lang, f"lang_{code}"), "value": code} for code in LANGS],
                                        value=lang,
                                        className="inline-list",
                                    ),
                                ]
                            ),
                            dcc.Checklist(
                                id="embed-hide",
                                options=[{"label": t(lang, "embed_hide_filters"), "value": "filters"}],
                                value=[],
                                className="inline-list",
                            ),
                            _field(
                                "embed_code",
                                lang,
                                dcc.Textarea(id="embed-code", readOnly=True, rows=7, className="embed-code"),
                            ),
                            html.Div(
                                className="embed-actions",
                                children=[
                                    html.Button(
                                        t(lang, "embed_copy"), id="embed-copy", type="button", className="button"
                                    ),
                                    html.Span(id="embed-copy-status", role="status", **{"aria-live": "polite"}),
                                ],
                            ),
                            html.P(t(lang, "embed_allowlist"), className="source"),
                        ],
                    ),
                    html.Figure(
                        className="embed-preview",
                        children=[
                            html.Figcaption(t(lang, "embed_preview")),
                            # No src until the dialog opens: the page does not load a second map.
                            html.Iframe(id="embed-frame", title=t(lang, "title"), className="embed-frame"),
                        ],
                    ),
                ],
            ),
            dcc.Store(
                id="embed-messages",
                data={key: t(lang, key) for key in ("embed_copied", "embed_copy_failed")}
                | {"script": HOST_SCRIPT, "widthRange": WIDTH_RANGE, "heightRange": HEIGHT_RANGE},
            ),
        ],
    )


def register_callbacks(app) -> None:
    app.clientside_callback(
        ns_call("embed.snippet"),
        Output("embed-code", "value"),
        Output("embed-frame", "src"),
        Output("embed-frame", "title"),
        Output("embed-frame", "style"),
        Input("embed-open", "n_clicks"),
        Input("embed-title", "value"),
        Input("embed-width", "value"),
        Input("embed-height", "value"),
        Input("embed-lang", "value"),
        Input("embed-hide", "value"),
        State("embed-messages", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ns_call("embed.copy"),
        Output("embed-copy-status", "children"),
        Input("embed-copy", "n_clicks"),
        State("embed-messages", "data"),
        prevent_initial_call=True,
    )
