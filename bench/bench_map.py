"""Map benchmarks, side by side in one run: our app vs a minimal Leaflet page vs Folium, same data.

    python bench/bench_map.py [--runs 5] [--scale 1|100] [--data-dir DIR] [--parts paint,filter,rps]

What it does (loopback only, no internet; every loop is bounded by a count or a deadline):

1. Starts our app fresh from this repository (`create_app`, werkzeug threaded server in a thread, as
   in tests/conftest.py; also gunicorn if importable) and a small static server (a thread) that
   sends gzip when the client accepts it (compressed once, kept in memory: like `gzip_static`).
   Builds (b) a minimal hand-written Leaflet + leaflet.markercluster page and (c) a Folium page of
   the same layers, both over the very bytes our app serves (`/geodata/regions.geojson`,
   `/api/clusters`). Every JS/CSS file the pages reference is a local copy taken with `npm pack`
   into bench/out/cache/ (git-ignored); Folium's CDN URLs are rewritten to the static server.
2. Page load, medians of --runs, a fresh browser context per run with the cache disabled, pages
   interleaved: first map paint (navigation start → the main map has all region paths AND a marker
   or cluster icon in the DOM, then the next animation frame), load event, requests, bytes on the
   wire (CDP `encodedDataLength`, headers included) and decoded bytes.
3. Filter → map updated latency: a JS click on `#theme-filter input[type=checkbox]` until the main
   map's marker pane (or `#count`) stops changing, timed to the animation frame after the last
   mutation; p50/p95 over --clicks clicks. Reported as "pending UI" while the filter is missing.
4. `/api/clusters` requests/s through the app server vs the same bytes from the static server
   (a threaded keep-alive load generator in a subprocess, --seconds each; also `wrk` if on PATH).

--scale 100 uses --data-dir (default /tmp/x100, built with `python -m mapapp build-sample --scale 100`
when missing). Results are printed as Markdown and written to bench/out/bench_map_<scale>x.{md,json}.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import mimetypes
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
CACHE = OUT / "cache"
from mapapp.testing import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one list for tests and bench)

MAINLAND_BOUNDS = [[41.3, -5.3], [51.2, 9.7]]  # as mapapp/ui/map.py
TARGET_PAINT = 1.2  # × minimal Leaflet (PRODUCT.md)
TARGET_BYTES_BRIEF, TARGET_BYTES_PRODUCT = 0.5, 0.35  # × Folium's bytes on the wire
LEAFLET, MARKERCLUSTER = "leaflet@1.9.3", "leaflet.markercluster@1.1.0"  # the versions Folium 0.20 loads

# Folium's CDN files → (npm package spec, path inside the package). Versions as Folium references them;
# leaflet.awesome-markers 2.0.2 is not on npm (2.0.4 is the nearest), bootstrap 3.0.0 (glyphicons) is
# not on npm at all and Folium's rotate CSS lives only in its GitHub repo: those two are served empty.
FOLIUM_ASSETS = {
    "leaflet.js": (LEAFLET, "dist/leaflet.js"),
    "leaflet.css": (LEAFLET, "dist/leaflet.css"),
    "leaflet.markercluster.js": (MARKERCLUSTER, "dist/leaflet.markercluster.js"),
    "MarkerCluster.css": (MARKERCLUSTER, "dist/MarkerCluster.css"),
    "MarkerCluster.Default.css": (MARKERCLUSTER, "dist/MarkerCluster.Default.css"),
    "jquery-3.7.1.min.js": ("jquery@3.7.1", "dist/jquery.min.js"),
    "bootstrap.bundle.min.js": ("bootstrap@5.2.2", "dist/js/bootstrap.bundle.min.js"),
    "bootstrap.min.css": ("bootstrap@5.2.2", "dist/css/bootstrap.min.css"),
    "all.min.css": ("@fortawesome/fontawesome-free@6.2.0", "css/all.min.css"),
    "leaflet.awesome-markers.js": ("leaflet.awesome-markers@2.0.4", "dist/leaflet.awesome-markers.js"),
    "leaflet.awesome-markers.css": ("leaflet.awesome-markers@2.0.4", "dist/leaflet.awesome-markers.css"),
    "bootstrap-glyphicons.css": (None, None),
    "leaflet.awesome.rotate.min.css": (None, None),
}
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/geo+json", "image/svg+xml")
mimetypes.add_type("application/geo+json", ".geojson")
mimetypes.add_type("application/javascript", ".js")


# ---------------------------------------------------------------------------------------------- assets


def npm_package(spec: str) -> Path:
    """`npm pack spec` once into bench/out/cache/, extracted; returns the package folder."""
    target = CACHE / "pkgs" / spec.replace("/", "+")
    if (target / "package").is_dir():
        return target / "package"
    tgz_dir = CACHE / "tgz"
    tgz_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["npm", "pack", spec, "--pack-destination", str(tgz_dir), "--json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )
    filename = json.loads(done.stdout)[0]["filename"].replace("@", "").replace("/", "-")
    with tarfile.open(tgz_dir / filename) as tar:
        tar.extractall(target, filter="data")
    return target / "package"


def vendor_assets(site: Path) -> dict[str, str]:
    """Copies every CDN file into site/vendor/ (with Leaflet's images); returns file name → local path."""
    vendor = site / "vendor"
    local = {}
    for name, (spec, inner) in FOLIUM_ASSETS.items():
        dest = vendor / (spec or "missing").replace("/", "+") / (inner or name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if spec is None:
            dest.write_text("/* not obtainable offline: served empty */\n")
        else:
            shutil.copyfile(npm_package(spec) / inner, dest)
        local[name] = "/" + dest.relative_to(site).as_posix()
    images = npm_package(LEAFLET) / "dist" / "images"
    shutil.copytree(images, vendor / LEAFLET / "dist" / "images", dirs_exist_ok=True)
    webfonts = npm_package("@fortawesome/fontawesome-free@6.2.0") / "webfonts"
    shutil.copytree(webfonts, vendor / "@fortawesome+fontawesome-free@6.2.0" / "webfonts", dirs_exist_ok=True)
    return local


# ---------------------------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StaticHandler(BaseHTTPRequestHandler):
    """GET/HEAD of files under `root`; gzip (cached in memory) when the client accepts it."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once: no delayed-ACK stalls on keep-alive
    root: Path
    gz_cache: dict[Path, bytes]
    lock = threading.Lock()

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self.do_GET(body=False)

    def do_GET(self, body: bool = True) -> None:
        path = (self.root / unquote(urlsplit(self.path).path).lstrip("/")).resolve()
        if path.is_dir():
            path = path / "index.html"
        if not path.is_relative_to(self.root) or not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        packed = "gzip" in self.headers.get("Accept-Encoding", "") and ctype.startswith(COMPRESSIBLE)
        if packed:
            with self.lock:
                if path not in self.gz_cache:
                    self.gz_cache[path] = gzip.compress(data, 6)
            data = self.gz_cache[path]
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Vary", "Accept-Encoding")
        if packed:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        if body:
            self.wfile.write(data)


class ThreadServer:
    """A server object with `serve_forever`/`shutdown`, run in a daemon thread."""

    def __init__(self, server, url: str):
        self.server, self.url = server, url
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()


class QuietThreadingServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up (the load generators at their deadline) is not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def static_server(root: Path) -> ThreadServer:
    handler = type("Handler", (StaticHandler,), {"root": root.resolve(), "gz_cache": {}})
    port = free_port()
    server = QuietThreadingServer(("127.0.0.1", port), handler)
    return ThreadServer(server, f"http://127.0.0.1:{port}")


def app_server(config):
    """Our app, fresh from the repository code, on werkzeug's threaded server (as tests/conftest.py)."""
    import logging

    from werkzeug.serving import make_server

    from mapapp import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app(config)
    port = free_port()
    return ThreadServer(make_server("127.0.0.1", port, app.server, threaded=True), f"http://127.0.0.1:{port}")


class GunicornServer:
    """`gunicorn` serving `create_app(config).server` in a subprocess (only if gunicorn is importable)."""

    def __init__(self, geodata_dir: Path, data_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "MAPAPP_GEODATA_DIR": str(geodata_dir), "MAPAPP_DATA_DIR": str(data_dir)}

    def __enter__(self):
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-b",
            f"127.0.0.1:{self.port}",
            "-w",
            "2",
            "--threads",
            "4",
            "--preload",  # build the app once, then fork the workers
            "mapapp.wsgi:server",
        ]
        self.proc = subprocess.Popen(
            command, cwd=REPO, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(1800):  # up to 3 minutes: at 100x the store takes a while to load
            try:
                http_get(self.url + "/healthz")
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def http_get(url: str, gzip_ok: bool = False) -> bytes:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(
            "GET",
            parts.path + (f"?{parts.query}" if parts.query else ""),
            headers={"Accept-Encoding": "gzip" if gzip_ok else "identity"},
        )
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise OSError(f"{url}: HTTP {response.status}")
        return body
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------- pages


MINIMAL_HTML = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Minimal Leaflet</title>
<link rel="stylesheet" href="{leaflet_css}">
<link rel="stylesheet" href="{cluster_css}">
<style>
html, body, #map {{ margin: 0; height: 100%; }}
#map {{ background: #dfe9f1; }}
.seat-icon {{ background: transparent; border: 0; }}
.seat-dot {{ display: block; width: 16px; height: 16px; border-radius: 50%; border: 2px solid #fff;
  box-shadow: 0 0 0 1px #333; }}
.cluster-icon {{ display: flex; align-items: center; justify-content: center; border-radius: 50%;
  background: rgba(0,0,145,.85); color: #fff; font: 700 .85rem system-ui, sans-serif; border: 2px solid #fff; }}
</style>
<script src="{leaflet_js}"></script>
<script src="{cluster_js}"></script>
</head><body><div id="map"></div>
<script>
var colors = {colors};
var regions = fetch("/data/regions.geojson").then(function (r) {{ return r.json(); }});
var seats = fetch("/data/clusters.geojson").then(function (r) {{ return r.json(); }});
var map = L.map("map", {{zoomSnap: 0.25, maxZoom: 18, attributionControl: false}}).fitBounds({bounds});
function text(tag, value) {{ var el = document.createElement(tag); el.textContent = value; return el; }}
regions.then(function (data) {{
  L.geoJSON(data, {{
    style: {{color: "#6b7280", weight: 1, fillColor: "#ffffff", fillOpacity: 1}},
    onEachFeature: function (f, layer) {{ layer.bindTooltip(text("span", f.properties.name), {{sticky: true}}); }}
  }}).addTo(map);
}});
seats.then(function (data) {{
  var group = L.markerClusterGroup({{maxClusterRadius: 40, iconCreateFunction: function (c) {{
    var n = c.getChildCount(), size = n < 10 ? 30 : n < 50 ? 36 : 44;
    return L.divIcon({{html: text("span", n), className: "cluster-icon", iconSize: L.point(size, size)}});
  }}}});
  group.addLayer(L.geoJSON(data, {{pointToLayer: function (f, latlng) {{
    var dot = text("span", ""); dot.className = "seat-dot";
    dot.style.background = colors[(f.properties.themes || [])[0]] || "#555555";
    return L.marker(latlng, {{icon: L.divIcon({{html: dot, className: "seat-icon", iconSize: [16, 16]}}),
                              alt: f.properties.name}}).bindTooltip(text("span", f.properties.name));
  }}}}));
  map.addLayer(group);
}});
</script></body></html>
"""

SEAT_CSS = """<style>
.seat-icon { background: transparent; border: 0; }
.seat-dot { display: block; width: 16px; height: 16px; border-radius: 50%; border: 2px solid #fff;
  box-shadow: 0 0 0 1px #333; }
.folium-map { background: #dfe9f1; }
</style>"""


def theme_colors(geodata_dir: Path) -> dict[str, str]:
    import csv

    with (geodata_dir / "themes.csv").open(encoding="utf-8") as fh:
        return {row["id"]: row["color"] for row in csv.DictReader(fh)}


def minimal_page(local: dict[str, str], colors: dict[str, str]) -> str:
    return MINIMAL_HTML.format(
        leaflet_css=local["leaflet.css"],
        leaflet_js=local["leaflet.js"],
        cluster_css=local["MarkerCluster.css"],
        cluster_js=local["leaflet.markercluster.js"],
        colors=json.dumps(colors),
        bounds=json.dumps(MAINLAND_BOUNDS),
    )


def folium_page(regions: dict, seats: dict, colors: dict[str, str], local: dict[str, str]) -> str:
    """The same two layers with Folium, CDN URLs rewritten to the local copies."""
    import folium
    from folium.plugins import MarkerCluster

    fmap = folium.Map(
        location=[46.5, 2.5], zoom_start=6, tiles=None, maxZoom=18, zoom_snap=0.25, attribution_control=False
    )
    folium.GeoJson(
        regions,
        name="regions",
        style_function=lambda _f: {"color": "#6b7280", "weight": 1, "fillColor": "#ffffff", "fillOpacity": 1},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(fmap)
    group = MarkerCluster(options={"maxClusterRadius": 40}).add_to(fmap)
    for feature in seats["features"]:
        geometry, props = feature.get("geometry"), feature["properties"]
        if not geometry:
            continue
        color = colors.get((props.get("themes") or [None])[0], "#555555")
        icon = folium.DivIcon(
            html=f'<span class="seat-dot" style="background:{color}"></span>',
            icon_size=(16, 16),
            class_name="seat-icon",
        )
        lon, lat = geometry["coordinates"][:2]
        folium.Marker([lat, lon], icon=icon, tooltip=folium.Tooltip(props["name"])).add_to(group)
    fmap.fit_bounds(MAINLAND_BOUNDS)
    fmap.get_root().header.add_child(folium.Element(SEAT_CSS))
    html = fmap.get_root().render()
    for _name, url in [*fmap.default_js, *fmap.default_css, *group.default_js, *group.default_css]:
        html = html.replace(url, local[Path(urlsplit(url).path).name])
    remote = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    if remote:
        raise RuntimeError(f"the Folium page still references {remote}")
    return html


def build_site(app_url: str, site: Path, geodata_dir: Path) -> dict:
    """Static copies of the app's layer bytes + the minimal and Folium pages; returns the page paths."""
    data = site / "data"
    data.mkdir(parents=True, exist_ok=True)
    regions_bytes = http_get(app_url + "/geodata/regions.geojson")
    seats_bytes = http_get(app_url + "/api/clusters")
    (data / "regions.geojson").write_bytes(regions_bytes)
    (data / "clusters.geojson").write_bytes(seats_bytes)
    local = vendor_assets(site)
    colors = theme_colors(geodata_dir)
    regions, seats = json.loads(regions_bytes), json.loads(seats_bytes)
    (site / "minimal.html").write_text(minimal_page(local, colors), encoding="utf-8")
    (site / "folium.html").write_text(folium_page(regions, seats, colors, local), encoding="utf-8")
    return {
        "regions": len(regions["features"]),
        "seats": sum(1 for f in seats["features"] if f.get("geometry")),
        "clusters_bytes": len(seats_bytes),
        "regions_bytes": len(regions_bytes),
    }


# ---------------------------------------------------------------------------------------------- browser


PROBE_JS = """(() => {
  const SEL = %s, MIN = %d, b = window.__bench = {};
  function check() {
    if (b.dom) return;
    const root = document.querySelector(SEL);
    if (!root || !root.querySelector('.leaflet-marker-icon')) return;
    if (root.querySelectorAll('.leaflet-overlay-pane path').length < MIN) return;
    b.dom = performance.now();
    obs.disconnect();
    requestAnimationFrame(() => { b.paint = performance.now(); });
  }
  const obs = new MutationObserver(check);
  obs.observe(document, {childList: true, subtree: true});
})();"""

PAGE_TIMES_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return {paint: window.__bench.paint, dom: window.__bench.dom, load: nav.loadEventStart};
}"""

FILTER_CLICK_JS = """async (i) => {
  const boxes = document.querySelectorAll('#theme-filter input[type=checkbox]');
  const box = boxes[Math.floor(i / 2) % boxes.length];  // each box twice: toggled, then back
  const pane = document.querySelector('#map .leaflet-marker-pane');
  const count = document.querySelector('#count');
  const before = count ? count.textContent : null;
  let lastMap = null, frameAfterMap = null, countAt = null;
  const mapObs = new MutationObserver(() => {
    const at = lastMap = performance.now();
    requestAnimationFrame(() => { if (lastMap === at) frameAfterMap = performance.now(); });
  });
  if (pane) mapObs.observe(pane, {childList: true, subtree: true, attributes: true});
  const countObs = new MutationObserver(() => {
    if (countAt === null && count.textContent !== before) {
      countAt = performance.now();
      requestAnimationFrame(() => { countAt = performance.now(); });
    }
  });
  if (count) countObs.observe(count, {childList: true, subtree: true, characterData: true});
  const t0 = performance.now();
  box.click();
  await new Promise((resolve) => {
    (function poll() {
      const now = performance.now();
      const settled = lastMap !== null && frameAfterMap !== null && now - lastMap > 150;
      if (settled || now - t0 > 5000) return resolve();
      setTimeout(poll, 10);
    })();
  });
  mapObs.disconnect(); countObs.disconnect();
  return {map: frameAfterMap === null ? null : frameAfterMap - t0, count: countAt === null ? null : countAt - t0};
}"""


def new_page(browser, probe_selector: str | None = None, min_paths: int = 18):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    if probe_selector:
        context.add_init_script(PROBE_JS % (json.dumps(probe_selector), min_paths))
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    return context, page, cdp


class NetworkLog:
    """Per-request URL, start/end (CDP monotonic seconds), bytes on the wire and decoded bytes."""

    def __init__(self, cdp):
        self.reqs: dict[str, dict] = {}
        cdp.on("Network.requestWillBeSent", self.sent)
        cdp.on("Network.dataReceived", self.data)
        cdp.on("Network.loadingFinished", self.finished)

    def sent(self, e: dict) -> None:
        self.reqs.setdefault(
            e["requestId"], {"url": e["request"]["url"], "t0": e["timestamp"], "t1": None, "decoded": 0, "wire": 0}
        )

    def data(self, e: dict) -> None:
        if e["requestId"] in self.reqs:
            self.reqs[e["requestId"]]["decoded"] += e["dataLength"]

    def finished(self, e: dict) -> None:
        if e["requestId"] in self.reqs:
            self.reqs[e["requestId"]].update(wire=e["encodedDataLength"], t1=e["timestamp"])

    def requests(self) -> list[dict]:
        """Requests (no data: URLs), start/end in ms from the first request (the document)."""
        reqs = [dict(r) for r in self.reqs.values() if not r["url"].startswith("data:")]
        origin = min(r["t0"] for r in reqs)
        for r in reqs:
            r["start"] = (r.pop("t0") - origin) * 1000
            t1 = r.pop("t1")
            r["end"] = None if t1 is None else (t1 - origin) * 1000
        return sorted(reqs, key=lambda r: r["start"])


def wait_for_map(page, url: str, selector: str) -> None:
    """Waits for the probe's first map paint; on timeout, says what the page has instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("window.__bench && window.__bench.paint", timeout=30_000)
    except PlaywrightTimeout:
        seen = page.evaluate(
            "(sel) => { const r = document.querySelector(sel); return r ? [r.querySelectorAll("
            "'.leaflet-overlay-pane path').length, r.querySelectorAll('.leaflet-marker-icon').length] : null; }",
            selector,
        )
        raise RuntimeError(
            f"{url}: no map paint in 30 s ({selector} [paths, markers] = {seen}; errors: {page.errors[:3]})"
        ) from None


def measure_load(browser, url: str, selector: str, min_paths: int) -> dict:
    """One cold load in a fresh context: paint/load times and the network log (CDP)."""
    context, page, cdp = new_page(browser, selector, min_paths)
    log = NetworkLog(cdp)
    try:
        page.goto(url, wait_until="load", timeout=60_000)
        wait_for_map(page, url, selector)
        page.wait_for_load_state("networkidle", timeout=30_000)
        times = page.evaluate(PAGE_TIMES_JS)
    finally:
        context.close()
    requests = log.requests()
    return {
        "paint": times["paint"],
        "dom": times["dom"],
        "load": times["load"],
        "errors": page.errors,
        "requests": len(requests),
        "wire": sum(r["wire"] for r in requests),
        "decoded": sum(r["decoded"] for r in requests),
        "log": requests,
    }


def page_loads(browser, pages: dict[str, tuple[str, str]], runs: int, min_paths: int) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {name: [] for name in pages}
    names = list(pages)
    for run in range(runs):
        for name in names[run % len(names) :] + names[: run % len(names)]:  # rotate the order every run
            url, selector = pages[name]
            results[name].append(measure_load(browser, url, selector, min_paths))
    return results


def filter_latency(browser, url: str, clicks: int, min_paths: int) -> dict | None:
    """p50/p95 of click → main map updated; None while the page has no theme filter."""
    context, page, _cdp = new_page(browser, "#map", min_paths)
    try:
        page.goto(url, wait_until="load", timeout=60_000)
        wait_for_map(page, url, "#map")
        page.wait_for_load_state("networkidle", timeout=30_000)
        if page.locator("#theme-filter input[type=checkbox]").count() == 0:
            return None
        samples = [page.evaluate(FILTER_CLICK_JS, i) for i in range(clicks)]
    finally:
        context.close()
    times = [s["map"] if s["map"] is not None else s["count"] for s in samples]
    done = sorted(t for t in times if t is not None)
    if not done:
        return {"n": 0, "timeouts": len(times)}
    return {
        "n": len(done),
        "timeouts": len(times) - len(done),
        "p50": percentile(done, 50),
        "p95": percentile(done, 95),
        "count_p50": percentile(sorted(s["count"] for s in samples if s["count"] is not None) or [0], 50),
    }


def percentile(sorted_values: list[float], p: float) -> float:
    k = (len(sorted_values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


# ---------------------------------------------------------------------------------------------- load


def load_worker(url: str, seconds: float, threads: int) -> dict:
    """Keep-alive GET loop on `threads` threads until the deadline; no Accept-Encoding (identity bytes)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    counts = [[0, 0, 0] for _ in range(threads)]  # ok, errors, bytes
    deadline = time.perf_counter() + seconds

    def loop(slot: list[int]) -> None:
        conn = None
        while time.perf_counter() < deadline:
            try:
                conn = conn or http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                conn.request("GET", target)
                response = conn.getresponse()
                body = response.read()
                if response.status == 200:
                    slot[0] += 1
                    slot[2] += len(body)
                else:
                    slot[1] += 1
                if response.getheader("Connection", "").lower() == "close" or response.version == 10:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                slot[1] += 1
                conn = None

    started = time.perf_counter()
    workers = [threading.Thread(target=loop, args=(slot,)) for slot in counts]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    ok = sum(c[0] for c in counts)
    return {"rps": ok / elapsed, "ok": ok, "errors": sum(c[1] for c in counts), "bytes": sum(c[2] for c in counts)}


def run_load(url: str, seconds: float, threads: int) -> dict:
    """The load generator in its own process, so it does not share the servers' GIL."""
    done = subprocess.run(
        [sys.executable, __file__, "--load-worker", url, "--seconds", str(seconds), "--threads", str(threads)],
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    return json.loads(done.stdout)


def run_wrk(url: str, seconds: float, threads: int) -> float | None:
    if not shutil.which("wrk"):
        return None
    done = subprocess.run(
        ["wrk", "-t", "2", "-c", str(threads), "-d", f"{int(seconds)}s", "--timeout", "30s", url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    for line in done.stdout.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    return None


# ---------------------------------------------------------------------------------------------- report


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def fmt_kb(n: float) -> str:
    return f"{n / 1000:,.0f} KB" if n < 1e6 else f"{n / 1e6:,.2f} MB"


def paint_table(results: dict[str, list[dict]], runs: int) -> list[str]:
    base_paint = median(results["minimal Leaflet"], "paint")
    base_wire = median(results["Folium"], "wire")
    base_decoded = median(results["Folium"], "decoded")
    lines = [
        f"| page | first map paint (median of {runs}) | × minimal | load event | requests | on the wire | "
        "× Folium | decoded | × Folium |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, runs_ in results.items():
        paint, wire = median(runs_, "paint"), median(runs_, "wire")
        lines.append(
            f"| {name} | {paint:.0f} ms | {paint / base_paint:.2f}× | {median(runs_, 'load'):.0f} ms | "
            f"{median(runs_, 'requests'):.0f} | {fmt_kb(wire)} | {wire / base_wire:.2f}× | "
            f"{fmt_kb(median(runs_, 'decoded'))} | {median(runs_, 'decoded') / base_decoded:.2f}× |"
        )
    ours = results["our app"]
    paint_ratio = median(ours, "paint") / base_paint
    bytes_ratio = median(ours, "wire") / base_wire
    lines += [
        "",
        f"Targets: first paint ≤ {TARGET_PAINT}× minimal Leaflet → {paint_ratio:.2f}× "
        f"{'✔' if paint_ratio <= TARGET_PAINT else '✘'}; bytes on the wire ≤ {TARGET_BYTES_BRIEF}× Folium's "
        f"(PRODUCT.md: ≤ {TARGET_BYTES_PRODUCT}×) → {bytes_ratio:.2f}× "
        f"{'✔' if bytes_ratio <= TARGET_BYTES_PRODUCT else '✔ (0.5×) ✘ (0.35×)' if bytes_ratio <= 0.5 else '✘'}",
    ]
    return lines


def waterfall(log: list[dict], paint: float) -> list[str]:
    """Our page's requests grouped by URL, in start order (ms from the document request)."""
    groups: dict[str, dict] = {}
    for r in log:
        parts = urlsplit(r["url"])
        key = parts.path + (f"?{parts.query}" if parts.query else "")
        g = groups.setdefault(key, {"n": 0, "start": r["start"], "end": 0.0, "wire": 0, "decoded": 0})
        g["n"] += 1
        g["end"] = max(g["end"], r["end"] or 0.0)
        g["wire"] += r["wire"]
        g["decoded"] += r["decoded"]
    lines = [
        f"Our page, one cold load (first map paint at {paint:.0f} ms):",
        "",
        "| request | × | start | end | on the wire | decoded |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, g in groups.items():
        lines.append(
            f"| `{key[:100]}` | {g['n']} | {g['start']:.0f} ms | {g['end']:.0f} ms | {fmt_kb(g['wire'])} | "
            f"{fmt_kb(g['decoded'])} |"
        )
    return lines


# ---------------------------------------------------------------------------------------------- main


def data_dirs(scale: int, data_dir: str | None) -> tuple[Path, Path]:
    if scale == 1 and not data_dir:
        return REPO / "geodata", REPO / "geodata" / "sample"
    folder = Path(data_dir or "/tmp/x100")
    if not (folder / "clusters.csv").exists():
        subprocess.run(
            [sys.executable, "-m", "mapapp", "build-sample", "--scale", str(scale), "-o", str(folder), "--quiet"],
            check=True,
            cwd=REPO,
            timeout=600,
        )
    return folder, folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=int, default=1, choices=(1, 100))
    parser.add_argument("--data-dir", help="data folder (geodata and activity data); default /tmp/x100 at 100×")
    parser.add_argument("--parts", default="paint,filter,rps", help="comma-separated: paint, filter, rps")
    parser.add_argument("--clicks", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=10.0, help="per req/s measurement")
    parser.add_argument("--threads", type=int, default=8, help="load generator connections")
    parser.add_argument("--load-worker", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_worker:
        print(json.dumps(load_worker(args.load_worker, args.seconds, args.threads)))
        return

    sys.path.insert(0, str(REPO))
    from playwright.sync_api import sync_playwright

    from mapapp.config import Config

    parts = set(args.parts.split(","))
    geodata_dir, activity_dir = data_dirs(args.scale, args.data_dir)
    site = OUT / f"site-{args.scale}x"
    shutil.rmtree(site, ignore_errors=True)
    report: list[str] = [
        f"Command: `python bench/bench_map.py {' '.join(sys.argv[1:])}` — {date.today().isoformat()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, data {geodata_dir}",
    ]
    record: dict = {"scale": args.scale, "runs": args.runs}
    started = time.perf_counter()
    app = app_server(Config(geodata_dir=geodata_dir, data_dir=activity_dir))
    with app, static_server(site) as static:
        info = build_site(app.url, site, geodata_dir)
        record["data"] = info
        report.append(
            f"Same data on all pages: {info['regions']} region polygons ({fmt_kb(info['regions_bytes'])} GeoJSON), "
            f"{info['seats']} seats ({fmt_kb(info['clusters_bytes'])} `/api/clusters`). Our app: werkzeug threaded "
            "server (Dash JS served as the app serves it; layers pre-gzipped); minimal + Folium: static server, "
            "gzip -6 when accepted. Chromium headless, fresh context per run, cache disabled."
        )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                if "paint" in parts:
                    pages = {
                        "our app": (app.url + "/", "#map"),
                        "minimal Leaflet": (static.url + "/minimal.html", ".leaflet-container"),
                        "Folium": (static.url + "/folium.html", ".leaflet-container"),
                    }
                    for url, selector in pages.values():  # one unmeasured load each: servers warm
                        measure_load(browser, url, selector, info["regions"])
                    results = page_loads(browser, pages, args.runs, info["regions"])
                    record["loads"] = {k: [{x: r[x] for x in r if x != "log"} for r in v] for k, v in results.items()}
                    record["app_log"] = results["our app"][-1]["log"]
                    last = results["our app"][-1]
                    report += ["", *paint_table(results, args.runs), "", *waterfall(last["log"], last["paint"])]
                    errors = {k: v[-1]["errors"] for k, v in results.items() if v[-1]["errors"]}
                    if errors:
                        report.append(f"\nPage errors: {errors}")
                if "filter" in parts:
                    latency = filter_latency(browser, app.url + "/", args.clicks, info["regions"])
                    record["filter"] = latency
                    target = 100 if args.scale == 1 else 300
                    report += [
                        "",
                        "| filter → map updated | clicks | p50 | p95 | target p95 |",
                        "| --- | --- | --- | --- | --- |",
                    ]
                    if latency is None:
                        report.append(f"| {args.scale}× | – | pending UI | pending UI | ≤ {target} ms |")
                    elif latency["n"] == 0:
                        report.append(f"| {args.scale}× | {latency['timeouts']} timeouts | – | – | ≤ {target} ms |")
                    else:
                        report.append(
                            f"| {args.scale}× | {latency['n']} (+{latency['timeouts']} timeouts) | "
                            f"{latency['p50']:.0f} ms | {latency['p95']:.0f} ms | ≤ {target} ms "
                            f"{'✔' if latency['p95'] <= target else '✘'} |"
                        )
            finally:
                browser.close()
        if "rps" in parts:
            report += rps_section(app.url, static.url, geodata_dir, activity_dir, args, record)
    report.append(f"\n(bench wall time {time.perf_counter() - started:.0f} s)")
    text = "\n".join(report)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"bench_map_{args.scale}x.md").write_text(text + "\n", encoding="utf-8")
    (OUT / f"bench_map_{args.scale}x.json").write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")


def rate(per_second: float) -> str:
    return f"{per_second:,.0f}" if per_second >= 100 else f"{per_second:.1f}"


def rps_section(app_url: str, static_url: str, geodata_dir: Path, activity_dir: Path, args, record: dict) -> list[str]:
    servers = [
        ("app, werkzeug threaded", app_url + "/api/clusters"),
        ("static server, same bytes", static_url + "/data/clusters.geojson"),
    ]
    rows = {}
    for name, url in servers:
        rows[name] = (run_load(url, args.seconds, args.threads), run_wrk(url, args.seconds, args.threads))
    try:
        import gunicorn  # noqa: F401

        with GunicornServer(geodata_dir, activity_dir) as gserver:
            url = gserver.url + "/api/clusters"
            rows["app, gunicorn 2×4"] = (
                run_load(url, args.seconds, args.threads),
                run_wrk(url, args.seconds, args.threads),
            )
        gunicorn_note = ""
    except ImportError:
        gunicorn_note = " gunicorn is not installed: not measured."
    record["rps"] = {k: {"python": v[0], "wrk": v[1]} for k, v in rows.items()}
    static_rps = rows["static server, same bytes"][0]["rps"]
    lines = [
        "",
        f"`/api/clusters` ({args.scale}×) for {args.seconds:.0f} s, {args.threads} keep-alive connections "
        f"from a Python load generator in its own process, identity encoding.{gunicorn_note}",
        "",
        "| server | req/s | × static | errors | wrk req/s |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, (py, wrk) in rows.items():
        lines.append(
            f"| {name} | {rate(py['rps'])} | {py['rps'] / static_rps:.3f}× | {py['errors']} | "
            f"{rate(wrk) if wrk else '–'} |"
        )
    return lines


if __name__ == "__main__":
    main()
