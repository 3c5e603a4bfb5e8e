"""The API's routes as API Gateway needs them, read from the committed ``openapi.json``.

The document is generated from the handler's own route and model definitions
(``make openapi``; a test fails when the committed copy is stale), so every fact API
Gateway needs is taken from it rather than written again: the paths and methods, which
need the API key (the operation's ``security``), the path, query and header parameters
(required or not), and the request bodies' JSON schemas, turned into the JSON Schema
draft 4 that API Gateway models speak.

Pure data in and out (no CDK here): :mod:`infra_stack.api` builds the resources from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra_stack import constants as c

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
API_GATEWAY_KEY_HEADER = "x-api-key"
"""The only header an API Gateway REST API reads keys from (key source HEADER)."""
DRAFT4 = "http://json-schema.org/draft-04/schema#"

_LOCATIONS = {"path": "path", "query": "querystring", "header": "header"}
_COMPONENT_REF = "#/components/schemas/"

# JSON Schema keywords API Gateway validates with (draft 4), kept as they are.
_KEPT = frozenset(
    {
        "type",
        "enum",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "uniqueItems",
        "required",
        "minProperties",
        "maxProperties",
    }
)
# Keywords whose value is a schema or a list or map of schemas, converted in turn.
SCHEMA_VALUED = frozenset({"items", "not", "additionalProperties"})
SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf"})
SCHEMA_MAPS = frozenset({"properties", "patternProperties"})
# Annotations, and formats (draft 4 knows few of them, and the handler checks dates and
# times itself): dropped. Anything else stops the synth, so no rule is lost unseen.
_DROPPED = frozenset(
    {"title", "description", "examples", "example", "default", "deprecated", "format"}
    | {"readOnly", "writeOnly", "discriminator", "contentMediaType", "contentEncoding"}
)


class OpenApiError(ValueError):
    """The document says something API Gateway cannot be made to check; names where."""


@dataclass(frozen=True, slots=True)
class Parameter:
    location: str  # API Gateway's word: path, querystring or header
    name: str
    required: bool

    @property
    def request_parameter(self) -> str:
        return f"method.request.{self.location}.{self.name}"


@dataclass(frozen=True, slots=True)
class ApiRoute:
    method: str  # upper case
    path: str  # without the leading slash; "" is the root
    api_key_required: bool
    parameters: tuple[Parameter, ...] = ()
    model: str | None = None
    """Name of the request body's model (see :attr:`ApiDefinition.models`)."""
    content_type: str = "application/json"

    @property
    def request_parameters(self) -> dict[str, bool]:
        return {p.request_parameter: p.required for p in self.parameters}


@dataclass(frozen=True, slots=True)
class ApiDefinition:
    routes: tuple[ApiRoute, ...]
    models: Mapping[str, Mapping[str, Any]]
    """Draft-4 JSON schemas of the request bodies, by model name."""


def load(path: Path = c.OPENAPI_DOCUMENT) -> ApiDefinition:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise OpenApiError(f"{path}: {exc} (make openapi writes it)") from exc
    return from_document(document)


def from_document(document: Mapping[str, Any]) -> ApiDefinition:
    components: Mapping[str, Any] = document.get("components", {})
    schemes: Mapping[str, Any] = components.get("securitySchemes", {})
    schemas: Mapping[str, Any] = components.get("schemas", {})
    routes: list[ApiRoute] = []
    models: dict[str, Mapping[str, Any]] = {}
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            where = f"{method.upper()} {path}"
            model, content_type = _body_model(operation, schemas, models, where)
            routes.append(
                ApiRoute(
                    method=method.upper(),
                    path=path.strip("/"),
                    api_key_required=_needs_api_key(
                        operation.get("security", document.get("security", [])), schemes, where
                    ),
                    parameters=_parameters([*shared, *operation.get("parameters", [])], where),
                    model=model,
                    content_type=content_type,
                )
            )
    return ApiDefinition(routes=tuple(routes), models=models)


