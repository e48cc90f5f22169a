"""briefing <group>: the day-before briefing of a group as it would go now (coordinators), the same
card its people receive the working day before their challenge day."""

from __future__ import annotations

from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import KnownTurn
from programme.errors import ProgrammeError
from programme.reminders.briefing import RULE, preview


async def briefing(turn: KnownTurn, command: Command) -> None:
    try:
        payload = preview(turn.session, turn.profile, command.args.split()[0] if command.args.split() else "", turn.today, turn.zone)
    except ProgrammeError as error:
        await turn.reply_card(message_card("The day-before briefing", str(error), attention=True))
        return
    assert turn.renderer is not None  # set by the composition root
    rendered = turn.renderer.render(RULE, payload)
    await turn.reply_card(rendered.card, subject=f"Preview: {rendered.subject}")


COMMANDS = {"briefing": briefing}
