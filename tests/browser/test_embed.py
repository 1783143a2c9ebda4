"""The map embedded in another site's page: the iframe resizes to the map, the way out is there."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mapapp.config import Config
from tests.browser.test_map import open_page
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def embed_server():
    """The app allowing pages of any loopback port to frame it (MAPAPP_FRAME_ANCESTORS)."""
    with LiveServer(Config(frame_ancestors=("http://127.0.0.1:*",))) as server:
        yield server


def host(map_url: str, snippet: str | None = None):
    """A page on another origin (another port) that embeds /embed as the README tells hosts to,
    or with `snippet`, the code the embed dialog gave."""
    snippet = (
        snippet
        or f"""<iframe src="{map_url}/embed?region=84" title="Carte des pôles de compétitivité"
              data-mapapp style="width:100%;border:0" height="200"></iframe>
      <script src="{map_url}/assets/embed-host.js"></script>"""
    )
    html = f"""<!doctype html><html lang="fr"><head><title>Hôte</title></head><body>
      <h1>Page hôte</h1>
      {snippet}
    </body></html>""".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def test_embed_resizes_its_iframe_and_links_to_the_full_map(page, embed_server):
    server, url = host(embed_server.url)
    page.goto(url)
    frame = page.frame_locator("iframe[data-mapapp]")
    frame.locator("#map path.leaflet-interactive").first.wait_for(state="attached", timeout=20_000)
    page.wait_for_function("() => parseInt(document.querySelector('iframe').style.height || '0') > 320")
    assert frame.locator(".header").count() == 0  # embed chrome: no header
    link = frame.locator("#open-full-map")
    assert link.is_visible()
    assert "region=84" in link.get_attribute("href")
    server.shutdown()


def test_other_sites_cannot_frame_the_map_by_default(page, live_server):
    server, url = host(live_server.url)
    page.goto(url)
    page.wait_for_timeout(2000)
    frame = page.frame_locator("iframe[data-mapapp]")
    assert frame.locator("#map").count() == 0  # refused by CSP frame-ancestors 'self'
    assert page.evaluate("document.querySelector('iframe').style.height") == ""
    server.shutdown()


def test_frame_ancestors_default_to_same_origin(client):
    assert "frame-ancestors 'self';" in client.get("/embed").headers["Content-Security-Policy"] + ";"


HOSTILE_TITLE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_embed_dialog_gives_the_snippet_of_the_current_view_with_a_live_preview(browser, embed_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, permissions=["clipboard-write"])
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_page(page, f"{embed_server.url}/?region=84&theme=health")
    page.click("#embed-open")
    page.wait_for_selector("#embed-dialog[open]")
    code = page.locator("#embed-code")
    page.wait_for_function("() => document.getElementById('embed-code').value.includes('<iframe')")
    assert f'src="{embed_server.url}/embed?theme=health&amp;region=84"' in code.input_value()
    assert f'<script src="{embed_server.url}/assets/embed-host.js" async></script>' in code.input_value()
    assert page.get_attribute("#embed-frame", "src") == f"{embed_server.url}/embed?theme=health&region=84"

    # Options: English, no filter panel, a fixed size, and a title that is hostile HTML.
    page.locator("#embed-lang input[value=en]").check()
    page.locator("#embed-hide input[value=filters]").check()
    page.fill("#embed-width", "640")
    page.fill("#embed-height", "700")
    page.fill("#embed-title", HOSTILE_TITLE)
    page.wait_for_function("() => document.getElementById('embed-code').value.includes('width=\"640\"')")
    snippet = code.input_value()
    assert "lang=en" in snippet and "hide=filters" in snippet and 'height="700"' in snippet
    assert "<script>alert" not in snippet and "<img" not in snippet
    assert 'title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"' in snippet
    assert page.get_attribute("#embed-frame", "title") == HOSTILE_TITLE  # shown as text, not run

    # The preview is the embed itself: English, no filter panel, still filtered to the region.
    preview = page.frame_locator("#embed-frame")
    preview.locator("#map path.leaflet-interactive").first.wait_for(state="attached", timeout=20_000)
    assert preview.locator("html").get_attribute("lang") == "en"
    assert preview.locator("#open-full-map").text_content() == "Open the full map"
    assert preview.locator(".filters").is_hidden()
    assert "region=84" in preview.locator("#open-full-map").get_attribute("href")

    page.click("#embed-copy")
    page.wait_for_function("() => document.getElementById('embed-copy-status').textContent !== ''")
    assert page.text_content("#embed-copy-status") == "Code copié."
    assert dialogs == []

    # Pasted as is in a page of another site, the snippet works: framed, titled, resized.
    server, url = host(embed_server.url, snippet)
    host_page = context.new_page()
    host_page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    host_page.goto(url)
    frame = host_page.frame_locator("iframe[data-mapapp]")
    frame.locator("#map path.leaflet-interactive").first.wait_for(state="attached", timeout=20_000)
    host_page.wait_for_function("() => parseInt(document.querySelector('iframe').style.height || '0') > 320")
    assert host_page.get_attribute("iframe", "title") == HOSTILE_TITLE
    assert host_page.get_attribute("iframe", "width") == "640"
    assert dialogs == []
    server.shutdown()
    context.close()


# --- The ministry web team's embed (issue 12) ---------------------------------------------------

EMBEDDED = "/embed?hide=filters&theme=health&region=84&lang=en&mode=members"


def embedded(browser, embed_server, width: int, height: int = 600):
    """A host page `width` px wide framing `EMBEDDED` at `height` px, and the framed page."""
    snippet = f"""<iframe src="{embed_server.url}{EMBEDDED}" title="Carte" data-mapapp
                  style="width:100%;border:0" height="{height}"></iframe>
                  <script src="{embed_server.url}/assets/embed-host.js"></script>"""
    server, url = host(embed_server.url, snippet)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(url)
    frame = page.frame_locator("iframe[data-mapapp]")
    frame.locator("#map .seat-icon").first.wait_for(timeout=20_000)
    return server, context, page, frame


def framed_url(page) -> str:
    return next(f.url for f in page.frames if "/embed" in f.url)


def test_an_embed_keeps_every_parameter_through_every_click(browser, embed_server):
    server, context, page, frame = embedded(browser, embed_server, 1000)
    frame.locator("#map .seat-icon").first.click(force=True)
    frame.locator("#profile-title").wait_for()
    framed = next(f for f in page.frames if "/embed" in f.url)
    framed.wait_for_function("() => location.search.includes('cluster=')")
    url = framed_url(page)
    for part in ("hide=filters", "theme=health", "region=84", "lang=en", "mode=members", "cluster="):
        assert part in url, url
    assert frame.locator(".filters").is_hidden()
    # Back: the page is rendered again for the URL it lands on, still without its filter panel.
    frame.locator("body").evaluate("() => history.back()")
    frame.locator("#profile-panel").wait_for(state="hidden")
    frame.locator("#map .seat-icon").first.wait_for()
    url = framed_url(page)
    assert "hide=filters" in url and "theme=health" in url and "cluster=" not in url
    assert frame.locator(".filters").is_hidden()
    assert frame.locator("#theme-filter input[value=health]").is_checked()
    # The insets stay in the map, not stacked over it or below it.
    inside = frame.locator(".map-area").evaluate(
        "a => { const m = a.getBoundingClientRect(), i = a.querySelector('.insets').getBoundingClientRect();"
        " return i.top >= m.top && i.bottom <= m.bottom && i.left >= m.left && i.right <= m.right; }"
    )
    assert inside
    server.shutdown()
    context.close()


@pytest.mark.parametrize("width", [1000, 375])
def test_an_embed_keeps_most_of_its_frame_for_the_map(browser, embed_server, width):
    server, context, page, frame = embedded(browser, embed_server, width)
    map_height = frame.locator(".map-area").evaluate("a => a.getBoundingClientRect().height")
    assert map_height >= 0.6 * 600
    frame.locator("#map .seat-icon").first.click(force=True)
    frame.locator("#profile-title").wait_for()
    # A long profile scrolls inside its panel: the map keeps its share of the frame.
    panel = frame.locator("#profile-panel")
    assert panel.evaluate("p => p.scrollHeight > p.clientHeight")
    assert frame.locator(".map-area").evaluate("a => a.getBoundingClientRect().height") == map_height
    server.shutdown()
    context.close()
