"""feedback <text>: recorded for the programme coordinators."""

from __future__ import annotations

from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import Turn
from programme.errors import Invalid
from programme.feedback import record_feedback


async def feedback(turn: Turn, command: Command) -> None:
    try:
        record_feedback(turn.session, turn.person.id if turn.person else None, turn.channel, command.body)
    except Invalid as error:
        await turn.reply_card(message_card("Feedback", str(error), attention=True), subject="Your feedback")
        return
    await turn.reply_card(
        message_card("Thank you", "Your feedback is with the programme coordinators."), subject="Your feedback"
    )


OPEN_COMMANDS = {"feedback": feedback}  # anyone, registered or not
