"""timeline: the reminders the assistant will send in a period, by day, to whom and why (coordinators)."""

from __future__ import annotations

from typing import Any

from bot.cards.elements import card, heading, long_date, paragraph, subheading
from bot.cards.paging import page_asked, paged
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import KnownTurn
from programme.errors import ProgrammeError
from programme.reminders.plan import RULES
from programme.reminders.planning import Timeline, timeline

LINES_PER_ENTRY = 20  # a busy day is shown in parts, so that a page can end within it


def timeline_card(found: Timeline, *, page: int = 1, by_email: bool = False, command: str = "timeline") -> dict[str, Any]:
    start, end, reminders = found.start, found.end, found.reminders
    body = [heading(f"Reminders from {long_date(start)} to {long_date(end)}"),
            paragraph(f"{len(reminders)} reminders, if nothing changes meanwhile: what will be sent, to whom, and why.", subtle=True)]
    days: dict[Any, list[str]] = {}
    for reminder in reminders:
        days.setdefault(reminder.on, []).append(
            f"- {reminder.person.name} ({reminder.payload['authority_name']}): {RULES[reminder.rule]}; {reminder.why}")
    entries = []
    for day, lines in days.items():
        for part in range(0, len(lines), LINES_PER_ENTRY):
            title = long_date(day) + (" (continued)" if part else "")
            entries.append([subheading(title), paragraph("\n".join(lines[part:part + LINES_PER_ENTRY]))])
    shown = paged(entries, page=page, by_email=by_email, command=command, noun="parts of the timeline")
    return card(body + shown.body, shown.actions)


async def timeline_command(turn: KnownTurn, command: Command) -> None:
    page, args = page_asked(command.args)
    try:
        found = timeline(turn.session, turn.profile, args, turn.today, turn.zone)
    except ProgrammeError as error:
        await turn.reply_card(message_card("Timeline", str(error), attention=True))
        return
    await turn.reply_card(timeline_card(found, page=page, by_email=turn.by_email, command=f"timeline {args}".strip()), subject="Reminders timeline")


COMMANDS = {"timeline": timeline_command}
