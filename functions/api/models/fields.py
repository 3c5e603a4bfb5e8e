"""Field types shared by requests and responses."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from application.queries import iso_utc


class ApiModel(BaseModel):
    """Base of the API's models. Their schemas are built on first use, not on import, so a
    cold start does not pay for the models a request does not use.

    A response body is the model itself (``body()``), so what the OpenAPI document says of
    a response is what the route sends.
    """

    model_config = ConfigDict(defer_build=True)

    def body(self) -> bytes:
        """The response body: this model as JSON."""
        return orjson.dumps(self.model_dump(mode="json"))


def _is_none(value: object) -> bool:
    return value is None


def omitted_when_none(description: str | None = None) -> Any:
    """A field that defaults to ``None`` and is left out of the body, not sent as null."""
    return Field(None, description=description, exclude_if=_is_none)


def iso_time(epoch: float | None) -> str | None:
    """``2024-03-15T13:30:00Z``, or ``None`` for no time."""
    return None if epoch is None else iso_utc(epoch)


NAME_PATTERN = r"^[A-Za-z0-9._!-]{1,40}$"
"""Tickers and exchanges as accepted; they are upper-cased, so ``^[A-Z0-9._!-]{1,40}$`` after."""

SymbolName = Annotated[
    str,
    Field(
        pattern=NAME_PATTERN,
        strict=True,
        description="Ticker as TradingView spells it (upper-cased), e.g. AAPL, NQ1!, BRK.B",
        examples=["AAPL"],
    ),
    AfterValidator(str.upper),
]
ExchangeName = Annotated[
    str,
    Field(
        pattern=NAME_PATTERN,
        strict=True,
        description="Exchange as TradingView spells it (upper-cased), e.g. NASDAQ, BINANCE",
        examples=["NASDAQ"],
    ),
    AfterValidator(str.upper),
]
Timestamp = Annotated[str, Field(description="ISO 8601 UTC", examples=["2024-03-15T13:30:00Z"])]
