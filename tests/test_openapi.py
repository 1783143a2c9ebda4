"""`/api/openapi.json`: a valid OpenAPI 3.1 document that describes every route, truthfully."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from mapapp.openapi import openapi_document
from mapapp.view import MAX_QUERY_LENGTH

API_PREFIXES = ("/api", "/healthz", "/geodata")


@pytest.fixture(scope="module")
def document(app) -> dict:
    response = app.server.test_client().get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json


def _shape(path: str) -> str:
    """A route with its parameters anonymised: Flask's `<name>` and OpenAPI's `{layer}` alike."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def _parameters(document: dict, operation: dict) -> list[dict]:
    prefix = "#/components/parameters/"
    return [document["components"]["parameters"][p["$ref"].removeprefix(prefix)] for p in operation["parameters"]]


def _validator(document: dict, schema: dict) -> Draft202012Validator:
    """A JSON Schema validator for `schema` that resolves the document's `#/components/...`
    references (OpenAPI 3.1 schemas are JSON Schema 2020-12)."""
    return Draft202012Validator({**schema, "components": document["components"]})


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises OpenAPIValidationError naming the faulty part


def test_every_registered_route_is_documented(app, document):
    routes = {rule.rule for rule in app.server.url_map.iter_rules() if rule.rule.startswith(API_PREFIXES)}
    documented = {_shape(path) for path in document["paths"]}
    assert routes, "no API route registered"
    assert {_shape(route) for route in routes} <= documented
    assert len(document["paths"]) == len(routes)  # nothing documented that does not exist


def test_enums_come_from_the_data(document, store):
    parameters = document["components"]["parameters"]
    assert parameters["theme"]["schema"]["items"]["enum"] == list(store.themes["id"])
    assert parameters["region"]["schema"]["items"]["enum"] == list(store.regions["code"])
    assert parameters["phase"]["schema"]["items"]["enum"] == ["1", "2", "3", "4", "5", "all"]
    # One default for every view of a URL: today's phase, as on the map.
    assert parameters["phase"]["schema"]["default"] == ["5"] and "today's phase" in parameters["phase"]["description"]
    assert parameters["q"]["schema"]["maxLength"] == MAX_QUERY_LENGTH
    for name in ("theme", "phase", "region"):
        assert (parameters[name]["style"], parameters[name]["explode"]) == ("form", True)
    assert openapi_document(store) == document


def _example_request(document: dict, path: str, operation: dict) -> tuple[str, dict]:
    query: dict = {}
    for parameter in _parameters(document, operation):
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(parameter["example"]))
        else:
            query[parameter["name"]] = parameter["example"]
    return path, query


def _operations(document: dict):
    return [(path, item["get"]) for path, item in document["paths"].items()]


def test_every_documented_path_answers_its_examples(client, document):
    for path, operation in _operations(document):
        url, query = _example_request(document, path, operation)
        response = client.get(url, query_string=query)
        assert response.status_code == 200, (url, query, response.data[:200])
        content = operation["responses"]["200"]["content"]
        assert response.mimetype in content, (url, response.mimetype, list(content))
        schema = content[response.mimetype]["schema"]
        if response.mimetype.endswith("json"):
            errors = list(_validator(document, schema).iter_errors(response.get_json(force=True)))
            assert not errors, (url, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]])


def test_examples_select_something(client, document):
    operation = document["paths"]["/api/clusters"]["get"]
    url, query = _example_request(document, "/api/clusters", operation)
    assert client.get(url, query_string=query).json["features"]


def test_documented_errors_answer_with_the_error_schema(client, document):
    error = _validator(document, {"$ref": "#/components/schemas/Error"})
    cases = {
        "/api/clusters": ("/api/clusters?phase=9", 400),
        "/api/clusters.csv": ("/api/clusters.csv?sep=|", 400),
        "/api/regions": ("/api/regions?region=xx", 400),
        "/api/clusters/{cluster_id}": ("/api/clusters/no-such-pole", 404),
    }
    for path, (url, status) in cases.items():
        assert str(status) in document["paths"][path]["get"]["responses"]
        response = client.get(url)
        assert response.status_code == status and response.mimetype == "application/json"
        error.validate(response.json)
