"""my nominations, my enquiries, my assignments: what is the person's own."""

from __future__ import annotations

from bot.cards.commands import suggestion_card
from bot.cards.paging import page_asked
from bot.commands import Command
from bot.dialogs import assignments, enquiry, greeting, panel, support, team
from bot.turn import KnownTurn

WHAT = (
    ("nomin", panel.mine), ("enq", enquiry.mine), ("inq", enquiry.mine), ("assig", assignments.mine), ("invit", assignments.mine),
    ("ask", support.mine), ("offer", support.mine), ("sugg", support.mine),
)


async def my(turn: KnownTurn, command: Command) -> None:
    page, asked = page_asked(command.args.lower())
    if asked.startswith("nomin"):
        await panel.mine(turn, page)  # a long list: shown a page at a time in Teams
        return
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
    await turn.reply_card(suggestion_card(("my nominations", "my enquiries", "my assignments", "my asks"), by_email=turn.by_email))


COMMANDS = {"my": my}
