"""timeline: the reminders the assistant will send in a period, by day, to whom and why (coordinators)."""

from __future__ import annotations

from typing import Any

from bot.cards.elements import card, heading, long_date, paragraph, subheading
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import KnownTurn
from programme.errors import ProgrammeError
from programme.reminders.plan import RULES
from programme.reminders.planning import Timeline, timeline


def timeline_card(found: Timeline) -> dict[str, Any]:
    start, end, reminders = found.start, found.end, found.reminders
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


async def timeline_command(turn: KnownTurn, command: Command) -> None:
    try:
        found = timeline(turn.session, turn.profile, command.args, turn.today, turn.zone)
    except ProgrammeError as error:
        await turn.reply_card(message_card("Timeline", str(error), attention=True))
        return
    await turn.reply_card(timeline_card(found), subject="Reminders timeline")


COMMANDS = {"timeline": timeline_command}
