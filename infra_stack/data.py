"""Data services: the serverless cache (Valkey, Redis protocol, TLS) and the secrets.

MongoDB Atlas lives outside the stack; its connection string is a Secrets Manager secret
the operator creates, referenced here by ARN (context ``mongodbSecretArn``) or, by
default, by the name ``pocketquant/<stage>/mongodb-uri`` in the deployment's account.
"""

from __future__ import annotations

import re

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra_stack import constants as c
from infra_stack.settings import StackSettings

_COMPLETE_ARN_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")


def import_secret(scope: Construct, construct_id: str, arn: str) -> secretsmanager.ISecret:
    """A secret by ARN: complete (with the 6-character suffix Secrets Manager appends, as
    the console and ``create-secret`` show it) or partial (the name without the suffix)."""
    if _COMPLETE_ARN_SUFFIX.search(arn):
        return secretsmanager.Secret.from_secret_complete_arn(scope, construct_id, arn)
    return secretsmanager.Secret.from_secret_partial_arn(scope, construct_id, arn)


class DataStores(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StackSettings,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        clients: list[ec2.ISecurityGroup],
    ) -> None:
        super().__init__(scope, construct_id)
        self.cache_security_group = ec2.SecurityGroup(
            self,
            "CacheSecurityGroup",
            vpc=vpc,
            description=f"PocketQuant {settings.stage} cache: Redis protocol from the app only",
            allow_all_outbound=False,
        )
        for client in clients:
            self.cache_security_group.add_ingress_rule(
                peer=client,
                connection=ec2.Port.tcp(c.CACHE_PORT),
                description="Redis protocol (TLS) from PocketQuant compute",
            )
        subnet_ids = vpc.select_subnets(
            subnet_type=subnets.subnet_type, subnet_group_name=subnets.subnet_group_name
        ).subnet_ids
        # Serverless caches always encrypt in transit (TLS only) and at rest.
        self.cache = elasticache.CfnServerlessCache(
            self,
            "Cache",
            serverless_cache_name=c.resource_name(settings.stage, "cache"),
            engine=c.CACHE_ENGINE,
            major_engine_version=c.CACHE_MAJOR_VERSION,
            description=f"PocketQuant {settings.stage}: query cache, idempotency, quotes",
            security_group_ids=[self.cache_security_group.security_group_id],
            subnet_ids=subnet_ids,
            cache_usage_limits=elasticache.CfnServerlessCache.CacheUsageLimitsProperty(
                data_storage=elasticache.CfnServerlessCache.DataStorageProperty(
                    unit="GB", maximum=c.CACHE_MAX_STORAGE_GB
                ),
                ecpu_per_second=elasticache.CfnServerlessCache.ECPUPerSecondProperty(
                    maximum=c.CACHE_MAX_ECPU_PER_SECOND
                ),
            ),
        )
        #: ``rediss://`` (TLS); the code connects with ``redis.from_url``.
        self.redis_url = (
            f"rediss://{self.cache.attr_endpoint_address}:{self.cache.attr_endpoint_port}"
        )

        self.mongodb_secret: secretsmanager.ISecret
        if settings.mongodb_secret_arn is not None:
            self.mongodb_secret = import_secret(self, "MongoDbSecret", settings.mongodb_secret_arn)
        else:
            self.mongodb_secret = secretsmanager.Secret.from_secret_name_v2(
                self, "MongoDbSecret", settings.mongodb_secret_name
            )
        self.tradingview_secret: secretsmanager.ISecret | None = None
        if settings.tradingview_secret_arn is not None:
            self.tradingview_secret = import_secret(
                self, "TradingViewSecret", settings.tradingview_secret_arn
            )
