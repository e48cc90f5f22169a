"""feedback <text>: recorded for the programme coordinators, who are told; `feedback` alone, from a
coordinator, lists what has come in."""

from __future__ import annotations

from bot.cards.elements import card, heading, paragraph, subheading, when
from bot.cards.paging import page_asked, paged
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import Turn
from programme.errors import Invalid
from programme.feedback import list_feedback, record_feedback


async def feedback(turn: Turn, command: Command) -> None:
    page, args = page_asked(command.args)
    if turn.profile is not None and turn.profile.is_coordinator and not args and (not command.body.strip() or command.body.strip() == command.args):
        await _list(turn, page)
        return
    try:
        record_feedback(turn.session, turn.person.id if turn.person else None, turn.channel, command.body, turn.now)
    except Invalid as error:
        await turn.reply_card(message_card("Feedback", str(error), attention=True), subject="Your feedback")
        return
    await turn.reply_card(
        message_card("Thank you", "Your feedback is with the programme coordinators: each of them has been sent it."), subject="Your feedback"
    )


async def _list(turn: Turn, page: int) -> None:
    assert turn.profile is not None  # a coordinator
    views = list_feedback(turn.session, turn.profile)
    body = [heading(f"Feedback: {len(views)}"), paragraph("Newest first. `export feedback` gives them all as a CSV.", subtle=True)]
    if not views:
        body.append(paragraph("None yet.", subtle=True))
    entries = [[subheading(f"{v.from_name}, {when(v.at, turn.zone)} ({v.channel})"), paragraph(v.text)] for v in views]
    shown = paged(entries, page=page, by_email=turn.by_email, command="feedback", noun="pieces of feedback", export="export feedback")
    await turn.reply_card(card(body + shown.body, shown.actions), subject="Feedback")


OPEN_COMMANDS = {"feedback": feedback}  # anyone, registered or not
