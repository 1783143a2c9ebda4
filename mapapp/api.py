"""HTTP API (`/api/*`, `/healthz`) and the static browser layers: thin glue around the query module.

Every endpoint parses the same filter parameters as the UI with `query.parse_filters`; a bad
value is answered with HTTP 400 and a JSON message naming the parameter, never a 500.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_file

from mapapp.data import exports, query

WEB_LAYERS = ("regions", "departements", "regions_2015")


def _store():
    return current_app.config["MAPAPP_STORE_LOADER"].get()


def _filters() -> query.Filters:
    params = {name: request.args.getlist(name) or None for name in query.FILTER_PARAMETERS}
    return query.parse_filters(params, query.vocabulary(_store()))


def _region_layer() -> str:
    """The `layer` parameter of the regions table: "regions" (default) or "regions_2015"."""
    from mapapp.data.coverage import check_layer

    values = [value.strip() for value in request.args.getlist("layer") if value.strip()]
    if len(values) > 1:
        raise query.FilterError("layer", "given more than once; expected one of regions, regions_2015")
    return check_layer(values[0] if values else "regions")


def _csv_separator() -> str:
    sep = request.args.get("sep", ",")
    if sep not in (",", ";"):
        raise query.FilterError("sep", f"unknown separator {sep!r}; expected ',' or ';'")
    return sep


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def create_blueprint(web_dir: Path) -> Blueprint:
    bp = Blueprint("api", __name__)

    @bp.after_request
    def revalidate(response: Response) -> Response:
        """API answers carry a strong ETag, so a client holding them gets a 304."""
        if request.method == "GET" and response.status_code == 200 and not response.direct_passthrough:
            if "ETag" not in response.headers:
                response.add_etag()
            response.headers.setdefault("Cache-Control", "no-cache")
            response.make_conditional(request)
        return response

    @bp.errorhandler(query.FilterError)
    def bad_parameter(exc: query.FilterError):
        return jsonify(error=str(exc), parameter=exc.parameter), 400

    @bp.get("/healthz")
    def healthz():
        store = _store()
        return jsonify(status="ok", clusters=len(store.clusters), regions=len(store.regions))

    @bp.get("/api/clusters")
    def clusters():
        return Response(exports.clusters_geojson(_store(), _filters()), mimetype="application/geo+json")

    @bp.get("/api/clusters.geojson")
    def clusters_geojson():
        return _download(exports.clusters_geojson(_store(), _filters()), "application/geo+json", "poles.geojson")

    @bp.get("/api/clusters.csv")
    def clusters_csv():
        filters, sep = _filters(), _csv_separator()
        return _download(exports.clusters_csv(_store(), filters, sep), "text/csv", "poles.csv")

    @bp.get("/api/regions")
    def regions():
        filters, layer = _filters(), _region_layer()
        return Response(exports.regions_json(_store(), filters, layer), mimetype="application/json")

    @bp.get("/api/regions.csv")
    def regions_csv():
        filters, sep, layer = _filters(), _csv_separator(), _region_layer()
        data = exports.regions_csv(_store(), filters, sep, layer)
        return _download(data, "text/csv", f"{layer}.csv")

    # Imported here: mapapp.openapi reads this module's WEB_LAYERS.
    from mapapp.data.coverage import compare_regions, is_region_code, parse_compared_regions, region_profile
    from mapapp.data.profile import cluster_profile, is_cluster_id
    from mapapp.openapi import openapi_document

    @bp.get("/api/regions/compare")
    def regions_compare():
        store, filters = _store(), _filters()  # validates every filter, `region` included
        codes = parse_compared_regions(request.args.getlist("region"), store.regions["code"])
        return jsonify(compare_regions(store, codes, filters))

    @bp.get("/api/regions/<region>")
    def region_view(region: str):
        if not is_region_code(region):
            raise query.FilterError("region", f"{region[:40]!r} is not an INSEE region code: two digits, e.g. '84'")
        profile = region_profile(_store(), region, _filters())
        if profile is None:
            return jsonify(error=f"unknown region {region!r}", parameter="region"), 404
        return jsonify(profile)

    @bp.get("/api/clusters/<cluster_id>")
    def cluster(cluster_id: str):
        if not is_cluster_id(cluster_id):
            raise query.FilterError(
                "cluster_id", f"{cluster_id[:40]!r} is not a pôle id: at most 100 lowercase letters, digits or '-'"
            )
        profile = cluster_profile(_store(), cluster_id)
        if profile is None:
            return jsonify(error=f"unknown pôle {cluster_id!r}", parameter="cluster_id"), 404
        return jsonify(profile)  # nosniff, as on every answer: names are text, never sniffed as HTML

    @bp.get("/api/openapi.json")
    def openapi():
        return jsonify(openapi_document(_store()))

    @bp.get("/geodata/<name>.geojson")
    def web_layer(name: str):
        """Pre-built browser layers, sent pre-compressed when the client accepts gzip."""
        if name not in WEB_LAYERS:
            abort(404)
        plain = web_dir / f"{name}.geojson"
        packed = plain.with_name(plain.name + ".gz")
        use_gzip = packed.exists() and "gzip" in request.headers.get("Accept-Encoding", "")
        path = packed if use_gzip else plain
        response = send_file(
            path,
            mimetype="application/geo+json",
            conditional=True,
            max_age=86400,
            etag=hashlib.sha256(path.read_bytes()).hexdigest()[:32],
        )
        if use_gzip:
            response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
        return response

    return bp
