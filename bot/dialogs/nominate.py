"""nominate: a colleague to the regional panel, by card in Teams and by email (the same card, answered
by reply: bot/email_cards.py); join and decline: the nominee's answer.

Each form sent out carries its own token in the card's action data. A token that was acted on
returns what it said the first time, so a retried or doubled submission nominates nobody twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from bot.cards.elements import card, command_button, heading, paragraph
from bot.cards.forms import form_card
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.dialogs.answering import UNSURE, answer_in
from bot.reading import answers
from bot.reading.answers import Reading
from bot.turn import KnownTurn
from programme import held_codes
from programme.errors import NotAllowed, NotFound
from programme.panel.nomination import NO_INVITATION, Outcome, answer_invitation, nomination_form_for, submit_nomination

VERB = "nomination.submit"
SUBJECT = "Nominate a colleague to the regional panel"


async def nominate(turn: KnownTurn, _command: Command) -> None:
    try:
        asked = nomination_form_for(turn.session, turn.profile)
    except NotAllowed as error:
        await turn.reply_card(message_card("Nominations", str(error), attention=True), subject=SUBJECT)
        return
    await turn.reply_card(form_card(asked.form, verb=VERB, data={"token": uuid.uuid4().hex}, values=asked.defaults), subject=SUBJECT)


async def submit_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    asked = nomination_form_for(turn.session, turn.profile)
    form, authorities = asked.form, asked.authorities
    token = str(data.get("token") or "")
    if not token:
        return message_card("Please start again", "This form has no reference. Type `nominate` for a new one.", attention=True)
    submitted = {spec.name: data.get(spec.name) for spec in form.fields}
    outcome = submit_nomination(turn.session, turn.profile, token, submitted, turn.now, authorities=authorities, channel=turn.channel)
    if outcome.errors:
        assert outcome.checked is not None  # an outcome with errors carries the checked form
        return form_card(form, verb=VERB, data={"token": token}, values=outcome.checked.raw, errors=outcome.errors, message=outcome.message)
    return _confirmation(outcome)


def _confirmation(outcome: Outcome) -> dict[str, Any]:
    title = "Nomination received" if outcome.done else "Already on the panel"
    return card(
        [heading(title), paragraph(outcome.message)]
        + ([paragraph("The coordinators have been told, and your colleague will get an email explaining the panel.")] if outcome.done else []),
        [command_button("Nominate someone else", "nominate")],
    )


async def _answer(turn: KnownTurn, accept: bool) -> None:
    if turn.by_email:  # an answer carrying the invitation's reference was taken by answer_by_email
        await turn.reply_card(message_card(
            "Which invitation?", "Reply to the invitation email itself, keeping the reference in its subject line.", attention=True))
        return
    await _reply(turn, accept, None)


async def _reply(turn: KnownTurn, accept: bool, nomination_id: int | None) -> None:
    try:
        text = answer_invitation(turn.session, turn.person, accept=accept, nomination_id=nomination_id, now=turn.now, channel=turn.channel)
    except NotFound as error:
        await turn.reply_card(message_card("The regional panel", str(error), attention=True), subject="The regional panel")
        return
    await turn.reply_card(message_card("The regional panel", text), subject="The regional panel")


async def answer_by_email(turn: KnownTurn, command: Command, held: held_codes.Held | None) -> bool:
    """An answer to the invitation, in words ("Yes, happy to", "No thank you, I'll have to
    decline"): True if this email was one. `held` is the invitation's code, sent to this sender;
    None if the reference it carries was sent to someone else."""
    reading = await answer_in(turn, command, answers.PANEL_INVITATION, title="The regional panel", subject="The regional panel")
    if reading == UNSURE:
        return True
    if not isinstance(reading, Reading):
        return False
    if held is None:
        await turn.reply_card(message_card("The regional panel", NO_INVITATION, attention=True), subject="The regional panel")
        return True
    await _reply(turn, reading.word == "join", int(held.record["nomination"]))
    return True


async def join(turn: KnownTurn, _command: Command) -> None:
    await _answer(turn, True)


async def decline(turn: KnownTurn, _command: Command) -> None:
    await _answer(turn, False)


COMMANDS = {"nominate": nominate, "join": join, "decline": decline}
ACTIONS = {VERB: submit_from_card}
