"""The map embedded in another site's page: the iframe resizes to the map, the way out is there."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mapapp.config import Config
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def embed_server():
    """The app allowing pages of any loopback port to frame it (MAPAPP_FRAME_ANCESTORS)."""
    with LiveServer(Config(frame_ancestors=("http://127.0.0.1:*",))) as server:
        yield server


def host(map_url: str):
    """A page on another origin (another port) that embeds /embed as the README tells hosts to."""
    html = f"""<!doctype html><html lang="fr"><head><title>Hôte</title></head><body>
      <h1>Page hôte</h1>
      <iframe src="{map_url}/embed?region=84" title="Carte des pôles de compétitivité"
              data-mapapp style="width:100%;border:0" height="200"></iframe>
      <script src="{map_url}/assets/embed-host.js"></script>
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
    assert client.get("/embed").headers["Content-Security-Policy"] == "frame-ancestors 'self'"
