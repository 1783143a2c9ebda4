"""What the browser sends to the server-side callbacks, checked before any callback runs.

Dash's callback endpoint (`POST /_dash-update-component`) takes any JSON: a 200 MB body, a
phase "abc" or a language `["en"]` reached the callbacks and ended in a 500 with a traceback.
Here every request is held to what the page can send: a body of at most `MAX_CALLBACK_BODY`
bytes, one of this app's server-side callbacks with exactly its inputs and states, and every
value checked by its component's rule — the filters with `view.parse_filters`, the rules of
the HTTP API. A bad request gets the API's answer: HTTP 400 and `{"error", "parameter"}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, jsonify, request

from mapapp import view
from mapapp.data import query
from mapapp.data.profile import is_cluster_id
from mapapp.data.store import Store
from mapapp.i18n import LANGS

# The largest body a page sends is ≈ 1.6 KB (the region panel's callback with every theme and
# region chosen and a 100-character search; tests/test_callbacks.py measures it): 32 KB leaves
# room for the JSON framing of future callbacks, and bounds what one request can make a worker
# parse. Set as Flask's MAX_CONTENT_LENGTH: every other route takes GET/HEAD only.
MAX_CALLBACK_BODY = 32 * 1024

Rule = Callable[[Any, query.Vocabulary], None]


def _filter(param: view.Param, everything: str | None = None) -> Rule:
    """A filter's control, checked as the API checks its parameter: a string (a list control: or
    a list of strings); `everything` is the value that means no constraint (phase "all")."""
    parameter, many = param.key, param.kind == "list"

    def check(value: Any, vocab: query.Vocabulary) -> None:
        if value is None or (everything is not None and value == everything):
            return
        listed = many and isinstance(value, list) and all(isinstance(v, str) for v in value)
        if not (isinstance(value, str) or listed):
            expected = "a string or a list of strings" if many else "a string"
            raise query.FilterError(parameter, f"expected {expected}, got {type(value).__name__}")
        view.parse_filters({parameter: value}, vocab)

    return check


def _one_of(parameter: str, allowed: tuple[str, ...]) -> Rule:
    """One value among `allowed`."""

    def check(value: Any, vocab: query.Vocabulary) -> None:
        if not (isinstance(value, str) and value in allowed):
            raise query.FilterError(parameter, f"{str(value)[:40]!r} is not one of {', '.join(allowed)}")

    return check


def _checkbox(param: view.Param) -> Rule:
    """The checkbox of a `flag` parameter (`view.PER`, `view.LAYER`): unchecked (empty or null),
    or checked, holding the parameter's non-default value — the one its URL carries."""

    def check(value: Any, vocab: query.Vocabulary) -> None:
        option = param.on_value(vocab)
        if not (value is None or (isinstance(value, list) and all(v == option for v in value))):
            raise query.FilterError(param.key, f"{str(value)[:40]!r} is not [{option!r}] or nothing")

    return check


def _cluster(value: Any, vocab: query.Vocabulary) -> None:
    if value is not None and not (isinstance(value, str) and is_cluster_id(value)):
        raise query.FilterError("cluster", f"{str(value)[:40]!r} is not a pôle id")


def _boolean(parameter: str) -> Rule:
    def check(value: Any, vocab: query.Vocabulary) -> None:
        if value is not None and not isinstance(value, bool):
            raise query.FilterError(parameter, f"expected true or false, got {str(value)[:40]!r}")

    return check


# (component id, property) -> its rule: every input and state of a server-side callback has one
# (`guard_callbacks` refuses to start otherwise).
RULES: dict[tuple[str, str], Rule] = {
    **{(p.control, p.prop): _filter(p, everything=view.ALL if p is view.PHASE else None) for p in view.FILTERS},
    ("lang", "data"): _one_of("lang", LANGS),
    (view.CLUSTER.control, view.CLUSTER.prop): _cluster,
    (view.LAYER.control, view.LAYER.prop): _checkbox(view.LAYER),
    (view.PER.control, view.PER.prop): _checkbox(view.PER),
    ("table-open", "data"): _boolean("table-open"),
    ("table-built", "data"): _boolean("table-built"),
}


def _outputs(output: str) -> list[str]:
    """`"..a.b...c.d.."` (Dash's name of a multi-output callback) -> ["a.b", "c.d"]."""
    return output[2:-2].split("...") if output.startswith("..") else [output]


def check_callback_request(body: Any, callbacks: dict[str, dict], vocab: query.Vocabulary) -> None:
    """Raise FilterError unless `body` calls one of `callbacks` (Dash's callback map, server-side
    ones) with exactly its inputs and states, each value passing its rule."""
    if not isinstance(body, dict):
        raise query.FilterError("body", "expected a JSON object: a Dash callback request")
    output = body.get("output")
    spec = callbacks.get(output) if isinstance(output, str) else None
    if spec is None:
        raise query.FilterError("output", f"{str(output)[:80]!r} is not a server-side callback of this page")
    outputs = body.get("outputs")
    items = outputs if isinstance(outputs, list) else [outputs]
    named = [f"{o.get('id')}.{o.get('property')}" if isinstance(o, dict) else None for o in items]
    if named != _outputs(output) or isinstance(outputs, list) != output.startswith(".."):
        raise query.FilterError("outputs", f"expected the outputs of {output[:80]}")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise query.FilterError("changedPropIds", "expected a list of strings")
    for key in ("inputs", "state"):
        given = body.get(key, [])
        expected = [(item["id"], item["property"]) for item in spec.get(key, [])]
        if (
            not isinstance(given, list)
            or [(item.get("id"), item.get("property")) if isinstance(item, dict) else None for item in given]
            != expected
        ):
            raise query.FilterError(key, f"expected {', '.join(f'{i}.{p}' for i, p in expected) or 'none'}")
        for item, name in zip(given, expected, strict=True):
            RULES[name](item.get("value"), vocab)


def guard_callbacks(app, store_of: Callable[[], Store]) -> None:
    """Bound the body of every request, and check each callback request (see the module
    docstring) before Dash reads it. Call once every callback is registered."""
    server: Flask = app.server
    callbacks = {output: spec for output, spec in app.callback_map.items() if "callback" in spec}
    unchecked = sorted(
        {f"{i['id']}.{i['property']}" for spec in callbacks.values() for i in (*spec["inputs"], *spec.get("state", []))}
        - {f"{cid}.{prop}" for cid, prop in RULES}
    )
    if unchecked:
        raise RuntimeError(f"callback inputs without a rule in mapapp/ui/inputs.py: {', '.join(unchecked)}")
    server.config["MAX_CONTENT_LENGTH"] = MAX_CALLBACK_BODY
    endpoint = app.config.routes_pathname_prefix + "_dash-update-component"

    @server.errorhandler(413)
    def too_large(exc):
        message = f"the request body is over {MAX_CALLBACK_BODY} bytes"
        return jsonify(error=message, parameter="body"), 413

    @server.before_request
    def check_callback():
        if request.path != endpoint or request.method != "POST":
            return None
        data = request.get_data(cache=True)  # a Content-Length over the limit: 413 before reading
        if len(data) >= MAX_CALLBACK_BODY:  # a chunked body, which Werkzeug cuts at the limit
            abort(413)
        try:
            body = json.loads(data)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to parse
            return jsonify(error="body: not a JSON document", parameter="body"), 400
        try:
            check_callback_request(body, callbacks, query.vocabulary(store_of()))
        except query.FilterError as exc:
            return jsonify(error=str(exc), parameter=exc.parameter), 400
        return None
