"""The in-process scheduler: next firings across DST and weekdays, and the firing loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config.schedules import SCHEDULES, ScheduleDefinition, next_fire_time, schedule_by_name
from local.scheduler import LocalScheduler

MARKET_HOURS = schedule_by_name("sync-daily-market-hours")
EVERY_6H = schedule_by_name("sync-all-every-6h")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _firings(schedule: ScheduleDefinition, after: datetime, count: int) -> list[datetime]:
    found: list[datetime] = []
    for _ in range(count):
        after = next_fire_time(schedule, after)
        found.append(after)
    return found


def test_market_hours_follow_new_york_across_the_spring_dst_change() -> None:
    # Friday 2024-03-08 is EST (UTC-5); Monday 2024-03-11 is EDT (UTC-4).
    friday_close = utc(2024, 3, 8, 22, 0)  # 17:00 New York

    assert next_fire_time(MARKET_HOURS, friday_close - timedelta(seconds=1)) == friday_close
    assert next_fire_time(MARKET_HOURS, friday_close) == utc(2024, 3, 11, 13, 0)


def test_market_hours_follow_new_york_across_the_autumn_dst_change() -> None:
    # Friday 2024-11-01 is EDT; Monday 2024-11-04 is EST.
    assert next_fire_time(MARKET_HOURS, utc(2024, 11, 1, 21, 0)) == utc(2024, 11, 4, 14, 0)


def test_market_hours_fire_hourly_nine_to_five_on_weekdays_only() -> None:
    monday_morning = utc(2024, 3, 11, 12, 0)  # 08:00 New York
    week = _firings(MARKET_HOURS, monday_morning, 45)

    assert week[0] == utc(2024, 3, 11, 13, 0)
    assert week[8] == utc(2024, 3, 11, 21, 0)  # 17:00, the last of the day
    assert week[9] == utc(2024, 3, 12, 13, 0)
    assert {moment.weekday() for moment in week} == {0, 1, 2, 3, 4}
    assert next_fire_time(MARKET_HOURS, week[-1]) == utc(2024, 3, 18, 13, 0)


def test_every_6h_is_on_utc_multiples_of_six_hours() -> None:
    assert _firings(EVERY_6H, utc(2024, 3, 10, 5, 59), 4) == [
        utc(2024, 3, 10, 6),
        utc(2024, 3, 10, 12),
        utc(2024, 3, 10, 18),
        utc(2024, 3, 11, 0),
    ]


def test_a_local_time_skipped_by_dst_does_not_fire_and_a_repeated_one_fires_once() -> None:
    at_2_30 = ScheduleDefinition(
        name="t-230",
        expression="cron(30 2 * * ? *)",
        timezone="America/New_York",
        intervals=None,
        description="",
    )
    at_1_30 = ScheduleDefinition(
        name="t-130",
        expression="cron(30 1 * * ? *)",
        timezone="America/New_York",
        intervals=None,
        description="",
    )

    # 2024-03-10 02:30 does not exist in New York: the next firing is on the 11th.
    assert next_fire_time(at_2_30, utc(2024, 3, 9, 8, 0)) == utc(2024, 3, 11, 6, 30)
    # 2024-11-03 01:30 happens twice; it fires at the first (EDT) one only.
    first = next_fire_time(at_1_30, utc(2024, 11, 3, 0, 0))
    assert first == utc(2024, 11, 3, 5, 30)
    assert next_fire_time(at_1_30, first) == utc(2024, 11, 4, 6, 30)


class FakeTime:
    """A clock that moves only when the scheduler waits; stops after ``limit`` firings."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.waits: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.now += timedelta(seconds=seconds)
        return False


def test_the_loop_fires_each_schedule_when_due_in_order() -> None:
    time = FakeTime(utc(2024, 3, 11, 11, 30))  # Monday 07:30 New York
    fired: list[tuple[str, datetime]] = []
    scheduler: LocalScheduler

    def fire(schedule: ScheduleDefinition) -> None:
        fired.append((schedule.name, time.now))
        if len(fired) == 4:
            scheduler.stop()

    scheduler = LocalScheduler(SCHEDULES, fire, clock=time.clock, sleeper=time.sleep)
    scheduler.run()

    assert fired == [
        ("sync-all-every-6h", utc(2024, 3, 11, 12)),
        ("sync-daily-market-hours", utc(2024, 3, 11, 13)),
        ("sync-daily-market-hours", utc(2024, 3, 11, 14)),
        ("sync-daily-market-hours", utc(2024, 3, 11, 15)),
    ]
    assert max(time.waits) <= 60


def test_a_failing_firing_does_not_stop_the_schedules(caplog: pytest.LogCaptureFixture) -> None:
    time = FakeTime(utc(2024, 3, 11, 11, 30))
    calls: list[str] = []
    scheduler: LocalScheduler

    def fire(schedule: ScheduleDefinition) -> None:
        calls.append(schedule.name)
        if len(calls) == 2:
            scheduler.stop()
        raise RuntimeError("queue down")

    scheduler = LocalScheduler([EVERY_6H], fire, clock=time.clock, sleeper=time.sleep)
    scheduler.run()

    assert calls == ["sync-all-every-6h", "sync-all-every-6h"]
    assert "schedule sync-all-every-6h failed" in caplog.text


def test_firings_missed_while_the_machine_slept_run_once_on_waking() -> None:
    time = FakeTime(utc(2024, 3, 11, 11, 59))
    fired: list[datetime] = []
    scheduler: LocalScheduler

    def sleep(seconds: float) -> bool:
        time.now += timedelta(hours=13)  # asleep past 12:00, 18:00 and 00:00
        return False

    def fire(schedule: ScheduleDefinition) -> None:
        fired.append(time.now)
        scheduler.stop()

    scheduler = LocalScheduler([EVERY_6H], fire, clock=time.clock, sleeper=sleep)
    scheduler.run()
    assert fired == [utc(2024, 3, 12, 0, 59)]
    assert next_fire_time(EVERY_6H, fired[0]) == utc(2024, 3, 12, 6)


def test_close_stops_a_started_scheduler_at_once() -> None:
    scheduler = LocalScheduler(SCHEDULES, lambda schedule: None)
    scheduler.start()
    assert scheduler.running

    scheduler.close(timeout=5)

    assert not scheduler.running
