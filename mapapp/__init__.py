"""La carte des pôles de compétitivité: `create_app(config)` builds the Dash app (Flask inside).

Importing the package loads no data and starts nothing; `create_app` does both explicitly.
"""

from __future__ import annotations

from mapapp.config import REPO_DIR, Config

__all__ = ["create_app"]


def create_app(config: Config | None = None):
    """Build the app on `config` (default: from the environment). Example:

    >>> app = create_app(Config())          # doctest: +SKIP
    >>> app.server.test_client().get("/healthz").status_code  # doctest: +SKIP
    200
    """
    import dash

    from mapapp.api import create_blueprint
    from mapapp.data.store import load_store
    from mapapp.ui.layout import page_layout

    config = config or Config.from_env()
    store = load_store(config.geodata_dir, config.data_dir)
    app = dash.Dash(
        __name__,
        title="Carte des pôles de compétitivité",
        assets_folder=str(REPO_DIR / "assets"),
        update_title=None,
        serve_locally=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.server.config["MAPAPP_STORE"] = store
    app.server.config["MAPAPP_CONFIG"] = config
    app.server.register_blueprint(create_blueprint(config.geodata_dir / "web"))
    app.layout = page_layout(store, config)
    return app
