"""Query bounds (``start_date``/``end_date``, ``--start``/``--end``): ISO 8601 in UTC, a bare
end date covering its whole day."""

from __future__ import annotations

import pytest

from application.query_dates import end_epoch, start_epoch
from domain.errors import InvalidInput

MARCH_15 = 1_710_460_800  # 2024-03-15T00:00:00Z


def test_a_bare_date_starts_at_midnight_utc_and_ends_at_its_last_second() -> None:
    assert start_epoch("2024-03-15") == MARCH_15
    assert end_epoch("2024-03-15") == MARCH_15 + 86_399


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("2024-03-15T13:30:00Z", MARCH_15 + 48_600),
        ("2024-03-15T13:30:00", MARCH_15 + 48_600),
        ("2024-03-15T09:30:00-04:00", MARCH_15 + 48_600),
        ("2024-03-15t13:30:00z", MARCH_15 + 48_600),
        ("2024-03-15 13:30", MARCH_15 + 48_600),
    ],
)
def test_date_times_are_read_in_utc_unless_they_carry_an_offset(text: str, epoch: int) -> None:
    assert start_epoch(text) == epoch
    assert end_epoch(text) == epoch


def test_no_date_is_no_bound() -> None:
    assert start_epoch(None) is None and end_epoch(None) is None


@pytest.mark.parametrize("text", ["yesterday", "2024-02-30", "15/03/2024", "", "2024-13-01"])
def test_anything_else_is_invalid_input_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        start_epoch(text)
    assert caught.value.field == "start_date"
    with pytest.raises(InvalidInput) as caught:
        end_epoch(text)
    assert caught.value.field == "end_date"


def test_the_ends_of_the_calendar_are_still_bounds() -> None:
    earliest, latest = start_epoch("0001-01-01T00:00:00+01:00"), end_epoch("9999-12-31")
    assert earliest is not None and earliest < 0
    assert latest is not None and latest > 4_000_000_000


def test_the_cli_names_its_own_options_in_errors() -> None:
    with pytest.raises(InvalidInput) as caught:
        end_epoch("yesterday", "end")
    assert caught.value.field == "end"
    assert end_epoch("2024-03-15", "end") == MARCH_15 + 86_399
