"""nominate: a colleague to the regional panel, by card in Teams and by text form in email.

Each form sent out carries its own token: in the card's action data, or in an email as a code in
the subject that is bound to the address it was sent to. A token that was acted on returns what
it said the first time, so a retried or doubled submission nominates nobody twice.
"""

from __future__ import annotations

import json
import re
from html import escape
import secrets
import uuid

from bot import confirmations
from bot.cards.elements import card, command_button, heading, paragraph
from bot.cards.forms import form_card
from bot.cards.programme_cards import message_card, unknown_person_card
from bot.commands import Command, unquoted
from bot.forms_text import parse_reply, text_template
from bot.turn import Turn
from programme.errors import NotAllowed, NotFound
from programme.panel.nomination import (
    Outcome,
    answer_invitation,
    nominating_authorities,
    nomination_form,
    submit_nomination,
)
from storage.bot_state import BotStateRecord

VERB = "nomination.submit"
SUBJECT = "Nominate a colleague to the regional panel"
_CODE = re.compile(r"\[(N-[A-Z0-9]{8})\]")


def _form(turn: Turn):
    authorities = nominating_authorities(turn.session, turn.profile)
    if not authorities:
        raise NotAllowed(
            "Only a DCS or their delegate can nominate colleagues to the regional panel, for their own "
            "authority; programme coordinators can nominate for any authority."
        )
    return nomination_form(authorities), authorities


async def nominate(turn: Turn, _command: Command) -> None:
    if turn.profile is None:
        await turn.reply_card(unknown_person_card())
        return
    try:
        form, authorities = _form(turn)
    except NotAllowed as error:
        await turn.reply_card(message_card("Nominations", str(error), attention=True), subject=SUBJECT)
        return
    defaults = {"authority": authorities[0][0]} if len(authorities) == 1 else {}
    if turn.by_email:
        code = _hold_email_form(turn)
        await turn.reply_email(text_template(form, defaults), _html(text_template(form, defaults)), subject=f"{SUBJECT} [{code}]")
        return
    await turn.reply_card(form_card(form, verb=VERB, data={"token": uuid.uuid4().hex}, values=defaults))


async def submit_from_card(turn: Turn, data: dict) -> dict:
    form, authorities = _form(turn)
    token = str(data.get("token") or "")
    if not token:
        return message_card("Please start again", "This form has no reference. Type `nominate` for a new one.", attention=True)
    submitted = {spec.name: data.get(spec.name) for spec in form.fields}
    outcome = submit_nomination(turn.session, turn.profile, token, submitted, turn.now, authorities=authorities)
    if outcome.errors:
        return form_card(form, verb=VERB, data={"token": token}, values=outcome.checked.raw, errors=outcome.errors, message=outcome.message)
    return _confirmation(outcome)


def _confirmation(outcome: Outcome) -> dict:
    title = "Nomination received" if outcome.done else "Already on the panel"
    return card(
        [heading(title), paragraph(outcome.message)]
        + ([paragraph("The coordinators have been told, and your colleague will get an email explaining the panel.")] if outcome.done else []),
        [command_button("Nominate someone else", "nominate")],
    )


def _key(code: str) -> str:
    return f"email-form/{code}"


def _hold_email_form(turn: Turn) -> str:
    code = "N-" + confirmations.new_code(8)
    document = json.dumps({"address": turn.context.activity.from_property.id.lower(), "form": "nomination"})
    turn.session.add(BotStateRecord(key=_key(code), document=document, e_tag=secrets.token_hex(8)))
    turn.session.commit()
    return code


def email_form_code(turn: Turn) -> str | None:
    """The code of a nomination form we sent to this sender, if this email answers one."""
    match = _CODE.search(turn.subject) or _CODE.search(turn.context.activity.text or "")
    if not match:
        return None
    record = turn.session.get(BotStateRecord, _key(match.group(1)))
    if record is None or json.loads(record.document)["address"] != turn.context.activity.from_property.id.lower():
        return None
    return match.group(1)


async def submit_from_email(turn: Turn, code: str) -> None:
    try:
        form, _ = _form(turn)
    except NotAllowed as error:
        await turn.reply_card(message_card("Nominations", str(error), attention=True), subject=SUBJECT)
        return
    submitted = parse_reply(form, unquoted(turn.context.activity.text))
    outcome = submit_nomination(turn.session, turn.profile, f"email-{code}", submitted, turn.now)
    if outcome.errors:
        text = text_template(form, outcome.checked.raw, outcome.errors)
        await turn.reply_email(text, _html(text), subject=f"{SUBJECT} [{code}]")
        return
    await turn.reply_card(_confirmation(outcome), subject=f"{SUBJECT} [{code}]")


def _html(text: str) -> str:
    return '<div style="font-family:Segoe UI,Arial,sans-serif;font-size:15px;line-height:1.4"><pre style="font-family:inherit;white-space:pre-wrap">' + escape(text) + "</pre></div>"


_INVITATION = re.compile(r"\[(P[0-9A-F]{8})\]", re.I)


async def _answer(turn: Turn, accept: bool) -> None:
    if turn.person is None:
        await turn.reply_card(unknown_person_card())
        return
    code = None
    if turn.by_email:
        match = _INVITATION.search(turn.subject) or _INVITATION.search(turn.context.activity.text or "")
        if match is None:
            await turn.reply_card(
                message_card("Which invitation?", "Reply to the invitation email itself, keeping the reference in its subject line.", attention=True)
            )
            return
        code = match.group(1)
    try:
        text = answer_invitation(turn.session, turn.person, accept=accept, code=code, now=turn.now)
    except NotFound as error:
        await turn.reply_card(message_card("The regional panel", str(error), attention=True), subject="The regional panel")
        return
    await turn.reply_card(message_card("The regional panel", text), subject="The regional panel")


async def join(turn: Turn, _command: Command) -> None:
    await _answer(turn, True)


async def decline(turn: Turn, _command: Command) -> None:
    await _answer(turn, False)


COMMANDS = {"nominate": nominate, "join": join, "decline": decline}
ACTIONS = {VERB: submit_from_card}
