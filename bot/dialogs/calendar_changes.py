"""group N and dcs CODE: a coordinator changes one thing in the calendar from a card."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.cards.forms import form_card
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import KnownTurn
from programme.calendar.changes import (
    DCS_FORM,
    FACILITATOR_FORM,
    GROUP_FORM,
    change_group,
    group_to_change,
    replace_dcs,
    replace_facilitator,
    require_coordinator,
)
from programme.errors import Invalid, ProgrammeError


def _group_form(turn: KnownTurn, key: object, *, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None,
                message: str | None = None) -> dict[str, Any]:
    group = group_to_change(turn.session, turn.profile, key, turn.today)
    shown = values or {"date": group.challenge_date.isoformat(), "format": group.format, "location": group.location or ""}
    return form_card(GROUP_FORM, verb="group.save", data={"group": group.key}, values=shown, errors=errors,
                     message=message or f"{group.name}")


async def group(turn: KnownTurn, command: Command) -> None:
    try:
        content = _group_form(turn, command.args.split()[0] if command.args else "")
    except ProgrammeError as error:
        content = message_card("Groups", str(error), attention=True)
    await turn.reply_card(content, subject="Change a group")


async def group_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    try:
        message = change_group(turn.session, turn.profile, data.get("group"), data, turn.now, turn.today, channel=turn.channel)
    except Invalid as error:
        values = {name: str(data.get(name) or "") for name in ("date", "format", "location")}
        return _group_form(turn, data.get("group"), values=values, errors=error.fields, message="Please correct the details below.")
    return message_card("Group changed", message)


async def dcs(turn: KnownTurn, command: Command) -> None:
    try:
        require_coordinator(turn.profile)
    except ProgrammeError as error:
        await turn.reply_card(message_card("A new DCS", str(error), attention=True))
        return
    code = command.args.split()[0].lower() if command.args else ""
    await turn.reply_card(form_card(DCS_FORM, verb="dcs.save", data={"authority": code}, message=f"Authority: {code}"), subject="A new DCS")


async def dcs_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    try:
        message = replace_dcs(turn.session, turn.profile, data.get("authority"), data, turn.now, channel=turn.channel)
    except Invalid as error:
        values = {name: str(data.get(name) or "") for name in ("name", "email")}
        return form_card(DCS_FORM, verb="dcs.save", data={"authority": data.get("authority")}, values=values, errors=error.fields,
                         message="Please correct the details below.")
    return message_card("A new DCS", message)


async def facilitator(turn: KnownTurn, command: Command) -> None:
    try:
        require_coordinator(turn.profile)
    except ProgrammeError as error:
        await turn.reply_card(message_card("A new facilitator", str(error), attention=True))
        return
    key = command.args.split()[0] if command.args else ""
    await turn.reply_card(form_card(FACILITATOR_FORM, verb="facilitator.save", data={"group": key}, message=f"Group: {key}"), subject="A new facilitator")


async def facilitator_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    try:
        message = replace_facilitator(turn.session, turn.profile, data.get("group"), data, turn.now, turn.today, channel=turn.channel)
    except Invalid as error:
        return message_card("A new facilitator", str(error), attention=True)
    return message_card("A new facilitator", message)


COMMANDS = {"group": group, "dcs": dcs, "facilitator": facilitator}
ACTIONS = {"group.save": group_save, "dcs.save": dcs_save, "facilitator.save": facilitator_save}
