"""A draft-4 JSON schema, as :mod:`infra_stack.openapi_routes` makes it, as CDK's
``apigateway.JsonSchema`` (the type ``RestApi.add_model`` takes)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aws_cdk import aws_apigateway as apigw

from infra_stack.openapi_routes import DRAFT4, SCHEMA_LISTS, SCHEMA_MAPS, SCHEMA_VALUED

# JSON Schema keywords whose CDK property is not simply the keyword in snake case.
_CDK_PROPERTY = {"$schema": "schema", "not": "not_"}


def _cdk_type(value: str | list[str]) -> apigw.JsonSchemaType | list[apigw.JsonSchemaType]:
    if isinstance(value, list):
        return [apigw.JsonSchemaType[member.upper()] for member in value]
    return apigw.JsonSchemaType[value.upper()]


def cdk_schema(schema: Mapping[str, Any]) -> apigw.JsonSchema:
    """A draft-4 JSON schema (a plain mapping) as CDK's ``JsonSchema``."""
    properties: dict[str, Any] = {}
    for keyword, value in schema.items():
        name = _CDK_PROPERTY.get(keyword) or re.sub(r"(?<!^)([A-Z])", r"_\1", keyword).lower()
        if keyword == "$schema":
            if value != DRAFT4:
                raise ValueError(f"API Gateway models are JSON Schema draft 4, not {value}")
            properties[name] = apigw.JsonSchemaVersion.DRAFT4
        elif keyword == "type":
            properties[name] = _cdk_type(value)
        elif keyword in SCHEMA_VALUED and not isinstance(value, bool):
            properties[name] = cdk_schema(value)
        elif keyword in SCHEMA_LISTS:
            properties[name] = [cdk_schema(member) for member in value]
        elif keyword in SCHEMA_MAPS:
            properties[name] = {key: cdk_schema(member) for key, member in value.items()}
        else:
            properties[name] = value
    return apigw.JsonSchema(**properties)
