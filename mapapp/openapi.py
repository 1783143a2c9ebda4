"""The OpenAPI 3.1 description of the HTTP API, built from the store so that its enums are the data's.

`openapi_document(store)` is served at `/api/openapi.json`. Theme and region enums, the example
pôle and the regions row come from the loaded data; property names come from the modules that
produce them (`query.CLUSTER_COLUMNS`, `exports.CSV_CLUSTER_COLUMNS`, `coverage.region_coverage`),
so the description cannot drift from what the endpoints answer; the region profile's and
comparison's from `region_profile`; the query parameters, their values and defaults from
`mapapp.view`, the one definition pages, API and CLI share.
"""

from __future__ import annotations

import copy
from importlib.metadata import PackageNotFoundError, version

import pandas as pd

from mapapp import view
from mapapp.data import coverage, exports, query
from mapapp.data.cache import cached
from mapapp.data.figures import MEASURES as FIGURE_MEASURES
from mapapp.data.profile import CLUSTER_ID_MAX_LENGTH, CLUSTER_ID_PATTERN, MEMBER_CATEGORIES
from mapapp.data.region_profile import MAX_COMPARED, MIN_COMPARED
from mapapp.data.store import SEAT_PRECISIONS, Store
from mapapp.geo.layers import WEB_LAYERS

GEOJSON = "application/geo+json"
CSV = "text/csv"
JSON = "application/json"

_STRING = {"type": "string"}
_STRINGS = {"type": "array", "items": _STRING}
_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_NUMBER = {"type": ["number", "null"]}
_INTEGER = {"type": "integer"}
_NUMBER = {"type": "number"}
_BOOLEAN = {"type": "boolean"}
_SOURCES = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"source": _STRING, "as_of": {"type": "string", "format": "date"}},
        "required": ["source", "as_of"],
    },
}

_DATE = {"type": "string", "format": "date"}
_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
_SEAT_PRECISION = {
    "type": "string",
    "enum": list(SEAT_PRECISIONS),
    "description": "commune: a source names the seat's commune; area: only a technopole or metropolitan area "
    "(placed at a commune of it); region: no source, placed inside its first region of activity",
}
_PUBLISHED_PROPERTY_SCHEMAS = {
    "members_published": {"type": ["integer", "null"], "description": "latest members figure the pôle published"},
    "members_published_as_of": _NULLABLE_DATE,
    "projects_published": {"type": ["integer", "null"], "description": "latest projects figure published"},
    "projects_published_as_of": _NULLABLE_DATE,
    "projects_published_measure": {"type": ["string", "null"], "enum": ["projects_funded", "projects_labelled", None]},
    "projects_published_period": {**_NULLABLE_STRING, "description": "null, 'cumulative', 'YYYY' or 'YYYY-YYYY'"},
    "funding_published_eur": {"type": ["number", "null"], "description": "latest public funding figure published"},
    "funding_published_as_of": _NULLABLE_DATE,
    "funding_published_period": _NULLABLE_STRING,
    "rd_budget_published_eur": {"type": ["number", "null"], "description": "latest R&D budget of its projects"},
    "rd_budget_published_as_of": _NULLABLE_DATE,
    "rd_budget_published_period": _NULLABLE_STRING,
}
_FIGURE = {
    "type": "object",
    "properties": {
        "measure": {"type": "string", "enum": list(FIGURE_MEASURES)},
        "value": _NUMBER,
        "unit": {"type": "string", "enum": ["count", "EUR"]},
        "as_of": _DATE,
        "period": {**_NULLABLE_STRING, "description": "null (a stock at as_of), 'cumulative', 'YYYY', 'YYYY-YYYY'"},
        "source": {"type": "string", "format": "uri"},
        "stated_as": {"type": "string", "description": "the few words of the source that state the number"},
        "note": _NULLABLE_STRING,
    },
    "required": ["measure", "value", "unit", "as_of", "period", "source", "stated_as", "note"],
}


def _phase(store: Store) -> dict:
    return {"type": "integer", "enum": list(query.vocabulary(store).phases)}


