"""The regional authority's journey in a real browser: choropleth, region profile, comparison, export."""

from __future__ import annotations

import csv
import io

import pytest
import requests

pytestmark = pytest.mark.browser


def region_fills(page) -> dict[str, str]:
    """Fill colour of the main map's region paths, in feature (code) order."""
    return page.evaluate(
        "[...document.querySelectorAll('#map .leaflet-overlay-pane path')].map(p => p.getAttribute('fill'))"
    )


def test_regional_authority_journey(page, live_server):
    page.goto(f"{live_server.url}/?region=84")
    page.wait_for_selector("#region-title")
    assert page.locator("#region-title").text_content() == "Auvergne-Rhône-Alpes"
    assert page.locator("#region-panel").get_by_text("Rang").count() >= 1

    # switch to funding per inhabitant: a legend with classes and units appears, regions recolour
    page.wait_for_selector("#map .leaflet-overlay-pane path", state="attached")
    plain = region_fills(page)
    page.locator("#coverage-mode input[value=funding_eur]").click()
    page.wait_for_selector("#coverage-legend li")
    absolute_legend = page.locator("#coverage-legend").inner_text()
    assert "M€" in absolute_legend or "€" in absolute_legend
    page.locator("#coverage-per-capita input").click()
    page.wait_for_function("() => document.querySelector('#coverage-legend').innerText.includes('100 000')")
    assert page.locator("#coverage-legend li").count() >= 5
    assert "n/a" in page.locator("#coverage-legend").inner_text()  # Mayotte: population unknown
    page.wait_for_timeout(500)
    coloured = region_fills(page)
    assert coloured != plain and len(set(coloured)) >= 4
    assert "mode=funding_eur" in page.url and "per=100k" in page.url

    # compare with Île-de-France: a side-by-side table
    page.locator("#region-filter").click()
    page.keyboard.type("Île")
    page.get_by_role("checkbox", name="Île-de-France").click()  # options are checkboxes
    page.keyboard.press("Escape")
    page.wait_for_selector(".compare-table")
    headers = page.locator(".compare-table thead th").all_text_contents()
    assert "Auvergne-Rhône-Alpes" in headers and "Île-de-France" in headers
    assert "region=84" in page.url and "region=11" in page.url

    # export: the CSV behind the button has the API's figures
    href = page.locator("#download-regions").get_attribute("href")
    body = requests.get(live_server.url + href, timeout=10).content.decode("utf-8-sig")
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(body), delimiter=";")}
    api = {
        r["code"]: r
        for r in requests.get(live_server.url + href.replace(".csv", "").replace("&sep=%3B", ""), timeout=10).json()
    }
    assert len(rows) == 18
    for code in ("84", "11"):
        assert float(rows[code]["funding_eur"]) == pytest.approx(api[code]["funding_eur"])
        assert int(rows[code]["clusters_seated"]) == api[code]["clusters_seated"]
    assert rows["06"]["funding_eur_per_100k"] == ""  # Mayotte: n/a, not a division by zero
    assert page.console_errors == []


def test_clicking_a_region_opens_its_profile(page, live_server):
    page.goto(live_server.url)
    page.wait_for_selector("#inset-04 path.leaflet-interactive", state="attached")
    page.locator("#inset-04 path.leaflet-interactive").first.dispatch_event("click")
    page.wait_for_selector("#region-title")
    assert page.locator("#region-title").text_content() == "La Réunion"
    assert "region=04" in page.url


def test_phases_before_2016_offer_the_regions_of_the_time(page, live_server):
    page.goto(f"{live_server.url}/?mode=clusters_seated")
    page.wait_for_selector("#map .leaflet-overlay-pane path", state="attached")
    assert page.locator("#coverage-layer-box").is_hidden()  # phase 5: today's regions only
    page.locator("#phase-filter input[value='2']").click()
    page.wait_for_selector("#coverage-layer-box", state="visible")
    page.locator("#coverage-layer input").click()
    page.wait_for_function("() => document.querySelectorAll('#map .leaflet-overlay-pane path').length === 27")
    page.wait_for_function("() => location.search.includes('layer=regions_2015')")
    page.wait_for_function("() => document.querySelector('#coverage-legend').innerText.includes('pôles sièges')")
    fills = page.evaluate(
        "[...document.querySelectorAll('#map .leaflet-overlay-pane path')].map(p => p.getAttribute('fill'))"
    )
    assert len(set(fills)) >= 3
    page.locator("#phase-filter input[value='5']").click()
    page.wait_for_function("() => document.querySelectorAll('#map .leaflet-overlay-pane path').length === 18")
    assert page.console_errors == []
