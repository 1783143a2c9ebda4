"""The first map in a real headless Chromium against the real server."""

from __future__ import annotations

import pytest

from tests.conftest import HOSTILE_NAMES

pytestmark = pytest.mark.browser

MARKERS = (
    "Array.from(document.querySelectorAll(SEL + ' .cluster-icon')).map(e => +e.textContent)"
    ".reduce((a, b) => a + b, 0) + document.querySelectorAll(SEL + ' .seat-icon').length"
)


def count_markers(page, selector: str) -> int:
    return page.evaluate(f"(SEL) => {MARKERS}", selector)


def wait_for_map(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#map path.leaflet-interactive", state="attached", timeout=20_000)
    page.wait_for_selector("#map .cluster-icon, #map .seat-icon", timeout=20_000)


def test_page_shows_18_regions_and_one_marker_per_placed_pôle(page, live_server, client):
    features = client.get("/api/clusters").json["features"]
    placed = [f for f in features if f["geometry"]]
    mainland = [f for f in placed if f["geometry"]["coordinates"][1] > 40]
    reunion = [f for f in placed if "04" in f["properties"]["region_codes"] and f["geometry"]["coordinates"][1] < -20]

    wait_for_map(page, live_server.url)
    assert page.locator("#map path.leaflet-interactive").count() == 18
    assert count_markers(page, "#map") == len(mainland)
    assert reunion, "La Réunion's pôle is in the data"
    page.wait_for_selector("#inset-04 .seat-icon, #inset-04 .cluster-icon")
    assert count_markers(page, "#inset-04") == len(reunion)
    assert page.console_errors == []


def test_region_name_shows_on_hover(page, live_server):
    wait_for_map(page, live_server.url)
    reunion = page.locator("#inset-04 path.leaflet-interactive").nth(3)  # features in code order
    box = reunion.bounding_box()
    reunion.dispatch_event("mouseover", {"clientX": box["x"] + 5, "clientY": box["y"] + box["height"] / 2})
    assert page.locator(".leaflet-tooltip").filter(has_text="La Réunion").count() == 1


def test_hostile_names_are_shown_as_text(page, hostile_server):
    page.goto(hostile_server.url)
    inset = "#inset-03"
    page.wait_for_selector(f"{inset} .seat-icon, {inset} .cluster-icon", timeout=20_000)
    for _ in range(5):  # open clusters until every pôle has its own marker
        cluster = page.locator(f"{inset} .cluster-icon")
        if cluster.count() == 0:
            break
        cluster.first.click()
        page.wait_for_timeout(600)
    seen = set()
    for marker in page.locator(f"{inset} .seat-icon").all():
        marker.hover(force=True)
        tooltip = page.locator(".leaflet-tooltip").last
        tooltip.wait_for()
        seen.add(tooltip.text_content())
        assert tooltip.locator("img, script").count() == 0
    assert seen == set(HOSTILE_NAMES.values())
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert page.locator("img[src='x']").count() == 0
