"""confirm CODE: carries out a change asked for by email, once the code comes back from the same address."""

from __future__ import annotations

from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.dialogs import panel, team
from bot.dialogs.answering import UNSURE, answer_in
from bot.reading import answers
from bot.reading.answers import Reading
from bot.turn import KnownTurn
from programme import held_codes

# Each dialog that holds changes for confirmation names the function that carries them out.
CONFIRMED = {**team.CONFIRMED, **panel.CONFIRMED}


async def confirm(turn: KnownTurn, command: Command) -> None:
    code = command.args.split()[0].strip("[]") if command.args else ""
    held = held_codes.find(turn.session, code, turn.activity.sender_id, turn.now,
                           purposes=[held_codes.Purpose.CONFIRM]) if code else turn.held_code(held_codes.Purpose.CONFIRM)
    await _carry_out(turn, held)


async def answer_by_email(turn: KnownTurn, command: Command, held: held_codes.Held | None) -> bool:
    """A reply in words to the "Please confirm" email, whose code is in its subject: "Yes, go ahead"
    carries the change out, "No" leaves everything as it was."""
    if command.word == "confirm":
        return False  # `confirm CODE`, the command
    reading = await answer_in(turn, command, answers.CONFIRMATION, title="Please confirm", subject="Please confirm")
    if reading == UNSURE:
        return True
    if not isinstance(reading, Reading):
        return False
    if reading.word == "cancel":
        if held is not None:
            held_codes.use(turn.session, held, turn.now)
        await turn.reply_card(message_card("Nothing changed", "As you asked, nothing was changed."))
        return True
    await _carry_out(turn, held)
    return True


async def _carry_out(turn: KnownTurn, held: held_codes.Held | None) -> None:
    action, params = (held.record.get("action"), held.record.get("params") or {}) if held else (None, {})
    if held is None or action not in CONFIRMED or not held_codes.use(turn.session, held, turn.now):
        await turn.reply_card(
            message_card("Nothing to confirm", "That code is unknown or has expired. Ask again to get a new one.", attention=True)
        )
        return
    await CONFIRMED[action](turn, action, params)  # audited by the change itself


COMMANDS = {"confirm": confirm}
