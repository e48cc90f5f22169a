"""audit: the latest changes made through the assistant and the command line (coordinators)."""

from __future__ import annotations

import re

from bot.cards.elements import card, heading, paragraph, when
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import KnownTurn
from programme.audit import entries
from programme.errors import ProgrammeError

_FILTER = re.compile(r"(authority|person)\s*[=:]\s*(\S+)", re.I)
CHANNELS = {"msteams": "Teams", "email": "email", "cli": "command line", "clock": "its nightly run"}


async def audit_trail(turn: KnownTurn, command: Command) -> None:
    filters = {key.lower(): value for key, value in _FILTER.findall(command.args)}
    try:
        rows = entries(turn.session, turn.profile, **filters)
    except ProgrammeError as error:
        await turn.reply_card(message_card("Audit", str(error), attention=True), subject="Audit")
        return
    body = [heading(f"Audit: the latest {len(rows)} changes"),
            paragraph("Filter with `audit authority=kent` or `audit person=name@council.example`.", subtle=True)]
    lines = [
        f"- {when(e.at, turn.zone)}: {e.who}, by {CHANNELS.get(e.channel, e.channel)}: {e.action}"
        + (f" {e.subject}" if e.subject else "") + (f" ({e.authority})" if e.authority else "")
        for e in rows
    ]
    body.append(paragraph("\n".join(lines) if lines else "Nothing yet.", subtle=not lines))
    await turn.reply_card(card(body), subject="Audit")


COMMANDS = {"audit": audit_trail}