# Properties of a seat feature, as `exports.cluster_features` writes them (list columns as arrays).
_CLUSTER_PROPERTY_SCHEMAS = {
    "id": _STRING,
    "name": _STRING,
    "former_names": _STRINGS,
    "aliases": {**_STRINGS, "description": "short names and acronyms people use; `q` finds them"},
    "themes": _STRINGS,
    "phases": {"type": "array", "items": {"type": "integer", "description": "phase numbers (`geodata/phases.csv`)"}},
    "region_codes": _STRINGS,
    "seat_commune_code": _NULLABLE_STRING,
    "seat_name": _NULLABLE_STRING,
    "seat_precision": _SEAT_PRECISION,
    "seat_area": {**_NULLABLE_STRING, "description": "the technopole or metropolitan area a source names"},
    "current": _BOOLEAN,
    "website": _NULLABLE_STRING,
    **_PUBLISHED_PROPERTY_SCHEMAS,
    "members": _INTEGER,
    "projects": _INTEGER,
    "funding_eur": _NUMBER,
    "sample": {"type": "boolean", "description": "true if any activity figure is sample data"},
    "source": _STRING,
    "as_of": _STRING,
}


def _object(properties: dict, description: str = "") -> dict:
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _region_row_schema(store: Store) -> dict:
    """The columns of `region_coverage`, typed from their dtypes (ratios are null where the
    population is unknown)."""
    table = coverage.region_coverage(store, query.Filters())
    properties = {}
    for column, dtype in table.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype):
            properties[column] = _BOOLEAN
        elif pd.api.types.is_integer_dtype(dtype):
            properties[column] = _INTEGER
        elif pd.api.types.is_numeric_dtype(dtype):
            properties[column] = _NULLABLE_NUMBER
        else:
            properties[column] = _STRING
    return _object(
        properties,
        "One region (current, or before 2016 with `layer=regions_2015`): pôles seated and active, members,"
        " projects, funding.",
    )


