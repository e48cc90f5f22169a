"""deliveries: failed and missed notifications, with Retry and Cancel (coordinators)."""

from __future__ import annotations

from typing import Any

from bot.cards.elements import card, execute, facts, heading, paragraph, subheading, when
from bot.cards.paging import page_asked, paged
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import KnownTurn
from programme.coordination.deliveries import cancel, problem_deliveries, retry
from programme.errors import ProgrammeError


def deliveries_card(turn: KnownTurn, message: str | None = None, page: int = 1) -> dict[str, Any]:
    rows = problem_deliveries(turn.session, turn.profile)
    body = [heading(f"Deliveries that need you: {len(rows)}")]
    if message:
        body.append(paragraph(message))
    if not rows:
        body.append(paragraph("None: every notification went, or is on its way.", subtle=True))
    entries = [[
        subheading(f"{d.id}: {d.kind}, to {d.recipient}"),
        facts([("Status", d.status), ("Due", when(d.due_at, turn.zone)), ("Attempts", str(d.attempts))] + ([("Why", d.reason)] if d.reason else [])),
        {"type": "ActionSet", "actions": [execute(f"Retry {d.id}", "delivery.retry", {"id": d.id}),
                                          execute(f"Cancel {d.id}", "delivery.cancel", {"id": d.id}, style="destructive")]},
    ] for d in rows]
    shown = paged(entries, page=page, by_email=turn.by_email, command="deliveries", noun="deliveries")
    return card(body + shown.body, shown.actions)


async def deliveries(turn: KnownTurn, command: Command) -> None:
    try:
        content = deliveries_card(turn, page=page_asked(command.args)[0])
    except ProgrammeError as error:
        content = message_card("Deliveries", str(error), attention=True)
    await turn.reply_card(content, subject="Deliveries")


async def retry_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    return deliveries_card(turn, retry(turn.session, turn.profile, data.get("id"), turn.now, channel=turn.channel))


async def cancel_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    return deliveries_card(turn, cancel(turn.session, turn.profile, data.get("id"), channel=turn.channel))


COMMANDS = {"deliveries": deliveries}
ACTIONS = {"delivery.retry": retry_from_card, "delivery.cancel": cancel_from_card}
