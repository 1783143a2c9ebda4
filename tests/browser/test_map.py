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
    everything = api_ids(client)
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
        (["#theme-filter input[value=health]"], "theme=health&phase=5"),
        (["#theme-filter input[value=health]", "#theme-filter input[value=digital]"], "theme=health,digital&phase=5"),
        (["#phase-filter input[value='1']"], "phase=1"),
        (["#phase-filter input[value='all']", "#theme-filter input[value=energy]"], "theme=energy"),
    ],
)
def test_browser_filters_agree_with_the_api(page, live_server, client, clicks, query):
    """The browser-side filter and the server's query function select the same pôles."""
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


def test_every_callback_request_of_a_journey_is_small_and_accepted(page, live_server):
    """What the page really sends sizes the callback body limit (mapapp/ui/inputs.py): a journey
    through every server-side callback — filters, search, regions, per-capita colouring, a
    profile, the table opened, closed and opened again — sends only accepted bodies far below it."""
    from mapapp.ui.inputs import MAX_CALLBACK_BODY

    sent = []
    page.on(
        "requestfinished",
        lambda r: (
            "/_dash-update-component" in r.url and sent.append((len(r.post_data_buffer or b""), r.response().status))
        ),
    )
    open_page(page, f"{live_server.url}/?phase=all&region=84&region=11&region=76&theme=health&theme=digital")
    page.fill("#search", "a" * 100)
    page.fill("#search", "lyon")
    page.locator("#coverage-per-capita input").check()
    page.locator("#phase-filter input[value='2']").check()
    page.click("#table-toggle")
    page.wait_for_selector("#cluster-grid .ag-row")
    page.click("#table-toggle")
    page.click("#table-toggle")
    page.locator("#cluster-grid .ag-row .ag-cell").first.click()
    page.wait_for_selector("#profile-title")
    page.wait_for_load_state("networkidle")
    assert len(sent) >= 6 and {status for _, status in sent} == {200}
    assert max(size for size, _ in sent) < MAX_CALLBACK_BODY / 8, sent
    assert page.console_errors == []
