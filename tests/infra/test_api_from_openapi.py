"""The REST API in the template is the API of ``openapi.json``: the same paths and methods,
the same API-key requirement, the same parameters, and request models that accept and
refuse the same bodies as the document's schemas (which the handler serves)."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
import pytest

from application.bulk_sync import MAX_BULK_SYMBOLS
from application.sync import MAX_BARS_PER_SYNC
from infra_stack import constants as c
from infra_stack.openapi_routes import OpenApiError, draft4_schema, from_document
from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.infra

CATCH_ALL = {"ANY /", "ANY /{proxy+}"}
"""Sends what the document does not declare (``/docs``, ``/openapi.json``) to the function."""


@dataclass(frozen=True)
class Declared:
    """What a client of one method meets before the function runs."""

    api_key_required: bool
    parameters: Mapping[str, bool]  # method.request.<where>.<name> -> required
    body_schema: Mapping[str, Any] | None


def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(c.OPENAPI_DOCUMENT.read_text(encoding="utf-8"))
    return loaded


def in_document(document: Mapping[str, Any]) -> dict[str, Declared]:
    """Every operation of the document, read here without the stack's own reader."""
    schemas = document.get("components", {}).get("schemas", {})
    where = {"path": "path", "query": "querystring", "header": "header"}
    declared = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            declared[f"{method.upper()} {path}"] = Declared(
                api_key_required=bool(operation.get("security", document.get("security"))),
                parameters={
                    f"method.request.{where[p['in']]}.{p['name']}": bool(p.get("required"))
                    for p in operation.get("parameters", [])
                },
                body_schema=None
                if body is None
                else {"components": {"schemas": schemas}, **body["schema"]},
            )
    return declared


def in_template(template: Mapping[str, Any]) -> dict[str, Declared]:
    """Every API Gateway method of the template by ``METHOD /path``, the catch-all aside."""
    resources = template["Resources"]

    def of_type(kind: str) -> dict[str, Any]:
        return {k: v["Properties"] for k, v in resources.items() if v["Type"] == kind}

    paths = of_type("AWS::ApiGateway::Resource")
    models = of_type("AWS::ApiGateway::Model")

    def path_of(ref: Any) -> str:
        if not isinstance(ref, dict) or "Ref" not in ref:
            return ""  # the root resource
        props = paths[ref["Ref"]]
        return f"{path_of(props['ParentId'])}/{props['PathPart']}"

    declared = {}
    for method in of_type("AWS::ApiGateway::Method").values():
        name = f"{method['HttpMethod']} {path_of(method['ResourceId']) or '/'}"
        if name in CATCH_ALL:
            continue
        model = method.get("RequestModels", {}).get("application/json")
        declared[name] = Declared(
            api_key_required=bool(method.get("ApiKeyRequired")),
            parameters=method.get("RequestParameters", {}),
            body_schema=None if model is None else models[model["Ref"]]["Schema"],
        )
    return declared


def differences(template: Mapping[str, Declared], document: Mapping[str, Declared]) -> list[str]:
    """What a client would find different between the deployed API and the document."""
    found = [f"{name}: in openapi.json, not in the template" for name in document.keys() - template]
    found += [
        f"{name}: in the template, not in openapi.json" for name in template - document.keys()
    ]
    for name in sorted(template.keys() & document.keys()):
        deployed, documented = template[name], document[name]
        if deployed.api_key_required != documented.api_key_required:
            found.append(f"{name}: API key required {deployed.api_key_required} in the template")
        if deployed.parameters != documented.parameters:
            found.append(f"{name}: parameters {deployed.parameters} != {documented.parameters}")
        if (deployed.body_schema is None) != (documented.body_schema is None):
            found.append(f"{name}: a request model in one and not the other")
    return sorted(found)


def test_the_template_declares_exactly_the_routes_of_openapi_json(full: Synthesized) -> None:
    methods = {
        m["Properties"]["HttpMethod"] for m in full.resources("AWS::ApiGateway::Method").values()
    }
    assert "ANY" in methods  # the catch-all is there too
    assert differences(in_template(full.template), in_document(_document())) == []


def test_a_route_added_to_or_removed_from_the_document_is_caught(full: Synthesized) -> None:
    deployed = in_template(full.template)
    grown = _document()
    grown["paths"]["/market-data/search"] = {
        "get": {"security": [{"apiKey": []}], "parameters": [], "responses": {}}
    }
    assert differences(deployed, in_document(grown)) == [
        "GET /market-data/search: in openapi.json, not in the template"
    ]
    shrunk = _document()
    del shrunk["paths"]["/quotes/stop"]["post"]
    assert differences(deployed, in_document(shrunk)) == [
        "POST /quotes/stop: in the template, not in openapi.json"
    ]


def test_a_changed_key_requirement_or_parameter_is_caught(full: Synthesized) -> None:
    deployed = in_template(full.template)
    changed = _document()
    changed["paths"]["/quotes/status"]["get"]["security"] = []
    changed["paths"]["/market-data/symbols"]["get"]["parameters"].append(
        {"in": "query", "name": "type", "required": True, "schema": {"type": "string"}}
    )
    found = differences(deployed, in_document(changed))
    assert len(found) == 2
    assert found[0].startswith("GET /market-data/symbols: parameters")
    assert found[1] == "GET /quotes/status: API key required True in the template"


