"""The security- and operations-relevant properties of the synthesized template."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk import assertions

from config import metric_names, stream_names
from config.schedules import SCHEDULES
from infra_stack import constants as c
from infra_stack.openapi_routes import load
from tests.infra.conftest import MONGODB_SECRET_ARN, TRADINGVIEW_SECRET_ARN, Synthesized

pytestmark = pytest.mark.infra

Match = assertions.Match
ROUTES = load().routes
#: Every function of the stack: the three of LAMBDA_HANDLERS and the stream's.
APP_HANDLERS = {*c.LAMBDA_HANDLERS.values(), stream_names.HANDLER}


def _logical_id(resources: Mapping[str, Any], fragment: str) -> str:
    found = [logical_id for logical_id in resources if fragment in logical_id]
    assert len(found) == 1, f"{fragment}: {found}"
    return found[0]


def _method_paths(full: Synthesized) -> dict[str, dict[str, Any]]:
    """Every API method by ``METHOD /path``, the path rebuilt from the resource tree."""
    resources = full.resources("AWS::ApiGateway::Resource")

    def path_of(ref: Any) -> str:
        if not isinstance(ref, dict) or "Ref" not in ref:
            return ""  # the root resource: Fn::GetAtt RestApi.RootResourceId
        props = resources[ref["Ref"]]["Properties"]
        return f"{path_of(props['ParentId'])}/{props['PathPart']}"

    return {
        f"{m['Properties']['HttpMethod']} {path_of(m['Properties']['ResourceId']) or '/'}": m
        for m in full.resources("AWS::ApiGateway::Method").values()
    }


# ---- API


def test_every_method_requires_an_api_key_except_get_health_and_the_chart_page(
    full: Synthesized,
) -> None:
    methods = _method_paths(full)
    open_methods = sorted(
        name for name, m in methods.items() if not m["Properties"].get("ApiKeyRequired")
    )
    assert open_methods == ["GET /chart", "GET /health"]
    for route in ROUTES:
        assert f"{route.method} /{route.path}" in methods
    assert "ANY /{proxy+}" in methods
    assert "ANY /" in methods


def test_request_bodies_are_validated(full: Synthesized) -> None:
    validator = full.one("AWS::ApiGateway::RequestValidator")["Properties"]
    assert validator["ValidateRequestBody"] is True
    assert validator["ValidateRequestParameters"] is True
    methods = _method_paths(full)
    for route in ROUTES:
        props = methods[f"{route.method} /{route.path}"]["Properties"]
        assert "RequestValidatorId" in props
        if route.model:
            assert "application/json" in props["RequestModels"]
    models = full.resources("AWS::ApiGateway::Model")
    sync_model = methods["POST /market-data/sync"]["Properties"]["RequestModels"]
    sync_schema = models[sync_model["application/json"]["Ref"]]["Properties"]["Schema"]
    assert sync_schema["required"] == ["symbol", "exchange"]
    assert "1d" in sync_schema["properties"]["interval"]["enum"]


def test_usage_plan_throttles_each_key(full: Synthesized) -> None:
    plan = full.one("AWS::ApiGateway::UsagePlan")["Properties"]
    assert plan["Throttle"] == {"RateLimit": 20, "BurstLimit": 200}
    assert len(plan["ApiStages"]) == 1
    full.assertions.resource_count_is("AWS::ApiGateway::UsagePlanKey", 1)
    outputs = full.template["Outputs"]
    assert {"ApiUrl", "ApiKeyId", "DashboardUrl"} <= set(outputs)


def test_stage_has_access_logs_tracing_and_execution_logs(full: Synthesized) -> None:
    stage = full.one("AWS::ApiGateway::Stage")["Properties"]
    assert stage["TracingEnabled"] is True
    access = stage["AccessLogSetting"]
    assert "DestinationArn" in access
    assert "$context.identity.apiKeyId" in access["Format"]
    assert stage["MethodSettings"][0]["LoggingLevel"] == "ERROR"
    assert stage["MethodSettings"][0]["DataTraceEnabled"] is False


def test_gateway_errors_use_the_api_error_body_with_a_correlation_id(full: Synthesized) -> None:
    responses = full.resources("AWS::ApiGateway::GatewayResponse").values()
    types = {response["Properties"]["ResponseType"] for response in responses}
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "INVALID_API_KEY", "THROTTLED"} <= types
    for response in responses:
        body = response["Properties"]["ResponseTemplates"]["application/json"]
        # API Gateway fills in the $context variables (message strings are already quoted).
        filled = body.replace("$context.error.messageString", '"m"').replace(
            "$context.requestId", "req-1"
        )
        error = json.loads(filled)["error"]
        assert set(error) == {"code", "message", "correlation_id"}
        assert error["correlation_id"] == "req-1", response["Properties"]["ResponseType"]


# ---- cache, network, secrets


def test_cache_is_serverless_with_tls_and_the_url_says_rediss(full: Synthesized) -> None:
    cache = full.one("AWS::ElastiCache::ServerlessCache")["Properties"]
    assert cache["Engine"] in ("valkey", "redis")  # serverless: TLS is always on
    cache_id = _logical_id(full.resources("AWS::ElastiCache::ServerlessCache"), "Cache")
    expected = {
        "Fn::Join": [
            "",
            [
                "rediss://",
                {"Fn::GetAtt": [cache_id, "Endpoint.Address"]},
                ":",
                {"Fn::GetAtt": [cache_id, "Endpoint.Port"]},
            ],
        ]
    }
    functions = _app_functions(full)
    assert set(functions) == APP_HANDLERS
    for function in functions.values():
        assert function["Properties"]["Environment"]["Variables"][c.ENV_REDIS_URL] == expected
    container = _container(full)
    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert env[c.ENV_REDIS_URL] == expected


def test_cache_accepts_only_the_functions_and_the_streamer(full: Synthesized) -> None:
    groups = full.resources("AWS::EC2::SecurityGroup")
    cache_sg = _logical_id(groups, "CacheSecurityGroup")
    functions_sg = _logical_id(groups, "FunctionsSecurityGroup")
    streamer_sg = _logical_id(groups, "StreamerSecurityGroup")
    assert "SecurityGroupIngress" not in groups[cache_sg]["Properties"]
    sources = set()
    for rule in full.resources("AWS::EC2::SecurityGroupIngress").values():
        props = rule["Properties"]
        if props["GroupId"] == {"Fn::GetAtt": [cache_sg, "GroupId"]}:
            assert "CidrIp" not in props and "CidrIpv6" not in props
            assert (props["FromPort"], props["ToPort"]) == (c.CACHE_PORT, c.CACHE_PORT)
            sources.add(props["SourceSecurityGroupId"]["Fn::GetAtt"][0])
    assert sources == {functions_sg, streamer_sg}
    # Nothing may call the compute: no ingress at all on their groups.
    for group in (functions_sg, streamer_sg):
        assert "SecurityGroupIngress" not in groups[group]["Properties"]


def test_private_subnets_reach_the_internet_through_nat(full: Synthesized) -> None:
    full.assertions.resource_count_is("AWS::EC2::NatGateway", 1)
    routes = [r["Properties"] for r in full.resources("AWS::EC2::Route").values()]
    assert sum("NatGatewayId" in r for r in routes) == 2
    flow_log = full.one("AWS::EC2::FlowLog")["Properties"]
    assert flow_log["TrafficType"] == "REJECT"


_SECRET_VALUE = re.compile(r"mongodb(\+srv)?://|password|passwd|secret=|token=", re.I)


def _plain_values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _plain_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in _plain_values(v)]
    return []


def test_no_plaintext_secrets_in_any_environment(full: Synthesized) -> None:
    environments: list[dict[str, Any]] = [
        f["Properties"]["Environment"]["Variables"]
        for f in full.resources("AWS::Lambda::Function").values()
        if "Environment" in f["Properties"]
    ]
    environments.append({e["Name"]: e["Value"] for e in _container(full)["Environment"]})
    for env in environments:
        for name, value in env.items():
            assert not re.search(r"PASSWORD|TOKEN|MONGODB_URI|USERNAME", name), name
            for text in _plain_values(value):
                assert not _SECRET_VALUE.search(text), f"{name}={text}"
    for function in _app_functions(full).values():
        env = function["Properties"]["Environment"]["Variables"]
        assert env[c.ENV_MONGODB_SECRET_ARN] == MONGODB_SECRET_ARN
    secrets = {s["Name"]: s["ValueFrom"] for s in _container(full)["Secrets"]}
    assert secrets == {
        "PQ_MONGODB_URI": MONGODB_SECRET_ARN,
        "PQ_TRADINGVIEW_USERNAME": f"{TRADINGVIEW_SECRET_ARN}:username::",
        "PQ_TRADINGVIEW_PASSWORD": f"{TRADINGVIEW_SECRET_ARN}:password::",
    }
    # The webhook token reaches EventBridge as a dynamic reference, not a value.
    connection = full.one("AWS::Events::Connection")["Properties"]
    api_key = connection["AuthParameters"]["ApiKeyAuthParameters"]
    assert "{{resolve:secretsmanager:" in json.dumps(api_key["ApiKeyValue"])


def test_functions_may_read_exactly_the_secrets_they_need(full: Synthesized) -> None:
    policies = {
        logical_id: json.dumps(p["Properties"]["PolicyDocument"])
        for logical_id, p in full.resources("AWS::IAM::Policy").items()
    }
    api = policies[_logical_id(policies, "ApiFunctionRoleDefaultPolicy")]
    scheduler = policies[_logical_id(policies, "SchedulerRoleDefaultPolicy")]
    assert MONGODB_SECRET_ARN in api and TRADINGVIEW_SECRET_ARN in api
    assert MONGODB_SECRET_ARN in scheduler and TRADINGVIEW_SECRET_ARN not in scheduler
    assert '"secretsmanager:GetSecretValue"' in api


# ---- functions


def _app_functions(full: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        f["Properties"]["Handler"]: f
        for f in full.resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler", "").startswith("functions.")
    }


def test_functions_share_one_runtime_architecture_and_layer(full: Synthesized) -> None:
    functions = _app_functions(full)
    assert set(functions) == APP_HANDLERS
    layer_id = _logical_id(full.resources("AWS::Lambda::LayerVersion"), "SharedLayer")
    layer = full.one("AWS::Lambda::LayerVersion")["Properties"]
    assert layer["CompatibleRuntimes"] == ["python3.11"]
    assert layer["CompatibleArchitectures"] == ["x86_64"]
    for function in functions.values():
        props = function["Properties"]
        assert props["Runtime"] == "python3.11"
        assert props["Architectures"] == ["x86_64"]
        assert props["Layers"] == [{"Ref": layer_id}]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert "VpcConfig" in props
        assert props["LoggingConfig"]["LogGroup"]["Ref"] in full.resources("AWS::Logs::LogGroup")


def test_function_roles_have_no_managed_policies(full: Synthesized) -> None:
    roles = full.resources("AWS::IAM::Role")
    for function in _app_functions(full).values():
        role = roles[function["Properties"]["Role"]["Fn::GetAtt"][0]]["Properties"]
        assert "ManagedPolicyArns" not in role


def test_sync_worker_reserved_concurrency_and_partial_batch_failures(full: Synthesized) -> None:
    worker = _app_functions(full)[c.LAMBDA_HANDLERS["sync-worker"]]["Properties"]
    assert worker["ReservedConcurrentExecutions"] == 3
    mapping = full.one("AWS::Lambda::EventSourceMapping")["Properties"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 3}
    assert mapping["BatchSize"] == c.SYNC_BATCH_SIZE


def test_sync_queue_redrives_to_an_alarmed_dead_letter_queue(full: Synthesized) -> None:
    queues = full.resources("AWS::SQS::Queue")
    queue_id = _logical_id(queues, "SyncQueue")
    dlq_id = _logical_id(queues, "SyncDeadLetterQueue")
    queue = queues[queue_id]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": c.SYNC_MAX_RECEIVES,
    }
    assert queue["VisibilityTimeout"] >= 6 * c.WORKER_TIMEOUT_SECONDS
    for props in (q["Properties"] for q in queues.values()):
        assert props["SqsManagedSseEnabled"] is True
    alarmed = {
        dim["Value"]["Fn::GetAtt"][0]
        for alarm in full.resources("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
        for dim in alarm["Properties"]["Dimensions"]
    }
    dead_letter_ids = {lid for lid in queues if "DeadLetterQueue" in lid}
    assert dlq_id in alarmed
    assert alarmed == dead_letter_ids


def test_schedules_come_from_config_with_their_time_zones(full: Synthesized) -> None:
    schedules = {
        s["Properties"]["Name"]: s["Properties"]
        for s in full.resources("AWS::Scheduler::Schedule").values()
    }
    assert set(schedules) == {d.name for d in SCHEDULES}
    for definition in SCHEDULES:
        props = schedules[definition.name]
        assert props["ScheduleExpression"] == definition.expression
        assert props["ScheduleExpressionTimezone"] == definition.timezone
        assert props["State"] == "ENABLED"
        target = props["Target"]
        assert json.loads(target["Input"]) == definition.target_input(
            ("NASDAQ:AAPL", "BINANCE:BTCUSDT"), c.DEFAULT_INTERVALS
        )
        assert "DeadLetterConfig" in target
    market_hours = schedules["sync-daily-market-hours"]
    assert market_hours["ScheduleExpressionTimezone"] == "America/New_York"
    assert json.loads(market_hours["Target"]["Input"])["intervals"] == ["1d"]


# ---- logs, streamer, events, observability


def test_every_log_group_has_a_retention(full: Synthesized) -> None:
    groups = full.resources("AWS::Logs::LogGroup")
    # api, sync-worker, scheduler, stream, REST access + execution logs, WebSocket access +
    # execution logs, streamer, VPC flow logs
    assert len(groups) == 10
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == 30
    log_config = _container(full)["LogConfiguration"]
    assert log_config["LogDriver"] == "awslogs"
    assert log_config["Options"]["awslogs-group"]["Ref"] in groups


def test_streamer_never_runs_twice_and_rolls_back(full: Synthesized) -> None:
    service = full.one("AWS::ECS::Service")["Properties"]
    assert service["DesiredCount"] == 1
    assert service["DeploymentConfiguration"] == {
        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
        "MaximumPercent": 100,
        "MinimumHealthyPercent": 0,
    }
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    container = _container(full)
    assert container["Command"] == ["pocketquant", "streamer"]
    assert "8080/health" in container["HealthCheck"]["Command"][1]
    task = full.one("AWS::ECS::TaskDefinition")["Properties"]
    assert task["RuntimePlatform"]["CpuArchitecture"] == "X86_64"


def _container(full: Synthesized) -> dict[str, Any]:
    task = full.one("AWS::ECS::TaskDefinition")["Properties"]
    (container,) = task["ContainerDefinitions"]
    result: dict[str, Any] = container
    return result


def test_webhooks_are_api_destinations_on_the_bus(full: Synthesized) -> None:
    destination = full.one("AWS::Events::ApiDestination")["Properties"]
    assert destination["InvocationEndpoint"] == "https://hooks.example.com/pq"
    assert destination["HttpMethod"] == "POST"
    rule = full.one("AWS::Events::Rule")["Properties"]
    assert rule["EventPattern"] == {"detail-type": ["SyncFailed"]}
    (target,) = rule["Targets"]
    assert "DeadLetterConfig" in target and "RetryPolicy" in target


def test_alarms_notify_the_topic_and_the_dashboard_shows_the_emf_metrics(
    full: Synthesized,
) -> None:
    topic_id = _logical_id(full.resources("AWS::SNS::Topic"), "AlarmTopic")
    for alarm in full.resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    subscription = full.one("AWS::SNS::Subscription")["Properties"]
    assert subscription == {
        "Endpoint": "ops@example.com",
        "Protocol": "email",
        "TopicArn": {"Ref": topic_id},
    }
    body = json.dumps(full.one("AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"])
    for metric in (
        metric_names.BARS_SYNCED,
        metric_names.SYNC_FAILURES,
        metric_names.STREAMER_TICKS,
        metric_names.STREAMER_RECONNECTS,
        metric_names.STREAMER_LAG,
        "ApproximateAgeOfOldestMessage",
        "Throttles",
        "5XXError",
        "4XXError",
        "Latency",
    ):
        assert metric in body, metric


# ---- synth with no settings at all


def test_defaults_synth_with_the_secret_named_after_the_stage(defaults: Synthesized) -> None:
    assert defaults.stack.stack_name == "PocketQuant-dev"
    api = _app_functions(defaults)[c.LAMBDA_HANDLERS["api"]]["Properties"]
    env = api["Environment"]["Variables"]
    assert "PQ_TRADINGVIEW_SECRET_ARN" not in env
    arn = json.dumps(env[c.ENV_MONGODB_SECRET_ARN])
    assert ":secret:pocketquant/dev/mongodb-uri" in arn
    defaults.assertions.resource_count_is("AWS::SNS::Subscription", 0)
    defaults.assertions.resource_count_is("AWS::Events::ApiDestination", 0)
    schedule = next(iter(defaults.resources("AWS::Scheduler::Schedule").values()))
    assert json.loads(schedule["Properties"]["Target"]["Input"])["symbols"] == list(
        c.DEFAULT_SYMBOLS
    )


def test_guardrail_context_reaches_every_function_and_the_streamer(
    full: Synthesized, defaults: Synthesized
) -> None:
    variable = "PQ_TRADINGVIEW_REQUESTS_PER_MINUTE"
    for handler, function in _app_functions(full).items():
        assert function["Properties"]["Environment"]["Variables"][variable] == "30.0", handler
    streamer_env = {item["Name"]: item["Value"] for item in _container(full)["Environment"]}
    assert streamer_env[variable] == "30.0"
    for function in _app_functions(defaults).values():
        assert variable not in function["Properties"]["Environment"]["Variables"]
