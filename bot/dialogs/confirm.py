"""confirm CODE: carries out a change asked for by email, once the code comes back from the same address."""

from __future__ import annotations

from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.dialogs import panel, team
from bot.turn import KnownTurn
from programme import held_codes

# Each dialog that holds changes for confirmation names the function that carries them out.
CONFIRMED = {**team.CONFIRMED, **panel.CONFIRMED}


async def confirm(turn: KnownTurn, command: Command) -> None:
    code = command.args.split()[0].strip("[]") if command.args else ""
    held = held_codes.find(turn.session, code, turn.context.activity.from_property.id, turn.now,
                           purposes=[held_codes.Purpose.CONFIRM]) if code else None
    action, params = (held.record.get("action"), held.record.get("params") or {}) if held else (None, {})
    if held is None or action not in CONFIRMED or not held_codes.use(turn.session, held, turn.now):
        await turn.reply_card(
            message_card("Nothing to confirm", "That code is unknown or has expired. Ask again to get a new one.", attention=True)
        )
        return
    await CONFIRMED[action](turn, action, params)  # audited by the change itself


COMMANDS = {"confirm": confirm}
