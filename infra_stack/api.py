"""The HTTPS API: API Gateway (REST) in front of the api function.

Every route of the committed ``openapi.json`` (the handler's own document, read by
:mod:`infra_stack.openapi_routes`) is declared with its API-key requirement, its parameters
and its request model, so API Gateway checks a request the way the document describes it
before the function runs (the handler stays the authority and checks again). A catch-all
``{proxy+}`` sends anything else (``/docs``, ``/openapi.json``) to the function, which
answers 404 for what it does not know; it needs the API key. One usage plan throttles each
key. Errors API Gateway answers itself use the API's error body
``{"error": {"code", "message", "correlation_id"}}``, the id being API Gateway's request id
(the one the function falls back to when the caller sends no ``X-Correlation-ID``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from aws_cdk import RemovalPolicy, Size
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra_stack import constants as c
from infra_stack import openapi_routes
from infra_stack.cdk_json_schema import cdk_schema
from infra_stack.functions import FunctionFactory, FunctionSpec
from infra_stack.nag import acknowledge
from infra_stack.openapi_routes import ApiDefinition, ApiRoute
from infra_stack.settings import StackSettings

_CORRELATION_ID = '"$context.requestId"'


def _error_body(code: str, message: str) -> dict[str, str]:
    """A gateway response template; ``message`` is a JSON value or a $context variable."""
    error = f'"code": "{code}", "message": {message}, "correlation_id": {_CORRELATION_ID}'
    return {"application/json": f'{{"error": {{{error}}}}}'}


# (construct id, response type, status, code, message template)
_GATEWAY_RESPONSES: tuple[tuple[str, apigw.ResponseType, str, str, str], ...] = (
    (
        "BAD_REQUEST_BODY",
        apigw.ResponseType.BAD_REQUEST_BODY,
        "400",
        "invalid_input",
        '"$context.error.validationErrorString"',
    ),
    (
        "BAD_REQUEST_PARAMETERS",
        apigw.ResponseType.BAD_REQUEST_PARAMETERS,
        "400",
        "invalid_input",
        '"$context.error.validationErrorString"',
    ),
    (
        "INVALID_API_KEY",
        apigw.ResponseType.INVALID_API_KEY,
        "403",
        "forbidden",
        '"a valid x-api-key header is required"',
    ),
    (
        "ACCESS_DENIED",
        apigw.ResponseType.ACCESS_DENIED,
        "403",
        "forbidden",
        "$context.error.messageString",
    ),
    (
        "MISSING_AUTHENTICATION_TOKEN",
        apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
        "404",
        "not_found",
        '"no such route or method"',
    ),
    (
        "REQUEST_TOO_LARGE",
        apigw.ResponseType.REQUEST_TOO_LARGE,
        "413",
        "payload_too_large",
        "$context.error.messageString",
    ),
    ("THROTTLED", apigw.ResponseType.THROTTLED, "429", "throttled", "$context.error.messageString"),
    (
        "QUOTA_EXCEEDED",
        apigw.ResponseType.QUOTA_EXCEEDED,
        "429",
        "quota_exceeded",
        "$context.error.messageString",
    ),
    (
        "INTEGRATION_FAILURE",
        apigw.ResponseType.INTEGRATION_FAILURE,
        "502",
        "handler_failed",
        '"the api function failed"',
    ),
    (
        "INTEGRATION_TIMEOUT",
        apigw.ResponseType.INTEGRATION_TIMEOUT,
        "504",
        "handler_timeout",
        '"the api function did not answer in time"',
    ),
    (
        "DEFAULT_4_XX",
        apigw.ResponseType.DEFAULT_4_XX,
        "",
        "client_error",
        "$context.error.messageString",
    ),
    (
        "DEFAULT_5_XX",
        apigw.ResponseType.DEFAULT_5_XX,
        "",
        "gateway_error",
        "$context.error.messageString",
    ),
)

_ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "ip": "$context.identity.sourceIp",
    "apiKeyId": "$context.identity.apiKeyId",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "errorType": "$context.error.responseType",
    "errorMessage": "$context.error.message",
    "xrayTraceId": "$context.xrayTraceId",
}


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StackSettings,
        functions: FunctionFactory,
        environment: Mapping[str, str],
        retention: logs.RetentionDays,
        definition: ApiDefinition | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        stage = settings.stage
        self.definition = definition if definition is not None else openapi_routes.load()
        self.function = functions.create(
            self,
            "Function",
            FunctionSpec(
                name="api",
                description="The HTTP API: API Gateway proxy events in, JSON out",
                timeout_seconds=c.API_TIMEOUT_SECONDS,
                memory_mb=c.API_MEMORY_MB,
                environment=dict(environment),
            ),
        )
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=c.resource_name(stage, "api"),
            description=f"PocketQuant market data API ({stage})",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            api_key_source_type=apigw.ApiKeySourceType.HEADER,
            min_compression_size=Size.kibibytes(1),
            # API Gateway writes logs only once the account has a CloudWatch role; this
            # sets it (an account-wide setting, kept when the stack is deleted).
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=stage,
                tracing_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(_ACCESS_LOG_FIELDS)),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # request bodies stay out of the logs
                metrics_enabled=True,
            ),
        )
        # The execution log group API Gateway would create without a retention: made here
        # first, with one.
        self.execution_logs = logs.LogGroup(
            self,
            "ExecutionLogs",
            log_group_name=f"API-Gateway-Execution-Logs_{self.rest_api.rest_api_id}/{stage}",
            retention=retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.rest_api.deployment_stage.node.add_dependency(self.execution_logs)

        self._validator = apigw.RequestValidator(
            self,
            "Validator",
            rest_api=self.rest_api,
            validate_request_body=True,
            validate_request_parameters=True,
        )
        self._models = {
            name: self.rest_api.add_model(name, model_name=name, schema=cdk_schema(schema))
            for name, schema in self.definition.models.items()
        }
        self._integration = apigw.LambdaIntegration(
            self.function, proxy=True, scope_permission_to_method=False
        )
        self._add_routes()
        self._add_gateway_responses()

        self.api_key = self.rest_api.add_api_key(
            "ApiKey",
            api_key_name=c.resource_name(stage, "default-key"),
            description="The first client key; add more keys to the usage plan.",
        )
        self.usage_plan = self.rest_api.add_usage_plan(
            "UsagePlan",
            name=c.resource_name(stage, "usage-plan"),
            description=(
                f"{c.API_THROTTLE_RATE} requests/s per key, bursts of {c.API_THROTTLE_BURST}"
            ),
            throttle=apigw.ThrottleSettings(
                rate_limit=c.API_THROTTLE_RATE, burst_limit=c.API_THROTTLE_BURST
            ),
            api_stages=[apigw.UsagePlanPerApiStage(stage=self.rest_api.deployment_stage)],
        )
        self.usage_plan.add_api_key(self.api_key)
        self._acknowledge_findings()

    def _acknowledge_findings(self) -> None:
        for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
            acknowledge(
                self.rest_api,
                rule,
                "Clients are programs (notebooks, bots, dashboards) identified by API keys "
                "of a usage plan that throttles each key, as the service is designed; there "
                "are no end users for a Cognito or IAM authorizer. GET /health is open on "
                "purpose (load balancers and uptime checks) and returns no data; so is GET "
                "/chart, a page that holds no data and asks for the key for its own calls.",
            )
        acknowledge(
            self.rest_api,
            "AwsSolutions-APIG3",
            "No WAF web ACL by default (a fixed monthly cost for a small service): API keys and "
            "per-key throttling bound abuse. Associate a web ACL for a public production API.",
        )
        acknowledge(
            self.rest_api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "The account-level role API Gateway uses to write logs; AWS maintains this "
            "managed policy for exactly that purpose.",
        )

    def _method(self, resource: apigw.IResource, route: ApiRoute) -> None:
        model = self._models[route.model] if route.model is not None else None
        resource.add_method(
            route.method,
            self._integration,
            api_key_required=route.api_key_required,
            request_validator=self._validator,
            request_parameters=route.request_parameters or None,
            request_models={route.content_type: model} if model is not None else None,
        )

    def _add_routes(self) -> None:
        root = self.rest_api.root
        for route in self.definition.routes:
            self._method(root.resource_for_path(route.path), route)
        for resource in (root, root.add_resource("{proxy+}")):
            resource.add_method(
                "ANY",
                self._integration,
                api_key_required=True,
                request_validator=self._validator,
                request_parameters={"method.request.path.proxy": True}
                if resource is not root
                else None,
            )

    def _add_gateway_responses(self) -> None:
        for name, response_type, status, code, message in _GATEWAY_RESPONSES:
            self.rest_api.add_gateway_response(
                f"Response-{name}",
                type=response_type,
                status_code=status or None,
                templates=_error_body(code, message),
            )
