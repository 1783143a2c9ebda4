"""The regional authority's journey in a real browser: choropleth, region profile, comparison, export."""

from __future__ import annotations

import csv
import io
import re

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
    page.wait_for_function("() => document.querySelector('#coverage-legend').innerText.includes('Pôles sièges')")
    fills = page.evaluate(
        "[...document.querySelectorAll('#map .leaflet-overlay-pane path')].map(p => p.getAttribute('fill'))"
    )
    assert len(set(fills)) >= 3
    page.locator("#phase-filter input[value='5']").click()
    page.wait_for_function("() => document.querySelectorAll('#map .leaflet-overlay-pane path').length === 18")
    assert page.console_errors == []


# --- Journeys of the regional analyst (issue 12) ----------------------------------------------

BARS = """(table) => [...table.querySelectorAll('tbody tr')].map(tr => ({
  label: tr.querySelector('th').textContent,
  bar: [...tr.querySelectorAll('.bar')].reduce((w, b) => w + b.getBoundingClientRect().width, 0),
  track: tr.querySelector('.bar-track').getBoundingClientRect().width}))"""


def assert_proportional(rows: list[dict], values: dict[str, float]) -> None:
    """Bars measured in the page: every track the same width, each bar its value's share of the
    track on a scale from zero to the largest value (to within a pixel)."""
    assert len({round(r["track"]) for r in rows}) == 1, rows
    peak = max(values.values())
    for row in rows:
        assert row["bar"] == pytest.approx(row["track"] * values[row["label"]] / peak, abs=1.0), (row, values)


def test_comparison_bars_are_proportional_from_zero(page, live_server):
    compared = requests.get(f"{live_server.url}/api/regions/compare?region=84,53,11", timeout=10).json()
    page.goto(f"{live_server.url}/?region=84,53,11")
    page.wait_for_selector(".compare-table")
    charts = page.locator("#region-panel .bar-table")
    for i, measure in enumerate(("clusters_seated", "clusters_active", "members", "projects", "funding_eur")):
        values = {block["name"]: block["measures"][measure]["value"] for block in compared}
        assert_proportional(charts.nth(i).evaluate(BARS), values)
    page.locator("#coverage-per-capita input").click()
    page.wait_for_function("() => document.querySelector('#region-panel').innerText.includes('100 000')")
    values = {block["name"]: block["measures"]["clusters_seated"]["per_100k"] for block in compared}
    assert_proportional(charts.nth(0).evaluate(BARS), values)


def test_profile_bars_are_proportional_from_zero(page, live_server):
    profile = requests.get(f"{live_server.url}/api/clusters/lyonbiopole", timeout=10).json()
    page.goto(f"{live_server.url}/?cluster=lyonbiopole&lang=en")
    page.wait_for_selector("#profile-title")
    page.get_by_role("tab", name=re.compile("Funding")).click()
    from mapapp.i18n import t

    values = {t("en", "funder_" + line["funder"]): line["amount_eur"] for line in profile["funding"]["by_funder"]}
    assert_proportional(page.locator("#panel-funding .bar-table").first.evaluate(BARS), values)
    categories = {t("en", "cat_" + c): n for c, n in profile["members"]["by_category"].items()}
    page.get_by_role("tab", name=re.compile("Members")).click()
    assert_proportional(page.locator("#panel-members .bar-table").first.evaluate(BARS), categories)


IN_VIEW = """(codes) => {
  // The chosen regions' shapes lie inside the map and clear of the insets and the legend.
  const map = document.querySelector('#map').getBoundingClientRect();
  const overlays = [...document.querySelectorAll('.insets, .legend-box')].map(e => e.getBoundingClientRect())
    .filter(r => r.width > 0);
  const apart = (a, b) => a.right <= b.left || a.left >= b.right || a.bottom <= b.top || a.top >= b.bottom;
  const paths = [...document.querySelectorAll('#map .leaflet-overlay-pane path')];
  const names = codes.map(c => paths.find(p => (p.getAttribute('aria-label') || '').startsWith(c)));
  if (names.some(p => !p)) return false;
  const boxes = names.map(p => p.getBoundingClientRect());
  const union = {left: Math.min(...boxes.map(b => b.left)), right: Math.max(...boxes.map(b => b.right)),
                 top: Math.min(...boxes.map(b => b.top)), bottom: Math.max(...boxes.map(b => b.bottom))};
  const inside = union.left >= map.left && union.right <= map.right
              && union.top >= map.top && union.bottom <= map.bottom;
  // framed, not just somewhere in view: the regions fill the free height or width
  const filled = (union.right - union.left) > 0.45 * map.width || (union.bottom - union.top) > 0.7 * map.height;
  return inside && filled && overlays.every(r => apart(r, union));
}"""