def _profile_schema(store: Store) -> dict:
    theme = _object({"id": _STRING, "label_fr": _STRING, "label_en": _STRING, "color": _STRING})
    seat = _object(
        {
            "precision": _SEAT_PRECISION,
            "commune_code": _NULLABLE_STRING,
            "name": _NULLABLE_STRING,
            "area": _NULLABLE_STRING,
            "region_code": _NULLABLE_STRING,
            "lon": _NUMBER,
            "lat": _NUMBER,
            "stated_as": _NULLABLE_STRING,
            "source": _NULLABLE_STRING,
            "as_of": _NULLABLE_DATE,
            "note": _NULLABLE_STRING,
        }
    )
    label = _object(
        {
            "phase": _phase(store),
            "date": {"type": "string", "format": "date"},
            "status": _STRING,
            "application": _NULLABLE_STRING,
            "source": _STRING,
            "as_of": {"type": "string", "format": "date"},
        }
    )
    linked = _object({"id": _STRING, "name": _NULLABLE_STRING, "date": _NULLABLE_STRING})
    member = _object(
        {
            "member_id": _STRING,
            "name": _STRING,
            "category": {"type": "string", "enum": list(MEMBER_CATEGORIES)},
            "commune_code": _NULLABLE_STRING,
            "commune_name": _NULLABLE_STRING,
            "lon": _NULLABLE_NUMBER,
            "lat": _NULLABLE_NUMBER,
            "since": {"type": ["integer", "null"]},
        }
    )
    project = _object(
        {
            "project_id": _STRING,
            "title": _STRING,
            "year": _INTEGER,
            "total_cost_eur": _NULLABLE_NUMBER,
            "public_funding_eur": {"type": "number", "description": "sum of the project's funding lines"},
            "partners": _STRINGS,
            "cluster_ids": _STRINGS,
        }
    )
    amount = {"type": "number", "description": "euros"}
    open_project = _object(
        {
            "project_id": _STRING,
            "acronym": _NULLABLE_STRING,
            "title": _STRING,
            "programme": _NULLABLE_STRING,
            "year": _INTEGER,
            "start_date": _NULLABLE_DATE,
            "end_date": _NULLABLE_DATE,
            "roles": {
                **_STRINGS,
                "description": "the pôle's role(s): coordinator, participant, … (CORDIS); beneficiary",
            },
            "eu_contribution_eur": {**_NULLABLE_NUMBER, "description": "EU contribution to the pôle"},
            "eu_contribution_total_eur": {**_NULLABLE_NUMBER, "description": "EU contribution to the consortium"},
            "total_cost_eur": _NULLABLE_NUMBER,
            "cofinancing_rate": {**_NULLABLE_NUMBER, "description": "EU co-financing rate in % (Kohesio)"},
            "fund": _NULLABLE_STRING,
            "nuts_region": _NULLABLE_STRING,
            "partners": {**_STRINGS, "description": "consortium partners as 'name (country)'"},
            "url": {**_NULLABLE_STRING, "description": "the project's public page"},
            "source": _STRING,
            "as_of": _STRING,
        }
    )
    open_set = _object(
        {
            "count": _INTEGER,
            "eu_contribution_eur": amount,
            "items": {"type": "array", "items": open_project, "description": "latest year first"},
            "sources": _SOURCES,
        }
    )
    identifier = _object({"value": _STRING, "source": _STRING, "as_of": _STRING, "stated_as": _NULLABLE_STRING})
    office = _object(
        {
            "siret": _STRING,
            "address": _NULLABLE_STRING,
            "commune_code": _NULLABLE_STRING,
            "lon": _NULLABLE_NUMBER,
            "lat": _NULLABLE_NUMBER,
            "source": _STRING,
            "as_of": _STRING,
            "note": _NULLABLE_STRING,
        }
    )
    return _object(
        {
            "id": _STRING,
            "name": _STRING,
            "former_names": _STRINGS,
            "aliases": _STRINGS,
            "themes": {"type": "array", "items": theme},
            "current": _BOOLEAN,
            "website": _NULLABLE_STRING,
            "website_source": _NULLABLE_STRING,
            "website_as_of": _NULLABLE_DATE,
            "seat": {"oneOf": [seat, {"type": "null"}]},
            "region_codes": {"type": "array", "items": _object({"code": _STRING, "name": _NULLABLE_STRING})},
            "labels": {"type": "array", "items": label, "description": "label decisions, by date"},
            "lineage": _object(
                {
                    "merged_into": {"oneOf": [linked, {"type": "null"}]},
                    "merged_from": {"type": "array", "items": linked},
                    "renamed_date": _NULLABLE_STRING,
                    "renamed_source": _NULLABLE_STRING,
                    "ended": {
                        "oneOf": [
                            _object(
                                {
                                    "date": _NULLABLE_DATE,
                                    "how": {"type": "string", "enum": ["dissolved", "liquidated", "stopped"]},
                                    "source": _NULLABLE_STRING,
                                    "note": _NULLABLE_STRING,
                                }
                            ),
                            {"type": "null"},
                        ],
                        "description": "when and how the pôle's association stopped, with its source",
                    },
                }
            ),
            "figures": {
                "type": "array",
                "items": _FIGURE,
                "description": "every figure published by or about the pôle, real and sourced; newest first",
            },
            "members": _object(
                {
                    "count": _INTEGER,
                    "by_category": _object({category: _INTEGER for category in MEMBER_CATEGORIES}),
                    "items": {"type": "array", "items": member, "description": "sorted by name"},
                    "sample": _BOOLEAN,
                    "sources": _SOURCES,
                }
            ),
            "projects": _object(
                {
                    "count": _INTEGER,
                    "items": {"type": "array", "items": project, "description": "latest year first"},
                    "sample": _BOOLEAN,
                    "sources": _SOURCES,
                }
            ),
            "funding": _object(
                {
                    "total_eur": amount,
                    "by_funder": {"type": "array", "items": _object({"funder": _STRING, "amount_eur": amount})},
                    "by_programme": {
                        "type": "array",
                        "items": _object({"funder": _STRING, "programme": _STRING, "amount_eur": amount}),
                        "description": "lines whose programme is known (UE — Horizon 2020, FEDER — 2014-2020…)",
                    },
                    "by_year": {
                        "type": "array",
                        "items": _object({"year": _INTEGER, "funder": _STRING, "amount_eur": amount}),
                    },
                    "sample": _BOOLEAN,
                    "sources": _SOURCES,
                }
            ),
            "open_projects": _object(
                {"cordis": open_set, "kohesio": open_set},
                "Real EU projects (CORDIS) and FEDER/FSE operations (Kohesio) of the pôle's association, imported",
            ),
            "identifiers": _object(
                {
                    "siren": {"type": "array", "items": identifier},
                    "siret": {"type": "array", "items": identifier, "description": "head office"},
                    "vat": {"type": "array", "items": identifier, "description": "stated, or derived from the SIREN"},
                    "pic": {"type": "array", "items": identifier},
                    "office": {"oneOf": [office, {"type": "null"}], "description": "SIRENE head office"},
                },
                "The association's identifiers, each with its source",
            ),
            "source": _NULLABLE_STRING,
            "as_of": _NULLABLE_STRING,
            "sample": {"type": "boolean", "description": "true if any activity figure is sample data"},
        },
        "One pôle: directory facts, lineage, members, projects and funding, with sources and sample flags.",
    )


