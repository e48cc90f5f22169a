"""When reminders are planned: 09:00 in the programme's local time (London, in these tests) on a given day."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from programme.reminders.working_days import send_moment

LONDON = ZoneInfo("Europe/London")


def nine(day: date) -> datetime:
    return send_moment(day, time(9), LONDON)
