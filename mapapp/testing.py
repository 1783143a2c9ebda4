"""Helpers shared by the test suite and the benchmarks (public, like `geopandas.testing`)."""

import os

# Debian's Chromium, driven headless; the flags keep it off the (closed) network.
CHROMIUM = os.environ.get("MAPAPP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