def _region_schemas() -> dict:
    """Schemas of `region_profile.region_profile` and `region_profile.compare_regions`."""
    measure = _object(
        {
            "value": _NUMBER,
            "per_100k": {"type": ["number", "null"], "description": "null where the population is unknown"},
            "rank": {"type": "integer", "minimum": 1, "description": "1 = highest; ties share the rank"},
            "rank_per_100k": {"type": ["integer", "null"], "minimum": 1, "description": "null where n/a"},
        }
    )
    summary = {
        "code": _STRING,
        "name": _STRING,
        "population": _NULLABLE_NUMBER,
        "measures": _object({name: measure for name in coverage.MEASURES}),
        "ranked": _object(
            {"absolute": _INTEGER, "per_100k": _INTEGER}, "How many regions are ranked (n/a ones are not)."
        ),
    }
    listed = {"type": "array", "items": _object({"id": _STRING, "name": _STRING, "themes": _STRINGS})}
    theme = _object(
        {
            "id": _STRING,
            "label_fr": _STRING,
            "label_en": _STRING,
            "color": _STRING,
            "clusters_active": {"type": "integer", "description": "pôles of the phase active in the region"},
            "clusters_national": {"type": "integer", "description": "pôles of the phase in the country"},
        }
    )
    provenance = {"sample": _BOOLEAN, "sources": _SOURCES}
    amount = {"type": "number", "description": "euros"}
    profile = _object(
        {
            **summary,
            "filtered": {"type": "boolean", "description": "whether theme or text filters narrow the selection"},
            "clusters": _object({"seated": listed, "active": listed}, "The selected pôles, sorted by name."),
            "in_phase": _object(
                {"clusters_seated": _INTEGER, "clusters_active": _INTEGER},
                "Every pôle of the phase seated and active in the region, whatever the theme and text filters.",
            ),
            "themes": _object(
                {
                    "items": {"type": "array", "items": theme, "description": "every theme of the vocabulary"},
                    "present": _STRINGS,
                    "missing": {**_STRINGS, "description": "themes with no pôle of the phase active in the region"},
                },
                "Counted on every pôle of the phase, whatever the theme and text filters.",
            ),
            "members": _object(
                {
                    "count": _INTEGER,
                    "by_category": _object({category: _INTEGER for category in MEMBER_CATEGORIES}),
                    **provenance,
                },
                "Members located in the region, of the selected pôles.",
            ),
            "projects": _object(
                {
                    "count": _INTEGER,
                    "by_year": {"type": "array", "items": _object({"year": _INTEGER, "projects": _INTEGER})},
                    **provenance,
                },
                "Projects of the selected pôles seated in the region.",
            ),
            "funding": _object(
                {
                    "total_eur": amount,
                    "by_funder": {
                        "type": "array",
                        "items": _object({"funder": _STRING, "amount_eur": amount, "projects": _INTEGER}),
                    },
                    "by_year": {
                        "type": "array",
                        "items": _object({"year": _INTEGER, "funder": _STRING, "amount_eur": amount}),
                    },
                    **provenance,
                },
                "Funding of the projects of the selected pôles seated in the region.",
            ),
            "sample": {"type": "boolean", "description": "true if any figure shown is sample data"},
            "sources": _SOURCES,
        },
        "One region's coverage: pôles, themes, members, projects, funding and ranks among the regions.",
    )
    compared = _object({**summary, "sample": _BOOLEAN})
    return {
        "RegionProfile": profile,
        "RegionComparison": {
            "type": "array",
            "items": compared,
            "minItems": MIN_COMPARED,
            "maxItems": MAX_COMPARED,
            "description": "The regions in the order asked.",
        },
    }


