"""timeline: the reminders the assistant will send in a period, by day, to whom and why (coordinators)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.cards.elements import card, heading, long_date, paragraph, subheading
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import KnownTurn
from programme.reminders.planning import planned_reminders
from programme.reminders.plan import RULES

_DATES = re.compile(r"(\d{4}-\d{2}-\d{2})")
DEFAULT_DAYS = 28
MAX_DAYS = 366


def period(args: str, today: date) -> tuple[date, date]:
    """`timeline`, `timeline 2022-11-01` or `timeline 2022-11-01 2022-12-31`: four weeks from today by default."""
    found = _DATES.findall(args)
    try:
        start = date.fromisoformat(found[0]) if found else today
        end = date.fromisoformat(found[1]) if len(found) > 1 else start + timedelta(days=DEFAULT_DAYS)
    except ValueError:
        raise ValueError("Write the dates as YYYY-MM-DD, for example `timeline 2022-11-01 2022-12-31`.") from None
    if end < start:
        raise ValueError("The second date must not be before the first.")
    if (end - start).days > MAX_DAYS:
        raise ValueError(f"Ask for at most {MAX_DAYS} days at a time.")
    return start, end


def timeline_card(turn: KnownTurn, start: date, end: date) -> dict:
    reminders = [r for r in planned_reminders(turn.session, turn.zone) if start <= r.on <= end]
    body = [heading(f"Reminders from {long_date(start)} to {long_date(end)}"),
            paragraph(f"{len(reminders)} reminders, if nothing changes meanwhile: what will be sent, to whom, and why.", subtle=True)]
    day = None
    lines: list[str] = []
    for reminder in reminders:
        if reminder.on != day:
            if lines:
                body.append(paragraph("\n".join(lines)))
            day, lines = reminder.on, []
            body.append(subheading(long_date(day)))
        lines.append(f"- {reminder.person.name} ({reminder.payload['authority_name']}): {RULES[reminder.rule]}; {reminder.why}")
    if lines:
        body.append(paragraph("\n".join(lines)))
    return card(body)


async def timeline(turn: KnownTurn, command: Command) -> None:
    if not turn.profile.is_coordinator:
        await turn.reply_card(message_card("Timeline", "Only the programme coordinators see the reminders timeline.", attention=True))
        return
    try:
        start, end = period(command.args, turn.today)
    except ValueError as error:
        await turn.reply_card(message_card("Timeline", str(error), attention=True))
        return
    await turn.reply_card(timeline_card(turn, start, end), subject="Reminders timeline")


COMMANDS = {"timeline": timeline}
