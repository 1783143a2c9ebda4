"""User journeys in a real headless Chromium against the real server and the shipped data."""

from __future__ import annotations

import re

import pytest

from tests.conftest import HOSTILE_NAMES

pytestmark = pytest.mark.browser

MARKERS = (
    "Array.from(document.querySelectorAll(SEL + ' .cluster-icon')).map(e => +e.textContent)"
    ".reduce((a, b) => a + b, 0) + document.querySelectorAll(SEL + ' .seat-icon').length"
)


def count_markers(page, selector: str) -> int:
    return page.evaluate(f"(SEL) => {MARKERS}", selector)


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#map path.leaflet-interactive", state="attached", timeout=20_000)
    page.wait_for_function("document.querySelector('#count') && document.querySelector('#count').textContent")


def api_ids(client, query: str = "") -> list[dict]:
    return client.get(f"/api/clusters?{query}").json["features"]


def mainland(features) -> list[dict]:
    return [f for f in features if f["geometry"] and f["geometry"]["coordinates"][1] > 40]


def shown_count(page) -> int:
    text = page.locator("#count").text_content()
    digits = re.sub(r"\D", "", text)
    return int(digits) if digits else 0


def test_page_shows_18_regions_and_a_marker_per_current_pôle(page, live_server, client):
    current = api_ids(client, "phase=5")
    open_page(page, live_server.url)
    assert page.locator("#map path.leaflet-interactive").count() == 18
    page.wait_for_function(f"() => ({MARKERS.replace('SEL', repr('#map'))}) === {len(mainland(current))}")
    assert shown_count(page) == len(current)
    reunion = [f for f in current if f["geometry"] and f["geometry"]["coordinates"][1] < -20]
    assert reunion, "La Réunion's pôle is in the data"
    page.wait_for_selector("#inset-04 .seat-icon")
    assert count_markers(page, "#inset-04") == len(reunion)
    assert page.console_errors == []


def test_all_phases_shows_every_placed_pôle(page, live_server, client):
    everything = api_ids(client, "phase=all")
    open_page(page, f"{live_server.url}/?phase=all")
    page.wait_for_function(f"() => ({MARKERS.replace('SEL', repr('#map'))}) === {len(mainland(everything))}")
    assert shown_count(page) == len(everything)


def test_region_name_shows_on_hover(page, live_server):
    open_page(page, live_server.url)
    reunion = page.locator("#inset-04 path.leaflet-interactive").first  # the inset holds its region only
    box = reunion.bounding_box()
    reunion.dispatch_event("mouseover", {"clientX": box["x"] + 5, "clientY": box["y"] + box["height"] / 2})
    assert page.locator(".leaflet-tooltip").filter(has_text="La Réunion").count() == 1


@pytest.mark.parametrize(
    ("clicks", "query"),
    [
        (["#theme-filter input[value=health]"], "theme=health"),  # the same default phase
        (["#theme-filter input[value=health]", "#theme-filter input[value=digital]"], "theme=health,digital&phase=5"),
        (["#phase-filter input[value='1']"], "phase=1"),
        (["#phase-filter input[value='all']", "#theme-filter input[value=energy]"], "theme=energy&phase=all"),
    ],
)
def test_browser_filters_agree_with_the_api(page, live_server, client, clicks, query):
    """The browser-side filter and the server's query function select the same pôles, with the
    same default phase."""
    open_page(page, live_server.url)
    before = count_markers(page, "#map")
    for selector in clicks:
        page.locator(selector).click()
    expected = api_ids(client, query)
    page.wait_for_function(f"() => document.querySelector('#count').textContent.replace(/\\D/g, '') == {len(expected)}")
    page.wait_for_function(f"() => ({MARKERS.replace('SEL', repr('#map'))}) === {len(mainland(expected))}")
    if query.startswith("theme"):
        assert count_markers(page, "#map") < before
    assert page.console_errors == []


