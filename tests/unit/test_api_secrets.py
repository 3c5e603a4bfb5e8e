"""Secrets named by ARN are read from Secrets Manager (moto) once and masked in logs."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from config.redaction import MASK, redact
from config.settings import Settings
from domain.errors import FeedUnavailable, StoreUnavailable
from wiring.secrets import with_mongodb_secret, with_tradingview_secret


@pytest.fixture
def secrets(mocked_aws: None) -> Any:
    return boto3.client("secretsmanager", region_name="us-east-1")


def test_the_mongodb_uri_comes_from_a_plain_secret(secrets: Any) -> None:
    uri = "mongodb+srv://pq:Plain-Secret-91@cluster0.example.net/pq"
    arn = secrets.create_secret(Name="pq/mongo-plain", SecretString=uri)["ARN"]
    resolved = with_mongodb_secret(Settings(mongodb_secret_arn=arn))
    assert resolved.mongodb_uri is not None
    assert resolved.mongodb_uri.get_secret_value() == uri
    assert redact(f"connecting to {uri}") == f"connecting to {MASK}"
    assert "Plain-Secret-91" not in redact("password Plain-Secret-91")


def test_the_mongodb_uri_comes_from_a_json_secret(secrets: Any) -> None:
    uri = "mongodb://pq:Json-Secret-77@db:27017/pq"
    arn = secrets.create_secret(Name="pq/mongo-json", SecretString=json.dumps({"uri": uri}))["ARN"]
    resolved = with_mongodb_secret(Settings(mongodb_secret_arn=arn))
    assert resolved.mongodb_uri is not None and resolved.mongodb_uri.get_secret_value() == uri


def test_tradingview_credentials_come_from_a_json_secret(secrets: Any) -> None:
    value = {"username": "quant", "password": "Tv-Password-55", "token": "tv-token-abc123"}
    arn = secrets.create_secret(Name="pq/tv", SecretString=json.dumps(value))["ARN"]
    resolved = with_tradingview_secret(Settings(tradingview_secret_arn=arn))
    assert resolved.tradingview_username == "quant"
    assert resolved.tradingview_password is not None
    assert resolved.tradingview_password.get_secret_value() == "Tv-Password-55"
    assert resolved.tradingview_token is not None
    assert redact("token tv-token-abc123") == f"token {MASK}"


def test_a_missing_secret_is_an_unavailable_dependency_not_a_crash(secrets: Any) -> None:
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf"
    with pytest.raises(StoreUnavailable) as store_error:
        with_mongodb_secret(Settings(mongodb_secret_arn=missing))
    assert "nope" in store_error.value.message
    with pytest.raises(FeedUnavailable):
        with_tradingview_secret(Settings(tradingview_secret_arn=missing))


def test_settings_without_arns_are_left_alone() -> None:
    settings = Settings()
    assert with_mongodb_secret(settings) is settings
    assert with_tradingview_secret(settings) is settings