def test_only_get_health_and_the_chart_page_are_open_as_the_document_says(
    full: Synthesized,
) -> None:
    documented = in_document(_document())
    open_routes = sorted(n for n, d in documented.items() if not d.api_key_required)
    assert open_routes == ["GET /chart", "GET /health"]


# ---- the request models accept and refuse what the document's schemas do


def _sync_bodies() -> list[tuple[Any, bool]]:
    base = {"symbol": "AAPL", "exchange": "NASDAQ"}
    return [
        (base, True),
        ({"symbol": "nq1!", "exchange": "cme_mini", "interval": "1M", "full": True}, True),
        ({**base, "n_bars": MAX_BARS_PER_SYNC}, True),
        ({**base, "n_bars": MAX_BARS_PER_SYNC + 1}, False),
        ({**base, "n_bars": 0}, False),
        ({**base, "n_bars": "5000"}, False),
        ({**base, "interval": "2d"}, False),
        ({**base, "symbol": "AA PL"}, False),
        ({**base, "symbol": "A" * 41}, False),
        ({**base, "exchange": 5}, False),
        ({"symbol": "AAPL"}, False),
        ({**base, "unexpected": 1}, False),
        ({}, False),
        ([], False),
    ]


def _bulk_bodies() -> list[tuple[Any, bool]]:
    one = {"symbol": "AAPL", "exchange": "NASDAQ"}
    return [
        ({"symbols": [one] * MAX_BULK_SYMBOLS, "interval": "1h"}, True),
        ({"symbols": [one] * (MAX_BULK_SYMBOLS + 1)}, False),
        ({"symbols": []}, False),
        ({"symbols": [{**one, "symbol": "AA PL"}]}, False),
        ({"symbols": [one], "n_bars": MAX_BARS_PER_SYNC + 1}, False),
        ({"symbol": "AAPL", "exchange": "NASDAQ"}, False),
    ]


def _symbol_bodies() -> list[tuple[Any, bool]]:
    return [
        ({"symbol": "BTCUSDT", "exchange": "BINANCE"}, True),
        ({"symbol": "BRK.B", "exchange": "nyse"}, True),
        ({"symbol": "BTCUSDT"}, False),
        ({"symbol": "BTC/USDT", "exchange": "BINANCE"}, False),
        ({"symbol": "BTCUSDT", "exchange": "BINANCE", "interval": "1m"}, False),
    ]


BODIES = {
    "POST /market-data/sync": _sync_bodies(),
    "POST /market-data/sync/background": _sync_bodies(),
    "POST /market-data/sync/bulk": _bulk_bodies(),
    "POST /quotes/subscribe": _symbol_bodies(),
    "POST /quotes/unsubscribe": _symbol_bodies(),
}


def test_every_route_with_a_body_has_samples_here(full: Synthesized) -> None:
    with_body = {n for n, d in in_template(full.template).items() if d.body_schema is not None}
    assert with_body == set(BODIES)


@pytest.mark.parametrize("route", sorted(BODIES))
def test_a_request_model_refuses_exactly_what_the_document_refuses(
    route: str, full: Synthesized
) -> None:
    deployed = in_template(full.template)[route].body_schema
    documented = in_document(_document())[route].body_schema
    assert deployed is not None and documented is not None
    assert deployed["$schema"] == "http://json-schema.org/draft-04/schema#"
    gateway = jsonschema_rs.Draft4Validator(dict(deployed))
    document = jsonschema_rs.Draft202012Validator(dict(documented))
    for body, valid in BODIES[route]:
        assert document.is_valid(body) is valid, f"openapi.json: {json.dumps(body)[:120]}"
        assert gateway.is_valid(body) is valid, f"API Gateway model: {json.dumps(body)[:120]}"


# ---- the conversion to draft 4 refuses what it cannot carry over


def test_exclusive_bounds_and_const_become_their_draft4_forms() -> None:
    schema = {"type": "number", "exclusiveMinimum": 0, "const": 1, "title": "One"}
    assert draft4_schema(schema, {}, where="t") == {
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
        "enum": [1],
    }


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "array", "prefixItems": [{"type": "string"}]}, "prefixItems"),
        ({"$ref": "#/components/schemas/Missing"}, "not defined"),
        ({"$ref": "#/components/schemas/Loop"}, "refers to itself"),
        ({"$ref": "other.json#/Thing"}, "only #/components/schemas/"),
    ],
)
def test_a_schema_the_gateway_cannot_check_stops_the_synth(
    schema: dict[str, Any], message: str
) -> None:
    loop = {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Loop"}}}
    with pytest.raises(OpenApiError, match=message):
        draft4_schema(schema, {"Loop": loop}, where="POST /x")


def test_a_key_the_gateway_cannot_check_stops_the_synth() -> None:
    document = copy.deepcopy(_document())
    document["components"]["securitySchemes"]["apiKey"]["name"] = "authorization"
    with pytest.raises(OpenApiError, match="x-api-key"):
        from_document(document)
