"""The stream on AWS: an API Gateway WebSocket API in front of the stream function.

Route selection reads ``action`` from each client message; every route of
``config/stream_names.py`` goes to the one stream function, which shares the layer, VPC and
security group of the other functions, so it reaches the cache where connections, channel
membership and replay buffers live. ``$connect`` checks the API key against the keys of
the REST API's usage plan (the keys REST clients use): the function may read that plan's
keys and nothing else of API Gateway. Replies, replays and the streamer's fan-out are
posts to the stage's management API (``@connections``), which :meth:`StreamApi.grant_post`
allows.

The stage throttles client messages and, harder, new connections; it writes one JSON access
log line per connect, message and disconnect (never the query string, which may hold the
key) and execution errors at ERROR level. API Gateway traces no WebSocket stage with X-Ray;
the function traces itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import cast

import jsii
from aws_cdk import ArnFormat, CfnElement, CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_integrations import WebSocketLambdaIntegration
from constructs import Construct, IConstruct

from config import stream_names
from infra_stack import constants as c
from infra_stack.functions import FunctionFactory, FunctionSpec
from infra_stack.nag import acknowledge
from infra_stack.settings import StackSettings

#: One line per connect, message and disconnect. No query string, no headers: a browser's
#: key travels in ``?key=``.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "eventType": "$context.eventType",
    "routeKey": "$context.routeKey",
    "connectionId": "$context.connectionId",
    "status": "$context.status",
    "integrationStatus": "$context.integrationStatus",
    "integrationLatency": "$context.integrationLatency",
    "errorType": "$context.error.responseType",
    "errorMessage": "$context.error.message",
}

#: Execution logs: errors only, and never the messages themselves.
_EXECUTION_LOGGING = {"LoggingLevel": "ERROR", "DataTraceEnabled": False}


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup, fields: Mapping[str, str]) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)
        self._format = apigw.AccessLogFormat.custom(json.dumps(dict(fields)))

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return self._format


class StreamApi(Construct):
    """The WebSocket API, its stage, routes and the stream function.

    ``account_logging`` is the API Gateway account setting naming the CloudWatch role (the
    REST API makes it): API Gateway refuses a stage with logging before the account has one.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StackSettings,
        functions: FunctionFactory,
        environment: Mapping[str, str],
        usage_plan: apigw.IUsagePlan,
        account_logging: IConstruct,
        retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        stage = settings.stage
        self.web_socket_api = apigwv2.WebSocketApi(
            self,
            "WebSocketApi",
            api_name=c.resource_name(stage, "stream"),
            description=f"PocketQuant live stream ({stage})",
            route_selection_expression=stream_names.ROUTE_SELECTION_EXPRESSION,
        )
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.web_socket_api,
            stage_name=stage,
            description=f"PocketQuant live stream ({stage})",
            auto_deploy=True,
            detailed_metrics_enabled=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=c.STREAM_THROTTLE_RATE, burst_limit=c.STREAM_THROTTLE_BURST
            ),
            access_log_settings=_AccessLogSettings(self.access_logs, ACCESS_LOG_FIELDS),
        )
        # Like the REST API's: the log group API Gateway would create without a retention,
        # made here first, with one.
        self.execution_logs = logs.LogGroup(
            self,
            "ExecutionLogs",
            log_group_name=f"/aws/apigateway/{self.web_socket_api.api_id}/{stage}",
            retention=retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.stage.node.add_dependency(self.execution_logs, account_logging)

        self.function = functions.create(
            self,
            "Function",
            FunctionSpec(
                name="stream",
                handler=stream_names.HANDLER,
                description="The stream's WebSocket routes: connect, disconnect, client actions",
                timeout_seconds=c.STREAM_TIMEOUT_SECONDS,
                memory_mb=c.STREAM_MEMORY_MB,
                environment={
                    **environment,
                    c.ENV_API_KEY_USAGE_PLAN_ID: usage_plan.usage_plan_id,
                    c.ENV_STREAM_MANAGEMENT_URL: self.management_url,
                },
            ),
        )
        self._allow_reading_api_keys(usage_plan)
        self.grant_post(self.function)
        self._add_routes()
        self._stage_settings()
        self._acknowledge_findings()

    @property
    def url(self) -> str:
        """``wss://<id>.execute-api.<region>.amazonaws.com/<stage>``: where clients connect."""
        return self.stage.url

    @property
    def management_url(self) -> str:
        """``https://…/<stage>``: the management API's endpoint (``PostToConnection``)."""
        return self.stage.callback_url

    def grant_post(self, grantee: iam.IGrantable) -> iam.Grant:
        """``execute-api:ManageConnections`` on this stage's ``@connections``: post to,
        look up and close any connection of the stage."""
        grant = self.stage.grant_management_api_access(grantee)
        principal = grantee.grant_principal
        if isinstance(principal, Construct):
            acknowledge(
                principal,
                self._connections_finding(),
                "Connection ids exist only at run time: the grant covers the connections of "
                "this one stage, with the management API's three calls (POST to send, GET to "
                "look up, DELETE to close a slow consumer).",
            )
        return grant

    def _connections_finding(self) -> str:
        api = cast(CfnElement, self.web_socket_api.node.default_child)
        api_id = Stack.of(self).get_logical_id(api)
        arn = (
            "arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:"
            f"<{api_id}>/{self.stage.stage_name}/*/@connections/*"
        )
        return f"AwsSolutions-IAM5[Resource::{arn}]"

    def _allow_reading_api_keys(self, usage_plan: apigw.IUsagePlan) -> None:
        # GetUsagePlanKeys (GET /usageplans/{id}/keys) lists the plan's keys with their
        # values, so $connect accepts exactly the keys the REST API accepts.
        keys = Stack.of(self).format_arn(
            service="apigateway",
            account="",
            resource=f"/usageplans/{usage_plan.usage_plan_id}/keys",
            arn_format=ArnFormat.NO_RESOURCE_NAME,
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["apigateway:GET"], resources=[keys])
        )

    def _add_routes(self) -> None:
        integration = WebSocketLambdaIntegration("Handler", self.function)
        self.routes = {
            key: self.web_socket_api.add_route(
                key,
                integration=integration,
                return_response=key in stream_names.TWO_WAY_ROUTE_KEYS,
            )
            for key in stream_names.ROUTE_KEYS
        }

    def _stage_settings(self) -> None:
        cfn_stage = cast(CfnResource, self.stage.node.default_child)
        for name, value in _EXECUTION_LOGGING.items():
            cfn_stage.add_property_override(f"DefaultRouteSettings.{name}", value)
        # A route's settings replace the defaults as a whole: all of them, throttling lower.
        cfn_stage.add_property_override(
            "RouteSettings",
            {
                stream_names.CONNECT: {
                    **_EXECUTION_LOGGING,
                    "DetailedMetricsEnabled": True,
                    "ThrottlingRateLimit": c.STREAM_CONNECT_THROTTLE_RATE,
                    "ThrottlingBurstLimit": c.STREAM_CONNECT_THROTTLE_BURST,
                }
            },
        )
        # API Gateway rejects settings for a route it does not know yet.
        self.stage.node.add_dependency(self.routes[stream_names.CONNECT])

    def _acknowledge_findings(self) -> None:
        acknowledge(
            self.web_socket_api,
            "AwsSolutions-APIG4",
            "A WebSocket API authorizes at $connect only, and there the stream function checks "
            "the API key itself (the x-api-key header, or ?key= for browsers, which API "
            "Gateway's own key check does not read), refusing with 403 before the socket "
            "opens; every later route runs on a connection that passed it.",
        )
