"""Shared fixtures: the real shipped data, a real app server, a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from mapapp import create_app
from mapapp.config import DEFAULT_GEODATA_DIR, Config
from mapapp.data.store import Store, load_store
from mapapp.testing import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

HOSTILE_NAMES = {
    "hostile-img": "<img src=x onerror=alert(1)>",
    "hostile-script": "<script>alert('x')</script>Pôle piégé",
    "hostile-formula": '=HYPERLINK("http://evil.example","clic")',
}


@pytest.fixture(scope="session")
def config() -> Config:
    return Config()


@pytest.fixture(scope="session")
def store(config: Config) -> Store:
    return load_store(config.geodata_dir, config.data_dir)


def copy_geodata(target: Path) -> Path:
    """A private copy of the shipped geodata (reference layers, directory and sample)."""
    shutil.copytree(DEFAULT_GEODATA_DIR, target)
    return target


@pytest.fixture(scope="session")
def hostile_geodata(tmp_path_factory) -> Path:
    """The shipped data plus three pôles whose names are HTML, script and a formula."""
    root = copy_geodata(tmp_path_factory.mktemp("hostile") / "geodata")
    # Three communes of Guyane far apart, so the pôles show as separate markers in its inset.
    seats = {"hostile-img": ("97302", "03"), "hostile-script": ("97311", "03"), "hostile-formula": ("97353", "03")}
    with (root / "clusters.csv").open("r+", encoding="utf-8", newline="") as fh:
        import csv

        header = next(csv.reader(fh))
        fh.seek(0, 2)
        writer = csv.DictWriter(fh, fieldnames=header, restval="", lineterminator="\n")
        for cid, name in HOSTILE_NAMES.items():
            seat, region = seats[cid]
            writer.writerow(
                {
                    "id": cid,
                    "name": name,
                    "former_names": name,
                    "aliases": name,
                    "themes": "digital",
                    "seat_commune_code": seat,
                    "region_codes": region,
                    "seat_stated_as": name,
                    "source": "test fixture",
                    "as_of": "2026-01-01",
                }
            )
    with (root / "cluster_labels.csv").open("a", encoding="utf-8") as fh:
        for cid in HOSTILE_NAMES:
            fh.write(f"{cid},5,2023-03-27,labelled,,test fixture,2026-01-01\n")
    return root


class LiveServer:
    """The real Flask/Dash server of `create_app`, on a free loopback port, in a thread."""

    def __init__(self, config: Config):
        self.app = create_app(config)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.server = make_server("127.0.0.1", port, self.app.server, threaded=True)
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()


@pytest.fixture(scope="session")
def live_server(config: Config):
    with LiveServer(config) as server:
        yield server


@pytest.fixture(scope="session")
def hostile_server(hostile_geodata: Path):
    with LiveServer(Config(geodata_dir=hostile_geodata, data_dir=hostile_geodata / "sample")) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. Under CI=true a missing browser fails the run."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but no Chromium at {CHROMIUM}: apt-get install -y chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors and refuses any JavaScript dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.console_errors = []
    page.dialogs = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()


@pytest.fixture(scope="session")
def app(config: Config):
    return create_app(config)


@pytest.fixture
def client(app):
    return app.server.test_client()


AXE_SCRIPT = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from npm (tests/a11y/package.json, installed by tests/run.sh), to inject in pages."""
    if not AXE_SCRIPT.exists():
        message = f"no axe-core at {AXE_SCRIPT}: run `npm ci --prefix tests/a11y` (tests/run.sh does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return AXE_SCRIPT.read_text(encoding="utf-8")
