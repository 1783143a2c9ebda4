"""La carte des pôles de compétitivité: `create_app(config)` builds the Dash app (Flask inside).

Importing the package loads no data and starts nothing; `create_app` does both explicitly.
"""

from __future__ import annotations

from mapapp.config import REPO_DIR, Config

__all__ = ["create_app"]

EMBED_PATH = "/embed"
PRELOADS = (
    # The renderer asks for these two only once every script has run (≈ 0.4 s here): fetched
    # beside the scripts instead. The layout request carries the page URL as its referrer.
    ("/_dash-layout", "fetch"),
    ("/_dash-dependencies", "fetch"),
    ("/api/clusters?phase=all", "fetch"),  # ui.filters.FEATURES_URL: every pôle, filtered in the browser
    ("/geodata/regions.geojson", "fetch"),
    ("/_dash-component-suites/dash_leaflet/async-GeoJSON.js", "script"),
    ("/_dash-component-suites/dash/dcc/async-dropdown.js", "script"),
)


def create_app(config: Config | None = None):
    """Build the app on `config` (default: from the environment). Example:

    >>> app = create_app(Config())          # doctest: +SKIP
    >>> app.server.test_client().get("/healthz").status_code  # doctest: +SKIP
    200
    """
    import re
    from urllib.parse import urlsplit

    import dash
    import flask

    from mapapp import view
    from mapapp.api import create_blueprint
    from mapapp.data import classes, coverage, query
    from mapapp.data.store import StoreLoader
    from mapapp.logs import configure_logging, log_requests
    from mapapp.render.http import create_blueprint as render_blueprint
    from mapapp.serving import configure_compression, configure_security_headers
    from mapapp.ui import table
    from mapapp.ui.firstpaint import with_first_paint
    from mapapp.ui.inputs import guard_callbacks
    from mapapp.ui.layout import page_layout, register_callbacks

    class MapDash(dash.Dash):
        """Dash that leaves out of the page the component libraries it does not need at first
        paint: dash_table (unused) and the table's grid, fetched when the table is opened."""

        deferred = (table.DEFERRED_LIBRARY,)
        # dash_table is unused; the polyfills are for browsers that predate ES2017.
        unused = ("dash_table/", "deps/polyfill")

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # The bundles are deferred (below): the renderer starts once they have run.
            self.renderer = f"window.addEventListener('DOMContentLoaded', function () {{ {self.renderer} }});"

        def _generate_scripts_html(self) -> str:
            html_ = super()._generate_scripts_html()
            for name in (*(f"{lib}/" for lib in self.deferred), *self.unused):
                html_ = re.sub(
                    rf'<script src="[^"]*/_dash-component-suites/(dash/)?{name}[^"]*"></script>\s*', "", html_
                )
            # Deferred, in order: the page and its drawn map are parsed and shown before any bundle
            # runs (ui/firstpaint.py), instead of after all of them.
            return html_.replace("<script src=", "<script defer src=")

        def interpolate_index(self, **kwargs) -> str:
            # Start what the page will need as soon as the HTML arrives instead of after the
            # renderer has run: the pôles, the regions and the map's async chunks.
            preloads = "".join(
                f'<link rel="preload" href="{href}" as="{kind}"{" crossorigin" if kind == "fetch" else ""}>'
                for href, kind in PRELOADS
            )
            lang = flask.request.args.get("lang", "fr") if flask.has_request_context() else "fr"
            html_ = super().interpolate_index(**kwargs)
            html_ = html_.replace("<html>", f'<html lang="{"en" if lang == "en" else "fr"}">', 1)
            html_ = html_.replace("</head>", f"{preloads}</head>", 1)
            if flask.has_request_context():  # the page's own map, drawn before any script runs
                html_ = with_first_paint(html_, *page_view(flask.request.url), flask.request.url)
            return html_

        def deferred_url(self, library: str) -> str:
            module = __import__(library)
            main = [r for r in module._js_dist if r.get("relative_package_path", "").endswith(".min.js")]
            return self._collect_and_register_resources(main)[0]

    def prepare(store) -> None:
        # Build the per-store tables (search keys, coverage, classes) before the store is served,
        # not on a visitor's click.
        classes.classify(coverage.region_coverage(store, query.Filters()).set_index("code")["members"])

    config = config or Config.from_env()
    configure_logging(config.log_format, config.log_level)
    # The store is re-read when an import publishes a new version: no restart needed.
    loader = StoreLoader(config.geodata_dir, config.data_dir, config.database_url, prepare=prepare)
    loader.get()
    app = MapDash(
        __name__,
        title="Carte des pôles de compétitivité",
        assets_folder=str(REPO_DIR / "assets"),
        assets_ignore=r"embed-host\.js",  # for the host pages, not for ours
        update_title=None,
        serve_locally=True,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.server.config["MAPAPP_STORE_LOADER"] = loader
    app.server.config["MAPAPP_CONFIG"] = config
    app.server.register_blueprint(create_blueprint(config.geodata_dir / "web"))
    app.server.register_blueprint(render_blueprint())  # /map.svg
    log_requests(app.server)  # first: its after_request runs last, and sees the compressed size
    configure_compression(app.server, lambda: loader.get().version, config.answer_cache_mb * 2**20)
    configure_security_headers(app.server, config.frame_ancestors, app.csp_hashes, config.tile_url)

    def page_view(page_url: str | None):
        """The store, view state and layout of the page at `page_url` (`/embed…`: the embed page)."""
        store = loader.get()
        state = view.parse_page(view.args_from_url(page_url), query.vocabulary(store))
        embed = bool(page_url) and urlsplit(page_url).path.rstrip("/").endswith(EMBED_PATH)
        return store, state, page_layout(store, config, state, embed, app.deferred_url(table.DEFERRED_LIBRARY))

    def serve_layout():
        # The renderer fetches the layout from the page itself: the page's URL (path and query)
        # is the request's referrer, so the first render already shows the permalinked view.
        return page_view(flask.request.referrer if flask.has_request_context() else None)[2]

    @app.server.before_request
    def only_known_pages():
        # Dash answers every path with its page; only `/` and `/embed` are pages here.
        rule = flask.request.url_rule
        page_route = rule is not None and rule.rule == "/<path:path>"
        if page_route and flask.request.path.rstrip("/") not in ("", EMBED_PATH):
            flask.abort(404)

    app.layout = serve_layout
    register_callbacks(app, loader.get)
    guard_callbacks(app, loader.get)
    return app
