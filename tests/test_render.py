"""The map of a view drawn on the server: placed as Leaflet places it, grouped as supercluster
groups, coloured as the page colours it — as `/map.svg` and inline in the page's HTML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from mapapp.data import query
from mapapp.render.drawing import DARK_FILL_STROKE, SELECTED_STROKE, dark, framed_bounds, view_drawing
from mapapp.render.framing import image_view, legend_height, padding_css
from mapapp.render.mercator import Box, fit_zoom, groups, world
from mapapp.render.svg import Sizing, frame_svg, map_image
from mapapp.ui import coverage
from mapapp.ui.map import MAINLAND_BOUNDS, region_bounds, theme_colors
from mapapp.view import parse_page

SVG = "{http://www.w3.org/2000/svg}"


def state_of(store, query_string: str):
    args = {}
    for pair in filter(None, query_string.split("&")):
        name, _, value = pair.partition("=")
        args.setdefault(name, []).append(value)
    return parse_page(args, query.vocabulary(store))


@pytest.mark.parametrize(
    ("size", "zoom"),
    # Measured in Chromium on the real page: the main map's box and the zoom Leaflet fitted.
    [((992, 616), 5.75), ((375, 568), 5.0), ((1280, 480), 5.5), ((375, 420), 5.0)],
)
def test_the_mainland_fits_at_leaflets_zoom(size, zoom):
    assert fit_zoom(Box.of_bounds(MAINLAND_BOUNDS), *size) == zoom


def test_groups_follow_supercluster():
    # Two seats 20 px apart at zoom 5 (radius 40 px on a 512 px tile: 20 px on a 256 px one)
    # group below zoom 5 and part from it; a third far away stays alone.
    x, y = world(np.array([2.0, 2.0 + 20 / 256 / 2**5 * 360, 8.0]), np.array([47.0, 47.0, 47.0]))
    at = groups(x, y, [3, 4, 5, 6], max_zoom=11)
    assert [g.count for g in at[4]] == [2, 1] and [g.index for g in at[4]] == [None, 2]
    assert sorted(g.count for g in at[6]) == [1, 1, 1]
    assert at[3][0].x == pytest.approx((x[0] + x[1]) / 2)  # the group sits at their centre


def markers(root) -> list[tuple[str, str]]:
    """The markers of a written map, as (shape, fill or group count): seats and groups are
    `<use>` of a shape, a group followed by its count."""
    out = []
    for layer in root.iter(f"{SVG}g"):
        children = list(layer)
        for i, element in enumerate(children):
            if element.tag != f"{SVG}use":
                continue
            shape = element.get("href").rsplit("-", 1)[1]
            out.append((shape, children[i + 1].text if shape.startswith("g") else element.get("fill")))
    return out


def test_map_svg_shows_the_selected_pôles_in_their_theme_colours(client, store):
    response = client.get("/map.svg?theme=health&width=1200&height=900")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    expected = query.filter_clusters(store, query.Filters(themes=("health",), phases=(5,)))
    placed = expected[expected.geometry.notna()]
    shown = sum(int(value) if shape.startswith("g") else 1 for shape, value in markers(root))
    colors = {value for shape, value in markers(root) if not shape.startswith("g")}
    # Every placed pôle is in the main map or an inset (Réunion's are in both: counted twice).
    reunion = int((placed.geometry.y < -20).sum())
    assert shown == len(placed) + reunion
    health = theme_colors(store)["health"]
    firsts = {theme_colors(store)[t.split("|")[0]] for t in placed["themes"]}
    assert colors == firsts and health in colors
    title = root.find(f"{SVG}title").text
    assert "Carte des pôles de compétitivité" in title
    assert f"{len(expected)} pôles" in root.find(f"{SVG}desc").text


def test_map_svg_colours_regions_as_the_legend_says(client, store):
    response = client.get("/map.svg?mode=members&region=84&lang=en")
    root = ET.fromstring(response.data)
    colouring = coverage.pick(
        coverage.choropleths(store, "en", query.Filters(phases=(5,), regions=("84",))), "members", False
    )
    paths = root.findall(f".//{SVG}path")
    fills = {p.get("fill") for p in paths}
    assert fills <= set(colouring["colors"].values())
    assert len(fills) >= 3  # the chosen region and neighbours of other classes
    # The chosen region is outlined in blue France, or in yellow on a dark class (as in the page).
    outline = DARK_FILL_STROKE if dark(colouring["colors"]["84"]) else SELECTED_STROKE
    chosen = [p for p in paths if p.get("stroke") == outline]
    assert chosen and {p.get("fill") for p in chosen} == {colouring["colors"]["84"]}
    legend_texts = [t.text for t in root.iter(f"{SVG}text")]
    assert colouring["legend"]["title"] in legend_texts
    assert all(row["text"] in legend_texts for row in colouring["legend"]["rows"])


@pytest.mark.parametrize(
    ("query_string", "parameter"),
    [
        ("theme=cooking", "theme"),
        ("phase=9", "phase"),
        ("region=xx", "region"),
        ("q=" + "x" * 101, "q"),
        ("cluster=nope", "cluster"),
        ("mode=rainbow", "mode"),
        ("lat=45&lon=4&zoom=99", "lat/lon/zoom"),
        ("lang=de", "lang"),
        ("width=10", "width"),
        ("height=huge", "height"),
    ],
)
def test_map_svg_answers_a_bad_parameter_with_400_naming_it(client, query_string, parameter):
    response = client.get(f"/map.svg?{query_string}")
    assert response.status_code == 400
    assert response.json["parameter"] == parameter and parameter in response.json["error"]


def test_hostile_names_are_text_in_the_picture(hostile_geodata):
    from mapapp.data.store import load_store

    store = load_store(hostile_geodata, hostile_geodata / "sample")
    seat = store.clusters.set_index("id").geometry["hostile-img"]
    state = state_of(store, f"lat={seat.y}&lon={seat.x}&zoom=12")
    image = map_image(store, view_drawing(store, state), 800, 600)
    root = ET.fromstring(image)  # well-formed: nothing of the names became markup
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "<img src=x onerror=alert(1)>" in labels
    assert "<img" not in image.replace("&lt;img", "")


def test_the_page_map_follows_its_container(store):
    """Inline, the zoom is chosen by container queries at Leaflet's thresholds, and each integer
    zoom's groups are a layer shown only at that zoom."""
    drawing = view_drawing(store, state_of(store, ""))
    inline = frame_svg(store, drawing.main, Sizing())
    thresholds = [float(w) for w in re.findall(r"\(width>=([\d.]+)px\)\{", inline.css)]
    box = Box.of_bounds(MAINLAND_BOUNDS)
    for width in thresholds:  # just above a threshold Leaflet's zoom has gone up a step
        assert fit_zoom(box, width + 0.5, 10_000) > fit_zoom(box, width - 0.5, 10_000)
    layers = re.findall(r'<g class="fp-z fp-z(\d+)"', inline.body)
    assert layers == sorted(layers, key=int) and len(layers) >= 3
    assert inline.reference and inline.markers == 1


