"""The network: a VPC whose private subnets reach the internet through NAT, and the
security groups of the functions and the streamer (egress only; nothing calls them)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra_stack.settings import StackSettings


class Network(Construct):
    """VPC over two AZs: public subnets (NAT, internet gateway) and private subnets with
    egress. One NAT gateway: the functions and the streamer reach TradingView and Atlas
    through it. One is the cheap choice (about 32 USD a month plus traffic); if its AZ
    fails the private subnets lose the internet until it is back. Raise ``NAT_GATEWAYS`` to
    2 for production that must survive an AZ outage."""

    NAT_GATEWAYS = 1
    MAX_AZS = 2

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StackSettings,
        retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=self.MAX_AZS,
            nat_gateways=self.NAT_GATEWAYS,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24
                ),
                ec2.SubnetConfiguration(
                    name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=22
                ),
            ],
        )
        flow_logs = logs.LogGroup(
            self, "FlowLogs", retention=retention, removal_policy=RemovalPolicy.DESTROY
        )
        # Rejected traffic only: what matters for security reviews, at a fraction of the cost.
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
            traffic_type=ec2.FlowLogTrafficType.REJECT,
        )
        self.private_subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.functions_security_group = ec2.SecurityGroup(
            self,
            "FunctionsSecurityGroup",
            vpc=self.vpc,
            description=f"PocketQuant {settings.stage} Lambda functions (egress only)",
            allow_all_outbound=True,
        )
        self.streamer_security_group = ec2.SecurityGroup(
            self,
            "StreamerSecurityGroup",
            vpc=self.vpc,
            description=f"PocketQuant {settings.stage} streamer task (egress only)",
            allow_all_outbound=True,
        )
