"""asks, offers, plenary, my asks and directory: what authorities ask for and offer after the day.

By email, the form's reply may hold several items at once: blocks of `Label: value` lines
separated by a line of dashes (`---`). They are saved together, or none is.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from bot.cards.forms import form_card
from bot.cards.paging import page_asked
from bot.cards.programme_cards import message_card
from bot.cards.support import directory_card, items_card, saved_card
from bot.commands import Command
from bot.email_cards import EMAIL_BODY, ITEMS, SEVERAL
from bot.reading.fields import parse_reply
from bot.reading.quoted import unquoted
from bot.turn import KnownTurn
from programme.errors import Invalid, ProgrammeError
from programme.forms import Form, FormFor
from programme.support.directory import confirm_match, directory, parse_theme
from programme.support.form import ASK, OFFER, edit_form
from programme.support.items import item_form_for, load_item, own_items, submit_items, update_item, withdraw_item

KINDS = {"ask": ASK, "asks": ASK, "offer": OFFER, "offers": OFFER, "plenary": "suggestion", "suggestion": "suggestion", "suggestions": "suggestion"}
_SEPARATOR = re.compile(r"^\s*-{3,}\s*$", re.M)
_THEME = re.compile(r"theme\s*[=:]\s*(.+)$", re.I)


async def record(turn: KnownTurn, command: Command) -> None:
    """`asks`, `offers` or `plenary`: the form for one item (by email, several at once)."""
    kind = KINDS[command.word]
    try:
        asked = item_form_for(turn.session, turn.profile, kind, turn.today)
    except ProgrammeError as error:
        await turn.reply_card(message_card("Asks and offers", str(error), attention=True))
        return
    await turn.reply_card(_form(turn, kind, asked, uuid.uuid4().hex), subject=asked.form.title)


def _form(turn: KnownTurn, kind: str, asked: FormFor, token: str, values: Mapping[str, str] | None = None,
          errors: Mapping[str, str] | None = None, message: str | None = None,
          items: Sequence[Mapping[str, str]] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {"token": token, "kind": kind}
    if turn.by_email:
        message = message or "To send several at once, repeat the lines for each one, with a line of three dashes (---) between them."
        data[SEVERAL] = True
        if items:
            data[ITEMS] = [dict(item) for item in items]  # every item as given, when one of several has a problem
    return form_card(asked.form, verb="support.submit", data=data, values=asked.defaults if values is None else values,
                     errors=errors, message=message)


async def submit_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    kind = given if (given := data.get("kind")) in (ASK, OFFER, "suggestion") else ASK
    token = str(data.get("token") or "")
    asked = item_form_for(turn.session, turn.profile, kind, turn.today)
    if not token:
        return message_card("Please start again", "This form has no reference. Type `asks` or `offers` for a new one.", attention=True)
    form = asked.form
    items = _items(form, data, asked.defaults)
    outcome = submit_items(turn.session, turn.profile, token, kind, items, turn.now, turn.today, channel=turn.channel)
    if not outcome.done:
        if len(outcome.errors) == 1:
            return _form(turn, kind, asked, token, outcome.raw[0], outcome.errors[0], outcome.message)
        problems = "\n".join(
            f"- Item {number}: {message}" for number, errors in enumerate(outcome.errors, start=1) for message in errors.values()
        )
        return _form(turn, kind, asked, token, outcome.raw[0], {}, f"{outcome.message}\n{problems}", items=outcome.raw)
    return saved_card(outcome.message, kind)


def _items(form: Form, data: dict[str, Any], defaults: Mapping[str, str]) -> list[dict[str, Any]]:
    """One item from a card; from an email, one per block of lines that fills in anything (the blank
    block left to copy is not an item), with what the form fills in itself (the authority) kept."""
    body = unquoted(data.get(EMAIL_BODY) or "")
    blocks = [block for block in _SEPARATOR.split(body) if block.strip()] if body else []
    if len(blocks) > 1:
        items = []
        for block in blocks:
            given = {name: value for name, value in parse_reply(form, block).items() if value.strip()}
            if any(name not in defaults or given[name] != defaults[name] for name in given):
                items.append({**defaults, **given})
        if items:
            return items
    return [{spec.name: data.get(spec.name) for spec in form.fields}]


async def mine(turn: KnownTurn) -> None:
    views = own_items(turn.session, turn.profile, turn.today)
    title = "Asks and offers, every authority" if turn.profile.is_coordinator else "Your authority's asks and offers"
    await turn.reply_card(items_card(views, title=title), subject="Asks and offers")


async def directory_command(turn: KnownTurn, command: Command) -> None:
    page, args = page_asked(command.args)
    match = _THEME.search(args)
    try:
        d = directory(turn.session, turn.profile, turn.today, theme=parse_theme(match.group(1) if match else None))
    except ProgrammeError as error:
        await turn.reply_card(message_card("Directory of support", str(error), attention=True))
        return
    await turn.reply_card(directory_card(d, page=page, by_email=turn.by_email, command=f"directory {args}".strip()), subject="Directory of support")


async def edit_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    item, _ = load_item(turn.session, turn.profile, data.get("id"), turn.today, to_change=True)
    values = {"theme": item.theme, "title": item.title, "description": item.description, "route": item.route,
              "contact_name": item.contact_name, "contact_email": item.contact_email}
    return form_card(edit_form(item.kind), verb="support.update", data={"id": item.id}, values=values)


async def update_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    try:
        message = update_item(turn.session, turn.profile, data.get("id"), data, turn.now, turn.today, channel=turn.channel)
    except Invalid as error:
        item, _ = load_item(turn.session, turn.profile, data.get("id"), turn.today, to_change=True)
        form = edit_form(item.kind)
        values = {spec.name: str(data.get(spec.name) or "") for spec in form.fields}
        return form_card(form, verb="support.update", data={"id": item.id}, values=values, errors=error.fields, message="Please correct the details below.")
    return items_card(own_items(turn.session, turn.profile, turn.today), message)


async def withdraw_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    message = withdraw_item(turn.session, turn.profile, data.get("id"), turn.now, turn.today, channel=turn.channel)
    return items_card(own_items(turn.session, turn.profile, turn.today), message)


async def match_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    message = confirm_match(turn.session, turn.profile, data.get("ask"), data.get("offer"), turn.now, channel=turn.channel)
    return directory_card(directory(turn.session, turn.profile, turn.today), message)


COMMANDS = dict.fromkeys(KINDS, record) | {"directory": directory_command}
ACTIONS = {
    "support.submit": submit_from_card,
    "support.edit": edit_from_card,
    "support.update": update_from_card,
    "support.withdraw": withdraw_from_card,
    "support.match": match_from_card,
}
