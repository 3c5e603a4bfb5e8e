"""cdk-nag (3.x): the AWS Solutions rules run at synth; an unacknowledged finding fails it.

Each acknowledgement names one granular finding and says why it is accepted.
"""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def add_checks(app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Accept the finding ``rule`` (e.g. ``AwsSolutions-IAM5[Resource::*]``) on ``scope``
    and everything below it."""
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))
