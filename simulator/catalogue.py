"""The symbols the simulator knows, with the metadata TradingView sends for them."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from domain.series import SymbolInfo
from domain.sessions import TradingSession
from domain.symbols import Symbol

# NYSE/Nasdaq full-day closures 2020-2026, in TradingView's session_holidays format.
US_HOLIDAYS = ",".join(
    [
        "20200101,20200120,20200217,20200410,20200525,20200703,20200907,20201126,20201225",
        "20210101,20210118,20210215,20210402,20210531,20210705,20210906,20211125,20211224",
        "20220117,20220221,20220415,20220530,20220620,20220704,20220905,20221124,20221226",
        "20230102,20230116,20230220,20230407,20230529,20230619,20230704,20230904,20231123",
        "20231225,20240101,20240115,20240219,20240329,20240527,20240619,20240704,20240902",
        "20241128,20241225,20250101,20250109,20250120,20250217,20250418,20250526,20250619",
        "20250704,20250901,20251127,20251225,20260101,20260119,20260216,20260403,20260525",
        "20260619,20260703,20260907,20261126,20261225",
    ]
)
UK_HOLIDAYS = "20231225,20231226,20240101,20240329,20240401,20240506,20240527,20240826,20241225"
XETRA_HOLIDAYS = "20231225,20231226,20240101,20240329,20240401,20240501,20241224,20241225"
EURONEXT_HOLIDAYS = "20231225,20231226,20240101,20240329,20240401,20240501,20241225,20241226"
TSE_HOLIDAYS = "20240101,20240102,20240103,20240108,20240212,20240223,20240320,20240429"

_EARLIEST = date(1970, 1, 2)  # bar times stay positive epochs


@dataclass(frozen=True)
class Listing:
    """One catalogue entry: what ``symbol_resolved`` says plus how its prices behave."""

    exchange: str
    ticker: str
    description: str
    type: str
    currency: str
    timezone: str
    session: str
    pricescale: int
    base_price: float
    volatility: float
    """Annualised, drives the price path and the bar ranges."""
    daily_volume: float | None
    """Typical volume of one trading day; ``None`` = no volume (indices)."""
    listed: date
    holidays: str = ""
    minmov: int = 1
    typespecs: tuple[str, ...] = ()
    country: str = ""
    provider: str = "ice"
    volume_decimals: int = 0

    @property
    def key(self) -> str:
        return f"{self.exchange}:{self.ticker}"

    @property
    def has_volume(self) -> bool:
        return self.daily_volume is not None

    @cached_property
    def trading_session(self) -> TradingSession:
        return TradingSession.from_tradingview(self.timezone, self.session, self.holidays)

    @cached_property
    def listed_epoch(self) -> int:
        first = max(self.listed, _EARLIEST)
        return (first.toordinal() - date(1970, 1, 1).toordinal()) * 86400

    @cached_property
    def seed(self) -> int:
        return zlib.crc32(self.key.encode())


_UsStock = tuple[str, str, str, float, float, date, float]
_Crypto = tuple[str, str, str, str, float, float, date, int]

# exchange, ticker, description, price, daily volume, listed since, annual volatility
_US_STOCKS: list[_UsStock] = [
    ("NASDAQ", "AAPL", "Apple Inc.", 172.0, 58e6, date(1980, 12, 12), 0.3),
    ("NASDAQ", "MSFT", "Microsoft Corporation", 415.0, 22e6, date(1986, 3, 13), 0.3),
    ("NASDAQ", "NVDA", "NVIDIA Corporation", 880.0, 45e6, date(1999, 1, 22), 0.5),
    ("NASDAQ", "AMZN", "Amazon.com, Inc.", 175.0, 40e6, date(1997, 5, 15), 0.3),
    ("NASDAQ", "GOOGL", "Alphabet Inc.", 142.0, 30e6, date(2004, 8, 19), 0.3),
    ("NASDAQ", "META", "Meta Platforms, Inc.", 490.0, 16e6, date(2012, 5, 18), 0.4),
    ("NASDAQ", "TSLA", "Tesla, Inc.", 165.0, 100e6, date(2010, 6, 29), 0.6),
    ("NASDAQ", "NFLX", "Netflix, Inc.", 610.0, 4e6, date(2002, 5, 23), 0.4),
    ("NASDAQ", "AMD", "Advanced Micro Devices, Inc.", 190.0, 60e6, date(1980, 3, 17), 0.5),
    ("NASDAQ", "INTC", "Intel Corporation", 42.0, 40e6, date(1980, 3, 17), 0.3),
    ("NYSE", "JPM", "JPMorgan Chase & Co.", 190.0, 9e6, date(1980, 3, 17), 0.2),
    ("NYSE", "KO", "Coca-Cola Company (The)", 60.0, 13e6, date(1962, 1, 2), 0.15),
    ("NYSE", "XOM", "Exxon Mobil Corporation", 112.0, 18e6, date(1970, 1, 2), 0.25),
    ("NYSE", "BRK.B", "Berkshire Hathaway Inc.", 410.0, 4e6, date(1996, 5, 9), 0.15),
    ("NYSE", "IBM", "International Business Machines", 191.0, 5e6, date(1962, 1, 2), 0.2),
    ("NYSE", "V", "Visa Inc.", 282.0, 6e6, date(2008, 3, 19), 0.2),
    ("NYSE", "WMT", "Walmart Inc.", 60.0, 20e6, date(1972, 8, 25), 0.18),
]

# exchange, ticker, description, quote currency, price, daily volume, listed since, pricescale
_CRYPTO: list[_Crypto] = [
    ("BINANCE", "BTCUSDT", "Bitcoin / TetherUS", "USDT", 68000.0, 3.5e4, date(2017, 8, 17), 100),
    ("BINANCE", "ETHUSDT", "Ethereum / TetherUS", "USDT", 3700.0, 5e5, date(2017, 8, 17), 100),
    ("BINANCE", "SOLUSDT", "SOL / TetherUS", "USDT", 180.0, 4e6, date(2020, 8, 11), 100),
    ("COINBASE", "BTCUSD", "Bitcoin / U.S. Dollar", "USD", 68050.0, 1.5e4, date(2014, 12, 1), 100),
    ("BITSTAMP", "BTCUSD", "Bitcoin / U.S. dollar", "USD", 68020.0, 3e3, date(2011, 8, 18), 1),
]


def _us_stock(row: _UsStock) -> Listing:
    exchange, ticker, description, price, volume, listed, volatility = row
    return Listing(
        exchange, ticker, description, "stock", "USD", "America/New_York", "0930-1600", 100,
        price, volatility, volume, listed, US_HOLIDAYS, typespecs=("common",), country="US",
    )  # fmt: skip


def _crypto(row: _Crypto) -> Listing:
    exchange, ticker, description, currency, price, volume, listed, pricescale = row
    return Listing(
        exchange, ticker, description, "spot", currency, "Etc/UTC", "24x7", pricescale,
        price, 0.7, volume, listed, typespecs=("crypto",), provider=exchange.lower(),
        volume_decimals=5,
    )  # fmt: skip


_LISTINGS: list[Listing] = [
    *(_us_stock(row) for row in _US_STOCKS),
    Listing(
        "AMEX",
        "SPY",
        "SPDR S&P 500 ETF Trust",
        "fund",
        "USD",
        "America/New_York",
        "0930-1600",
        100,
        510.0,
        0.16,
        75e6,
        date(1993, 1, 29),
        US_HOLIDAYS,
        typespecs=("etf",),
        country="US",
    ),
    Listing(
        "NASDAQ",
        "QQQ",
        "Invesco QQQ Trust, Series 1",
        "fund",
        "USD",
        "America/New_York",
        "0930-1600",
        100,
        440.0,
        0.2,
        40e6,
        date(1999, 3, 10),
        US_HOLIDAYS,
        typespecs=("etf",),
        country="US",
    ),
    Listing(
        "SP",
        "SPX",
        "S&P 500",
        "index",
        "USD",
        "America/New_York",
        "0930-1610",
        100,
        5120.0,
        0.16,
        None,
        date(1970, 1, 2),
        US_HOLIDAYS,
        typespecs=("main", "cfd"),
        country="US",
        provider="tvc",
    ),
    Listing(
        "NASDAQ",
        "NDX",
        "NASDAQ 100",
        "index",
        "USD",
        "America/New_York",
        "0930-1600",
        100,
        18000.0,
        0.2,
        None,
        date(1985, 10, 1),
        US_HOLIDAYS,
        typespecs=("main",),
        country="US",
        provider="nasdaq",
    ),
    Listing(
        "DJ",
        "DJI",
        "Dow Jones Industrial Average Index",
        "index",
        "USD",
        "America/New_York",
        "0930-1600",
        100,
        38900.0,
        0.15,
        None,
        date(1970, 1, 2),
        US_HOLIDAYS,
        typespecs=("main",),
        country="US",
    ),
    Listing(
        "TVC",
        "DXY",
        "U.S. Dollar Index",
        "index",
        "USD",
        "America/New_York",
        "1800-1700:23456",
        1000,
        103.4,
        0.07,
        None,
        date(1971, 1, 4),
        typespecs=("cfd",),
        provider="tvc",
    ),
    Listing(
        "CME_MINI",
        "ES1!",
        "E-mini S&P 500 Futures",
        "futures",
        "USD",
        "America/Chicago",
        "1700-1600:23456",
        100,
        5150.0,
        0.16,
        1.5e6,
        date(1997, 9, 9),
        minmov=25,
        typespecs=("continuous",),
        country="US",
        provider="cme",
    ),
    Listing(
        "CME_MINI",
        "NQ1!",
        "E-mini Nasdaq-100 Futures",
        "futures",
        "USD",
        "America/Chicago",
        "1700-1600:23456",
        100,
        18100.0,
        0.2,
        5e5,
        date(1999, 6, 21),
        minmov=25,
        typespecs=("continuous",),
        country="US",
        provider="cme",
    ),
    Listing(
        "COMEX",
        "GC1!",
        "Gold Futures",
        "futures",
        "USD",
        "America/Chicago",
        "1700-1600:23456",
        10,
        2160.0,
        0.14,
        2e5,
        date(1974, 12, 31),
        typespecs=("continuous",),
        country="US",
        provider="cme",
    ),
    Listing(
        "NYMEX",
        "CL1!",
        "Crude Oil Futures",
        "futures",
        "USD",
        "America/Chicago",
        "1700-1600:23456",
        100,
        81.0,
        0.35,
        3e5,
        date(1983, 3, 30),
        typespecs=("continuous",),
        country="US",
        provider="cme",
    ),
    *(_crypto(row) for row in _CRYPTO),
    Listing(
        "FX",
        "EURUSD",
        "Euro / U.S. Dollar",
        "forex",
        "USD",
        "America/New_York",
        "1700-1700:23456",
        100000,
        1.089,
        0.07,
        3e5,
        date(1975, 1, 2),
        typespecs=(),
        provider="fxcm",
    ),
    Listing(
        "OANDA",
        "XAUUSD",
        "Gold Spot / U.S. Dollar",
        "commodity",
        "USD",
        "America/New_York",
        "1800-1700:23456",
        1000,
        2160.0,
        0.14,
        1.5e5,
        date(2002, 5, 6),
        typespecs=("cfd",),
        provider="oanda",
    ),
    Listing(
        "LSE",
        "VOD",
        "Vodafone Group plc",
        "stock",
        "GBX",
        "Europe/London",
        "0800-1630",
        100,
        70.0,
        0.25,
        6e7,
        date(1988, 10, 26),
        UK_HOLIDAYS,
        typespecs=("common",),
        country="GB",
    ),
    Listing(
        "XETR",
        "SAP",
        "SAP SE",
        "stock",
        "EUR",
        "Europe/Berlin",
        "0900-1730",
        100,
        178.0,
        0.25,
        1.5e6,
        date(1988, 11, 28),
        XETRA_HOLIDAYS,
        typespecs=("common",),
        country="DE",
    ),
    Listing(
        "EURONEXT",
        "GLE",
        "Société Générale",
        "stock",
        "EUR",
        "Europe/Paris",
        "0900-1730",
        1000,
        24.5,
        0.35,
        4e6,
        date(1987, 7, 8),
        EURONEXT_HOLIDAYS,
        typespecs=("common",),
        country="FR",
    ),
    Listing(
        "TSE",
        "7203",
        "Toyota Motor Corporation",
        "stock",
        "JPY",
        "Asia/Tokyo",
        "0900-1130,1230-1530",
        10,
        3500.0,
        0.25,
        3e7,
        date(1970, 1, 2),
        TSE_HOLIDAYS,
        typespecs=("common",),
        country="JP",
    ),
]

CATALOGUE: dict[str, Listing] = {listing.key: listing for listing in _LISTINGS}


def find(name: str) -> Listing | None:
    """The listing for ``EX:SYM`` (any case) or a bare ticker, as TradingView resolves it."""
    text = name.strip().upper()
    if ":" in text:
        return CATALOGUE.get(text)
    return next((entry for entry in _LISTINGS if entry.ticker == text), None)


def parse_symbol_spec(spec: str) -> str | None:
    """The ``EX:SYM`` inside a ``={json}`` spec (any key order), or the bare string itself."""
    if not spec.startswith("="):
        return spec
    try:
        data = json.loads(spec[1:])
    except ValueError:
        return None
    symbol = data.get("symbol") if isinstance(data, dict) else None
    if isinstance(symbol, dict):  # nested specs ({"symbol": {"symbol": ...}}) seen in browsers
        symbol = symbol.get("symbol")
    return symbol if isinstance(symbol, str) else None


def symbol_info(listing: Listing) -> SymbolInfo:
    """What a client should make of ``symbol_resolved`` for this listing."""
    return SymbolInfo(
        symbol=Symbol(listing.exchange, listing.ticker),
        name=listing.ticker,
        description=listing.description,
        type=listing.type,
        currency=listing.currency,
        timezone=listing.timezone,
        session=listing.session,
        session_holidays=listing.holidays,
        pricescale=listing.pricescale,
        has_volume=listing.has_volume,
    )


def resolved_metadata(listing: Listing) -> dict[str, Any]:
    """The third element of ``symbol_resolved``, shaped like the 2023 SP:SPX capture."""
    return {
        "currency_code": listing.currency,
        "session_holidays": listing.holidays,
        "subsession_id": "regular",
        "provider_id": listing.provider,
        "currency_id": listing.currency,
        "country": listing.country,
        "pro_perm": "",
        "allowed_adjustment": "none" if listing.type == "index" else "all",
        "short_description": listing.description,
        "variable_tick_size": "",
        "language": "en",
        "name": listing.ticker,
        "full_name": listing.key,
        "pro_name": listing.key,
        "base_name": [listing.key],
        "description": listing.description,
        "exchange": listing.exchange,
        "pricescale": listing.pricescale,
        "pointvalue": 1.0,
        "minmov": listing.minmov,
        "session": listing.session,
        "session_display": listing.session,
        "subsessions": [
            {
                "description": "Regular Trading Hours",
                "id": "regular",
                "private": False,
                "session": listing.session,
                "session-display": listing.session,
            }
        ],
        "type": listing.type,
        "typespecs": list(listing.typespecs),
        "resolutions": [],
        "has_intraday": True,
        "fractional": False,
        "listed_exchange": listing.exchange,
        "legs": [listing.key],
        "is_tradable": listing.type != "index",
        "minmove2": 0,
        "timezone": listing.timezone,
        "aliases": [],
        "alternatives": [],
        "is_replayable": True,
        "has_adjustment": listing.type == "stock",
        "has_extended_hours": False,
        "bar_source": "trade",
        "bar_transform": "none",
        "bar_fillgaps": False,
        "visible_plots_set": "ohlcv" if listing.has_volume else "ohlc",
    }