def test_no_match_shows_the_empty_state(page, live_server):
    open_page(page, live_server.url)
    assert page.locator("#empty").is_hidden()
    page.fill("#search", "zzzz aucun pôle")
    page.wait_for_selector("#empty", state="visible")
    assert shown_count(page) == 0
    page.click("#reset")
    page.wait_for_selector("#empty", state="hidden")
    assert page.locator("#search").input_value() == ""


def test_typing_a_search_opens_the_pôle(page, live_server):
    open_page(page, live_server.url)
    page.fill("#search", "medicen")
    page.wait_for_selector("#profile-title")
    assert page.locator("#profile-title").text_content() == "Medicen Paris Region"
    assert "cluster=medicen-paris-region" in page.url


def test_former_name_finds_the_successor(page, live_server):
    open_page(page, f"{live_server.url}/?phase=all")
    page.fill("#search", "mov'eo")
    page.wait_for_selector("#profile-title")
    assert page.locator("#profile-title").text_content() == "NextMove"


def test_profile_shows_members_projects_and_funding_with_sample_badges(page, live_server, client):
    profile = client.get("/api/clusters/lyonbiopole").json
    open_page(page, f"{live_server.url}/?cluster=lyonbiopole")
    page.wait_for_selector("#profile-title")
    panel = page.locator("#profile-panel")
    assert panel.locator(".timeline li").count() == 5
    assert panel.locator(".badge.sample").first.is_visible()
    assert panel.locator("#member-list li").count() == min(100, profile["members"]["count"]) + (
        1 if profile["members"]["count"] > 100 else 0
    )
    page.fill("#member-search", "grenoble")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#member-list li')].every(li => /Grenoble/.test(li.textContent))"
    )
    panel.get_by_role("tab", name=re.compile("Projets")).click()
    assert panel.locator(".data-table tbody tr").count() == min(50, profile["projects"]["count"])
    panel.get_by_role("tab", name=re.compile("Financements")).click()
    assert panel.locator("#panel-funding .bar-table").count() == 2
    assert panel.locator("#panel-funding").is_visible() and panel.locator("#panel-members").is_hidden()
    # the pôle's member footprint is drawn on the map
    assert page.locator("#map path.leaflet-interactive").count() > 18
    page.click("#profile-close")
    page.wait_for_selector("#profile-panel", state="hidden")
    assert "cluster=" not in page.url


def test_permalink_restores_the_view_and_back_goes_back(page, live_server):
    open_page(page, f"{live_server.url}/?theme=health&region=84&cluster=lyonbiopole")
    assert page.locator("#theme-filter input[value=health]").is_checked()
    assert page.locator("#profile-title").text_content() == "Lyonbiopôle"
    assert page.locator("#region-filter").text_content().find("Auvergne") >= 0
    page.locator("#theme-filter input[value=digital]").click()
    page.wait_for_function("() => location.search.includes('digital')")
    page.go_back()
    page.wait_for_function("() => !location.search.includes('digital')")
    page.wait_for_selector("#profile-title")
    assert not page.locator("#theme-filter input[value=digital]").is_checked()
    assert page.locator("#theme-filter input[value=health]").is_checked()


def test_bad_url_values_are_ignored_with_a_notice(page, live_server):
    open_page(page, f"{live_server.url}/?theme=cooking&phase=9&cluster=nope&region=84")
    notices = page.locator(".notice").all_text_contents()
    assert "Valeur ignorée dans l'adresse : theme = « cooking »" in notices
    assert "Valeur ignorée dans l'adresse : phase = « 9 »" in notices
    assert any("nope" in n for n in notices)
    assert page.locator("#profile-panel").is_hidden()
    assert shown_count(page) > 0
    assert page.console_errors == []


def test_table_row_click_opens_the_profile_and_highlights_the_marker(page, live_server):
    open_page(page, f"{live_server.url}/?theme=health")
    page.click("#table-toggle")
    page.wait_for_selector("#cluster-grid .ag-row")
    page.locator("#cluster-grid .ag-row[row-id='lyonbiopole'] .ag-cell").first.click()
    page.wait_for_selector("#profile-title")
    assert page.locator("#profile-title").text_content() == "Lyonbiopôle"
    page.wait_for_selector("#map [data-cluster-id='lyonbiopole'] .seat-dot.selected", timeout=10_000)


