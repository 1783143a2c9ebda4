"""The HTML answer of `/` and `/embed` carries its own page with its maps drawn, within the CSP."""

from __future__ import annotations

import base64
import hashlib
import html
import re

from dash import dcc
from dash import html as h

from mapapp.data import query
from mapapp.render.drawing import dark
from mapapp.ui.firstpaint import to_html


def copy_of(page: str) -> str:
    return page[page.index('<div id="first-paint"') : page.index('<div id="react-entry-point">')]


def test_the_page_carries_its_map_drawn(client, store):
    page = client.get("/?theme=health").get_data(as_text=True)
    copy = copy_of(page)
    count = len(query.filter_clusters(store, query.Filters(themes=("health",), phases=(5,))))
    label = re.search(r'<svg class="fp-svg fp-main" role="img" aria-label="([^"]+)"', copy).group(1)
    assert f"{count} pôles" in html.unescape(label) and "Santé et biotechnologies" in html.unescape(label)
    assert copy.count('class="fp-svg fp-') == 6  # the main map and five insets
    assert f'<p class="count" role="status" aria-live="polite">{count} pôles</p>' in copy
    assert "@container fp-main" in page and "@container fp-04" in page
    og = dict(re.findall(r'<meta property="(og:[a-z:]+)" content="([^"]*)"', page))
    assert og["og:image"] == "http://localhost/map.svg?theme=health"
    assert og["og:image:type"] == "image/svg+xml"


def test_the_copy_has_no_ids_and_no_scripts(client):
    """Scripts only ever find Dash's page by id, and the CSP stays: no script is added inline."""
    response = client.get("/?region=84&mode=members")
    page = response.get_data(as_text=True)
    copy = copy_of(page)
    # The copy's own wrapper and its maps' shapes (`fp-…`), nothing of Dash's page.
    assert re.findall(r'\sid="(?!fp-)', copy) == [' id="']
    assert "<script" not in copy and not re.search(r"\son[a-z]+=", copy)
    policy = response.headers["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    live = re.sub(r"<!--.*?-->", "", page, flags=re.S)  # (Dash's IE notice is a comment)
    for script in re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", live, re.S):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src


def test_a_coloured_view_shows_its_legend_and_region_profile(client):
    copy = copy_of(client.get("/?region=84&mode=members").get_data(as_text=True))
    assert '<div class="legend-box" aria-live="polite"><p><strong>Membres</strong></p>' in copy
    assert ">Auvergne-Rhône-Alpes</h2>" in copy
    main = copy[copy.index("fp-svg fp-main") :]
    box = re.search(r'<div class="main-map fp-box"([^>]*)>', copy).group(1)
    ref_fill = re.search(r'data-ref-fill="([^"]+)"', box).group(1)
    # Chosen: outlined in blue France, or in yellow on a dark class (as assets/mapapp-map.js does).
    outline = "#ffca00" if dark(ref_fill) else "#000091"
    assert re.search(rf'<path class="fp-ref" d="[^"]+" fill="{ref_fill}" stroke="{outline}" stroke-width="3"', main)


def test_an_embed_without_filters_keeps_its_page_classes(client):
    copy = copy_of(client.get("/embed?hide=filters&region=11").get_data(as_text=True))
    assert '<div class="page embed no-filters" lang="fr">' in copy
    assert re.search(r'<section class="filters" hidden aria-label="Filtres">', copy)


def test_the_image_link_follows_the_view(client):
    page = client.get("/?phase=all&mode=members&per=100k&lang=en").get_data(as_text=True)
    link = re.search(r'<a [^>]*href="(/map\.svg[^"]*)"[^>]*>Download the image</a>', page).group(1)
    assert html.unescape(link) == "/map.svg?phase=all&mode=members&per=100k&lang=en"
    assert client.get(html.unescape(link)).status_code == 200


def test_layout_to_html_escapes_text_and_mimics_controls():
    layout = h.Div(
        [
            h.Label("<b>Thème</b>", htmlFor="t"),
            dcc.Checklist(id="t", options=[{"label": "Santé", "value": "health"}], value=["health"]),
            dcc.Store(id="s", data={"x": 1}),
            h.Span(style={"backgroundColor": "#fff"}, hidden=False, **{"aria-hidden": "true"}),
        ],
        id="root",
    )
    out = to_html(layout, {})
    assert out.startswith("<div><label>&lt;b&gt;Thème&lt;/b&gt;</label><div inert class=")
    assert '<input type="checkbox" class="dash-options-list-option-checkbox" checked>' in out
    assert '<span style="background-color:#fff" aria-hidden="true"></span>' in out
    assert "data" not in out
