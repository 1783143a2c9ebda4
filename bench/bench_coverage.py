"""Coverage benchmarks (issue 5): colouring-mode switch → recoloured map, and `/api/regions`.

    python bench/bench_coverage.py [--switches 30] [--scale 1|100]

Starts the app fresh from this repository (as bench_map.py does), opens `/` in headless
Chromium and clicks through the colouring modes: the latency of a switch runs from the click
(performance.now() in the page) to the first change of the main map's region fills, then the
next animation frame. `/api/regions` is timed from a client on loopback (sequential requests,
several filters). Prints Markdown tables with p50/p95 and the targets.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import requests
from bench_map import app_server, data_dirs, new_page, percentile

from mapapp.config import Config
from mapapp.testing import CHROMIUM, CHROMIUM_ARGS

MODES = ("clusters_seated", "clusters_active", "members", "projects", "funding_eur")
SWITCH_JS = """async (mode) => {
  const pane = document.querySelector('#map .leaflet-overlay-pane');
  const fills = () => [...pane.querySelectorAll('path')].map(p => p.getAttribute('fill')).join();
  const before = fills();
  const start = performance.now();
  const changed = new Promise(resolve => {
    const obs = new MutationObserver(() => { if (fills() !== before) { obs.disconnect(); resolve(); } });
    obs.observe(pane, {attributes: true, childList: true, subtree: true});
    setTimeout(() => { obs.disconnect(); resolve('timeout'); }, 5000);
  });
  document.querySelector(`#coverage-mode input[value=${mode}]`).click();
  const outcome = await changed;
  await new Promise(r => requestAnimationFrame(r));
  return outcome === 'timeout' ? null : performance.now() - start;
}"""
TARGET = {1: 150, 100: 300}


def switch_latency(url: str, switches: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context, page, _ = new_page(browser)
        page.goto(url, timeout=120_000)
        page.wait_for_selector("#map .leaflet-overlay-pane path", state="attached", timeout=120_000)
        page.wait_for_selector("#coverage-mode input", timeout=60_000)
        samples = []
        for i in range(switches):
            # alternate per-capita too, so consecutive modes always change colours
            samples.append(page.evaluate(SWITCH_JS, MODES[i % len(MODES)]))
        context.close()
        browser.close()
    return sorted(s for s in samples if s is not None)


def api_latency(base: str, n: int) -> list[float]:
    queries = ["", "theme=health", "phase=4", "theme=digital,energy&phase=5", "q=mer"]
    times = []
    session = requests.Session()
    for i in range(n):
        started = time.perf_counter()
        response = session.get(f"{base}/api/regions?{queries[i % len(queries)]}", timeout=60)
        response.raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--switches", type=int, default=30)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--scale", type=int, choices=(1, 100), default=1)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    geodata_dir, data_dir = data_dirs(args.scale, args.data_dir)
    started = time.perf_counter()
    server = app_server(Config(geodata_dir=Path(geodata_dir), data_dir=Path(data_dir)))
    with server:
        print(f"app started in {time.perf_counter() - started:.1f} s ({args.scale}× data)\n")
        switches = switch_latency(server.url + "/", args.switches)
        api = api_latency(server.url, args.requests)
    target = TARGET[args.scale]
    if not switches:
        raise SystemExit("no mode switch recoloured the map within 5 s")
    p95 = percentile(switches, 95)
    print("| measure | n | p50 | p95 | target p95 |\n| --- | --- | --- | --- | --- |")
    print(
        f"| mode switch → map recoloured ({args.scale}×) | {len(switches)}/{args.switches} | "
        f"{percentile(switches, 50):.0f} ms | {p95:.0f} ms | ≤ {target} ms {'✔' if p95 <= target else '✘'} |"
    )
    print(
        f"| `/api/regions` ({args.scale}×, 5 filters) | {len(api)} | {statistics.median(api):.1f} ms | "
        f"{percentile(api, 95):.1f} ms | |"
    )


if __name__ == "__main__":
    main()
