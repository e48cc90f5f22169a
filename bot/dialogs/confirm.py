"""confirm CODE: carries out a change asked for by email, once the code comes back from the same address."""

from __future__ import annotations

from bot import confirmations
from bot.cards.programme_cards import message_card, unknown_person_card
from bot.commands import Command
from bot.dialogs import panel, team
from bot.turn import Turn
from programme import audit

# Each dialog that holds changes for confirmation names the function that carries them out.
CONFIRMED = {**team.CONFIRMED, **panel.CONFIRMED}


async def confirm(turn: Turn, command: Command) -> None:
    if turn.profile is None:
        await turn.reply_card(unknown_person_card())
        return
    code = command.args.split()[0] if command.args else ""
    pending = confirmations.take(turn.session, code, turn.context.activity.from_property.id, turn.now) if code else None
    if pending is None or pending.action not in CONFIRMED:
        await turn.reply_card(
            message_card("Nothing to confirm", "That code is unknown or has expired. Ask again to get a new one.", attention=True)
        )
        return
    await CONFIRMED[pending.action](turn, pending.action, pending.params)
    audit.record(turn.session, person_id=turn.profile.person_id, channel=turn.channel, action=pending.action,
                 subject=audit.subject_of(pending.params), authority_code=audit.authority_of(turn.session, pending.action, pending.params))
    turn.session.commit()


COMMANDS = {"confirm": confirm}
