"""The first paint in a real Chromium: the map drawn in the HTML shows without any script, exactly
where and as the interactive map then shows it, and gives way to it."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

VIEWS = ["/", "/?mode=members&region=84", "/embed?hide=filters", "/?lat=45.75&lon=4.85&zoom=9&cluster=axelera"]
SIZES = [(1280, 800), (375, 812)]

# Centres of the markers a map shows, relative to the map's box: drawn ones (only the groups of
# the zoom the container queries chose are displayed) or Leaflet's.
DRAWN_MARKERS = """(root) => { const box = root.getBoundingClientRect();
  return Array.from(root.querySelectorAll('use.fp-pt')).filter(g => g.checkVisibility())
    .map(g => { const r = g.getBoundingClientRect(); return [r.x + r.width / 2 - box.x, r.y + r.height / 2 - box.y]; })
    .filter(([x, y]) => x >= 0 && y >= 0 && x <= box.width && y <= box.height); }"""
LEAFLET_MARKERS = """(root) => { const box = root.getBoundingClientRect();
  return Array.from(root.querySelectorAll('.leaflet-marker-icon'))
    .map(e => { const r = e.getBoundingClientRect(); return [r.x + r.width / 2 - box.x, r.y + r.height / 2 - box.y]; })
    .filter(([x, y]) => x >= 0 && y >= 0 && x <= box.width && y <= box.height); }"""
# The compared region's outline, clipped to the map: drawn, or the n-th of Leaflet's region paths
# (opaque; the opened pôle's members are see-through circles).
REF_BOX = """([root, index]) => { const box = root.getBoundingClientRect();
  const paths = index < 0 ? [root.querySelector('.fp-ref')] : Array.from(
    root.querySelectorAll('.leaflet-overlay-pane path')).filter(p => p.getAttribute('fill-opacity') === '1');
  const r = paths[Math.max(index, 0)].getBoundingClientRect();
  return [Math.max(r.left, box.left), Math.max(r.top, box.top), Math.min(r.right, box.right),
          Math.min(r.bottom, box.bottom)].map(v => Math.round(v)); }"""


def interactive(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#map[data-first-paint]", state="attached", timeout=30_000)
    page.wait_for_function("!document.querySelector('.fp-svg')", timeout=10_000)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}px")
@pytest.mark.parametrize("view", VIEWS)
def test_the_drawn_map_is_the_interactive_one(browser, live_server, view, size):
    width, height = size
    static = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=False)
    live = browser.new_context(viewport={"width": width, "height": height})
    try:
        drawn_page = static.new_page()
        drawn_page.goto(live_server.url + view)
        drawn = drawn_page.locator(".main-map.fp-box")
        drawn_box = drawn.bounding_box()
        drawn_markers = drawn.evaluate(DRAWN_MARKERS)
        ref = drawn_page.evaluate(REF_BOX, [drawn.element_handle(), -1])
        index = int(drawn.get_attribute("data-ref"))

        page = live.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        interactive(page, live_server.url + view)
        leaflet = page.locator("#map")
        assert leaflet.bounding_box() == pytest.approx(drawn_box, abs=1)
        real_ref = page.evaluate(REF_BOX, [leaflet.element_handle(), index])
        assert real_ref == pytest.approx(ref, abs=3)
        leaflet_markers = leaflet.evaluate(LEAFLET_MARKERS)
        assert len(drawn_markers) == len(leaflet_markers) > 0
        for x, y in leaflet_markers:
            assert min(abs(x - a) + abs(y - b) for a, b in drawn_markers) <= 3, (x, y)
        handed_over = page.eval_on_selector_all("[data-first-paint]", "els => els.map(e => e.dataset.firstPaint)")
        assert handed_over == ["matched"] * 6  # the main map and five insets
        assert errors == []
    finally:
        static.close()
        live.close()


def test_without_scripts_the_map_has_a_name_and_after_them_it_is_gone(browser, live_server, store):
    static = browser.new_context(java_script_enabled=False)
    try:
        page = static.new_page()
        page.goto(live_server.url + "/?theme=energy")
        picture = page.get_by_role("img", name=re.compile(r"Carte des pôles de compétitivité : \d+ pôles — Énergie"))
        assert picture.is_visible()
    finally:
        static.close()
    live = browser.new_context()
    try:
        page = live.new_page()
        interactive(page, live_server.url + "/?theme=energy")
        assert page.get_by_role("img", name=re.compile("Carte des pôles de compétitivité :")).count() == 0
        assert page.locator("#first-paint, .fp-box").count() == 0
    finally:
        live.close()


def test_the_image_link_follows_the_filters(page, live_server):
    interactive(page, live_server.url)
    link = page.locator("#download-image")
    assert link.get_attribute("href") == "/map.svg"
    page.locator("#theme-filter input[value=health]").click()
    page.wait_for_function("document.querySelector('#download-image').getAttribute('href').includes('theme=health')")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")
    assert page.console_errors == []
