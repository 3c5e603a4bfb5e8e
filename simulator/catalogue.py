"""The symbols the simulator knows, with the metadata TradingView sends for them.

Where a real capture (``shared/tradingview-captures`` beside the repository; its SOURCES.md
lists them) shows a ticker's ``symbol_resolved`` or quote, its session, subsessions,
holidays, corrections, zone, ``pricescale``/``minmov``, type and currency are copied from
it, and the comment beside the entry names the capture;
``tests/integration/test_simulator_captures.py`` holds them to it. Other entries follow the
same shapes with the exchange's published hours.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from simulator.holidays import (
    EURONEXT_HOLIDAYS,
    HOSE_HOLIDAYS,
    TSE_HOLIDAYS,
    UK_HOLIDAYS,
    US_HOLIDAYS,
    XETRA_HOLIDAYS,
)
from simulator.listing import Hours, Listing, regular_hours

# TradingView's US equity hours: regular 09:30-16:00 and extended 04:00-20:00 New York (the
# 2019 NASDAQ:AAPL symbol_resolved says has_extended_hours; its post-market quote of
# 2023-06-09 prints at 19:59:59), laid out as TVC:RUT's capture lays out its subsessions.
US_STOCK_HOURS = (
    regular_hours("0930-1600"),
    Hours("extended", "Extended Trading Hours", "0400-2000"),
    Hours("premarket", "Premarket", "0400-0930"),
    Hours("postmarket", "Postmarket", "1600-2000"),
)
US_STOCK_PRINTS = "0400-0930,0930-1600,1600-2000"
"""Pre-market, regular and post-market trades: three segments."""

_UsStock = tuple[str, str, str, float, float, date, float]

# exchange, ticker, description, price, daily volume, listed since, annual volatility
_US_STOCKS: list[_UsStock] = [
    # NASDAQ:AAPL: session, zone, pricescale, minmov, type and typespecs as its 2019
    # symbol_resolved; the description as its 2023 quote.
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

_US_FUNDS: list[_UsStock] = [
    ("AMEX", "SPY", "SPDR S&P 500 ETF Trust", 510.0, 75e6, date(1993, 1, 29), 0.16),
    ("NASDAQ", "QQQ", "Invesco QQQ Trust, Series 1", 440.0, 40e6, date(1999, 3, 10), 0.2),
]


def _us_stock(
    row: _UsStock, type_: str = "stock", typespecs: tuple[str, ...] = ("common",)
) -> Listing:
    exchange, ticker, description, price, volume, listed, volatility = row
    return Listing(
        exchange=exchange,
        ticker=ticker,
        description=description,
        type=type_,
        currency="USD",
        timezone="America/New_York",
        subsessions=US_STOCK_HOURS,
        pricescale=100,
        base_price=price,
        volatility=volatility,
        daily_volume=volume,
        listed=listed,
        holidays=US_HOLIDAYS,
        typespecs=typespecs,
        country="US",
        prints=US_STOCK_PRINTS,
        trades_per_minute=8,
    )


_Crypto = tuple[str, str, str, str, float, float, date]

# exchange, ticker, description, quote currency, price, daily volume, listed since.
# No BINANCE or COINBASE capture: TradingView lists spot crypto as "24x7" in Etc/UTC with
# pricescale 100; Binance's lot step for these pairs is 0.00001 (5 decimals of volume).
_CRYPTO: list[_Crypto] = [
    ("BINANCE", "BTCUSDT", "Bitcoin / TetherUS", "USDT", 68000.0, 3.5e4, date(2017, 8, 17)),
    ("BINANCE", "ETHUSDT", "Ethereum / TetherUS", "USDT", 3700.0, 5e5, date(2017, 8, 17)),
    ("BINANCE", "SOLUSDT", "SOL / TetherUS", "USDT", 180.0, 4e6, date(2020, 8, 11)),
    ("COINBASE", "BTCUSD", "Bitcoin / U.S. Dollar", "USD", 68050.0, 1.5e4, date(2014, 12, 1)),
]


def _crypto(row: _Crypto) -> Listing:
    exchange, ticker, description, currency, price, volume, listed = row
    return Listing(
        exchange=exchange,
        ticker=ticker,
        description=description,
        type="spot",
        currency=currency,
        timezone="Etc/UTC",
        subsessions=(regular_hours("24x7"),),
        pricescale=100,
        base_price=price,
        volatility=0.7,
        daily_volume=volume,
        listed=listed,
        typespecs=("crypto",),
        provider=exchange.lower(),
        volume_decimals=5,
        trades_per_minute=12,
        # Binance's quotes often carry a change of volume alone: further fills of one order.
        repeat_fills=0.3 if exchange == "BINANCE" else 0.05,
    )


_Futures = tuple[str, str, str, float, float, date, float, int, int]

# exchange, ticker, description, price, daily volume, listed since, volatility, pricescale,
# minmov. CME Globex: overnight from 17:00 Chicago the evening before, Monday to Friday.
_FUTURES: list[_Futures] = [
    ("CME_MINI", "ES1!", "E-mini S&P 500 Futures", 5150.0, 1.5e6, date(1997, 9, 9), 0.16, 100, 25),
    (
        "CME_MINI",
        "NQ1!",
        "E-mini Nasdaq-100 Futures",
        18100.0,
        5e5,
        date(1999, 6, 21),
        0.2,
        100,
        25,
    ),
    ("COMEX", "GC1!", "Gold Futures", 2160.0, 2e5, date(1974, 12, 31), 0.14, 10, 1),
    ("NYMEX", "CL1!", "Crude Oil Futures", 81.0, 3e5, date(1983, 3, 30), 0.35, 100, 1),
]


def _futures(row: _Futures) -> Listing:
    exchange, ticker, description, price, volume, listed, volatility, pricescale, minmov = row
    return Listing(
        exchange=exchange,
        ticker=ticker,
        description=description,
        type="futures",
        currency="USD",
        timezone="America/Chicago",
        subsessions=(regular_hours("1700-1600:23456"),),
        pricescale=pricescale,
        base_price=price,
        volatility=volatility,
        daily_volume=volume,
        listed=listed,
        minmov=minmov,
        typespecs=("continuous",),
        country="US",
        provider="cme",
    )


_LISTINGS: list[Listing] = [
    *(_us_stock(row) for row in _US_STOCKS),
    *(_us_stock(row, "fund", ("etf",)) for row in _US_FUNDS),
    # SP:SPX: everything as its symbol_resolved of 2023-06-11 (session 0930-1610, ohlcv:
    # its daily bars carry volume, in whole millions); description and typespecs as its quote.
    # No 1-minute SPX capture: its prints end with the 16:00 minute, as NASDAQ:NDX's do.
    Listing(
        exchange="SP",
        ticker="SPX",
        description="S&P 500",
        type="index",
        currency="USD",
        timezone="America/New_York",
        subsessions=(regular_hours("0930-1610"),),
        pricescale=100,
        base_price=5120.0,
        volatility=0.16,
        daily_volume=2.3e9,
        listed=date(1970, 1, 2),
        holidays=US_HOLIDAYS,
        typespecs=("main", "cfd"),
        country="US",
        provider="tvc",
        volume_decimals=-6,
        variable_tick_size="0.01",
        tradable=False,
        prints="0930-1601",
        trades_per_minute=4,
        sized_trades=False,
    ),
    # TVC:RUT: everything as its symbol_resolved of 2023-06-11, subsessions included (its
    # premarket is private); no volume (ohlc). Its 1-minute bars run 09:30 to 16:04.
    Listing(
        exchange="TVC",
        ticker="RUT",
        description="RUSSELL 2000",
        type="index",
        currency="USD",
        timezone="America/New_York",
        subsessions=(
            regular_hours("0930-1615"),
            Hours("extended", "Extended Trading Hours", "0900-1615"),
            Hours("premarket", "Premarket", "0900-0930", private=True),
        ),
        pricescale=10000,
        base_price=1850.0,
        volatility=0.22,
        daily_volume=None,
        listed=date(1987, 9, 10),
        holidays=US_HOLIDAYS,
        typespecs=("cfd",),
        country="US",
        provider="tvc",
        prints="0930-1605",
        trades_per_minute=4,
    ),
    # NASDAQ:NDX: type, typespecs, pricescale, minmov and description as its 2023 quote
    # (volume 1e+100: none). Its own symbol_resolved is not captured; its 1-minute bars (the
    # sds_2 capture) run 09:30 to 16:00 inclusive, so its session ends after 16:00: SP:SPX's
    # "0930-1610" of the same capture, as tests/fidelity/captures.py pairs them.
    Listing(
        exchange="NASDAQ",
        ticker="NDX",
        description="NASDAQ 100",
        type="index",
        currency="USD",
        timezone="America/New_York",
        subsessions=(regular_hours("0930-1610"),),
        pricescale=100,
        base_price=18000.0,
        volatility=0.2,
        daily_volume=None,
        listed=date(1985, 10, 1),
        holidays=US_HOLIDAYS,
        typespecs=("main",),
        country="US",
        provider="nasdaq",
        tradable=False,
        prints="0930-1601",
        trades_per_minute=4,
    ),
    # DJ:DJI: the index of the sds_5 capture (1-minute bars with volume, 09:30 to 16:04);
    # no symbol_resolved captured: SP:SPX's session, as tests/fidelity/captures.py pairs it.
    Listing(
        exchange="DJ",
        ticker="DJI",
        description="Dow Jones Industrial Average Index",
        type="index",
        currency="USD",
        timezone="America/New_York",
        subsessions=(regular_hours("0930-1610"),),
        pricescale=100,
        base_price=38900.0,
        volatility=0.15,
        daily_volume=2.5e8,
        listed=date(1970, 1, 2),
        holidays=US_HOLIDAYS,
        typespecs=("main",),
        country="US",
        tradable=False,
        prints="0930-1605",
        trades_per_minute=4,
    ),
    # TVC:DXY: the index of the sds_4 capture (level 104.2): an overnight session opening
    # at 19:00 New York the evening before (tests/fidelity/captures.py reads it so from the
    # capture's session breaks), prints until about 18:00, and many minutes without a bar
    # (1,020 to 1,341 bars a day of 1,440).
    Listing(
        exchange="TVC",
        ticker="DXY",
        description="U.S. Dollar Index",
        type="index",
        currency="USD",
        timezone="America/New_York",
        subsessions=(regular_hours("1900-1900"),),
        pricescale=1000,
        base_price=103.4,
        volatility=0.07,
        daily_volume=None,
        listed=date(1971, 1, 4),
        typespecs=("cfd",),
        provider="tvc",
        prints="1930-1800",
        minute_fill=0.8,
        trades_per_minute=3,
    ),
    *(_futures(row) for row in _FUTURES),
    *(_crypto(row) for row in _CRYPTO),
    # BITSTAMP:BTCUSD: session "2;0000-0000:1234567", zone and minmov as its 2019
    # symbol_resolved; pricescale 1, type spot, typespecs crypto, the description and 8
    # decimals of volume (275.62184705) as its 2023 quote.
    Listing(
        exchange="BITSTAMP",
        ticker="BTCUSD",
        description="Bitcoin / U.S. dollar",
        type="spot",
        currency="USD",
        timezone="Etc/UTC",
        subsessions=(regular_hours("2;0000-0000:1234567"),),
        pricescale=1,
        base_price=68020.0,
        volatility=0.7,
        daily_volume=1.2e3,
        listed=date(2011, 8, 18),
        typespecs=("crypto",),
        provider="bitstamp",
        volume_decimals=8,
        trades_per_minute=5,
    ),
    # FX: Sunday 17:00 to Friday 17:00 New York, TradingView's "1700-1700:23456" (its
    # documentation's example of an overnight session "valid Monday through Friday").
    Listing(
        exchange="FX",
        ticker="EURUSD",
        description="Euro / U.S. Dollar",
        type="forex",
        currency="USD",
        timezone="America/New_York",
        subsessions=(regular_hours("1700-1700:23456"),),
        pricescale=100000,
        base_price=1.089,
        volatility=0.07,
        daily_volume=3e5,
        listed=date(1975, 1, 2),
        provider="fxcm",
        trades_per_minute=10,
    ),
    Listing(
        exchange="OANDA",
        ticker="XAUUSD",
        description="Gold Spot / U.S. Dollar",
        type="commodity",
        currency="USD",
        timezone="America/New_York",
        subsessions=(regular_hours("1800-1700:23456"),),
        pricescale=1000,
        base_price=2160.0,
        volatility=0.14,
        daily_volume=1.5e5,
        listed=date(2002, 5, 6),
        typespecs=("cfd",),
        provider="oanda",
    ),
    Listing(
        exchange="LSE",
        ticker="VOD",
        description="Vodafone Group plc",
        type="stock",
        currency="GBX",
        timezone="Europe/London",
        subsessions=(regular_hours("0800-1630"),),
        pricescale=100,
        base_price=70.0,
        volatility=0.25,
        daily_volume=6e7,
        listed=date(1988, 10, 26),
        holidays=UK_HOLIDAYS,
        typespecs=("common",),
        country="GB",
    ),
    Listing(
        exchange="XETR",
        ticker="SAP",
        description="SAP SE",
        type="stock",
        currency="EUR",
        timezone="Europe/Berlin",
        subsessions=(regular_hours("0900-1730"),),
        pricescale=100,
        base_price=178.0,
        volatility=0.25,
        daily_volume=1.5e6,
        listed=date(1988, 11, 28),
        holidays=XETRA_HOLIDAYS,
        typespecs=("common",),
        country="DE",
    ),
    Listing(
        exchange="EURONEXT",
        ticker="GLE",
        description="Société Générale",
        type="stock",
        currency="EUR",
        timezone="Europe/Paris",
        subsessions=(regular_hours("0900-1730"),),
        pricescale=1000,
        base_price=24.5,
        volatility=0.35,
        daily_volume=4e6,
        listed=date(1987, 7, 8),
        holidays=EURONEXT_HOLIDAYS,
        typespecs=("common",),
        country="FR",
    ),
    # Tokyo's lunch break is in its session string: the afternoon count restarts at 12:30.
    Listing(
        exchange="TSE",
        ticker="7203",
        description="Toyota Motor Corporation",
        type="stock",
        currency="JPY",
        timezone="Asia/Tokyo",
        subsessions=(regular_hours("0900-1130,1230-1530"),),
        pricescale=10,
        base_price=3500.0,
        volatility=0.25,
        daily_volume=3e7,
        listed=date(1970, 1, 2),
        holidays=TSE_HOLIDAYS,
        typespecs=("common",),
        country="JP",
    ),
    # HOSE:VCB: everything as its symbol_resolved of 2025-06-25: session "0900-1500" with no
    # break in it, holidays, the regular subsession's correction (Saturday 2025-04-26),
    # pricescale 1 with minmov 100 (VND), variable_tick_size. Its hourly bars are 09:00,
    # 10:00, 11:00, 13:00 and 14:00: no trade in the lunch break (11:30-13:00) nor after the
    # closing auction, and none on the corrected Saturday. Volume in lots of 100 shares.
    Listing(
        exchange="HOSE",
        ticker="VCB",
        description="JOINT STOCK COMMERCIAL BANK FOR FOREIGN TRADE OF VIET NAM",
        type="stock",
        currency="VND",
        timezone="Asia/Ho_Chi_Minh",
        subsessions=(regular_hours("0900-1500", "0900-1500:20250426"),),
        pricescale=1,
        base_price=57000.0,
        volatility=0.25,
        daily_volume=2.5e6,
        listed=date(2009, 6, 30),
        holidays=HOSE_HOLIDAYS,
        minmov=100,
        typespecs=("common",),
        country="VN",
        volume_decimals=-2,
        variable_tick_size="10 10000 50 50000 100",
        prints="0900-1130,1300-1445",
        minute_fill=0.9,
        trades_per_minute=4,
    ),
]

CATALOGUE: dict[str, Listing] = {listing.key: listing for listing in _LISTINGS}


def find(name: str) -> Listing | None:
    """The listing for ``EX:SYM`` (any case) or a bare ticker, as TradingView resolves it."""
    text = name.strip().upper()
    if ":" in text:
        return CATALOGUE.get(text)
    return next((entry for entry in _LISTINGS if entry.ticker == text), None)


@dataclass(frozen=True)
class SymbolSpec:
    """What a ``resolve_symbol`` or ``quote_add_symbols`` string asks for."""

    symbol: str
    session: str = "regular"
    """The subsession the series follows (``regular`` unless the spec says otherwise)."""


def parse_spec(spec: str) -> SymbolSpec | None:
    """The symbol and session of a ``={json}`` spec (any key order), or a bare symbol."""
    if not spec.startswith("="):
        return SymbolSpec(spec)
    try:
        data = json.loads(spec[1:])
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    symbol = data.get("symbol")
    if isinstance(symbol, dict):  # nested specs ({"symbol": {"symbol": ...}}) seen in browsers
        data, symbol = symbol, symbol.get("symbol")
    if not isinstance(symbol, str):
        return None
    session = data.get("session")
    return SymbolSpec(symbol, session if isinstance(session, str) and session else "regular")
