"""WSGI entry point for production servers: `gunicorn mapapp.wsgi:server` (see Procfile).

Importing this module builds the app from the environment (`Config.from_env()`); the package
itself (`import mapapp`) never does.
"""

import gc

from mapapp import create_app

app = create_app()
server = app.server
# `gunicorn --preload` (Procfile) imports this module once, in the master, and then forks the
# workers: the store and its derived tables are shared, page by page, until a process writes to
# them. The garbage collector would write to every object it tracks; frozen, it leaves these be.
gc.freeze()
