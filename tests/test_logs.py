"""Structured logs: one JSON object per line for every request and for the app's own events."""

from __future__ import annotations

import io
import json
import logging

import pytest

from mapapp.logs import JsonFormatter, configure_logging


@pytest.fixture
def log_lines():
    """What the `mapapp` loggers write, formatted as in production, one string per line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("mapapp")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: stream.getvalue().splitlines()
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_each_request_is_one_json_line(client, log_lines):
    response = client.get("/api/clusters?theme=health", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    records = [json.loads(line) for line in log_lines()]
    access = [r for r in records if r["logger"] == "mapapp.access"]
    assert len(access) == 1
    record = access[0]
    assert (record["method"], record["path"], record["query"], record["status"]) == (
        "GET",
        "/api/clusters",
        "theme=health",
        200,
    )
    assert record["level"] == "info" and record["ts"].endswith("+00:00")
    assert 0 < record["duration_ms"] < 60_000
    assert record["encoding"] == "gzip" and record["bytes"] == len(response.data)  # the size sent
    assert record["request_id"] == response.headers["X-Request-ID"] and len(record["request_id"]) == 32


def test_a_given_request_id_is_kept_and_hostile_paths_stay_on_one_line(client, log_lines):
    response = client.get("/api/clusters/%3Cscript%3E%0A%22x", headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 400  # not an id: refused, and logged as it came
    assert response.headers["X-Request-ID"] == "abc-123"
    lines = log_lines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["path"] == '/api/clusters/<script>\n"x' and record["status"] == 400
    assert record["request_id"] == "abc-123"


def test_log_format_is_checked():
    with pytest.raises(ValueError, match="MAPAPP_LOG_FORMAT"):
        configure_logging("xml")
