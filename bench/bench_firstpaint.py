"""First map paint, bytes and time to interactive, side by side in one run: our `/` vs a minimal
hand-written Leaflet page vs a Folium page of the same layers, on a desktop and on a phone.

    python bench/bench_firstpaint.py [--runs 5] [--scale 1|100] [--cases desktop,phone] [--data-dir DIR]

Servers (loopback only): our app as production runs it (gunicorn, 2 workers × 4 threads, --preload:
`bench_map.GunicornServer`), the minimal and Folium pages from `bench_map`'s static server, which
gzips (the pages are `bench_map.build_site`'s: the very bytes our app serves, `/geodata/regions.geojson`
and `/api/clusters`; every library a local copy from npm).

Each load, the same way for the three pages: a fresh browser context, cache disabled, pages in a
rotating order; cases `desktop` (1280×800) and `phone` (375×812, CPU throttled 4× through DevTools'
`Emulation.setCPUThrottlingRate`; device scale 1, no touch emulation).

- **First map paint**, as a person sees it: a DevTools screencast records every frame the page
  shows from the navigation on (on our page, until the click below: its profile may scroll the
  map away); the paint is the first frame where, in the map's box, the regions
  show (white land, with the map's background — its commonest other colour in the last frame —
  around it) and the pôles show (marker pixels — saturated colours — at least half as many as in
  the settled last frame), whatever draws them (the HTML's SVG, Leaflet, Folium). Our page is
  `/`: today's pôles, the ones the other two draw from `/api/clusters` (same default phase).
  Times are from navigation start (`performance.timeOrigin`).
- **Bytes before first paint**: the bytes of the responses finished by that frame (DevTools
  `encodedDataLength`, headers included), against Folium's whole page; **total**: the whole load.
- **Time to interactive** (our page): navigation start → a click on a pôle marker has opened its
  profile (`#profile-title` shown). The click is sent, by a script in the page, in the first
  animation frame where a marker is the element under its own centre (nothing drawn over it).

Prints Markdown and writes bench/out/bench_firstpaint_<scale>x.{md,json}.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import platform
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date

import numpy as np
from bench_map import OUT, GunicornServer, build_site, data_dirs, fmt_kb, static_server
from PIL import Image

from mapapp.testing import CHROMIUM, CHROMIUM_ARGS

GOAL_PAINT, GOAL_BYTES_BEFORE, GOAL_BYTES_TOTAL, GOAL_TTI = 1.2, 0.5, 1.0, 2.5  # issue 15


@dataclass(frozen=True)
class Case:
    name: str
    width: int
    height: int
    cpu: float = 1.0


CASES = {"desktop": Case("desktop", 1280, 800), "phone": Case("phone", 375, 812, 4.0)}

# A box in page coordinates (the frames before the click were taken unscrolled).
PAGE_RECT = "e => { const r = e.getBoundingClientRect(); return [r.x + scrollX, r.y + scrollY, r.width, r.height]; }"
TTI_SCRIPT = """(() => {
  const t = window.__tti = {};
  function tick() {
    if (!t.clicked) {
      for (const icon of document.querySelectorAll('#map .seat-icon')) {
        const r = icon.getBoundingClientRect();
        if (!r.width) continue;
        const x = r.x + r.width / 2, y = r.y + r.height / 2, hit = document.elementFromPoint(x, y);
        if (hit && icon.contains(hit)) {
          t.clicked = performance.now();
          hit.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, clientX: x, clientY: y}));
          break;
        }
      }
    } else {
      const title = document.getElementById('profile-title');
      if (title && title.offsetParent) { t.opened = performance.now(); return; }
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})();"""


def _pixels(frame: tuple[float, str, float], box: tuple[float, float, float, float]) -> np.ndarray:
    """The pixels of a frame inside `box` (CSS px: x, y, w, h), the frame's scale applied."""
    _, data, css_width = frame
    image = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"), dtype=np.int16)
    scale = image.shape[1] / css_width
    x, y, w, h = (int(round(v * scale)) for v in box)
    return image[y : y + h, x : x + w].reshape(-1, 3)


def background(pixels: np.ndarray) -> np.ndarray | None:
    """The map's background (sea) colour: the commonest colour that is not the land's white."""
    coarse = pixels[~np.all(pixels >= 246, axis=1)] // 8
    if not len(coarse):
        return None
    colours, counts = np.unique(coarse, axis=0, return_counts=True)
    return colours[counts.argmax()] * 8 + 4


