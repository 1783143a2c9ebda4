"""The first paint: the HTML answer of `/` and `/embed` carries its own page, maps drawn, before any
script runs — and the "Télécharger l'image" link to the same drawing (`/map.svg`).

The page's layout (the very components Dash will render) is written as HTML: its `html.*` parts
as they are, the few `dcc` controls as inert look-alikes, each Leaflet map as SVG drawn by
`render.svg` for the size its box will have (CSS container queries). `assets/firstpaint.js` then
hands over in two steps: once Dash has rendered the page, the drawn maps move over the Leaflet
maps and the rest of this copy goes; once a Leaflet map shows the same picture, its drawing goes.
Only `style` attributes and a `<style>` element are inline: the CSP allows them, and no script.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape
from urllib.parse import urlencode, urlsplit

from dash import Input, Output, html

from mapapp import view
from mapapp.data.query import vocabulary
from mapapp.data.store import Store
from mapapp.i18n import format_number, t
from mapapp.render.drawing import Drawing, view_drawing
from mapapp.render.framing import legend_height
from mapapp.render.svg import INSET_SIZING, MAIN_SIZING, FrameSVG, frame_svg
from mapapp.ui.map import ns_call
from mapapp.view import ViewState

FIRST_PAINT_ID = "first-paint"
IMAGE_PATH = "/map.svg"
ENTRY = '<div id="react-entry-point">'
VOID = {"area", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"}
# React props that are not HTML attributes, and references to ids (the copy has none: the page
# rendered by Dash beside it has the ids, and scripts must only ever find those).
SKIPPED = {
    "id",
    "htmlFor",
    "key",
    "n_clicks",
    "n_clicks_timestamp",
    "disable_n_clicks",
    "loading_state",
    "aria-labelledby",
    "aria-controls",
    "aria-describedby",
}
LEFT_OUT = {"embed-dialog"}  # never open when a page loads


# ------------------------------------------------------------------------------- the image link


def view_query(store: Store, state: ViewState) -> str:
    """The URL query of a view (no "?"), as `mapapp.view.syncUrl` writes it: so `/map.svg?<query>`
    is the picture of the page at `?<query>`."""
    query = view.page_url(state.values, vocabulary(store))[1:]
    if state.viewport:
        lat, lon, zoom = state.viewport
        query += ("&" if query else "") + urlencode({"lat": f"{lat:.4f}", "lon": f"{lon:.4f}", "zoom": f"{zoom:g}"})
    return query


def image_link(store: Store, state: ViewState) -> html.P:
    """ "Télécharger l'image": the picture of the view on screen, kept up to date with the view."""
    query = view_query(store, state)
    return html.P(
        html.A(
            t(state.lang, "download_image"),
            id="download-image",
            href=IMAGE_PATH + (f"?{query}" if query else ""),
            download="carte-poles.svg",
            title=t(state.lang, "download_image_label"),
            className="button link",
        ),
        className="map-actions",
    )


def register_callbacks(app) -> None:
    app.clientside_callback(
        ns_call("firstPaint.imageHref"),
        Output("download-image", "href"),
        Input("open-full-map", "href"),
        prevent_initial_call=True,
    )


# ------------------------------------------------------------------------------- layout as HTML


def _kebab(name: str) -> str:
    """A React style key as CSS: "backgroundColor" -> "background-color"."""
    return re.sub(r"([A-Z])", r"-\1", name).lower()


def _attribute(name: str, value) -> str:
    if value is None or value is False:
        return ""
    name = {"className": "class"}.get(name, name)
    if value is True:
        return f" {name}"
    if name == "style" and isinstance(value, dict):
        value = ";".join(f"{_kebab(k)}:{v}" for k, v in value.items())
    return f' {name}="{escape(str(value))}"'


def _element(tag: str, props: dict, inner: str, extra: str = "") -> str:
    attributes = "".join(_attribute(k, v) for k, v in props.items() if k not in SKIPPED and k != "children")
    if tag in VOID:
        return f"<{tag}{attributes}{extra}>"
    return f"<{tag}{attributes}{extra}>{inner}</{tag}>"


def _option_label(label, maps: dict[str, str]) -> str:
    # Dash wraps a text label in a span; a component label is its own element.
    return f"<span>{escape(str(label))}</span>" if isinstance(label, str | int | float) else to_html(label, maps)


def _options(props: dict, kind: str, maps: dict[str, str]) -> str:
    """`dcc.Checklist` / `dcc.RadioItems` as Dash 4 renders them (same classes, so same look)."""
    chosen = props.get("value")
    chosen = set(chosen) if isinstance(chosen, list) else {chosen}
    items = "".join(
        '<label class="dash-options-list-option"><span class="dash-options-list-option-wrapper">'
        f'<input type="{kind}" class="dash-options-list-option-checkbox"{" checked" if o["value"] in chosen else ""}>'
        f'</span><span class="dash-options-list-option-text">{_option_label(o["label"], maps)}</span></label>'
        for o in props.get("options") or []
    )
    name = "checklist" if kind == "checkbox" else "radioitems"
    return f'<div inert class="dash-options-list dash-{name} {escape(props.get("className", ""))}">{items}</div>'


def _dropdown(props: dict) -> str:
    labels = {o["value"]: o["label"] for o in props.get("options") or []}
    values = props.get("value") or []
    values = values if isinstance(values, list) else [values]
    shown = (
        "".join(
            f'<span class="dash-dropdown-value-item"><span>{escape(str(labels.get(v, v)))}</span></span>'
            for v in values
        )
        or f'<span class="dash-dropdown-placeholder">{escape(props.get("placeholder") or "")}</span>'
    )
    return (
        '<button type="button" inert class="dash-dropdown"><span class="dash-dropdown-grid-container '
        f'dash-dropdown-trigger"><span class="dash-dropdown-value">{shown}</span></span></button>'
    )


def _core(kind: str, props: dict, maps: dict[str, str]) -> str:
    if kind == "Checklist":
        return _options(props, "checkbox", maps)
    if kind == "RadioItems":
        return _options(props, "radio", maps)
    if kind == "Dropdown":
        return _dropdown(props)
    if kind == "Input":
        attributes = {"className": "dash-input-element"} | {
            k: props.get(k) for k in ("type", "value", "placeholder", "maxLength")
        }
        return f'<div inert class="dash-input-container dash-input">{_element("input", attributes, "")}</div>'
    return ""  # stores, and anything not seen before Dash runs


def to_html(node, maps: dict[str, str], shown: dict[str, str] | None = None) -> str:
    """The HTML of a Dash layout: `html.*` components as the browser would get them from React,
    `dcc` controls as inert look-alikes, the Leaflet maps given in `maps` (by component id),
    other components left out. `shown[id]`: text for an element Dash fills in at once (the count).
    Every text is escaped; ids are left out.

    >>> to_html(html.P(["a < b", html.Span("c", className="x")], id="p"), {})
    '<p>a &lt; b<span class="x">c</span></p>'
    """
    shown = shown or {}
    if node is None or isinstance(node, bool):
        return ""
    if isinstance(node, str | int | float):
        return escape(str(node))
    if isinstance(node, list | tuple):
        return "".join(to_html(child, maps, shown) for child in node)
    spec = node.to_plotly_json()
    props, namespace, kind = spec["props"], spec["namespace"], spec["type"]
    ident = props.get("id")
    if ident in maps:
        return maps[ident]
    if ident in LEFT_OUT:
        return ""
    if namespace == "dash_html_components":
        inner = escape(shown[ident]) if ident in shown else to_html(props.get("children"), maps, shown)
        if ident in shown:
            props = {**props, "hidden": False}
        # Buttons do nothing before Dash runs: not offered.
        return _element(kind.lower(), props, inner, " inert" if kind == "Button" else "")
    if namespace == "dash_core_components":
        return _core(kind, props, maps)
    return ""


# ------------------------------------------------------------------------------- the page


def _map_box(classes: str, key: str, drawn: FrameSVG, svg_attrs: str, data: dict | None = None) -> str:
    """A drawn map in a box of the Leaflet map's classes (so of its size), with what
    assets/firstpaint.js compares before the drawing gives way: `data-markers`, whether markers
    are to be waited for; for the main map, its region count and the compared region."""
    data = {"fp": key, "markers": drawn.markers} | (data or {})
    attributes = "".join(f' data-{name}="{escape(str(value))}"' for name, value in data.items())
    svg = f'<svg class="fp-svg fp-{key}"{svg_attrs}>{drawn.body}</svg>'
    if key != "main":
        return f'<div class="{classes} fp-box"{attributes} style="container:fp-{key}/size">{svg}</div>'
    # The main map is fitted in a box padded clear of the insets and the legend (render.framing).
    return (
        f'<div class="{classes} fp-box"{attributes} style="container:fp-{key}-box/size">'
        f'<div class="fp-pad fp-{key}-pad" style="container:fp-{key}/size">{svg}</div></div>'
    )


def first_paint(store: Store, drawing: Drawing, layout) -> tuple[str, str]:
    """(`<style>` for the head, the page's HTML copy with its maps) for the view of `drawing`,
    whose page is `layout`."""
    main = frame_svg(store, drawing.main, replace(MAIN_SIZING, legend=legend_height(drawing.colouring)))
    compared = {
        "regions": len(drawing.main.codes),
        "ref": main.reference_index,
        "ref-fill": drawing.main.styles[main.reference].fill if main.reference else "",
    }
    label = f' role="img" aria-label="{escape(drawing.description)}"'
    maps = {"map": _map_box("main-map", "main", main, label, compared)}
    css = [main.css]
    for frame in drawing.insets:
        inset = frame_svg(store, frame, INSET_SIZING)
        maps[f"inset-{frame.key}"] = _map_box("inset-map", frame.key, inset, ' aria-hidden="true"')
        css.append(inset.css)
    lang, count = drawing.lang, drawing.count
    count_text = (
        t(lang, "count", n=format_number(lang, count)) if count > 1 else t(lang, "count_one" if count else "count_zero")
    )
    shown = {"count": count_text} | ({"empty": t(lang, "empty")} if count == 0 else {})
    body = f'<div id="{FIRST_PAINT_ID}" class="first-paint">{to_html(layout, maps, shown)}</div>'
    return f"<style>{''.join(css)}</style>", body


def with_first_paint(index: str, store: Store, state: ViewState, layout, page_url: str) -> str:
    """Dash's index page for `page_url` with its first paint: the maps' `<style>` and the Open
    Graph description of the view (its picture: `/map.svg`) in the head, the drawn page before
    the element Dash renders into."""
    drawing = view_drawing(store, state)
    head, body = first_paint(store, drawing, layout)
    parts = urlsplit(page_url)
    query = view_query(store, state)
    meta = {
        "og:type": "website",
        "og:title": drawing.title,
        "og:description": drawing.description,
        "og:url": page_url,
        "og:image": f"{parts.scheme}://{parts.netloc}{IMAGE_PATH}" + (f"?{query}" if query else ""),
        "og:image:type": "image/svg+xml",
        "og:image:alt": drawing.description,
    }
    metas = "".join(f'<meta property="{k}" content="{escape(v)}">' for k, v in meta.items())
    index = index.replace("</head>", f"{metas}{head}</head>", 1)
    return index.replace(ENTRY, body + ENTRY, 1)