def test_marker_click_opens_the_profile(page, live_server):
    open_page(page, f"{live_server.url}/?region=04")
    marker = page.locator("#map .seat-icon").first
    marker.wait_for()
    cluster_id = marker.get_attribute("data-cluster-id")
    marker.click(force=True)
    page.wait_for_selector("#profile-title")
    assert cluster_id == "qualitropic"
    assert page.locator("#profile-title").text_content() == "Qualitropic"


def test_english_page(page, live_server):
    open_page(page, f"{live_server.url}/?lang=en&cluster=lyonbiopole")
    assert page.locator("html, .page").first.get_attribute("lang") in ("en", None)
    assert page.locator(".page").get_attribute("lang") == "en"
    assert "pôles" in page.locator("#count").text_content()
    assert page.get_by_text("Sample data").first.is_visible()
    assert page.get_by_role("tab", name=re.compile("Members")).count() == 1


def test_hostile_names_are_shown_as_text(page, hostile_server):
    page.goto(f"{hostile_server.url}/?region=03")
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
    # profile and table
    for cluster_id, name in HOSTILE_NAMES.items():
        page.goto(f"{hostile_server.url}/?cluster={cluster_id}")
        page.wait_for_selector("#profile-title")
        assert page.locator("#profile-title").text_content() == name
    page.click("#table-toggle")
    page.wait_for_selector("#cluster-grid .ag-row")
    page.fill("#search", "hyperlink")
    page.wait_for_function("() => document.querySelectorAll('#cluster-grid .ag-row').length === 1")
    assert page.locator("#cluster-grid .ag-row .ag-cell").first.text_content() == HOSTILE_NAMES["hostile-formula"]
    page.fill("#search", "img")
    page.wait_for_timeout(300)
    assert page.locator("#cluster-grid img, #profile-panel img").count() == 0
    assert page.dialogs == []
    assert page.locator("img[src='x']").count() == 0


def test_hostile_formula_is_neutralised_in_csv(hostile_server):
    import requests

    body = requests.get(f"{hostile_server.url}/api/clusters.csv?q=hyperlink", timeout=10).content.decode("utf-8-sig")
    assert "'=HYPERLINK(" in body and "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body


# --- Journeys of the public (issue 12) --------------------------------------------------------

MAINLAND_BOX = """() => {
  // The box of mainland France on the main map: the union of its drawn regions (overseas ones
  // are drawn in their insets, off this map's view).
  const boxes = [...document.querySelectorAll('#map .leaflet-overlay-pane path')]
    .map(p => p.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
  const map = document.querySelector('#map').getBoundingClientRect();
  const inside = boxes.filter(r => r.right > map.left && r.left < map.right
                                && r.bottom > map.top && r.top < map.bottom);
  return {left: Math.min(...inside.map(r => r.left)), right: Math.max(...inside.map(r => r.right)),
          top: Math.min(...inside.map(r => r.top)), bottom: Math.max(...inside.map(r => r.bottom))};
}"""
OVERLAYS_CLEAR = f"""() => {{
  const france = ({MAINLAND_BOX})();
  const apart = (a, b) => a.right <= b.left || a.left >= b.right || a.bottom <= b.top || a.top >= b.bottom;
  return [...document.querySelectorAll('.insets, .legend-box')].map(e => e.getBoundingClientRect())
    .filter(r => r.width > 0).every(r => apart(r, france));
}}"""


