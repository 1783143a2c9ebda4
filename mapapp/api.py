"""HTTP API (`/api/*`, `/healthz`) and the static browser layers: thin glue around the query module.

Every endpoint reads the parameters `mapapp.view` defines, with the page's defaults (today's phase
when none is given); a bad value is answered with HTTP 400 and a JSON message naming the
parameter, never a 500. Downloads are named for what they hold.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_file

from mapapp import view
from mapapp.data import exports
from mapapp.data.profile import cluster_profile, is_cluster_id
from mapapp.data.query import FilterError, Filters, vocabulary
from mapapp.data.region_profile import compare_regions, region_profile
from mapapp.geo.layers import WEB_LAYERS
from mapapp.openapi import openapi_document

CSV = "text/csv; charset=utf-8"


def _store():
    return current_app.config["MAPAPP_STORE_LOADER"].get()


def _args() -> dict[str, list[str]]:
    return {key: request.args.getlist(key) for key in request.args}


def _filters() -> Filters:
    return view.parse_filters(_args(), vocabulary(_store()))


def _one(param: view.Param) -> str:
    """The value of a single-valued parameter (`sep`, `layer`), its default when not given."""
    return view.parse_one(param, _args(), vocabulary(_store()))


def _download(data: bytes, content_type: str, filename: str) -> Response:
    # `content_type`, not `mimetype`: Flask would add a second "charset=utf-8" to a text type.
    return Response(
        data, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _region_code(region: str) -> str:
    if not view.is_region_code(region):
        raise FilterError("region", f"{region[:40]!r} is not an INSEE region code: two digits, e.g. '84'")
    return region


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

    @bp.errorhandler(FilterError)
    def bad_parameter(exc: FilterError):
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
        store, filters = _store(), _filters()
        name = view.download_name("poles", filters, vocabulary(store), "geojson")
        return _download(exports.clusters_geojson(store, filters), "application/geo+json", name)

    @bp.get("/api/clusters.csv")
    def clusters_csv():
        store, filters, sep = _store(), _filters(), _one(view.SEP)
        name = view.download_name("poles", filters, vocabulary(store), "csv")
        return _download(exports.clusters_csv(store, filters, sep), CSV, name)

    @bp.get("/api/regions")
    def regions():
        filters, layer = _filters(), _one(view.LAYER)
        return Response(exports.regions_json(_store(), filters, layer), mimetype="application/json")

    @bp.get("/api/regions.csv")
    def regions_csv():
        store, filters, sep, layer = _store(), _filters(), _one(view.SEP), _one(view.LAYER)
        kind = "regions" if layer == "regions" else "regions-2015"
        # Every region is in the table, whatever the region filter: not named after it.
        name = view.download_name(kind, replace(filters, regions=()), vocabulary(store), "csv")
        return _download(exports.regions_csv(store, filters, sep, layer), CSV, name)

    @bp.get("/api/regions/compare")
    def regions_compare():
        store, filters = _store(), _filters()  # validates every filter, `region` included
        codes = view.parse_compared_regions(request.args.getlist("region"), vocabulary(store))
        return jsonify(compare_regions(store, codes, filters))

    @bp.get("/api/regions/compare.csv")
    def regions_compare_csv():
        store, filters, sep = _store(), _filters(), _one(view.SEP)
        vocab = vocabulary(store)
        codes = view.parse_compared_regions(request.args.getlist("region"), vocab)
        data = exports.comparison_csv(compare_regions(store, codes, filters), sep)
        name = view.download_name("comparaison", filters, vocab, "csv")
        return _download(data, CSV, name)

    @bp.get("/api/regions/<region>")
    def region_view(region: str):
        profile = region_profile(_store(), _region_code(region), _filters())
        if profile is None:
            return jsonify(error=f"unknown region {region!r}", parameter="region"), 404
        return jsonify(profile)

    @bp.get("/api/regions/<region>.csv")
    def region_view_csv(region: str):
        store, filters, sep = _store(), _filters(), _one(view.SEP)
        profile = region_profile(store, _region_code(region), filters)
        if profile is None:
            return jsonify(error=f"unknown region {region!r}", parameter="region"), 404
        name = view.download_name("region", replace(filters, regions=()), vocabulary(store), "csv", profile["name"])
        return _download(exports.region_profile_csv(profile, sep), CSV, name)

    @bp.get("/api/clusters/<cluster_id>")
    def cluster(cluster_id: str):
        if not is_cluster_id(cluster_id):
            raise FilterError(
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
