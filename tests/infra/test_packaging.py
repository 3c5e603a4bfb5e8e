"""How the Lambda packages are built (layers/build.py) and the stack settings (no synth).

What the layer's requirements hold is checked against the lock in test_lock.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from config.settings import GUARDRAIL_FIELDS, Settings, env_name, guardrail_key
from infra_stack import constants as c
from infra_stack.settings import SettingsError, StackSettings
from layers import build


def test_function_code_is_the_functions_package_alone_compiled(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "functions" / "api" / "tests").mkdir(parents=True)
    (repo / "functions" / "__init__.py").write_text("")
    (repo / "functions" / "api" / "__init__.py").write_text("")
    (repo / "functions" / "api" / "handler.py").write_text("def handler(e, c):\n    return e\n")
    (repo / "functions" / "api" / "tests" / "test_x.py").write_text("")
    (repo / "functions" / "api" / "__pycache__").mkdir()
    (repo / "functions" / "api" / "__pycache__" / "stale.cpython-311.pyc").write_bytes(b"x")
    (repo / "domain").mkdir()

    out = tmp_path / "out"
    build.build_function_code(out, repo_root=repo)

    assert sorted(p.name for p in out.iterdir()) == ["functions"]
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert "functions/api/handler.py" in files
    assert "functions/api/__pycache__/handler.cpython-311.pyc" in files
    assert not any("tests" in f or "stale" in f for f in files)
    pyc = (out / "functions/api/__pycache__/handler.cpython-311.pyc").read_bytes()
    assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, unchecked
    assert b"/var/task/functions/api/handler.py" in pyc


def test_a_missing_package_or_python_version_stops_the_build(tmp_path: Path) -> None:
    with pytest.raises(build.BuildError, match="functions"):
        build.build_function_code(tmp_path / "out", repo_root=tmp_path)
    with pytest.raises(build.BuildError, match="missing"):
        build.build_layer(tmp_path / "out", repo_root=tmp_path)
    if sys.version_info[:2] == build.TARGET_PYTHON:
        build.check_python(sys.executable)


def _settings(**values: object) -> StackSettings:
    return StackSettings.from_values(values.get)


def test_settings_defaults() -> None:
    settings = _settings()
    assert settings.stage == "dev"
    assert settings.mongodb_secret_arn is None
    assert settings.mongodb_secret_name == "pocketquant/dev/mongodb-uri"
    assert settings.tracked_symbols == c.DEFAULT_SYMBOLS
    assert settings.tracked_intervals == c.DEFAULT_INTERVALS
    assert settings.webhooks == ()
    assert settings.sync_worker_concurrency == c.DEFAULT_SYNC_CONCURRENCY


def test_settings_accept_lists_as_text_and_normalise() -> None:
    settings = _settings(
        trackedSymbols="nasdaq:aapl, NASDAQ:AAPL ,BINANCE:BTCUSDT",
        trackedIntervals=["1h", "1d", "1h"],
        logLevel="debug",
        syncWorkerConcurrency="4",
    )
    assert settings.tracked_symbols == ("NASDAQ:AAPL", "BINANCE:BTCUSDT")
    assert settings.tracked_intervals == ("1h", "1d")
    assert settings.log_level == "DEBUG"
    assert settings.sync_worker_concurrency == 4


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("stage", "Prod!"),
        ("mongodbSecretArn", "pocketquant/dev/mongodb-uri"),
        ("trackedSymbols", ["AAPL"]),
        ("trackedIntervals", ["2d"]),
        ("alarmEmail", "not-an-address"),
        ("webhooks", [{"name": "x", "url": "http://insecure.example.com"}]),
        ("webhooks", [{"name": "x", "url": "https://a.example.com", "events": ["Nope"]}]),
        ("syncWorkerConcurrency", 1),
        ("tradingviewSecretFields", ["Bad-Field"]),
        ("guardrails", [60]),
        ("guardrails", {"tradingviewRequestsPerMinute": 0}),
        ("guardrails", {"tradingviewBreakerThreshold": "three"}),
        ("guardrails", {"tradingviewRequestsPerHour": 60}),
    ],
)
def test_settings_name_the_bad_key(key: str, value: object) -> None:
    with pytest.raises(SettingsError, match=key):
        _settings(**{key: value})


def test_guardrail_context_becomes_the_settings_variables_each_checked_by_its_field() -> None:
    settings = _settings(
        guardrails={"tradingviewRequestsPerMinute": 20, "tradingviewBreakerThreshold": 5}
    )
    assert settings.guardrails == {
        "PQ_TRADINGVIEW_REQUESTS_PER_MINUTE": "20.0",
        "PQ_TRADINGVIEW_BREAKER_THRESHOLD": "5",
    }
    # What the functions and the streamer read back from those variables.
    read = Settings.model_validate(
        {name.removeprefix("PQ_").lower(): value for name, value in settings.guardrails.items()}
    )
    assert read.tradingview_requests_per_minute == 20.0
    assert read.tradingview_breaker_threshold == 5
    assert _settings().guardrails == {}


@pytest.mark.parametrize("field", GUARDRAIL_FIELDS)
def test_every_guardrail_setting_has_a_context_key(field: str) -> None:
    default = Settings.model_fields[field].default
    settings = _settings(guardrails={guardrail_key(field): default})
    assert settings.guardrails == {env_name(field): str(default)}