def _schemas(store: Store) -> dict:
    point = _object(
        {
            "type": {"const": "Point"},
            "coordinates": {"type": "array", "items": _NUMBER, "minItems": 2, "maxItems": 2},
        }
    )
    return {
        "Error": _object(
            {"error": _STRING, "parameter": {"type": "string", "description": "the parameter that was wrong"}},
            "What was wrong and which parameter.",
        ),
        "ClusterProperties": _object({name: _CLUSTER_PROPERTY_SCHEMAS[name] for name in query.CLUSTER_COLUMNS}),
        "ClusterFeature": _object(
            {
                "type": {"const": "Feature"},
                "id": _STRING,
                "properties": _ref("ClusterProperties"),
                "geometry": {"oneOf": [point, {"type": "null"}], "description": "the seat; null when unknown"},
            }
        ),
        "ClusterCollection": _object(
            {"type": {"const": "FeatureCollection"}, "features": {"type": "array", "items": _ref("ClusterFeature")}},
            "The matching pôles' seats, sorted by name.",
        ),
        "ClusterProfile": _profile_schema(store),
        "RegionRow": _region_row_schema(store),
        **_region_schemas(),
        "Health": _object({"status": {"const": "ok"}, "clusters": _INTEGER, "regions": _INTEGER}),
    }


def _parameters(store: Store) -> dict:
    regions = [str(r) for r in store.regions["code"]]
    # The examples all describe one current pôle, so that together they still select it.
    current = store.clusters[store.clusters["current"] & store.clusters["region_list"].map(bool)]
    example = (current if len(current) else store.clusters).iloc[0]

    vocab = query.vocabulary(store)
    examples = {
        "theme": list(example["theme_list"][:1]),
        "phase": [str(p) for p in example["phases"][-1:]],
        "region": list(example["region_list"][:1]),
        "q": str(example["name"]),
        "sep": ";",
        "layer": "regions_2015",
    }
    described = {param.key: _query_parameter(param, vocab, examples[param.key]) for param in (*view.FILTERS, view.SEP)}
    return {
        **described,
        "region_layer": _query_parameter(view.LAYER, vocab, examples["layer"]),
        "cluster_id": {
            "name": "cluster_id",
            "in": "path",
            "required": True,
            "description": "A pôle id (slug), as in the `id` property of /api/clusters.",
            "schema": {"type": "string", "pattern": CLUSTER_ID_PATTERN, "maxLength": CLUSTER_ID_MAX_LENGTH},
            "example": str(example["id"]),
        },
        "region_code": {
            "name": "region",
            "in": "path",
            "required": True,
            "description": "An INSEE region code (two digits), as in the `code` field of /api/regions.",
            "schema": {"type": "string", "pattern": view.REGION_CODE_PATTERN},
            "example": str(example["region_list"][0]) if example["region_list"] else regions[0],
        },
        "compared_regions": {
            "name": "region",
            "in": "query",
            "required": True,
            "description": (
                f"{MIN_COMPARED} to {MAX_COMPARED} regions to compare (INSEE codes)."
                " Several values: repeat the parameter or separate with commas."
            ),
            "style": "form",
            "explode": True,
            "schema": {
                "type": "array",
                "items": {"type": "string", "enum": regions},
                "minItems": MIN_COMPARED,
                "maxItems": MAX_COMPARED,
            },
            "example": regions[-MIN_COMPARED:],
        },
        "layer": {
            "name": "layer",
            "in": "path",
            "required": True,
            "description": "A browser layer.",
            "schema": {"type": "string", "enum": list(WEB_LAYERS)},
            "example": WEB_LAYERS[0],
        },
    }