def frame_stats(pixels: np.ndarray, sea: np.ndarray) -> tuple[float, float, int]:
    """(background fraction, white fraction, marker pixels — saturated colours) of a map box."""
    if not len(pixels):
        return 0.0, 0.0, 0
    share_sea = np.all(np.abs(pixels - sea) <= 12, axis=1).mean()
    white = np.all(pixels >= 246, axis=1).mean()
    saturated = int(((pixels.max(axis=1) - pixels.min(axis=1)) >= 70).sum())
    return float(share_sea), float(white), saturated


def first_paint(frames: list[tuple[float, str, float]], box, origin: float) -> tuple[float | None, int]:
    """Time (ms from `origin`, epoch ms) of the first frame showing regions and pôles: in the map's
    box, white land with the background around it, and at least half the marker pixels of the
    settled last frame."""
    sea = background(_pixels(frames[-1], box)) if frames else None
    if sea is None:
        return None, 0
    stats = [frame_stats(_pixels(frame, box), sea) for frame in frames]
    final_markers = stats[-1][2]
    for (stamp, _, _), (share_sea, white, markers) in zip(frames, stats, strict=True):
        if share_sea >= 0.03 and 0.08 <= white <= 0.95 and markers >= max(50, 0.5 * final_markers):
            return stamp * 1000 - origin, markers
    return None, final_markers


def measure(browser, case: Case, url: str, map_selector: str, tti: bool) -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": case.width, "height": case.height})
    if tti:
        context.add_init_script(TTI_SCRIPT)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if case.cpu > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": case.cpu})
    frames: list[tuple[float, str, float]] = []  # (epoch s, JPEG, the page's width in CSS px)
    requests: dict[str, dict] = {}
    clock = {}

    def on_frame(event: dict) -> None:
        meta = event["metadata"]
        frames.append((meta["timestamp"], event["data"], meta["deviceWidth"] / meta.get("pageScaleFactor", 1)))
        cdp.send("Page.screencastFrameAck", {"sessionId": event["sessionId"]})

    def on_request(event: dict) -> None:
        clock.setdefault("offset", event["wallTime"] - event["timestamp"])  # monotonic -> epoch s
        requests.setdefault(event["requestId"], {"url": event["request"]["url"]})

    def on_finished(event: dict) -> None:
        if event["requestId"] in requests:
            requests[event["requestId"]].update(end=event["timestamp"], wire=event["encodedDataLength"])

    cdp.on("Page.screencastFrame", on_frame)
    cdp.on("Network.requestWillBeSent", on_request)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.send("Page.startScreencast", {"format": "jpeg", "quality": 80, "everyNthFrame": 1})
    try:
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_selector(f"{map_selector} .leaflet-marker-icon", timeout=120_000)
        try:
            page.wait_for_load_state("networkidle", timeout=30_000)
        except PlaywrightTimeout:  # said in the record: the last frame may then not be settled
            pending = [r["url"] for r in requests.values() if "end" not in r]
            print(f"{url}: network still busy after 30 s: {pending[:5]}", file=sys.stderr)
        if tti:
            page.wait_for_function("window.__tti.opened", timeout=120_000)
        page.wait_for_timeout(500)  # the settled frame
        cdp.send("Page.stopScreencast")
        origin = page.evaluate("performance.timeOrigin")
        rect = page.eval_on_selector(map_selector, PAGE_RECT)
        marks = page.evaluate("window.__tti || {}") if tti else {}
    finally:
        context.close()
    if marks.get("clicked"):  # the paint is judged on what was shown before the click
        frames = [f for f in frames if f[0] * 1000 - origin < marks["clicked"]]
    paint, markers = first_paint(frames, rect, origin)
    offset = clock.get("offset", 0.0)
    done = [r for r in requests.values() if "end" in r and not r["url"].startswith("data:")]
    before = [r for r in done if paint is not None and (r["end"] + offset) * 1000 - origin <= paint]
    return {
        "paint": paint,
        "markers": markers,
        "frames": len(frames),
        "requests": len(done),
        "wire": sum(r["wire"] for r in done),
        "wire_before_paint": sum(r["wire"] for r in before),
        "requests_before_paint": len(before),
        "clickable": marks.get("clicked"),
        "tti": marks.get("opened"),
    }


def med(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} ms"


def ratio(value: float | None, base: float | None, goal: float | None = None) -> str:
    if value is None or not base:
        return "–"
    text = f"{value / base:.2f}×"
    return text if goal is None else f"{text} {'✔' if value / base <= goal else '✘'}"


