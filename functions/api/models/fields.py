"""Field types shared by requests and responses."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class ApiModel(BaseModel):
    """Base of the API's models. Their schemas are built on first use, not on import: most
    describe responses for the OpenAPI document only, and a cold start should not pay."""

    model_config = ConfigDict(defer_build=True)


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
