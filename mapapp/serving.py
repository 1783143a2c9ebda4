"""HTTP serving concerns shared by every route: compression with a cache for static bytes, and
security headers (who may frame the map, no MIME sniffing, referrer policy).

Dash's component bundles, our assets and the static API documents are the same bytes for the
life of the process, so each is compressed once (brotli or gzip, per client) and kept; dynamic
answers (filtered API calls, callbacks) are compressed on the fly and never cached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, Request, request
from flask_compress import Compress

SELF = "'self'"
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/api/openapi.json")
STATIC_PATHS = ("/api/clusters?",)  # every pôle, unfiltered: what each page loads
COMPRESSED_MIMETYPES = [
    "text/html",
    "text/css",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "image/svg+xml",
]


class StaticBytesCache:
    """The compressed body of static responses, bounded; anything else is neither stored nor read."""

    def __init__(self, max_entries: int = 256):
        self.entries: OrderedDict[str, bytes] = OrderedDict()
        self.max_entries = max_entries

    @staticmethod
    def cacheable(key: str) -> bool:
        _, _, rest = key.partition(";")
        method, _, path = rest.partition(" ")
        return method == "GET" and (path.startswith(STATIC_PREFIXES) or path in STATIC_PATHS)

    def get(self, key: str) -> bytes | None:
        if not self.cacheable(key):
            return None
        value = self.entries.get(key)
        if value is not None:
            self.entries.move_to_end(key)
        return value

    def set(self, key: str, value: bytes) -> None:
        if self.cacheable(key):
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)


def _cache_key(request: Request) -> str:
    return f"{request.method} {request.full_path}"


def configure_compression(server: Flask) -> None:
    cache = StaticBytesCache()
    server.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_BR_LEVEL=5,  # quick enough for dynamic answers; static ones are compressed once
        COMPRESS_LEVEL=6,
        COMPRESS_MIMETYPES=COMPRESSED_MIMETYPES,
        COMPRESS_MIN_SIZE=800,
        COMPRESS_STREAMS=False,
        COMPRESS_CACHE_KEY=_cache_key,
        COMPRESS_CACHE_BACKEND=lambda: cache,
    )

    @server.after_request  # registered before Compress, so it runs after it
    def one_date(response):
        # The HTTP server (gunicorn, Werkzeug) sends the Date header; the one that
        # `make_conditional` adds (flask-compress, API revalidation) would be a second.
        response.headers.pop("Date", None)
        return response

    Compress(server)

    @server.after_request  # registered after Compress, so it runs before it
    def buffer_assets(response):
        # Flask sends /assets/ files as a passthrough stream, which flask-compress leaves alone:
        # read them (a few KB) so they are compressed, once, like every other static file.
        if response.direct_passthrough and response.status_code == 200 and request.path.startswith("/assets/"):
            response.direct_passthrough = False
            response.get_data()
        return response


def tile_source(tile_url: str) -> str:
    """The CSP source of a tile URL template: its origin, a wildcard for a `{s}` subdomain.

    >>> tile_source("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
    'https://*.tile.openstreetmap.org'
    """
    if not tile_url:
        return ""
    parts = urlsplit(tile_url.replace("{s}", "__sub__"))
    host = parts.netloc.replace("__sub__", "*")
    return f"{parts.scheme}://{host}" if parts.scheme and host else ""


def ancestor_sources(frame_ancestors: tuple[str, ...]) -> list[str]:
    """Who may frame us: the map's own origin, then the configured sites, each once."""
    return list(dict.fromkeys((SELF, *frame_ancestors)))


def content_security_policy(frame_ancestors: tuple[str, ...], script_hashes: list[str], tile_url: str = "") -> str:
    """The page's CSP: its own scripts plus the inline ones Dash writes (by hash, never
    'unsafe-inline'), its own API, tiles from the configured provider, and iframes by
    `frame_ancestors` only. 'unsafe-eval' is there for dash-ag-grid, which compiles its column
    functions with `new Function`; inline styles for the components that inject their CSS."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", tile_source(tile_url)],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],  # the embed dialog's preview
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ancestor_sources(frame_ancestors),
    }
    return "; ".join(f"{name} {' '.join(v for v in values if v)}" for name, values in directives.items())


def configure_security_headers(
    server: Flask, frame_ancestors: tuple[str, ...], script_hashes: Callable[[], list[str]], tile_url: str = ""
) -> None:
    """Headers on every response: the CSP above (`frame_ancestors` are the sites allowed to embed
    the map; `script_hashes()` those of Dash's inline scripts, asked once all callbacks are
    registered), no MIME sniffing, and a referrer policy that keeps the full URL for same-origin
    requests: the layout request reads the page's query from it."""
    policy: list[str] = []

    other = f"default-src 'none'; frame-ancestors {' '.join(ancestor_sources(frame_ancestors))}"

    @server.after_request
    def security_headers(response):
        if not policy:
            policy.append(content_security_policy(frame_ancestors, script_hashes(), tile_url))
        # The full policy (2 KB of script hashes) where it applies, pages; data and scripts get
        # the short one that makes them inert if opened as a document.
        response.headers.setdefault("Content-Security-Policy", policy[0] if response.mimetype == "text/html" else other)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response
