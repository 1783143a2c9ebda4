"""`GET /map.svg?<the view's parameters>`: the picture of a view, as the page shows it.

Takes every parameter of a page URL (`theme`, `phase`, `region`, `q`, `cluster`, `lang`, `mode`,
`per`, `layer`, `lat`/`lon`/`zoom`), read by the page's own parser (`mapapp.view.parse_page`), plus `width`
and `height` in px. A value the page would ignore with a notice is an HTTP 400 here, with a JSON
message naming the parameter, like the API's.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from mapapp.data import query
from mapapp.render.drawing import view_drawing
from mapapp.render.svg import map_image
from mapapp.view import parse_page

SIZE_RANGE = (200, 4000)  # px, each side
DEFAULT_SIZE = (1200, 800)
# What is wrong with a value the page would drop (per `mapapp.view.Notice.key`).
PROBLEMS = {
    "notice_ignored": "{value!r} is not a value this map knows",
    "notice_bad_view": "{value!r}: lat (-90 to 90), lon (-180 to 180) and zoom (2 to 18) are numbers, given together",
    "notice_one_phase": "one phase at a time",
}


class ParameterError(ValueError):
    def __init__(self, parameter: str, message: str):
        self.parameter = parameter
        super().__init__(f"{parameter}: {message}")


def _size(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    low, high = SIZE_RANGE
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ParameterError(name, f"{raw[:40]!r} is not a size in px from {low} to {high}")
    return int(raw)


def create_blueprint() -> Blueprint:
    bp = Blueprint("render", __name__)

    @bp.errorhandler(ParameterError)
    def bad_parameter(exc: ParameterError):
        return jsonify(error=str(exc), parameter=exc.parameter), 400

    @bp.get("/map.svg")
    def map_svg():
        store = current_app.config["MAPAPP_STORE_LOADER"].get()
        args = request.args.to_dict(flat=False)
        state = parse_page(args, query.vocabulary(store))
        if state.notices:
            notice = state.notices[0]
            raise ParameterError(
                notice.param, PROBLEMS.get(notice.key, PROBLEMS["notice_ignored"]).format(value=notice.value)
            )
        width, height = _size("width", DEFAULT_SIZE[0]), _size("height", DEFAULT_SIZE[1])
        image = map_image(store, view_drawing(store, state), width, height)
        return Response(
            image, mimetype="image/svg+xml", headers={"Content-Disposition": 'inline; filename="carte-poles.svg"'}
        )

    return bp