def choose_region(page, typed: str, name: str) -> None:
    page.locator("#region-filter").click()
    page.keyboard.type(typed)
    page.get_by_role("checkbox", name=name).click()
    page.keyboard.press("Escape")


def test_choosing_regions_frames_exactly_them(page, live_server):
    page.goto(live_server.url)
    page.wait_for_selector("#map path.leaflet-interactive[aria-label]", state="attached")
    choose_region(page, "Bret", "Bretagne")
    page.wait_for_selector("#region-title")
    page.wait_for_function(IN_VIEW, arg=["Bretagne"])
    assert page.locator(".leaflet-tooltip").count() == 0  # no stale tooltip
    choose_region(page, "Pays", "Pays de la Loire")
    page.wait_for_selector(".compare-table")
    page.wait_for_function(IN_VIEW, arg=["Bretagne", "Pays de la Loire"])
    assert page.console_errors == []


def test_downloads_are_named_for_what_they_hold(page, live_server):
    page.goto(f"{live_server.url}/?theme=health&region=84")
    page.wait_for_selector("#region-title")
    names = {}
    for link in ("#download-csv-fr", "#download-csv", "#download-regions", "#region-panel .panel-download a"):
        with page.expect_download() as download:
            page.locator(link).click()
        names[link] = download.value.suggested_filename
    assert (
        names["#download-csv-fr"]
        == names["#download-csv"]
        == "poles-sante-et-biotechnologies-auvergne-rhone-alpes-phase-5.csv"
    )
    assert names["#download-regions"] == "regions-sante-et-biotechnologies-phase-5.csv"
    assert (
        names["#region-panel .panel-download a"] == "region-auvergne-rhone-alpes-sante-et-biotechnologies-phase-5.csv"
    )


def test_legends_tooltips_and_ranks_read_right(page, live_server):
    page.goto(f"{live_server.url}/?region=84&mode=clusters_seated&per=100k")
    page.wait_for_selector("#coverage-legend li")
    rows = [row for row in page.locator("#coverage-legend li").all_text_contents() if row != "n/a"]
    ranges = []
    for row in rows:
        parts = [float(part.replace("\u202f", "").replace(" ", "").replace(",", ".")) for part in row.split("–")]
        assert not any(part == 0 for part in parts[1:]), row  # no "0,00 – 0,00": zeros are their own row
        ranges.append((parts[0], parts[-1]))
    for (_, high), (low, _) in zip(ranges, ranges[1:], strict=False):
        assert high < low, rows  # rows never share or overlap a bound
    ranks = page.locator("#region-panel .data-table").nth(1).locator("td:last-child").all_text_contents()
    assert ranks and all(r.endswith("/17") or r == "n/a" for r in ranks)  # Mayotte is not ranked per inhabitant
    absolute = page.locator("#region-panel .data-table").nth(0).locator("td:last-child").all_text_contents()
    assert all(r.endswith("/18") for r in absolute)
    page.locator("#coverage-mode input[value=funding_eur]").click()
    page.wait_for_function("() => document.querySelector('#coverage-legend').innerText.includes('Financements')")
    region = page.locator("#map path.leaflet-interactive[aria-label^='Auvergne']")
    box = region.bounding_box()
    region.dispatch_event(
        "mouseover", {"clientX": box["x"] + box["width"] / 2, "clientY": box["y"] + box["height"] / 2}
    )
    tooltip = page.locator(".leaflet-tooltip").filter(has_text="Auvergne").first.text_content()
    assert tooltip.count("€") == 1 and "de financements pour 100 000 hab." in tooltip


def test_a_region_of_2015_takes_no_click_and_no_focus(page, live_server):
    page.goto(f"{live_server.url}/?phase=2&layer=regions_2015&mode=clusters_seated")
    page.wait_for_function("() => document.querySelectorAll('#map .leaflet-overlay-pane path').length === 27")
    path = page.locator("#map .leaflet-overlay-pane path").nth(10)
    assert path.get_attribute("tabindex") == "-1" and path.evaluate("p => getComputedStyle(p).cursor") != "pointer"
    path.click(force=True)
    assert page.evaluate("document.activeElement.tagName") != "path"
    assert "region=" not in page.url and page.locator("#region-panel").is_hidden()


def test_a_filtered_region_profile_says_what_counts_all_pôles(page, live_server):
    page.goto(f"{live_server.url}/?region=84")
    page.wait_for_selector("#region-title")
    missing = page.locator("#region-panel .themes-missing").text_content()
    page.locator("#theme-filter input[value=health]").click()
    page.wait_for_selector("#region-panel .selection-note")
    assert "Santé et biotechnologies" in page.locator("#region-panel .selection-note").text_content()
    assert page.locator("#region-panel .themes-missing").text_content() == missing  # the same themes missing
