"""Structured logs: one JSON object per line on stderr, for the platform's log collector.

Every HTTP request gives one `mapapp.access` record (method, path, status, duration, size,
request id); the app's own events (store loaded or reloaded, errors) go through the same format.
`MAPAPP_LOG_FORMAT=text` gives plain lines for a terminal.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, request

ACCESS = logging.getLogger("mapapp.access")
# Attributes every LogRecord has: anything else given with `extra=` is a field of the line.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
REQUEST_ID_HEADER = "X-Request-ID"
LOG_FORMATS = ("json", "text")


class JsonFormatter(logging.Formatter):
    """`{"ts": …, "level": …, "logger": …, "message": …, <extra fields>}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(log_format: str = "json", level: str = "INFO") -> None:
    """Route the `mapapp` loggers to stderr in `log_format` ("json" or "text"), once."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"MAPAPP_LOG_FORMAT: expected one of {', '.join(LOG_FORMATS)}, got {log_format!r}")
    logger = logging.getLogger("mapapp")
    if any(getattr(h, "mapapp", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.mapapp = True
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


def log_requests(server: Flask) -> None:
    """One access record per request, with an id (the client's X-Request-ID or a new one) that is
    also sent back, so a line in the logs can be matched with what a user saw."""

    @server.before_request
    def start_clock():
        g.mapapp_started = time.perf_counter()
        g.mapapp_request_id = (request.headers.get(REQUEST_ID_HEADER) or "")[:64] or uuid.uuid4().hex

    @server.after_request
    def access_record(response):
        started = g.get("mapapp_started")
        request_id = g.get("mapapp_request_id", "")
        response.headers.setdefault(REQUEST_ID_HEADER, request_id)
        ACCESS.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode("latin-1")[:500],
                "status": response.status_code,
                "duration_ms": round(1000 * (time.perf_counter() - started), 1) if started else None,
                "bytes": response.calculate_content_length(),
                "encoding": response.headers.get("Content-Encoding"),
                "request_id": request_id,
            },
        )
        return response
