"""When reminders are planned: 09:00 in London on a given day."""

from __future__ import annotations

from datetime import date, datetime, time

from programme.reminders.working_days import send_moment


def nine(day: date) -> datetime:
    return send_moment(day, time(9))