def _query_parameter(param: view.Param, vocab: query.Vocabulary, example) -> dict:
    """The OpenAPI description of a `mapapp.view` parameter: its values and its default are the
    ones every page, the API and the CLI use."""
    default = list(param.default(vocab))
    value = {"type": "string"}
    if param.choices is not None:
        value["enum"] = list(param.choices(vocab))
    else:
        value["maxLength"] = param.max_length
    description = param.help + (f" Default: {', '.join(default)}." if default else "")
    if not param.multi:
        schema = {**value, "default": default[0]} if default else value
        return {
            "name": param.key,
            "in": "query",
            "required": False,
            "description": description,
            "schema": schema,
            "example": example,
        }
    schema = {"type": "array", "items": value, **({"default": default} if default else {})}
    return {
        "name": param.key,
        "in": "query",
        "required": False,
        "description": description + " Several values: repeat the parameter or separate with commas.",
        "style": "form",
        "explode": True,
        "schema": schema,
        "example": example,
    }


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": _ref("Error")}}}


def _ok(description: str, media_type: str, schema: dict, download: bool = False) -> dict:
    response = {"description": description, "content": {media_type: {"schema": schema}}}
    if download:
        response["headers"] = {
            "Content-Disposition": {"description": "attachment; filename=…", "schema": _STRING},
        }
    return response


def _get(summary: str, parameters: list[str], ok: dict, errors: dict | None = None) -> dict:
    operation = {
        "summary": summary,
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in parameters],
        "responses": {"200": ok, **(errors or {})},
    }
    return {"get": operation}


