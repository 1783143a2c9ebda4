"""WSGI entry point for production servers: `gunicorn mapapp.wsgi:server` (see Procfile).

Importing this module builds the app from the environment (`Config.from_env()`); the package
itself (`import mapapp`) never does.
"""

from mapapp import create_app

app = create_app()
server = app.server
