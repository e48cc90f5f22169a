"""self-assessment: a DCS or delegate says theirs is sent (with a link); coordinators mark them received."""

from __future__ import annotations

from typing import Any

from bot.cards.elements import card, execute, facts, heading, long_date, paragraph, subheading
from bot.cards.forms import form_card
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import KnownTurn
from programme.calendar.self_assessment import mark_received, mark_sent, statuses
from programme.errors import Invalid, ProgrammeError
from programme.forms import Field, Form

SENT_FORM = Form("self_assessment_sent", "Our self-assessment is sent", "Signed off by the DCS, for dissemination to the group.", (
    Field("link", "Link to the document", max_length=1000, help="https://..."),), submit_label="Record it as sent")


def status_card(turn: KnownTurn, message: str | None = None) -> dict[str, Any]:
    body = [heading("Self-assessments")]
    if message:
        body.append(paragraph(message))
    rows = statuses(turn.session, turn.profile, turn.today)
    group, grouped = None, len({s.group_name for s in rows}) > 1
    for status in rows:
        if grouped and status.group_name != group:
            group = status.group_name
            body.append(subheading(group))
        state = f"received {long_date(status.received_on)}" if status.received_on else ("sent, not yet received" if status.sent else "not yet sent")
        shown = [(status.authority_name, f"{state}; due {long_date(status.deadline)}")]
        if status.link:
            shown.append(("Sent as", status.link))  # the document the DCS sent, for the coordinators to open
        body.append(facts(shown))
        actions = []
        if status.may_mark_received:
            actions.append(execute(f"Mark {status.authority_name} received", "sa.received", {"authority": status.authority_code}))
        if status.may_mark_sent:
            actions.append(execute(f"{status.authority_name}'s is sent", "sa.sent", {"authority": status.authority_code}))
        if actions:
            body.append({"type": "ActionSet", "actions": actions})
    if not rows:
        body.append(paragraph("No authority is in a group this cycle.", subtle=True))
    return card(body)


async def self_assessment(turn: KnownTurn, _command: Command) -> None:
    try:
        content = status_card(turn)
    except ProgrammeError as error:
        content = message_card("Self-assessments", str(error), attention=True)
    await turn.reply_card(content, subject="Self-assessments")


async def sent_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    return form_card(SENT_FORM, verb="sa.sent.save", data={"authority": data.get("authority")})


async def sent_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    try:
        message = mark_sent(turn.session, turn.profile, data.get("authority"), data.get("link"), turn.now, turn.today, channel=turn.channel)
    except Invalid as error:
        return form_card(SENT_FORM, verb="sa.sent.save", data={"authority": data.get("authority")}, errors=error.fields,
                         values={"link": str(data.get("link") or "")}, message="Please correct the details below.")
    return status_card(turn, message)


async def received_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    message = mark_received(turn.session, turn.profile, data.get("authority"), turn.now, turn.today,
                            channel=turn.channel)
    return status_card(turn, message)


COMMANDS = {"self-assessment": self_assessment, "self-assessments": self_assessment}
ACTIONS = {"sa.sent": sent_from_card, "sa.sent.save": sent_save, "sa.received": received_from_card}
