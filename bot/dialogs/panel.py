"""panel (coordinators) and my nominations: the regional panel, with withdraw and change actions."""

from __future__ import annotations

import re
from typing import Any

from bot.cards.elements import card, execute, facts, heading, paragraph, subheading
from bot.cards.forms import form_card
from bot.cards.paging import page_asked, paged
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import KnownTurn
from programme import held_codes
from programme.errors import Invalid, ProgrammeError
from programme.panel.register import PanelEntry, areas_form, list_panel, my_nominations, update_areas, withdraw_nomination
from programme.validation import record_id

_FILTER = re.compile(r"(area|covers|authority)\s*[=:]\s*(\S+)", re.I)
_WITHDRAW = re.compile(r"^withdraw\s+(?:nomination\s+)?#?(\d+)$", re.I)


def _entry(entry: PanelEntry, *, actions: bool) -> list[dict[str, Any]]:
    body = [
        subheading(f"{entry.nominee_name}, {entry.authority_name} (#{entry.nomination_id})"),
        facts(
            [
                ("Job", f"{entry.job_title}, {entry.service_area}"),
                ("Covers", entry.covers),
                ("Areas", ", ".join(entry.areas)),
                ("Status", entry.status),
                ("Nominated by", entry.nominated_by),
            ]
        ),
    ]
    if actions and entry.is_active:
        body.append(
            {
                "type": "ActionSet",
                "actions": [
                    execute("Change areas", "nomination.edit", {"id": entry.nomination_id}),
                    execute("Withdraw", "nomination.withdraw", {"id": entry.nomination_id}, style="destructive"),
                ],
            }
        )
    return body


async def panel(turn: KnownTurn, command: Command) -> None:
    page, args = page_asked(command.args)
    filters = {key.lower(): value for key, value in _FILTER.findall(args)}
    try:
        entries = list_panel(turn.session, turn.profile, **filters)
    except ProgrammeError as error:
        await turn.reply_card(message_card("The regional panel", str(error), attention=True), subject="The regional panel")
        return
    body = [heading(f"The regional panel: {len(entries)}"), paragraph("Filter with `panel area=send covers=universal authority=kent`.", subtle=True)]
    shown = paged([_entry(entry, actions=False) for entry in entries], page=page, by_email=turn.by_email, command=f"panel {args}".strip(),
                  noun="nominations", export="export panel")
    await turn.reply_card(card(body + shown.body, shown.actions), subject="The regional panel")


def _my_card(turn: KnownTurn, message: str | None = None, page: int = 1) -> dict[str, Any]:
    entries = my_nominations(turn.session, turn.profile)
    body = [heading("Your nominations")]
    if message:
        body.append(paragraph(message))
    if not entries:
        body.append(paragraph("None yet. Type `nominate` to nominate a colleague.", subtle=True))
    shown = paged([_entry(entry, actions=not turn.by_email) for entry in entries], page=page, by_email=turn.by_email,
                  command="my nominations", noun="nominations")
    body += shown.body
    if turn.by_email and entries:
        body.append(paragraph("To withdraw one, reply with `withdraw nomination` and its number, for example `withdraw nomination 12`."))
    return card(body, shown.actions)


async def mine(turn: KnownTurn, page: int = 1) -> None:
    await turn.reply_card(_my_card(turn, page=page), subject="Your nominations")


async def withdraw(turn: KnownTurn, command: Command) -> None:
    """withdraw nomination N: in Teams at once; by email once the confirmation code comes back."""
    match = _WITHDRAW.match(f"withdraw {command.args}".strip())
    if not match:
        await turn.reply_card(message_card("Withdraw", "Write `withdraw nomination` and its number, as shown in `my nominations`.", attention=True))
        return
    params = {"id": int(match.group(1))}
    if turn.by_email:
        code = held_codes.hold(turn.session, address=turn.activity.sender_id, purpose=held_codes.Purpose.CONFIRM,
                               record={"action": "nomination.withdraw", "params": params}, now=turn.now)
        await turn.reply_card(
            message_card("Please confirm", f"To withdraw nomination {params['id']}, reply with: confirm {code}"),
            subject=f"Confirm withdrawal [{code}]",
        )
        return
    await confirmed(turn, "nomination.withdraw", params)


async def confirmed(turn: KnownTurn, _action: str, params: dict[str, Any]) -> None:
    try:
        message = withdraw_nomination(turn.session, turn.profile, int(params["id"]), turn.now, channel=turn.channel)
    except ProgrammeError as error:
        await turn.reply_card(message_card("Withdraw", str(error), attention=True))
        return
    await turn.reply_card(_my_card(turn, message), subject="Your nominations")


async def withdraw_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    message = withdraw_nomination(turn.session, turn.profile, record_id(data.get("id")) or 0, turn.now, channel=turn.channel)
    return _my_card(turn, message)


async def edit_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    nomination_id = record_id(data.get("id")) or 0
    entry = next((e for e in my_nominations(turn.session, turn.profile) if e.nomination_id == nomination_id), None)
    values = {"covers": entry.covers_code, "areas": ",".join(entry.area_codes)} if entry else {}
    return form_card(areas_form(), verb="nomination.update", data={"id": nomination_id}, values=values)


async def update_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    nomination_id = record_id(data.get("id")) or 0
    try:
        message = update_areas(turn.session, turn.profile, nomination_id, data.get("areas"), data.get("covers"), turn.now, channel=turn.channel)
    except Invalid as error:
        values = {"covers": str(data.get("covers") or ""), "areas": str(data.get("areas") or "")}
        return form_card(
            areas_form(),
            verb="nomination.update",
            data={"id": nomination_id},
            values=values,
            errors=error.fields,
            message="Please correct the details below.",
        )
    return _my_card(turn, message)


COMMANDS = {"panel": panel, "withdraw": withdraw}
ACTIONS = {"nomination.withdraw": withdraw_from_card, "nomination.edit": edit_from_card, "nomination.update": update_from_card}
CONFIRMED = {"nomination.withdraw": confirmed}
