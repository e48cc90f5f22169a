"""Working days in England and Wales, bank holidays included, across the clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from programme.reminders.working_days import add_working_days, is_working_day, on_or_after, on_or_before, send_moment, working_days_between

LONDON = ZoneInfo("Europe/London")  # the programme's local time in these tests


def test_weekends_and_bank_holidays_are_not_working_days():
    assert is_working_day(date(2023, 1, 16))  # a Monday: Triad 1's day
    assert not is_working_day(date(2023, 1, 14)) and not is_working_day(date(2023, 1, 15))
    for holiday in (date(2022, 12, 26), date(2022, 12, 27), date(2023, 1, 2), date(2023, 4, 7), date(2023, 4, 10), date(2023, 5, 8)):
        assert not is_working_day(holiday), holiday  # Boxing Day, Christmas observed, New Year observed, Easter, the Coronation
    assert not is_working_day(date(2022, 9, 19))  # the Queen's state funeral: a one-off bank holiday


def test_a_deadline_moves_earlier_and_a_follow_up_later():
    assert on_or_before(date(2022, 12, 27)) == date(2022, 12, 23)  # over Christmas to the Friday before
    assert on_or_after(date(2022, 12, 24)) == date(2022, 12, 28)
    assert on_or_before(date(2023, 1, 18)) == on_or_after(date(2023, 1, 18)) == date(2023, 1, 18)


def test_counting_working_days():
    assert add_working_days(date(2022, 12, 22), 5) == date(2023, 1, 3)  # 23, 28, 29, 30 December, 3 January
    assert add_working_days(date(2023, 1, 3), -5) == date(2022, 12, 22)
    assert working_days_between(date(2022, 12, 22), date(2023, 1, 3)) == 5


def test_nine_oclock_in_london_is_utc_in_winter_and_an_hour_earlier_in_summer():
    assert send_moment(date(2023, 3, 24), time(9), LONDON) == datetime(2023, 3, 24, 9, tzinfo=UTC)  # before the March change
    assert send_moment(date(2023, 3, 27), time(9), LONDON) == datetime(2023, 3, 27, 8, tzinfo=UTC)  # after it
    assert send_moment(date(2022, 10, 28), time(9), LONDON) == datetime(2022, 10, 28, 8, tzinfo=UTC)
    assert send_moment(date(2022, 10, 31), time(9), LONDON) == datetime(2022, 10, 31, 9, tzinfo=UTC)  # after the October change


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=0, max_value=40))
def test_adding_working_days_lands_on_a_working_day_and_counts_back(day, count):
    later = add_working_days(day, count)
    assert working_days_between(day, later) == count
    if count:
        assert is_working_day(later)


@given(st.dates(min_value=date(2022, 1, 1), max_value=date(2024, 12, 31)), st.integers(min_value=0, max_value=30),
       st.integers(min_value=0, max_value=5))
def test_more_than_the_limit_late_is_the_same_as_before_the_cut_off(on, late_days, limit):
    """The planner's one cut-off per round says what counting working days for each reminder would."""
    today = on + timedelta(days=late_days)
    cutoff = add_working_days(on_or_before(today), -limit)
    assert (working_days_between(on, today) > limit) == (on < cutoff)
