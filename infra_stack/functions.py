"""What every PocketQuant function shares: the layer, the code asset and one way to build a
function (own log group with retention, least-privilege role, X-Ray, VPC, one runtime)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra_stack import bundling
from infra_stack import constants as c
from infra_stack.nag import acknowledge
from layers.build import LAYER_PACKAGES

RUNTIME = lambda_.Runtime.PYTHON_3_11
ARCHITECTURE = lambda_.Architecture.X86_64

# What a function in a VPC needs to manage its network interfaces (the content of the
# AWS-managed AWSLambdaVPCAccessExecutionRole, kept inline so nothing else is granted).
# EC2 offers no resource-level permission for these Describe* calls, and Lambda creates
# the interfaces before the function exists, so the resource is "*".
_ENI_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
]


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One function: its short name (``api``), handler, size and environment."""

    name: str
    description: str
    timeout_seconds: int
    memory_mb: int
    environment: Mapping[str, str]
    reserved_concurrency: int | None = None
    handler: str | None = None
    """The dotted handler; ``None``: ``constants.LAMBDA_HANDLERS[name]``."""

    @property
    def dotted_handler(self) -> str:
        return self.handler if self.handler is not None else c.LAMBDA_HANDLERS[self.name]


class LambdaPackaging(Construct):
    """The shared layer and the function code asset, built once for all functions."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        self.layer = lambda_.LayerVersion(
            self,
            "SharedLayer",
            layer_version_name=c.resource_name(stage, "shared"),
            description=f"PocketQuant {', '.join(LAYER_PACKAGES)} and their dependencies",
            code=bundling.layer_code(),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.code = bundling.function_code()


class PocketQuantFunction(Construct):
    """A function with its own log group and a role that may only write to that group,
    manage its network interfaces and send traces; callers grant the rest."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        spec: FunctionSpec,
        packaging: LambdaPackaging,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        security_group: ec2.ISecurityGroup,
        retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        function_name = c.resource_name(stage, spec.name)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{function_name}",
            retention=retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"PocketQuant {stage} {spec.name} function",
        )
        self.log_group.grant_write(self.role)
        self.role.add_to_policy(iam.PolicyStatement(actions=_ENI_ACTIONS, resources=["*"]))
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            description=spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=spec.dotted_handler,
            code=packaging.code,
            layers=[packaging.layer],
            role=self.role,
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
            timeout=Duration.seconds(spec.timeout_seconds),
            memory_size=spec.memory_mb,
            reserved_concurrent_executions=spec.reserved_concurrency,
            vpc=vpc,
            vpc_subnets=subnets,
            security_groups=[security_group],
            environment=dict(spec.environment),
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "Only for actions without resource-level permissions: the VPC network interface "
            "actions Lambda needs before the function exists, and X-Ray PutTraceSegments/"
            "PutTelemetryRecords. Everything else is granted on named resources.",
        )
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            "The project targets Python 3.11 (pyproject requires-python), and the layer's "
            "wheels and bytecode are built for 3.11; moving runtimes is a project decision.",
        )


@dataclass(frozen=True, slots=True)
class FunctionFactory:
    """Builds every function the same way; the capability constructs call :meth:`create`."""

    stage: str
    packaging: LambdaPackaging
    vpc: ec2.IVpc
    subnets: ec2.SubnetSelection
    security_group: ec2.ISecurityGroup
    retention: logs.RetentionDays

    def create(self, scope: Construct, construct_id: str, spec: FunctionSpec) -> lambda_.Function:
        built = PocketQuantFunction(
            scope,
            construct_id,
            stage=self.stage,
            spec=spec,
            packaging=self.packaging,
            vpc=self.vpc,
            subnets=self.subnets,
            security_group=self.security_group,
            retention=self.retention,
        )
        return built.function