def test_the_main_map_frames_the_chosen_regions_as_the_page_does(store):
    bounds = region_bounds(store)
    # Mainland regions chosen: their union; overseas ones only: theirs; none: mainland France.
    (south, west), (north, east) = framed_bounds(("84", "53", "04"), bounds)
    assert (south, west) == (min(bounds["84"][0][0], bounds["53"][0][0]), min(bounds["84"][0][1], bounds["53"][0][1]))
    assert (north, east) == (max(bounds["84"][1][0], bounds["53"][1][0]), max(bounds["84"][1][1], bounds["53"][1][1]))
    assert framed_bounds(("04",), bounds) == bounds["04"]
    assert framed_bounds((), bounds) == MAINLAND_BOUNDS


def test_the_drawing_is_padded_clear_of_the_insets_and_the_legend(store):
    colouring = coverage.pick(coverage.choropleths(store, "fr", query.Filters(phases=(5,))), "members", False)
    height = legend_height(colouring)
    assert legend_height(coverage.pick({}, "none", False)) is None
    assert 120 < height < 170  # title, five classes, the sample badge (measured in Chromium: 145 px)
    css = padding_css("fp-main", Box.of_bounds(MAINLAND_BOUNDS), [5.0, 5.25, 5.5], height)
    # A wide screen: the insets' column on the left (one column when the map is tall enough), the
    # legend on the right or at the top; a phone: the insets' row at the bottom.
    assert "--pl:116.0px;--pt:10.0px;--pr:242.0px;--pb:10.0px" in css
    assert f"--pl:116.0px;--pt:{8 + height + 10:.1f}px;--pr:10.0px" in css
    # (a phone 375 px wide: one row of insets from 360.4 px on, 62.5 px tall, 8 px from the edge)
    phone = css[css.index("(max-width: 420px)") :]
    assert "(width>=360.40px){.fp-main-pad{--pl:10.0px;--pt:10.0px;--pr:10.0px;--pb:80.5px}" in phone


def test_the_image_frames_its_regions_clear_of_the_insets_and_the_legend():
    box = Box.of_bounds(MAINLAND_BOUNDS)
    plain = image_view(box, 1200, 800, (0, 0), None)
    x, y, zoom = image_view(box, 1200, 800, (512, 100), (190, 166))
    assert zoom < plain[2]
    # The box's centre is moved up, off the insets' row (its bottom padding beats its left one
    # here), and left of the legend (beside it rather than under it).
    assert y > box.center[1] and x > box.center[0]
