"""The stream on AWS in the synthesized template: the WebSocket API, its routes on the stream
function, the stage's limits and logs, who may post to connections, the alarms and the
output."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from config import metric_names, stream_names
from infra_stack import constants as c
from infra_stack import stream_metrics
from infra_stack.stream import ACCESS_LOG_FIELDS
from layers import build
from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.infra

#: API Gateway's fixed limits for WebSocket APIs, which the README tells clients about.
ACCOUNT_NEW_CONNECTIONS_PER_SECOND = 500


def _only(found: dict[str, dict[str, Any]], what: str) -> tuple[str, dict[str, Any]]:
    assert len(found) == 1, f"{len(found)} {what}"
    ((logical_id, resource),) = found.items()
    return logical_id, resource


def _api(full: Synthesized) -> tuple[str, dict[str, Any]]:
    return _only(full.resources("AWS::ApiGatewayV2::Api"), "WebSocket APIs")


def _stage(full: Synthesized) -> dict[str, Any]:
    properties: dict[str, Any] = _only(full.resources("AWS::ApiGatewayV2::Stage"), "stages")[1][
        "Properties"
    ]
    return properties


def _stream_function(full: Synthesized) -> tuple[str, dict[str, Any]]:
    return _only(
        {
            logical_id: f
            for logical_id, f in full.resources("AWS::Lambda::Function").items()
            if f["Properties"].get("Handler") == stream_names.HANDLER
        },
        "stream functions",
    )


def _function_by_handler(full: Synthesized, handler: str) -> dict[str, Any]:
    (function,) = (
        f
        for f in full.resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") == handler
    )
    properties: dict[str, Any] = function["Properties"]
    return properties


def _statements(full: Synthesized, role_fragment: str) -> list[dict[str, Any]]:
    """Every statement of the default policy of the role whose logical id has the fragment."""
    (policy,) = (
        p["Properties"]["PolicyDocument"]
        for logical_id, p in full.resources("AWS::IAM::Policy").items()
        if role_fragment in logical_id
    )
    statements: list[dict[str, Any]] = policy["Statement"]
    return statements


def _execute_api_arn(api_id: str, path: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":execute-api:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":",
                {"Ref": api_id},
                path,
            ],
        ]
    }


def _stage_url(scheme: str, api_id: str, stage: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                f"{scheme}://",
                {"Ref": api_id},
                ".execute-api.",
                {"Ref": "AWS::Region"},
                ".",
                {"Ref": "AWS::URLSuffix"},
                f"/{stage}",
            ],
        ]
    }


# ---- the API and its routes


def test_routes_are_selected_by_the_messages_action(full: Synthesized) -> None:
    api = _api(full)[1]["Properties"]
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"] == "$request.body.action"
    assert api["RouteSelectionExpression"] == stream_names.ROUTE_SELECTION_EXPRESSION
    assert api["Name"] == "pocketquant-qa-stream"


def test_every_route_of_the_protocol_goes_to_the_stream_function(full: Synthesized) -> None:
    api_id = _api(full)[0]
    function_id = _stream_function(full)[0]
    integrations = full.resources("AWS::ApiGatewayV2::Integration")
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in full.resources("AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == {
        "$connect",
        "$disconnect",
        "$default",
        "subscribe",
        "unsubscribe",
        "ping",
    }
    assert set(routes) == set(stream_names.ROUTE_KEYS)
    for key, route in routes.items():
        assert route["ApiId"] == {"Ref": api_id}, key
        integration_id = route["Target"]["Fn::Join"][1][1]["Ref"]
        integration = integrations[integration_id]["Properties"]
        assert integration["IntegrationType"] == "AWS_PROXY", key
        assert {"Fn::GetAtt": [function_id, "Arn"]} in integration["IntegrationUri"]["Fn::Join"][1]


def test_api_gateway_may_invoke_the_function_for_this_api_only(full: Synthesized) -> None:
    api_id = _api(full)[0]
    function_id = _stream_function(full)[0]
    permissions = [
        p["Properties"]
        for p in full.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
    ]
    granted = set()
    for permission in permissions:
        assert permission["Principal"] == "apigateway.amazonaws.com"
        assert permission["Action"] == "lambda:InvokeFunction"
        parts = permission["SourceArn"]["Fn::Join"][1]
        assert {"Ref": api_id} in parts
        granted.add(parts[-1].removeprefix("/*"))
    assert granted == set(stream_names.ROUTE_KEYS)


def test_client_actions_answer_on_the_connection_connect_and_disconnect_do_not(
    full: Synthesized,
) -> None:
    routes = full.resources("AWS::ApiGatewayV2::Route")
    answering = {
        routes[r["Properties"]["RouteId"]["Ref"]]["Properties"]["RouteKey"]
        for r in full.resources("AWS::ApiGatewayV2::RouteResponse").values()
    }
    assert answering == {"$default", "subscribe", "unsubscribe", "ping"}
    assert answering == set(stream_names.TWO_WAY_ROUTE_KEYS)
    for route in routes.values():
        props = route["Properties"]
        assert ("RouteResponseSelectionExpression" in props) == (props["RouteKey"] in answering)


# ---- the function


def test_the_stream_function_runs_like_the_others_and_reaches_the_cache(
    full: Synthesized,
) -> None:
    stream = _stream_function(full)[1]["Properties"]
    api = _function_by_handler(full, c.LAMBDA_HANDLERS["api"])
    for shared in ("Runtime", "Architectures", "Layers", "VpcConfig", "TracingConfig"):
        assert stream[shared] == api[shared], shared
    stream_env = stream["Environment"]["Variables"]
    api_env = api["Environment"]["Variables"]
    for name in (c.ENV_REDIS_URL, c.ENV_LOG_LEVEL, c.ENV_MONGODB_SECRET_ARN, c.ENV_MONGODB_DB):
        assert stream_env[name] == api_env[name], name
    # It neither raises domain events nor talks to TradingView.
    assert c.ENV_EVENT_BUS_NAME not in stream_env
    assert c.ENV_TRADINGVIEW_SECRET_ARN not in stream_env
    assert stream["Timeout"] <= 29  # API Gateway's integration limit
    assert stream["FunctionName"] == "pocketquant-qa-stream"


def test_connect_may_read_the_rest_api_keys_and_nothing_else_of_api_gateway(
    full: Synthesized,
) -> None:
    stream_env = _stream_function(full)[1]["Properties"]["Environment"]["Variables"]
    (plan_id,) = full.resources("AWS::ApiGateway::UsagePlan")
    assert stream_env[c.ENV_API_KEY_USAGE_PLAN_ID] == {"Ref": plan_id}
    apigateway = [
        s
        for s in _statements(full, "StreamFunctionRole")
        if "apigateway" in json.dumps(s["Action"])
    ]
    assert apigateway == [
        {
            "Action": "apigateway:GET",
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":apigateway:",
                        {"Ref": "AWS::Region"},
                        "::/usageplans/",
                        {"Ref": plan_id},
                        "/keys",
                    ],
                ]
            },
        }
    ]


def test_only_the_function_and_the_streamer_may_post_to_connections(full: Synthesized) -> None:
    api_id = _api(full)[0]
    connections = _execute_api_arn(api_id, "/qa/*/@connections/*")
    granted = {
        logical_id
        for logical_id, policy in full.resources("AWS::IAM::Policy").items()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "execute-api:ManageConnections" in json.dumps(statement["Action"])
    }
    assert len(granted) == 2
    assert any("StreamFunctionRole" in g for g in granted)
    assert any("StreamerTaskTaskRole" in g for g in granted)
    for role in ("StreamFunctionRole", "StreamerTaskTaskRole"):
        (statement,) = (
            s for s in _statements(full, role) if s["Action"] == "execute-api:ManageConnections"
        )
        assert statement == {
            "Action": "execute-api:ManageConnections",
            "Effect": "Allow",
            "Resource": connections,
        }


def test_the_streamer_and_the_function_post_to_this_stages_management_endpoint(
    full: Synthesized,
) -> None:
    api_id = _api(full)[0]
    endpoint = _stage_url("https", api_id, "qa")
    stream_env = _stream_function(full)[1]["Properties"]["Environment"]["Variables"]
    assert stream_env[c.ENV_STREAM_MANAGEMENT_URL] == endpoint
    task = full.one("AWS::ECS::TaskDefinition")["Properties"]
    (container,) = task["ContainerDefinitions"]
    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert env[c.ENV_STREAM_MANAGEMENT_URL] == endpoint
    assert c.ENV_STREAM_MANAGEMENT_URL == "PQ_STREAM_MANAGEMENT_URL"
    assert c.ENV_API_KEY_USAGE_PLAN_ID == "PQ_API_KEY_USAGE_PLAN_ID"


# ---- the stage


def test_the_stage_throttles_messages_and_new_connections_harder(full: Synthesized) -> None:
    stage = _stage(full)
    assert stage["StageName"] == "qa"
    assert stage["AutoDeploy"] is True
    defaults = stage["DefaultRouteSettings"]
    assert (defaults["ThrottlingRateLimit"], defaults["ThrottlingBurstLimit"]) == (
        c.STREAM_THROTTLE_RATE,
        c.STREAM_THROTTLE_BURST,
    )
    connect = stage["RouteSettings"]["$connect"]
    assert (connect["ThrottlingRateLimit"], connect["ThrottlingBurstLimit"]) == (
        c.STREAM_CONNECT_THROTTLE_RATE,
        c.STREAM_CONNECT_THROTTLE_BURST,
    )
    assert connect["ThrottlingRateLimit"] < defaults["ThrottlingRateLimit"]
    assert connect["ThrottlingBurstLimit"] < ACCOUNT_NEW_CONNECTIONS_PER_SECOND
    # Route settings replace the defaults: $connect keeps the logging and metrics.
    for setting in ("LoggingLevel", "DataTraceEnabled", "DetailedMetricsEnabled"):
        assert connect[setting] == defaults[setting], setting


def test_the_stage_logs_errors_and_every_connection_but_never_messages_or_keys(
    full: Synthesized,
) -> None:
    stage = _stage(full)
    defaults = stage["DefaultRouteSettings"]
    assert defaults["LoggingLevel"] == "ERROR"
    assert defaults["DataTraceEnabled"] is False  # message bodies stay out of the logs
    assert defaults["DetailedMetricsEnabled"] is True
    access = stage["AccessLogSettings"]
    groups = full.resources("AWS::Logs::LogGroup")
    (group_id, _attribute) = access["DestinationArn"]["Fn::GetAtt"]
    assert groups[group_id]["Properties"]["RetentionInDays"] == 30
    fields = json.loads(access["Format"])
    assert fields == ACCESS_LOG_FIELDS
    for variable in ("requestId", "connectionId", "eventType", "routeKey", "status"):
        assert f"$context.{variable}" in fields.values(), variable
    assert not re.search(r"apiKey|querystring|header|body", access["Format"], re.I)


def test_the_stage_waits_for_the_accounts_logging_role_and_its_log_group(
    full: Synthesized,
) -> None:
    """API Gateway refuses a stage with logging before the account has a CloudWatch role."""
    (stage_id,) = full.resources("AWS::ApiGatewayV2::Stage")
    (account_id,) = full.resources("AWS::ApiGateway::Account")
    depends_on = full.template["Resources"][stage_id]["DependsOn"]
    assert account_id in depends_on
    api_id = _api(full)[0]
    (execution_logs,) = (
        logical_id
        for logical_id, group in full.resources("AWS::Logs::LogGroup").items()
        if group["Properties"].get("LogGroupName")
        == {"Fn::Join": ["", ["/aws/apigateway/", {"Ref": api_id}, "/qa"]]}
    )
    assert execution_logs in depends_on
    connect_route = next(
        logical_id
        for logical_id, r in full.resources("AWS::ApiGatewayV2::Route").items()
        if r["Properties"]["RouteKey"] == "$connect"
    )
    assert connect_route in depends_on  # its route settings name it


def test_the_stream_url_output_is_the_stages_wss_url(full: Synthesized) -> None:
    api_id = _api(full)[0]
    output = full.template["Outputs"]["StreamUrl"]
    assert output["Value"] == _stage_url("wss", api_id, "qa")


def test_the_chart_page_connects_browsers_to_the_stages_wss_url(full: Synthesized) -> None:
    api = _function_by_handler(full, c.LAMBDA_HANDLERS["api"])
    assert api["Environment"]["Variables"][c.ENV_STREAM_URL] == _stage_url(
        "wss", _api(full)[0], "qa"
    )


# ---- alarms and dashboard


def _alarms(full: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["AlarmName"].removeprefix("PocketQuant-qa-"): a["Properties"]
        for a in full.resources("AWS::CloudWatch::Alarm").values()
    }


def _metric_stat(alarm: dict[str, Any], metric_id: str = "m1") -> dict[str, Any]:
    (query,) = (m for m in alarm["Metrics"] if m["Id"] == metric_id)
    stat: dict[str, Any] = query["MetricStat"]
    return stat


def test_alarms_on_the_stream_function_api_gateway_and_the_fan_out(full: Synthesized) -> None:
    alarms = _alarms(full)
    api_id = _api(full)[0]
    function_id = _stream_function(full)[0]
    for name in ("StreamErrors", "StreamThrottles"):
        assert alarms[name]["Dimensions"] == [
            {"Name": "FunctionName", "Value": {"Ref": function_id}}
        ]

    execution = _metric_stat(alarms["StreamExecutionErrors"])
    assert execution["Metric"] == {
        "Dimensions": [
            {"Name": "ApiId", "Value": {"Ref": api_id}},
            {"Name": "Stage", "Value": "qa"},
        ],
        "MetricName": "ExecutionError",
        "Namespace": "AWS/ApiGateway",
    }
    assert execution["Stat"] == "Sum"

    streamer_dimension = [
        {"Name": metric_names.STREAMER_DIMENSION, "Value": metric_names.STREAMER_SERVICE}
    ]
    fan_out = _metric_stat(alarms["StreamFanoutErrors"])
    assert fan_out["Metric"] == {
        "Dimensions": streamer_dimension,
        "MetricName": stream_names.STREAM_FANOUT_ERRORS,
        "Namespace": metric_names.NAMESPACE,
    }
    assert alarms["StreamFanoutErrors"]["Threshold"] == c.STREAM_FANOUT_ERRORS_ALARM

    stalled = alarms["StreamFanoutStalled"]
    connections = _metric_stat(stalled, "connections")["Metric"]
    sent = _metric_stat(stalled, "sent")["Metric"]
    assert (connections["MetricName"], sent["MetricName"]) == (
        stream_names.STREAM_CONNECTIONS,
        stream_names.STREAM_MESSAGES_SENT,
    )
    assert connections["Dimensions"] == sent["Dimensions"] == streamer_dimension
    (expression,) = (m["Expression"] for m in stalled["Metrics"] if "Expression" in m)
    assert "connections" in expression and "sent" in expression
    assert stalled["EvaluationPeriods"] * 300 == c.STREAM_STALLED_MINUTES * 60


def test_the_dashboard_draws_api_gateways_websocket_metrics(full: Synthesized) -> None:
    api_id = _api(full)[0]
    body = json.dumps(full.one("AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"])
    for metric in (
        stream_metrics.CONNECT_COUNT,
        stream_metrics.MESSAGE_COUNT,
        stream_metrics.INTEGRATION_ERROR,
        stream_metrics.CLIENT_ERROR,
        stream_metrics.EXECUTION_ERROR,
        stream_metrics.INTEGRATION_LATENCY,
    ):
        assert f'\\"AWS/ApiGateway\\",\\"{metric}\\",\\"ApiId\\",\\"' in body, metric
    assert json.dumps({"Ref": api_id}) in body


# ---- the names both sides share


def test_the_streams_metrics_are_new_valid_cloudwatch_names() -> None:
    names = [m.name for m in stream_names.METRICS]
    assert len(set(names)) == len(names) == 4
    assert set(names).isdisjoint(metric_names.BY_NAME)
    for metric in stream_names.METRICS:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,254}", metric.name)
        assert metric.emitter is metric_names.Emitter.STREAMER


def test_the_handler_is_where_the_function_code_asset_packs_it(tmp_path: Path) -> None:
    """The asset is built from ``functions/`` alone: the handler's module must lie there."""
    module, _, attribute = stream_names.HANDLER.rpartition(".")
    source = Path(*module.split(".")).with_suffix(".py")
    repo = tmp_path / "repo"
    (repo / source.parent).mkdir(parents=True)
    for package in (source.parent, *source.parent.parents[:-1]):
        (repo / package / "__init__.py").write_text("")
    (repo / source).write_text(f"def {attribute}(event, context):\n    return {{}}\n")
    out = tmp_path / "out"
    build.build_function_code(out, repo_root=repo)
    assert (out / source).is_file()


def test_the_readme_tells_clients_the_stages_limits() -> None:
    readme = (c.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    deploy = readme.split("## Deploy to AWS", 1)[1].split("\n## ", 1)[0]
    for figure in (
        f"{c.STREAM_THROTTLE_RATE} messages/s",
        f"bursts of {c.STREAM_THROTTLE_BURST}",
        f"{c.STREAM_CONNECT_THROTTLE_RATE} new connections/s",
        f"{ACCOUNT_NEW_CONNECTIONS_PER_SECOND} new connections/s",
        "2 hours",
        "10 minutes",
        "128 KB",
        "StreamUrl",
    ):
        assert figure in deploy, figure
