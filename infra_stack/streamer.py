"""The streamer: one Fargate task keeping the TradingView websocket open.

Exactly one runs: a deployment stops the old task before starting the new one
(minimum 0 %, maximum 100 % healthy), because two streamers would double-count volume and
fight over the current bars. The circuit breaker rolls a failing deployment back. The
image is built from the repository root with ``streamer/Dockerfile`` (only staged at
synth; Docker is needed at deploy time). Secrets arrive as ECS secrets, never as plain
environment values.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra_stack import constants as c
from infra_stack.nag import acknowledge
from infra_stack.settings import StackSettings

_HEALTH_PROBE = (
    'python -c "import urllib.request; urllib.request.urlopen('
    f"'http://127.0.0.1:{c.STREAMER_HEALTH_PORT}{c.STREAMER_HEALTH_PATH}', timeout=4)\""
)


class StreamerService(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StackSettings,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        security_group: ec2.ISecurityGroup,
        environment: Mapping[str, str],
        mongodb_secret: secretsmanager.ISecret,
        tradingview_secret: secretsmanager.ISecret | None,
        retention: logs.RetentionDays,
        build_context: Path = c.REPO_ROOT,
        dockerfile: str = c.STREAMER_DOCKERFILE,
    ) -> None:
        super().__init__(scope, construct_id)
        stage = settings.stage
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            cluster_name=c.resource_name(stage, "cluster"),
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
        )
        self.log_group = logs.LogGroup(
            self, "Logs", retention=retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "Task",
            family=c.resource_name(stage, "streamer"),
            cpu=c.STREAMER_CPU,
            memory_limit_mib=c.STREAMER_MEMORY_MB,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        secrets = {c.ENV_MONGODB_URI: ecs.Secret.from_secrets_manager(mongodb_secret)}
        if tradingview_secret is not None:
            for field in settings.tradingview_secret_fields:
                secrets[c.setting_env(f"tradingview_{field}")] = ecs.Secret.from_secrets_manager(
                    tradingview_secret, field
                )
        self.container = self.task_definition.add_container(
            "streamer",
            image=ecs.ContainerImage.from_asset(
                str(build_context),
                file=dockerfile,
                platform=ecr_assets.Platform.LINUX_AMD64,
                exclude=list(c.STREAMER_CONTEXT_EXCLUDES),
            ),
            command=list(c.STREAMER_COMMAND),
            environment=dict(environment),
            secrets=secrets,
            logging=ecs.LogDriver.aws_logs(stream_prefix="streamer", log_group=self.log_group),
            port_mappings=[ecs.PortMapping(container_port=c.STREAMER_HEALTH_PORT)],
            health_check=ecs.HealthCheck(
                command=["CMD-SHELL", _HEALTH_PROBE],
                interval=Duration.seconds(30),
                timeout=Duration.seconds(5),
                retries=3,
                start_period=Duration.seconds(60),
            ),
            readonly_root_filesystem=False,
            stop_timeout=Duration.seconds(30),
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            service_name=c.resource_name(stage, "streamer"),
            cluster=self.cluster,
            task_definition=self.task_definition,
            desired_count=1,
            min_healthy_percent=0,
            max_healthy_percent=100,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            vpc_subnets=subnets,
            security_groups=[security_group],
            assign_public_ip=False,
            platform_version=ecs.FargatePlatformVersion.LATEST,
            enable_execute_command=False,
        )
        acknowledge(
            self.task_definition,
            "AwsSolutions-ECS2",
            "The environment holds names and endpoints only (stage, database name, cache "
            "URL without credentials, event bus, log level); secrets come as ECS secrets.",
        )
        if self.task_definition.execution_role is not None:
            acknowledge(
                self.task_definition.execution_role,
                "AwsSolutions-IAM5[Resource::*]",
                "ecr:GetAuthorizationToken has no resource-level permission; the image pull "
                "itself is granted on the asset repository only.",
            )
