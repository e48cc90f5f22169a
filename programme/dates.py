"""Dates and moments as the programme's people read them: one form everywhere, in cards, emails and
messages ("Monday 22 March 2027", "Monday 22 March 2027 at 14:05" in the programme's time zone)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def long_date(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def long_moment(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{long_date(local.date())} at {local:%H:%M}"