def test_a_pôle_link_in_the_region_profile_keeps_the_view(page, live_server, client):
    """From `?theme=health&region=84`, Lyonbiopôle opens with the same filters and colouring: the
    count stays, only the opened pôle changes."""
    selection = api_ids(client, "theme=health&region=84")
    open_page(page, f"{live_server.url}/?theme=health&region=84&mode=members")
    page.wait_for_selector("#region-title")
    assert shown_count(page) == len(selection)
    link = page.locator("#region-panel .cluster-links a", has_text="Lyonbiopôle").first
    link.hover()  # its href, for a new tab, is the view with the pôle opened
    href = link.get_attribute("href")
    assert "theme=health" in href and "region=84" in href and "mode=members" in href and "cluster=lyonbiopole" in href
    link.click()
    page.wait_for_selector("#profile-title")
    assert page.locator("#profile-title").text_content() == "Lyonbiopôle"
    page.wait_for_function("() => location.search.includes('cluster=lyonbiopole')")
    for part in ("theme=health", "region=84", "mode=members"):
        assert part in page.url
    assert shown_count(page) == len(selection)
    assert page.locator("#theme-filter input[value=health]").is_checked()
    assert page.console_errors == []


MEMBERS_UNDER_REGIONS = """() => {
  // Member points whose centre shows a region shape instead: drawn under the regions.
  return [...document.querySelectorAll('#map .leaflet-footprint-pane path, #map path.member')].filter(p => {
    const r = p.getBoundingClientRect();
    if (!r.width) return false;
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return top && top.tagName === 'path' && top !== p && top.closest('.leaflet-overlay-pane');
  }).length;
}"""


@pytest.mark.parametrize("way_in", ["link", "search"])
def test_member_locations_are_drawn_above_the_regions_whatever_the_way_in(page, live_server, way_in):
    if way_in == "link":
        open_page(page, f"{live_server.url}/?cluster=lyonbiopole")
    else:
        open_page(page, live_server.url)
        page.fill("#search", "lyonbiopole")
    page.wait_for_selector("#profile-title")
    page.wait_for_function("() => document.querySelectorAll('#map .leaflet-footprint-pane path').length > 20")
    assert page.evaluate(MEMBERS_UNDER_REGIONS) == 0


def test_the_table_shows_names_in_the_page_s_font(page, live_server):
    open_page(page, f"{live_server.url}/?theme=health&region=84")
    page.click("#table-toggle")
    page.wait_for_selector("#cluster-grid .ag-row[row-id='lyonbiopole']")
    cells = page.locator("#cluster-grid .ag-row[row-id='lyonbiopole'] .ag-cell").all_text_contents()
    assert "Santé et biotechnologies" in cells and "Auvergne-Rhône-Alpes" in cells
    assert "health" not in cells and "84" not in cells
    fonts = page.evaluate(
        "[getComputedStyle(document.body).fontFamily,"
        " getComputedStyle(document.querySelector('#cluster-grid .ag-cell')).fontFamily]"
    )
    assert fonts[0] == fonts[1]


def test_english_profiles_say_categories_and_sources_in_english(page, live_server):
    open_page(page, f"{live_server.url}/?lang=en&cluster=lyonbiopole")
    page.wait_for_selector("#member-list li")
    members = page.locator("#member-list li").all_text_contents()
    assert any(text.endswith("(SMEs)") for text in members)
    assert not any(word in " ".join(members) for word in ("(PME)", "(Autre)", "(Recherche)"))
    sources = " ".join(page.locator("#profile-panel .source").all_text_contents())
    assert "Generated sample data" in sources and "python -m" not in sources


def test_french_names_are_elided_and_sources_said_in_words(page, live_server):
    open_page(page, f"{live_server.url}/?phase=all&cluster=minalogic")
    page.wait_for_selector("#profile-title")
    text = page.locator("#profile-panel").inner_text()
    assert "fusion d'Imaginove" in text and "de Imaginove" not in text
    assert "Données d'exemple générées" in text and "python -m" not in text