def _paths() -> dict:
    filters = [param.key for param in view.FILTERS]
    bad_filter = {"400": _error("A filter parameter has a bad value; `parameter` names it.")}
    bad_layer = {"400": _error("A filter parameter or `layer` has a bad value; `parameter` names it.")}
    csv_text = {
        "type": "string",
        "description": "UTF-8 with BOM; formula-like cells prefixed with an apostrophe; with `sep=;`, decimal commas,"
        " oui/non and whole euros. Named for what it holds (themes, regions, phase).",
    }
    cluster_csv = dict(
        csv_text, description=csv_text["description"] + " Columns: " + ", ".join(exports.CSV_CLUSTER_COLUMNS)
    )
    measures_csv = dict(
        csv_text, description=csv_text["description"] + " Columns: " + ", ".join(exports.MEASURE_COLUMNS)
    )
    regions = {"type": "array", "items": _ref("RegionRow")}
    return {
        "/healthz": _get("Liveness", [], _ok("The app is up.", JSON, _ref("Health"))),
        "/api/clusters": _get(
            "Pôle seats matching the filters",
            filters,
            _ok("GeoJSON FeatureCollection of seat points.", GEOJSON, _ref("ClusterCollection")),
            bad_filter,
        ),
        "/api/clusters/{cluster_id}": _get(
            "Profile of one pôle",
            ["cluster_id"],
            _ok("The pôle's profile.", JSON, _ref("ClusterProfile")),
            {
                "400": _error("The id is not a slug ([a-z0-9-], at most 100 characters)."),
                "404": _error("No pôle has this id."),
            },
        ),
        "/api/clusters.geojson": _get(
            "Pôle seats matching the filters, as a download",
            filters,
            _ok("GeoJSON FeatureCollection, as an attachment.", GEOJSON, _ref("ClusterCollection"), download=True),
            bad_filter,
        ),
        "/api/clusters.csv": _get(
            "Pôles matching the filters, as CSV",
            [*filters, "sep"],
            _ok("One row per pôle, as an attachment.", CSV, cluster_csv, download=True),
            bad_filter,
        ),
        "/api/regions": _get(
            "Per region figures for the pôles matching the filters (region filter ignored)",
            [*filters, "region_layer"],
            _ok("One row per region of the layer: 18 current regions, or 27 before 2016.", JSON, regions),
            bad_layer,
        ),
        "/api/regions.csv": _get(
            "Per region figures, as CSV",
            [*filters, "sep", "region_layer"],
            _ok("One row per region of the layer, as an attachment.", CSV, csv_text, download=True),
            bad_layer,
        ),
        "/api/regions/{region}": _get(
            "Profile of one region for the pôles matching the filters (region filter ignored)",
            ["theme", "phase", "q", "region_code"],
            _ok("The region's profile.", JSON, _ref("RegionProfile")),
            {
                "400": _error("The code is not two digits, or a filter has a bad value; `parameter` names it."),
                "404": _error("No current region has this code."),
            },
        ),
        "/api/regions/{region}.csv": _get(
            "Profile of one region, as CSV: each measure's value, per 100,000 inhabitants and ranks, then members"
            " by category (`members_<category>`) and funding by funder (`funding_eur_<funder>`)",
            ["theme", "phase", "q", "region_code", "sep"],
            _ok("One row per measure, as an attachment.", CSV, measures_csv, download=True),
            {
                "400": _error("The code is not two digits, or a filter has a bad value; `parameter` names it."),
                "404": _error("No current region has this code."),
            },
        ),
        "/api/regions/compare": _get(
            "Measures and ranks of 2 to 4 regions side by side",
            ["theme", "phase", "q", "compared_regions"],
            _ok("One entry per region, in the order asked.", JSON, _ref("RegionComparison")),
            {"400": _error("Fewer than 2 or more than 4 regions, an unknown one, or a bad filter value.")},
        ),
        "/api/regions/compare.csv": _get(
            "Measures and ranks of 2 to 4 regions, as CSV",
            ["theme", "phase", "q", "compared_regions", "sep"],
            _ok("One row per region and measure, as an attachment.", CSV, measures_csv, download=True),
            {"400": _error("Fewer than 2 or more than 4 regions, an unknown one, or a bad filter value.")},
        ),
        "/geodata/{layer}.geojson": _get(
            "A browser layer (pre-gzipped when accepted, with ETag)",
            ["layer"],
            _ok("GeoJSON FeatureCollection of polygons.", GEOJSON, {"type": "object"}),
            {"304": {"description": "Not modified (If-None-Match)."}, "404": {"description": "No such layer."}},
        ),
        "/api/openapi.json": _get("This description", [], _ok("OpenAPI 3.1 document.", JSON, {"type": "object"})),
    }


def openapi_document(store: Store) -> dict:
    """The OpenAPI 3.1 document of every endpoint of `api.create_blueprint` (built once per store).

    >>> doc = openapi_document(store)  # doctest: +SKIP
    >>> doc["components"]["parameters"]["phase"]["schema"]["default"]  # doctest: +SKIP
    ['5']
    """
    return copy.deepcopy(cached(store, "openapi", _build))


def _build(store: Store) -> dict:
    try:
        app_version = version("mapapp")
    except PackageNotFoundError:  # running from a source tree that was never installed
        app_version = "0"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Carte des pôles de compétitivité",
            "version": app_version,
            "description": (
                "France's pôles de compétitivité: seats, profiles and per-region figures. Every endpoint "
                "takes the map's filters; a bad value is answered with HTTP 400 and "
                '`{"error": …, "parameter": …}`. Members, projects and funding are sample data (`sample`) '
                "except where real files were imported: EU projects (CORDIS), FEDER/FSE operations (Kohesio), "
                "each with its source and date."
            ),
        },
        "paths": _paths(),
        "components": {"schemas": _schemas(store), "parameters": _parameters(store)},
    }
