"""What TradingView says of a listing: ``symbol_resolved``'s metadata and a quote's static
fields, shaped like the 2023 and 2025 captures (SP:SPX, TVC:RUT, HOSE:VCB)."""

from __future__ import annotations

from typing import Any

from domain.series import SymbolInfo
from domain.sessions import Subsession
from simulator.listing import Hours, Listing

_STOCKS = frozenset({"stock", "fund"})


def _subsession(hours: Hours) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "description": hours.description,
        "id": hours.id,
        "private": hours.private,
        "session": hours.session,
    }
    if hours.correction:
        entry["session-correction"] = hours.correction
    entry["session-display"] = hours.session
    return entry


def resolved_metadata(listing: Listing, subsession_id: str = "regular") -> dict[str, Any]:
    """The third element of ``symbol_resolved`` for a series of ``subsession_id``'s hours:
    ``session`` and ``subsession_id`` name those hours, ``subsessions`` lists them all."""
    hours = listing.hours(subsession_id)
    return {
        "currency_code": listing.currency,
        "session_holidays": listing.holidays,
        "subsession_id": hours.id,
        "provider_id": listing.provider,
        "currency_id": listing.currency,
        "country": listing.country,
        "pro_perm": "",
        "allowed_adjustment": "any" if listing.type in _STOCKS else "none",
        "short_description": listing.description,
        "variable_tick_size": listing.variable_tick_size,
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
        "session": hours.session,
        "session_display": hours.session,
        "subsessions": [_subsession(h) for h in listing.subsessions],
        "type": listing.type,
        "typespecs": list(listing.typespecs),
        "resolutions": [],
        "has_intraday": True,
        "fractional": False,
        "listed_exchange": listing.exchange,
        "legs": [listing.key],
        "is_tradable": listing.tradable,
        "minmove2": 0,
        "timezone": listing.timezone,
        "aliases": [],
        "alternatives": [],
        "is_replayable": True,
        "has_adjustment": listing.type in _STOCKS,
        "has_extended_hours": listing.has_extended_hours,
        "bar_source": "trade",
        "bar_transform": "none",
        "bar_fillgaps": False,
        "visible_plots_set": "ohlcv" if listing.has_volume else "ohlc",
    }


def quote_static_fields(listing: Listing, *, delayed: bool = False) -> dict[str, Any]:
    """The fields of a quote snapshot that do not move with trades."""
    return {
        "description": listing.description,
        "short_description": listing.description,
        "short_name": listing.ticker,
        "exchange": listing.exchange,
        "listed_exchange": listing.exchange,
        "original_name": listing.key,
        "pro_name": listing.key,
        "type": listing.type,
        "typespecs": list(listing.typespecs),
        "pricescale": listing.pricescale,
        "minmov": listing.minmov,
        "minmove2": 0,
        "fractional": False,
        "format": "price",
        "currency_code": listing.currency,
        "currency_id": listing.currency,
        "timezone": listing.timezone,
        "is_tradable": listing.tradable,
        "update_mode": "delayed_streaming_900" if delayed else "streaming",
    }


def symbol_info(listing: Listing) -> SymbolInfo:
    """What a client should make of ``symbol_resolved`` for this listing (regular hours)."""
    return SymbolInfo(
        symbol=listing.symbol,
        name=listing.ticker,
        description=listing.description,
        type=listing.type,
        currency=listing.currency,
        timezone=listing.timezone,
        session=listing.session,
        session_holidays=listing.holidays,
        pricescale=listing.pricescale,
        has_volume=listing.has_volume,
        subsession_id="regular",
        subsessions=tuple(
            Subsession(h.id, h.session, h.correction, h.description) for h in listing.subsessions
        ),
    )
