"""Accessibility in a real browser: axe-core finds nothing on the pages people land on, and the
main journey works with a keyboard alone."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_map import open_page

pytestmark = pytest.mark.browser


def axe_violations(page, axe_source: str) -> list[str]:
    """Every axe-core violation of any impact on the page as it is now, one line each."""
    page.evaluate(axe_source)  # through DevTools: the page's CSP (rightly) refuses injected scripts
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
             .map(v => `${v.impact} ${v.id}: ${v.help} -> ${v.nodes.map(n => n.target.join(" ")).join(" | ")}`)"""
    )
    return found


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?lang=en",
        "/embed?region=84",
        "/embed?hide=filters&lang=en",
        "/?cluster=aerospace-valley",  # a pôle profile open
        "/?region=84&mode=members",  # a region profile open, regions coloured
        "/?region=84,93&mode=projects&per=100k",  # regions compared
    ],
)
def test_axe_finds_no_violation(page, live_server, axe_source, path):
    open_page(page, live_server.url + path)
    if "cluster=" in path:
        page.wait_for_selector("#profile-title")
    if "region=84&" in path:
        page.wait_for_selector("#region-panel:not([hidden])")
    assert axe_violations(page, axe_source) == []


def test_axe_finds_no_violation_in_the_table_and_the_embed_dialog(page, live_server, axe_source):
    open_page(page, live_server.url + "/?theme=health")
    page.click("#table-toggle")
    page.wait_for_selector("#cluster-grid .ag-row", timeout=20_000)
    assert axe_violations(page, axe_source) == []
    page.click("#embed-open")
    page.wait_for_selector("#embed-dialog[open]")
    page.wait_for_function("() => document.getElementById('embed-code').value.includes('<iframe')")
    assert axe_violations(page, axe_source) == []


FOCUSED = """() => { const e = document.activeElement; const r = e.getBoundingClientRect();
  return {tag: e.tagName, id: e.id, value: e.value || null, cluster: e.getAttribute("data-cluster-id"),
          name: e.getAttribute("aria-label") || e.textContent.trim().slice(0, 60),
          cls: e.getAttribute("class") || "", inMap: Boolean(e.closest("#map")), width: r.width, height: r.height,
          outline: getComputedStyle(e).outlineStyle, outlineWidth: parseFloat(getComputedStyle(e).outlineWidth)}; }"""


