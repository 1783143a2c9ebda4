"""HTTP serving concerns shared by every route: compression, a cache of whole answers, and
security headers (who may frame the map, no MIME sniffing, referrer policy).

Every answer to a GET of a page, its layout, the API, `/map.svg`, a component bundle or an asset
depends only on the URL, the data (the store's version) and the encoding the client accepts: it
is computed and compressed once, then sent from a bounded cache (`AnswerCache`) until the data
change. Callbacks and anything else are compressed on the fly (flask-compress).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from cachetools import LRUCache
from flask import Flask, Response, g, request
from flask_compress import Compress

SELF = "'self'"
ENCODINGS = ("br", "gzip")  # in order of preference, as flask-compress is configured below
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
# GETs whose answer is a function of the URL and the data only.
CACHED_PATHS = ("/", "/embed", "/_dash-layout", "/_dash-dependencies", "/map.svg")
CACHED_PREFIXES = ("/_dash-component-suites/", "/assets/", "/api/")
# Headers that belong to one exchange, never to a kept answer.
PER_REQUEST_HEADERS = {"date", "set-cookie", "x-request-id"}
LAYOUT_PATH = "/_dash-layout"  # built for the page it is fetched from: its referrer


class Answer(NamedTuple):
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def normalised_query(query: str) -> str:
    """A query string with its parameters in a stable order (each parameter's values keep
    theirs: `region=84&region=11` compares them in that order).

    >>> normalised_query("theme=health&phase=5&theme=digital")
    'phase=5&theme=health&theme=digital'
    """
    return urlencode(sorted(parse_qsl(query, keep_blank_values=True), key=lambda item: item[0]))


def accepted_encoding(accepted) -> str:
    """The encoding an answer is sent in: the first of `ENCODINGS` the client accepts
    (`accepted`: the request's parsed Accept-Encoding, `request.accept_encodings`).

    >>> from flask import Request
    >>> [accepted_encoding(Request.from_values(headers={"Accept-Encoding": v}).accept_encodings)
    ...  for v in ("gzip, deflate, br", "gzip;q=1, br;q=0", "")]
    ['br', 'gzip', 'identity']
    """
    return next((encoding for encoding in ENCODINGS if accepted.quality(encoding) > 0), "identity")


class AnswerCache:
    """Whole answers (status, headers, body as sent), kept per (store version, normalised URL,
    encoding) — the least recently used dropped beyond `max_bytes` (cachetools' LRU, under a
    lock: gunicorn runs several threads per worker). A new store version makes new keys: an
    answer computed from older data is never sent again."""

    def __init__(self, max_bytes: int):
        self.entries: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=lambda answer: len(answer.body) + 1024)
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Answer | None:
        with self.lock:
            return self.entries.get(key)

    def put(self, key: tuple, answer: Answer) -> None:
        if len(answer.body) + 1024 > self.entries.maxsize:
            return
        with self.lock:
            self.entries[key] = answer


def cache_key(version: str) -> tuple | None:
    """The key of this request's answer, or None when it is not kept."""
    path = request.path.rstrip("/") or "/"
    if request.method != "GET" or not (path in CACHED_PATHS or path.startswith(CACHED_PREFIXES)):
        return None
    page = ""
    if path == LAYOUT_PATH:
        referrer = urlsplit(request.referrer or "")
        page = f"{referrer.path}?{normalised_query(referrer.query)}"
    encoding = accepted_encoding(request.accept_encodings)
    return (version, request.host_url, path, normalised_query(request.query_string.decode("latin-1")), page, encoding)


def configure_compression(server: Flask, store_version: Callable[[], str], max_bytes: int = 64 * 2**20) -> None:
    """Compression for every answer, and the cache of whole answers (`max_bytes` per process);
    `store_version()` names the data the answers are computed from."""
    cache = AnswerCache(max_bytes)
    server.extensions["mapapp_answers"] = cache

    @server.before_request
    def cached_answer():
        key = g.mapapp_answer_key = cache_key(store_version())
        answer = cache.get(key) if key else None
        if answer is None:
            return None
        g.mapapp_answer_cached = True
        response = Response(answer.body, status=answer.status, headers=answer.headers)
        return response.make_conditional(request)

    @server.after_request  # registered before Compress, so it runs after it: on the answer as sent
    def keep_answer(response):
        # The server adds its own Date: one from make_conditional would make two under gunicorn.
        response.headers.pop("Date", None)
        key = g.get("mapapp_answer_key")
        kept = (
            key
            and not g.get("mapapp_answer_cached")
            and response.status_code == 200
            and not response.direct_passthrough
            and not response.is_streamed
            and response.headers.get("Content-Encoding", key[-1]) == key[-1]
            and "Set-Cookie" not in response.headers
        )
        if kept:
            if "ETag" not in response.headers:
                response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
            headers = [(k, v) for k, v in response.headers.items() if k.lower() not in PER_REQUEST_HEADERS]
            cache.put(key, Answer(response.status_code, headers, response.get_data()))
        return response

    server.config.update(
        COMPRESS_ALGORITHM=list(ENCODINGS),
        COMPRESS_BR_LEVEL=5,  # quick enough for answers compressed once per version, or dynamic
        COMPRESS_LEVEL=6,
        COMPRESS_MIMETYPES=COMPRESSED_MIMETYPES,
        COMPRESS_MIN_SIZE=800,
        COMPRESS_STREAMS=False,
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
        # read them (a few KB) so they are compressed, and kept, like every other static file.
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
