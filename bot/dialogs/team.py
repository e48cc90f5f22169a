"""team: an authority's delegates and participants, in Teams (a card) and by email (text)."""

from __future__ import annotations

import re
from typing import Any

from bot.cards.elements import bullets, card, heading, paragraph
from bot.cards.programme_cards import message_card
from bot.cards.team import team_card
from bot.commands import Command
from bot.turn import KnownTurn
from programme import held_codes
from programme.errors import Invalid, NotFound, ProgrammeError
from programme.people.team import Team, TeamChange, add_team_member, check_new_member, find_member_by_email, load_team, remove_team_member, which_team
from programme.validation import record_id

# team add participant Sam Example, sam.example@kent.example   |   team remove sam.example@kent.example
_ADD = re.compile(r"^add\s+(?P<role>delegate|participant)\s+(?P<name>[^,<]+?)\s*[,<]\s*(?P<email>\S+?)>?$", re.I)
_REMOVE = re.compile(r"^remove\s+(?P<email>\S+)$", re.I)
USAGE = (
    "To add someone: `team add participant Sam Example, sam.example@council.example` (or `delegate`). "
    "To remove someone: `team remove sam.example@council.example`."
)


def _team_text(team: Team, message: str | None = None) -> dict[str, Any]:
    body = [heading(f"Team: {team.authority_name}")]
    if message:
        body.append(paragraph(message))
    members = [f"{m.name} ({m.role.noun}), {m.email}" for m in team.members]
    body.append(bullets(members) if members else paragraph("No delegates or participants yet."))
    body.append(paragraph(USAGE.replace("team ", f"team {team.authority_code} ")))
    return card(body)


async def team(turn: KnownTurn, command: Command) -> None:
    asked = which_team(turn.profile, command.args.split())
    authority = asked.authority_code
    if authority is None:
        await turn.reply_card(message_card("Which authority?", asked.hint), subject="Your team")
        return
    rest = " ".join(asked.rest)
    try:
        if not rest:
            shown = load_team(turn.session, turn.profile, authority)
            await _show(turn, shown)
            return
        if match := _ADD.match(rest):
            params = {"authority": authority, "role": match["role"], "name": match["name"], "email": match["email"]}
            await _change(turn, "team.add", params)
            return
        if match := _REMOVE.match(rest):
            shown = load_team(turn.session, turn.profile, authority)
            member = find_member_by_email(shown, match["email"])
            if member is None:
                raise NotFound(f"{match['email']} is not a delegate or participant of {shown.authority_name}.")
            params = {"authority": authority, "role": member.role.value, "person_id": member.person_id}
            await _change(turn, "team.remove", params)
            return
        raise Invalid({"command": f"I did not understand that. {USAGE}"})
    except ProgrammeError as error:
        await turn.reply_card(message_card("Team", str(error), attention=True), subject="Your team")


async def _show(turn: KnownTurn, shown: Team, message: str | None = None) -> None:
    content = _team_text(shown, message) if turn.by_email else team_card(shown, message=message)
    await turn.reply_card(content, subject=f"Team: {shown.authority_name}")


def apply(turn: KnownTurn, action: str, params: dict[str, Any]) -> TeamChange:
    if action == "team.add":
        return add_team_member(
            turn.session, turn.profile, params["authority"], role=params["role"], name=params["name"], email=params["email"], now=turn.now,
            channel=turn.channel,
        )
    return remove_team_member(
        turn.session, turn.profile, params["authority"], role=params["role"], person_id=int(params["person_id"]), now=turn.now,
        channel=turn.channel,
    )


async def _change(turn: KnownTurn, action: str, params: dict[str, Any]) -> None:
    if turn.by_email:
        load_team(turn.session, turn.profile, params["authority"])  # permission check before holding anything
        if action == "team.add":
            # Check now, so the person hears about a mistake before confirming it.
            check_new_member(role=params["role"], name=params["name"], email=params["email"])
        code = held_codes.hold(turn.session, address=turn.activity.sender_id, purpose=held_codes.Purpose.CONFIRM,
                               record={"action": action, "params": params}, now=turn.now)
        what = (
            f"add {params['name']} ({params['email']}) as a {params['role']}"
            if action == "team.add"
            else "remove that person from the team"
        )
        await turn.reply_card(
            message_card("Please confirm", f"To {what} for {params['authority']}, reply with: confirm {code}"),
            subject=f"Confirm team change [{code}]",
        )
        return
    result = apply(turn, action, params)
    await _show(turn, result.team, result.message)


async def confirmed(turn: KnownTurn, action: str, params: dict[str, Any]) -> None:
    """Carry out a team change whose email confirmation code came back."""
    try:
        result = apply(turn, action, params)
    except ProgrammeError as error:
        await turn.reply_card(message_card("Team", str(error), attention=True))
        return
    await _show(turn, result.team, result.message)


async def add_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    authority = str(data.get("authority", ""))
    values = {k: str(data.get(k, "")) for k in ("name", "email", "role")}
    try:
        result = add_team_member(turn.session, turn.profile, authority, now=turn.now, channel=turn.channel, **values)
    except Invalid as error:
        shown = load_team(turn.session, turn.profile, authority)
        return team_card(shown, message="Please correct the details below.", errors=error.fields, values=values)
    return team_card(result.team, message=result.message)


async def remove_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    result = remove_team_member(
        turn.session, turn.profile, str(data.get("authority", "")), role=str(data.get("role", "")),
        person_id=record_id(data.get("person_id")) or 0, now=turn.now, channel=turn.channel,
    )
    return team_card(result.team, message=result.message)


COMMANDS = {"team": team}
CONFIRMED = {"team.add": confirmed, "team.remove": confirmed}
ACTIONS = {"team.add": add_from_card, "team.remove": remove_from_card}