def test_phone_shows_the_chosen_region_s_profile_and_goes_to_it(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page = context.new_page()
    open_page(page, live_server.url)
    # A finger on La Réunion, beside its pôle's marker (at the shape's centre).
    page.locator("#inset-04 path.leaflet-interactive").first.tap(position={"x": 12, "y": 22})
    page.wait_for_selector("#region-title")
    page.wait_for_function(
        "() => { const r = document.getElementById('region-title').getBoundingClientRect();"
        " return r.top >= -1 && r.bottom <= window.innerHeight; }"
    )
    order = page.evaluate(
        "['.map-column', '.side-column', '.filters'].map(s => document.querySelector(s).getBoundingClientRect().top)"
    )
    assert order == sorted(order)  # the map, then what it opened, then the filters
    context.close()


@pytest.mark.parametrize("size", [(1280, 800), (900, 700), (375, 812)])
def test_insets_and_legend_never_cover_mainland_france(browser, live_server, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    open_page(page, f"{live_server.url}/?mode=members")
    page.wait_for_selector("#coverage-legend li")
    page.wait_for_function(OVERLAYS_CLEAR)
    # No seat of the mainland hides under an inset.
    hidden = page.evaluate(
        """() => [...document.querySelectorAll('#map .seat-icon, #map .cluster-icon')].filter(m => {
             const r = m.getBoundingClientRect();
             const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
             return top && top.closest('.insets');
           }).length"""
    )
    assert hidden == 0
    # The insets show their whole map (no blank strip) and every marker whole.
    for code in ("03", "04"):
        shown = page.evaluate(
            f"""() => {{ const m = document.querySelector('#inset-{code}');
               const box = m.getBoundingClientRect();
               const icons = [...m.querySelectorAll('.seat-icon, .cluster-icon')].map(i => i.getBoundingClientRect());
               const region = m.querySelector('path.leaflet-interactive').getBoundingClientRect();
               const figure = m.closest('figure');
               return {{icons: icons.every(r => r.left >= box.left && r.right <= box.right && r.top >= box.top
                                               && r.bottom <= box.bottom),
                        centred: Math.abs((region.left + region.right) / 2 - (box.left + box.right) / 2) < 6,
                        filled: Math.abs(figure.clientWidth - box.width) < 1}}; }}"""
        )
        assert shown == {"icons": True, "centred": True, "filled": True}, code
    context.close()


def test_the_map_key_explains_the_dashed_ring_and_no_list_ignores_the_filters(page, live_server, client):
    open_page(page, f"{live_server.url}/?theme=health&region=11")
    key = page.locator(".map-key")
    assert key.locator(".seat-dot.region-placed").count() == 1
    assert "pointillés" in key.inner_text()
    page.wait_for_selector("#region-title")
    selected = {f["properties"]["name"] for f in api_ids(client, "theme=health&region=11")}
    listed = set(page.locator("#region-panel .cluster-links a").all_text_contents())
    assert listed and listed <= selected  # every pôle listed is one the filters keep
    assert page.get_by_text("Sans siège sourcé").count() == 0


def test_reset_returns_to_the_arrival_view(page, live_server, client):
    arrival = api_ids(client)
    open_page(page, f"{live_server.url}/?phase=all&theme=health&region=84&mode=members&per=100k&cluster=lyonbiopole")
    page.wait_for_selector("#profile-title")
    page.click("#reset")
    page.wait_for_function(f"() => document.querySelector('#count').textContent.replace(/\\D/g, '') == {len(arrival)}")
    page.wait_for_selector("#profile-panel", state="hidden")
    page.wait_for_function("() => location.search === ''")
    assert page.locator("#phase-filter input[value='5']").is_checked()
    assert page.locator("#coverage-mode input[value=none]").is_checked()
    assert not page.locator("#coverage-per-capita input").is_checked()
    assert page.locator("#coverage-legend li").count() == 0


def test_a_bad_phase_in_the_url_falls_back_to_today_s_phase(page, live_server, client):
    open_page(page, f"{live_server.url}/?phase=9")
    assert "Valeur ignorée dans l'adresse : phase = « 9 »" in page.locator(".notice").all_text_contents()
    assert shown_count(page) == len(api_ids(client))  # the API's default: today's phase too
    assert page.locator("#phase-filter input[value='5']").is_checked()


def test_no_map_logs_in_the_console(page, live_server):
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    open_page(page, f"{live_server.url}/?region=84")
    page.locator("#theme-filter input[value=health]").click()
    page.locator("#map .seat-icon").first.click(force=True)
    page.wait_for_selector("#profile-title")
    assert [m for m in messages if "BOUNDS" in m or "ZOOM CHANGE" in m] == []
