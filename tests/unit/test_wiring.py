"""The composition root: what one container shares, what it closes, what it reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from application.quote_ports import StateBatch
from application.quotes import QuoteNotFound
from config.settings import Settings
from domain.errors import StoreUnavailable
from domain.quotes import LatestQuote
from domain.symbols import Symbol
from streamer.config import StreamerConfig
from wiring.services import Services
from wiring.streamer import streamer_parts

BTC = Symbol("BINANCE", "BTCUSDT")
UNREACHABLE_MONGODB = "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=200"


async def test_a_streamer_on_a_container_shares_its_quote_state_with_that_container_only(
    tmp_path: Path,
) -> None:
    """No Redis: the in-process state belongs to the container, not to the process."""
    settings = Settings(data_dir=tmp_path)
    with Services(settings) as services, Services(settings) as other:
        services.quotes.subscribe(BTC)
        async with streamer_parts(services)(StreamerConfig()) as parts:
            services.quotes.start()
            assert await parts.listener.wait(1.0), "the start reaches the streamer's listener"
            quote = LatestQuote(BTC, timestamp=1.0, last_price=68000.0)
            await parts.writer.write(StateBatch(quotes=[quote]))
            assert services.quotes.latest(BTC) == quote
            with pytest.raises(QuoteNotFound):
                other.quotes.latest(BTC)
        assert parts.subscriptions is services.subscriptions
        assert parts.store is services.store and parts.events is services.events


def test_close_reaches_every_part_it_opened(tmp_path: Path) -> None:
    services = Services(Settings(data_dir=tmp_path))
    store, subscriptions = services.store, services.subscriptions
    services.quotes.subscribe(BTC)
    services.close()
    with pytest.raises(StoreUnavailable, match="closed"):
        store.list_statuses()
    with pytest.raises(StoreUnavailable, match="closed"):
        subscriptions.desired()


def test_close_closes_the_one_redis_client(tmp_path: Path) -> None:
    services = Services(Settings(data_dir=tmp_path, redis_url=SecretStr("redis://127.0.0.1:9")))
    client = services.redis
    assert client is not None
    closed: list[bool] = []
    client.close = lambda: closed.append(True)  # type: ignore[method-assign]
    assert services.cache.backend == "redis"
    services.quotes  # noqa: B018 - the quote reads are built on the same client
    services.close()
    assert closed == [True]


def test_the_store_says_which_backend_it_is(tmp_path: Path) -> None:
    with Services(Settings(data_dir=tmp_path)) as sqlite:
        assert sqlite.store_backend == "sqlite"  # before the store is opened
        assert sqlite.store.backend == sqlite.store_backend == "sqlite"
        assert sqlite.store.location == str(settings_path(tmp_path))
    mongo_settings = Settings(data_dir=tmp_path, mongodb_uri=SecretStr(UNREACHABLE_MONGODB))
    with Services(mongo_settings) as mongo:
        assert mongo.store_backend == "mongodb"
        assert mongo.store.backend == mongo.store_backend
        assert mongo.store.location == "database pocketquant"


def test_a_store_that_cannot_open_still_reports_its_backend(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, mongodb_secret_arn="arn:aws:secretsmanager:x:y:z")
    with Services(settings) as services:
        assert services.store_backend == "mongodb"


def settings_path(data_dir: Path) -> Path:
    return (data_dir / "bars.sqlite3").resolve()
