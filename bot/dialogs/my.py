"""my nominations, my enquiries, my assignments: what is the person's own."""

from __future__ import annotations

from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.dialogs import assignments, enquiry, greeting, panel, support, team
from bot.turn import KnownTurn

WHAT = (
    ("nomin", panel.mine), ("enq", enquiry.mine), ("inq", enquiry.mine), ("assig", assignments.mine), ("invit", assignments.mine),
    ("ask", support.mine), ("offer", support.mine), ("sugg", support.mine),
)


async def my(turn: KnownTurn, command: Command) -> None:
    asked = command.args.lower()
    for start, reply in WHAT:
        if asked.startswith(start):
            await reply(turn)
            return
    if asked.startswith("team"):
        await team.team(turn, Command("team", "", ""))  # "my team" is the team
        return
    if asked.startswith(("status", "group", "dates")):
        await greeting.status(turn, Command("status", "", ""))
        return
    await turn.reply_card(message_card("Sorry", "Did you mean `my nominations`, `my enquiries`, `my assignments` or `my asks`?"))


COMMANDS = {"my": my}