def tab_until(page, wanted, limit: int = 120) -> list[dict]:
    """Presses Tab until `wanted(focused)` holds; returns every element focused on the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(focused)
        if wanted(focused):
            return seen
    raise AssertionError(f"not reached with {limit} Tabs: {[(f['tag'], f['id'], f['name']) for f in seen]}")


def test_keyboard_journey_filters_opens_and_closes_a_pôle(page, live_server, client):
    health = {f["properties"]["id"] for f in client.get("/api/clusters?theme=health&phase=5").json["features"]}
    open_page(page, live_server.url)
    seen = tab_until(page, lambda f: f["value"] == "health")
    assert seen[0]["name"] == "Aller au contenu"  # the skip link comes first
    ids = {f["id"] for f in seen}
    assert {"embed-open", "lang-switch", "search"} <= ids
    assert seen[-1]["outline"] != "none" and seen[-1]["outlineWidth"] >= 2  # visible focus ring
    page.keyboard.press("Space")
    page.wait_for_function("() => location.search.includes('theme=health')")
    assert page.locator("#count").text_content() == f"{len(health)} pôles"

    seen = tab_until(page, lambda f: f["cluster"] is not None)
    assert {"region-filter", "reset", "download-csv"} <= {f["id"] for f in seen}
    marker = seen[-1]
    assert marker["cluster"] in health and marker["name"]  # named by the pôle's name
    assert marker["outline"] != "none"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'profile-title'")
    assert page.locator("#profile-title").text_content() == marker["name"]
    page.wait_for_function(f"() => location.search.includes('cluster={marker['cluster']}')")

    page.keyboard.press("Tab")  # into the profile: its tabs
    page.keyboard.press("Escape")
    page.wait_for_selector("#profile-panel", state="hidden")
    page.wait_for_function(f"() => document.activeElement.getAttribute('data-cluster-id') === {marker['cluster']!r}")
    assert "cluster=" not in page.evaluate("location.search")
    assert page.console_errors == []


def test_keyboard_chooses_regions_in_the_dropdown(page, live_server, axe_source):
    open_page(page, live_server.url + "/?region=84")
    tab_until(page, lambda f: f["id"] == "region-filter")
    page.keyboard.press("Enter")
    page.wait_for_selector(".dash-dropdown-content")
    assert axe_violations(page, axe_source) == []  # the open popover too
    # The popover moves the focus to its search box once it has opened: type only then.
    page.wait_for_function("() => document.activeElement.classList.contains('dash-dropdown-search')")
    page.keyboard.type("Bret")
    page.wait_for_function(  # the list has been narrowed to the search
        "() => !document.querySelector('.dash-dropdown-content input[value=\"84\"]')"
    )
    tab_until(page, lambda f: f["value"] == "53", limit=3)  # Bretagne's checkbox
    page.keyboard.press("Space")
    page.wait_for_function("() => location.search.includes('region=53')")
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.activeElement.id === 'region-filter'")
    assert "Bretagne" in page.get_attribute("#region-filter", "aria-label")


def test_keyboard_opens_the_embed_dialog_and_escape_closes_it(page, live_server):
    open_page(page, live_server.url + "/?region=84")
    tab_until(page, lambda f: f["id"] == "embed-open")
    page.keyboard.press("Enter")
    page.wait_for_selector("#embed-dialog[open]")
    page.wait_for_function("() => document.getElementById('embed-dialog').contains(document.activeElement)")
    page.keyboard.press("Escape")
    page.wait_for_selector("#embed-dialog", state="hidden")
    assert page.evaluate("document.activeElement.id") == "embed-open"  # the focus comes back


ENGLISH_PAGES = [
    "/?lang=en",
    "/?lang=en&cluster=aerospace-valley",
    "/?lang=en&region=84&mode=funding_eur",
    "/?lang=en&region=84,93&phase=2&layer=regions_2015",
    "/embed?lang=en&theme=cooking",
]
PAGE_TEXTS = """() => {
  // Every text a reader sees or hears, outside parts marked as another language (data in French).
  const other = el => el.closest('[lang]:not([lang="en"])');
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (node.nodeValue.trim() && !other(el) && !el.closest('script, style')) out.push(node.nodeValue.trim());
  }
  document.querySelectorAll('[aria-label], [title], [placeholder], [alt]').forEach(el => {
    if (other(el)) return;
    ['aria-label', 'title', 'placeholder', 'alt'].forEach(a => el.getAttribute(a) && out.push(el.getAttribute(a)));
  });
  return out;
}"""


def french_only_phrases() -> set[str]:
    """The fixed parts of every French UI message that differs from its English one."""
    from mapapp.i18n import MESSAGES

    fr, en = MESSAGES["fr"], MESSAGES["en"]
    phrases = set()
    for key, text in fr.items():
        for part in re.split(r"\{[^}]*\}", text):
            part = part.strip(" :…()«»,.")
            if len(part) >= 4 and text != en[key] and not any(part in english for english in en.values()):
                phrases.add(part)
    return phrases


@pytest.mark.parametrize("path", ENGLISH_PAGES)
def test_english_pages_have_no_french_ui_text(page, live_server, path):
    phrases = french_only_phrases()
    assert "Rechercher un pôle" in phrases and "Données d'exemple" in phrases  # the check can fail
    open_page(page, live_server.url + path)
    page.wait_for_timeout(500)  # panels and tooltips bound after the first paint
    texts = page.evaluate(PAGE_TEXTS)
    assert len(texts) > 50
    french = sorted({(phrase, text) for text in texts for phrase in phrases if phrase in text})
    assert french == []
    assert page.evaluate("document.documentElement.lang") == "en"


def test_keyboard_skip_link_zoom_buttons_regions_and_groups(page, live_server):
    """The skip link lands on the map; the zoom buttons come before the markers; no invisible
    shape takes the focus; Enter opens a region, and opens a group without losing the focus."""
    open_page(page, live_server.url)
    page.wait_for_selector("#map .cluster-icon")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["name"] == "Aller au contenu"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'map-region'")
    seen = tab_until(page, lambda f: not f["inMap"] and f["id"] != "map", limit=200)[:-1]
    assert all(f["width"] > 0 and f["height"] > 0 for f in seen), [f for f in seen if not f["width"]]

    def kind(focused: dict) -> str:
        if "leaflet-control-zoom" in focused["cls"]:
            return "zoom"
        if "seat-icon" in focused["cls"] or "cluster-icon" in focused["cls"]:
            return "marker"
        return focused["tag"]

    kinds = [kind(f) for f in seen]
    assert "zoom" in kinds and "marker" in kinds
    assert kinds.index("zoom") < kinds.index("marker")
    regions = [f["name"] for f in seen if f["tag"] == "path"]
    assert len(regions) == 13 and "Bretagne" in regions  # the mainland's: the overseas ones are in their insets

    # Enter on a region opens it.
    page.locator("#map path[aria-label^='Bretagne']").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#region-title")
    assert page.locator("#region-title").text_content() == "Bretagne"
    page.wait_for_function("() => location.search.includes('region=53')")

    # Enter on a group zooms into it and the focus stays on the map, on one of its pôles.
    open_page(page, live_server.url)
    group = page.locator("#map .cluster-icon").first
    group.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => { const e = document.activeElement; return e !== document.body && e.closest('#map')"
        " && (e.classList.contains('seat-icon') || e.classList.contains('cluster-icon')); }"
    )
    assert page.console_errors == []
