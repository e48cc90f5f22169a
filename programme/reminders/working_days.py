"""Working days in England and Wales, and the moment a reminder goes out.

Bank holidays come from the maintained `holidays` library (England's list is also Wales's).
A deadline reminder that falls on a weekend or bank holiday moves to the working day before; a
follow-up moves to the working day after. Reminders go out at the cycle's send time in the programme's
local time (TIMEZONE, Europe/London by default),
which is 08:00 or 09:00 UTC depending on the season: the zone database handles the clock changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def on_or_before(day: date) -> date:
    """The working day itself, or the one before it: where a deadline reminder moves."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def on_or_after(day: date) -> date:
    """The working day itself, or the one after it: where a follow-up moves."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    """`count` working days after `day` (before it, for a negative count); `day` itself is not counted."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days after `start`, up to and including `end` (0 if `end` is not later)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def send_moment(day: date, send_time: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of `send_time` on `day` in the programme's time zone."""
    return datetime.combine(day, send_time, tzinfo=zone).astimezone(UTC)