def report(case: Case, results: dict[str, list[dict]], runs: int) -> list[str]:
    minimal_paint = med(results["minimal Leaflet"], "paint")
    folium_wire = med(results["Folium"], "wire")
    lines = [
        f"**{case.name}** ({case.width}×{case.height}{f', CPU ÷{case.cpu:g}' if case.cpu > 1 else ''}), "
        f"medians of {runs}:",
        "",
        "| page | first map paint | × minimal (goal ≤ 1.2×) | bytes before paint | × Folium's page (goal ≤ 0.5×) | "
        "total bytes | × Folium (goal ≤ 1.0×) | requests | marker clickable | marker click → profile | "
        "× minimal's paint (goal ≤ 2.5×) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, runs_ in results.items():
        ours = name == "our app"
        paint, before, total = med(runs_, "paint"), med(runs_, "wire_before_paint"), med(runs_, "wire")
        tti = med(runs_, "tti")
        lines.append(
            f"| {name} | {ms(paint)} | {ratio(paint, minimal_paint, GOAL_PAINT if ours else None)} | "
            f"{fmt_kb(before) if before is not None else '–'} | "
            f"{ratio(before, folium_wire, GOAL_BYTES_BEFORE if ours else None)} | {fmt_kb(total)} | "
            f"{ratio(total, folium_wire, GOAL_BYTES_TOTAL if ours else None)} | {med(runs_, 'requests'):.0f} | "
            f"{ms(med(runs_, 'clickable'))} | {ms(tti)} | {ratio(tti, minimal_paint, GOAL_TTI) if ours else ''} |"
        )
    lines += ["", "Every run (first map paint, ms): " + "; ".join(
        f"{name} {', '.join(ms(r['paint']).removesuffix(' ms') for r in runs_)}" for name, runs_ in results.items()
    )]  # fmt: skip
    ours = results["our app"]
    every = ", ".join(ms(r["tti"]).removesuffix(" ms") for r in ours)
    lines.append(f"Our page, every run (marker click → profile, ms): {every}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=int, default=1, choices=(1, 100))
    parser.add_argument("--data-dir", help="data folder at 100× (default /tmp/x100, built when missing)")
    parser.add_argument("--cases", default="desktop,phone")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    geodata_dir, activity_dir = data_dirs(args.scale, args.data_dir)
    site = OUT / f"site-firstpaint-{args.scale}x"
    shutil.rmtree(site, ignore_errors=True)
    started = time.perf_counter()
    head = [
        f"Command: `python bench/bench_firstpaint.py {' '.join(sys.argv[1:])}` — {date.today().isoformat()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, data {geodata_dir}; "
        f"load average before: {', '.join(f'{v:.1f}' for v in os.getloadavg())}",
    ]
    record: dict = {"scale": args.scale, "runs": args.runs, "cases": {}}
    body: list[str] = []
    with GunicornServer(geodata_dir, activity_dir) as app, static_server(site) as static:
        info = build_site(app.url, site, geodata_dir)
        record["data"] = info
        head.append(
            f"Same data on all pages: {info['regions']} regions ({fmt_kb(info['regions_bytes'])} GeoJSON), "
            f"{info['seats']} seats ({fmt_kb(info['clusters_bytes'])} `/api/clusters`)."
        )
        pages = {
            # Today's phase (the page's default, and `/api/clusters`'s): the pôles the two other
            # pages draw.
            "our app": (app.url + "/", "#map", True),
            "minimal Leaflet": (static.url + "/minimal.html", ".leaflet-container", False),
            "Folium": (static.url + "/folium.html", ".leaflet-container", False),
        }
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for case_name in args.cases.split(","):
                    case = CASES[case_name]
                    for url, selector, tti in pages.values():  # one unmeasured load each: servers warm
                        measure(browser, case, url, selector, tti)
                    results: dict[str, list[dict]] = {name: [] for name in pages}
                    names = list(pages)
                    for run in range(args.runs):
                        for name in names[run % len(names) :] + names[: run % len(names)]:
                            results[name].append(measure(browser, case, *pages[name]))
                    record["cases"][case_name] = results
                    body += ["", *report(case, results, args.runs)]
            finally:
                browser.close()
    body.append(f"\n(bench wall time {time.perf_counter() - started:.0f} s; load average after: "
                f"{', '.join(f'{v:.1f}' for v in os.getloadavg())})")  # fmt: skip
    text = "\n".join(head + body)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"bench_firstpaint_{args.scale}x.md").write_text(text + "\n", encoding="utf-8")
    (OUT / f"bench_firstpaint_{args.scale}x.json").write_text(json.dumps(record, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