def _needs_api_key(
    requirements: list[Mapping[str, Any]], schemes: Mapping[str, Any], where: str
) -> bool:
    """True when every way the operation may be called names an API key scheme."""
    if not requirements or any(not requirement for requirement in requirements):
        return False
    for requirement in requirements:
        for name in requirement:
            scheme = schemes.get(name)
            if scheme is None:
                raise OpenApiError(f"{where}: security scheme {name!r} is not defined")
            if (
                scheme.get("type") != "apiKey"
                or scheme.get("in") != "header"
                or str(scheme.get("name", "")).lower() != API_GATEWAY_KEY_HEADER
            ):
                raise OpenApiError(
                    f"{where}: security scheme {name!r} is not the {API_GATEWAY_KEY_HEADER} "
                    "header, the one key API Gateway checks"
                )
    return True


def _parameters(declared: list[Mapping[str, Any]], where: str) -> tuple[Parameter, ...]:
    parameters: dict[tuple[str, str], Parameter] = {}
    for parameter in declared:
        location = _LOCATIONS.get(parameter["in"])
        if location is None:
            raise OpenApiError(f"{where}: {parameter['in']} parameters are not supported")
        name = str(parameter["name"])
        # Later declarations (the operation's) override earlier ones (the path item's).
        parameters[(location, name.lower())] = Parameter(
            location, name, bool(parameter.get("required", location == "path"))
        )
    return tuple(parameters.values())


def _body_model(
    operation: Mapping[str, Any],
    schemas: Mapping[str, Any],
    models: dict[str, Mapping[str, Any]],
    where: str,
) -> tuple[str | None, str]:
    body = operation.get("requestBody")
    if body is None:
        return None, "application/json"
    content: Mapping[str, Any] = body.get("content", {})
    if len(content) != 1:
        raise OpenApiError(f"{where}: expected one request content type, got {list(content)}")
    ((content_type, media),) = content.items()
    schema: Mapping[str, Any] = media.get("schema", {})
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(_COMPONENT_REF) and len(schema) == 1:
        name = ref.removeprefix(_COMPONENT_REF)
    else:
        name = f"{operation.get('operationId', where)}Body"
    name = re.sub(r"[^A-Za-z0-9]", "", name)
    models[name] = {"$schema": DRAFT4, **draft4_schema(schema, schemas, where=where)}
    return name, content_type


def draft4_schema(
    schema: Mapping[str, Any],
    schemas: Mapping[str, Any],
    *,
    where: str,
    seen: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``schema`` (JSON Schema 2020-12, as pydantic writes it) as draft 4, references to
    ``#/components/schemas/`` inlined."""
    converted: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword == "$ref":
            converted.update(_inlined(value, schemas, where=where, seen=seen))
        elif keyword in _KEPT:
            converted[keyword] = value
        elif keyword == "const":
            converted["enum"] = [value]
        elif keyword in ("exclusiveMinimum", "exclusiveMaximum"):
            bound = "minimum" if keyword == "exclusiveMinimum" else "maximum"
            if isinstance(value, bool):  # already the draft-4 form
                converted[keyword] = value
            else:
                converted[bound], converted[keyword] = value, True
        elif keyword in SCHEMA_VALUED:
            converted[keyword] = (
                value
                if isinstance(value, bool)
                else draft4_schema(value, schemas, where=where, seen=seen)
            )
        elif keyword in SCHEMA_LISTS:
            converted[keyword] = [
                draft4_schema(member, schemas, where=where, seen=seen) for member in value
            ]
        elif keyword in SCHEMA_MAPS:
            converted[keyword] = {
                name: draft4_schema(member, schemas, where=where, seen=seen)
                for name, member in value.items()
            }
        elif keyword not in _DROPPED:
            raise OpenApiError(f"{where}: JSON Schema keyword {keyword!r} has no draft-4 form here")
    return converted


def _inlined(
    ref: str, schemas: Mapping[str, Any], *, where: str, seen: tuple[str, ...]
) -> dict[str, Any]:
    if not ref.startswith(_COMPONENT_REF):
        raise OpenApiError(f"{where}: only {_COMPONENT_REF} references are supported: {ref}")
    name = ref.removeprefix(_COMPONENT_REF)
    if name in seen:
        raise OpenApiError(f"{where}: schema {name} refers to itself")
    if name not in schemas:
        raise OpenApiError(f"{where}: {ref} is not defined")
    return draft4_schema(schemas[name], schemas, where=where, seen=(*seen, name))
