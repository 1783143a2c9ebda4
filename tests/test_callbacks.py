"""Dash's callback endpoint holds requests to what the page sends: bounded bodies, this app's
callbacks with their own inputs, values checked with the API's rules; anything else is a 4xx
with a JSON message, never a 500 (issue 13)."""

from __future__ import annotations

import copy
import http.client
import json
from urllib.parse import urlsplit

import pytest

from mapapp.ui.inputs import MAX_CALLBACK_BODY, RULES
from mapapp.view import MAX_QUERY_LENGTH

ENDPOINT = "/_dash-update-component"
REGION_PANEL = "..region-panel.children...region-panel.hidden.."


def callback_body(app, output: str, values: dict) -> dict:
    """The body the page sends for the server-side callback `output`, with `values` by "id.prop"."""
    spec = app.callback_map[output]
    names = output[2:-2].split("...") if output.startswith("..") else [output]
    outputs = [{"id": n.rsplit(".", 1)[0], "property": n.rsplit(".", 1)[1]} for n in names]

    def items(key):
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in spec[key]]

    return {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": items("inputs"),
        "state": items("state"),
        "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"],
    }


def largest_region_panel_body(app, store) -> dict:
    """The region panel's callback with every theme and region chosen and the longest search."""
    return callback_body(
        app,
        REGION_PANEL,
        {
            "region-filter.value": list(store.regions["code"]),
            "theme-filter.value": list(store.themes["id"]),
            "phase-filter.value": "5",
            "search.value": "é" * MAX_QUERY_LENGTH,
            "selected.data": "x" * 100,
            "coverage-per-capita.value": ["100k"],
            "lang.data": "fr",
        },
    )


def post(client, body) -> tuple[int, dict | None]:
    response = client.post(ENDPOINT, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.get_json(silent=True)


def test_the_largest_body_a_page_sends_is_answered_and_far_below_the_limit(app, client, store):
    body = largest_region_panel_body(app, store)
    size = len(json.dumps(body).encode())
    assert size < MAX_CALLBACK_BODY / 8, size
    status, answer = post(client, body)
    assert status == 200 and answer["multi"] is True


def test_every_input_of_every_server_callback_has_a_rule(app):
    server_side = [spec for spec in app.callback_map.values() if "callback" in spec]
    assert len(server_side) >= 4
    for spec in server_side:
        for item in (*spec["inputs"], *spec["state"]):
            assert (item["id"], item["property"]) in RULES


def _with(body: dict, name: str, value) -> dict:
    body = copy.deepcopy(body)
    for item in (*body["inputs"], *body["state"]):
        if f"{item['id']}.{item['property']}" == name:
            item["value"] = value
    return body


@pytest.mark.parametrize(
    ("name", "value", "parameter"),
    [
        ("phase-filter.value", "abc", "phase"),
        ("phase-filter.value", "9", "phase"),
        ("phase-filter.value", ["5"], "phase"),
        ("lang.data", ["en"], "lang"),
        ("lang.data", None, "lang"),
        ("lang.data", "de", "lang"),
        ("search.value", 5, "q"),
        ("search.value", "x" * (MAX_QUERY_LENGTH + 1), "q"),
        ("search.value", {}, "q"),
        ("theme-filter.value", ["nope"], "theme"),
        ("theme-filter.value", [1, 2], "theme"),
        ("theme-filter.value", {}, "theme"),
        ("region-filter.value", ["xx"], "region"),
        ("region-filter.value", [None], "region"),
        ("selected.data", {"id": 1}, "cluster"),
        ("selected.data", "../../etc", "cluster"),
        ("coverage-per-capita.value", "100k", "per"),
        ("coverage-per-capita.value", ["<script>"], "per"),
    ],
)
def test_mistyped_or_unknown_values_get_a_400_naming_the_parameter(app, client, store, name, value, parameter):
    status, answer = post(client, _with(largest_region_panel_body(app, store), name, value))
    assert status == 400 and answer["parameter"] == parameter and answer["error"].startswith(f"{parameter}: ")


def test_table_toggle_values_are_checked_too(app, client):
    output = next(o for o in app.callback_map if "table-container.children" in o)
    good = callback_body(app, output, {"table-open.data": True, "lang.data": "en", "table-built.data": False})
    status, answer = post(client, good)
    assert status == 200 and "cluster-grid" in json.dumps(answer)
    assert "rowData" in json.dumps(answer)  # built empty: the rows come from the browser
    status, answer = post(client, _with(good, "table-open.data", "yes"))
    assert status == 400 and answer["parameter"] == "table-open"


def test_a_body_that_is_not_json_gets_a_400(client):
    for data in ("{not json", "[" * 20000, ""):
        response = client.post(ENDPOINT, data=data, content_type="application/json")
        assert response.status_code == 400 and response.get_json()["parameter"] == "body"


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({}, "output"),
        (None, "body"),
        ([], "body"),
        ("x", "body"),
        ({"output": "features.data"}, "output"),  # a browser-side callback
        ({"output": "nope.data", "inputs": []}, "output"),
    ],
)
def test_malformed_bodies_get_a_400(client, body, parameter):
    status, answer = post(client, body)
    assert status == 400 and answer["parameter"] == parameter


def test_a_body_without_its_inputs_states_or_outputs_gets_a_400(app, client, store):
    good = largest_region_panel_body(app, store)
    for key, value, parameter in (
        ("state", [], "state"),
        ("inputs", good["inputs"][:-1], "inputs"),
        ("inputs", [None] * len(good["inputs"]), "inputs"),
        ("outputs", {"id": "region-panel", "property": "children"}, "outputs"),
        ("changedPropIds", "x", "changedPropIds"),
    ):
        status, answer = post(client, {**good, key: value})
        assert status == 400 and answer["parameter"] == parameter, key
    body = {k: v for k, v in good.items() if k != "state"}
    assert post(client, body) == (400, {"error": "state: expected lang.data", "parameter": "state"})


def _raw_post(url: str, headers: dict, chunks) -> tuple[int, dict, int]:
    """POST `chunks` one by one until the server answers; the status, its JSON and the bytes sent."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.putrequest("POST", ENDPOINT)
    for name, value in {"Content-Type": "application/json", **headers}.items():
        conn.putheader(name, value)
    conn.endheaders()
    sent = 0
    try:
        for chunk in chunks:
            conn.send(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed without reading the rest
    response = conn.getresponse()
    answer = json.loads(response.read())
    conn.close()
    return response.status, answer, sent


def test_an_oversized_body_is_refused_before_it_is_read(live_server):
    """A 200 MB body: refused from its Content-Length, with only its first 64 KB sent."""
    status, answer, sent = _raw_post(live_server.url, {"Content-Length": str(200 * 2**20)}, [b"[" * 65536])
    assert status == 413 and answer["parameter"] == "body" and str(MAX_CALLBACK_BODY) in answer["error"]
    assert sent == 65536


def test_an_oversized_chunked_body_is_refused(live_server):
    chunk = b"[" * 16384

    def chunked():
        for _ in range(MAX_CALLBACK_BODY // len(chunk) + 4):
            yield b"%x\r\n%s\r\n" % (len(chunk), chunk)
        yield b"0\r\n\r\n"

    status, answer, _ = _raw_post(live_server.url, {"Transfer-Encoding": "chunked"}, chunked())
    assert status == 413 and answer["parameter"] == "body"
