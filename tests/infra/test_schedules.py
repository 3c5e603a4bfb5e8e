"""config/schedules.py: the definitions, the cron parser and what the scheduler receives.

A unit test (no synth); it sits with the infrastructure tests because the definitions are
deployed by the stack. Firing times across DST are covered in tests/unit/test_local_scheduler.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from config.schedules import (
    SCHEDULES,
    CronExpression,
    ScheduleDefinition,
    next_fire_time,
    schedule_by_name,
)


def _definition(expression: str, **overrides: object) -> ScheduleDefinition:
    fields: dict[str, object] = {
        "name": "t",
        "expression": expression,
        "timezone": "UTC",
        "intervals": None,
        "description": "",
    }
    fields.update(overrides)
    return ScheduleDefinition(**fields)  # type: ignore[arg-type]


def test_the_two_schedules_of_the_design() -> None:
    every_6h, market_hours = SCHEDULES
    assert (every_6h.expression, every_6h.timezone, every_6h.intervals) == (
        "cron(0 */6 * * ? *)",
        "UTC",
        None,
    )
    assert (market_hours.expression, market_hours.timezone, market_hours.intervals) == (
        "cron(0 9-17 ? * MON-FRI *)",
        "America/New_York",
        ("1d",),
    )
    assert len({s.name for s in SCHEDULES}) == len(SCHEDULES)
    assert schedule_by_name(market_hours.name) is market_hours
    with pytest.raises(KeyError):
        schedule_by_name("nope")


def test_cron_fields_values_ranges_steps_lists_and_names() -> None:
    cron = CronExpression.parse("cron(0/15 1,3,5-7 ? JAN-MAR,DEC 2-6 2025-2026)")
    assert cron.minutes == {0, 15, 30, 45}
    assert cron.hours == {1, 3, 5, 6, 7}
    assert cron.months == frozenset({1, 2, 3, 12})
    assert cron.days_of_week == frozenset({2, 3, 4, 5, 6})  # MON-FRI as numbers
    assert cron.years == frozenset(range(2025, 2027))
    assert cron.days_of_month is None
    every = CronExpression.parse("cron(* * * * ? *)")
    assert len(every.minutes) == 60 and len(every.hours) == 24
    assert CronExpression.parse("cron(0 10-20/5 * * ? *)").hours == {10, 15, 20}


def test_days_of_week_count_from_sunday() -> None:
    weekdays = CronExpression.parse("cron(0 9 ? * MON-FRI *)")
    assert weekdays.matches_day(date(2024, 3, 11))  # a Monday
    assert not weekdays.matches_day(date(2024, 3, 10))  # a Sunday
    sundays = CronExpression.parse("cron(0 9 ? * 1 *)")
    assert sundays.matches_day(date(2024, 3, 10))


@pytest.mark.parametrize(
    "expression",
    [
        "rate(6 hours)",
        "cron(0 9 * * *)",  # five fields
        "cron(0 9 * * * *)",  # no '?'
        "cron(0 9 ? * ? *)",  # two '?'
        "cron(0 9 L * ? *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 9 15W * ? *)",
        "cron(60 9 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 9 * 13 ? *)",
        "cron(0 17-9 * * ? *)",
        "cron(0 */0 * * ? *)",
    ],
)
def test_expressions_eventbridge_would_refuse_or_this_module_cannot_evaluate(
    expression: str,
) -> None:
    with pytest.raises(ValueError):
        CronExpression.parse(expression)


def test_definitions_are_checked_when_made() -> None:
    with pytest.raises(ValueError, match="time zone"):
        _definition("cron(0 9 * * ? *)", timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="name"):
        _definition("cron(0 9 * * ? *)", name="has spaces")
    with pytest.raises(ValueError, match="intervals"):
        _definition("cron(0 9 * * ? *)", intervals=())
    with pytest.raises(ValueError):
        _definition("cron(0 9 * * * *)")


def test_target_input_names_the_schedule_and_filters_the_intervals() -> None:
    every_6h, market_hours = SCHEDULES
    symbols = ("NASDAQ:AAPL", "BINANCE:BTCUSDT")
    assert every_6h.target_input(symbols, ("1d", "1h")) == {
        "schedule": every_6h.name,
        "symbols": list(symbols),
        "intervals": ["1d", "1h"],
    }
    assert market_hours.target_input(symbols, ("1d", "1h"))["intervals"] == ["1d"]
    assert market_hours.target_input(symbols, ("1h",))["intervals"] == []
    assert market_hours.applies_to("1d") and not market_hours.applies_to("1h")
    assert every_6h.applies_to("1M")


def test_next_fire_time_needs_an_aware_time_and_a_reachable_expression() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_fire_time(SCHEDULES[0], datetime(2024, 1, 1))  # naive on purpose
    past = _definition("cron(0 9 * * ? 2020)")
    with pytest.raises(ValueError, match="does not fire"):
        next_fire_time(past, datetime(2024, 1, 1, tzinfo=UTC))
    feb_29 = _definition("cron(0 0 29 2 ? *)")
    assert next_fire_time(feb_29, datetime(2025, 1, 1, tzinfo=UTC)) == datetime(
        2028, 2, 29, tzinfo=UTC
    )
