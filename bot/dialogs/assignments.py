"""my assignments and invitations: a panel member's side of moderation work.

In Teams the invitation card carries the member's answers. By email the invitation's code is in
its subject, and a reply from the member's address, keeping it, answers with one word:
`times` (and when they can talk), `discussed`, `accept` or `decline`.
"""

from __future__ import annotations

from typing import Any

from bot.cards.elements import card, execute, facts, heading, long_date, paragraph, subheading
from bot.cards.enquiry import enquiry_card
from bot.cards.forms import form_card
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.dialogs.answering import UNSURE, answer_in
from bot.reading import answers
from bot.reading.answers import Reading
from bot.turn import KnownTurn
from programme import held_codes
from programme.errors import Invalid, NotAllowed, ProgrammeError
from programme.forms import Field, Form, Kind
from programme.moderation.assignment import MyPanel, accept, decline, leave_panel, my_assignments, record_discussion, set_availability, suggest_times
from programme.moderation.views import view
from programme.validation import record_id
from storage.moderation import Assignment

SUBJECT = "Your panel assignments"
ANSWERS = ("times", "discussed", "accept", "decline")
TIMES_FORM = Form("assignment_times", "When can you talk?", "The moderation team will arrange the discussion.", (
    Field("availability", "When you can talk", Kind.LONG_TEXT, max_length=1000, help="For example: Tuesday or Wednesday afternoon"),
), submit_label="Send")
DECLINE_FORM = Form("assignment_decline", "Decline the invitation", "You may always decline; the moderation team will find someone else.", (
    Field("reason", "Anything you would like to say (optional)", Kind.LONG_TEXT, required=False, max_length=1000),
), submit_label="Decline the invitation")
AVAILABILITY_FORM = Form("panel_availability", "Your availability", "Seen by the moderation team when they choose a practitioner.", (
    Field("availability", "When you can take on work", Kind.LONG_TEXT, required=False, max_length=1000,
          help="For example: two days a month from January; not in August"),
), submit_label="Save")


def invitation_card(turn: KnownTurn, assignment_id: object, message: str | None = None) -> dict[str, Any]:
    panel = my_assignments(turn.session, turn.person)
    mine = next((a for a in panel.assignments if str(a.id) == str(assignment_id)), None)
    if mine is None:
        raise NotAllowed("Only the panel member who was invited can see and answer this invitation.")
    body = [heading(f"Invitation: enquiry {mine.enquiry_id}, {mine.authority_name}")]
    if message:
        body.append(paragraph(message))
    rows = [("Status", mine.status_label), ("Kind of support", mine.support), ("Conclusion to verify", mine.conclusion),
            ("Scope", mine.scope), ("Days", f"{mine.days_agreed:g}")]
    if mine.report_due:
        rows.append(("Report due by", long_date(mine.report_due)))
    if mine.times_offered:
        rows.append(("Times offered for the discussion", mine.times_offered))
    body.append(facts(rows))
    actions = []
    if mine.discussion_to_come:
        body.append(paragraph("There is a discussion with the moderation team before you accept. Once you have talked, record it here; then you can accept."))
        actions += [execute("When I can talk", "assignment.times", {"id": mine.id}),
                    execute("We have talked", "assignment.discussed", {"id": mine.id})]
    if mine.may_accept:
        actions.append(execute("Accept", "assignment.accept", {"id": mine.id}, style="positive"))
    if mine.is_open:
        actions.append(execute("Decline", "assignment.decline", {"id": mine.id}, style="destructive"))
    if actions:
        body.append({"type": "ActionSet", "actions": actions})
    return card(body)


def panel_card(turn: KnownTurn, message: str | None = None) -> dict[str, Any]:
    panel: MyPanel = my_assignments(turn.session, turn.person)
    body = [heading("Your panel assignments")]
    if message:
        body.append(paragraph(message))
    if not panel.on_panel and not panel.assignments:
        body.append(paragraph("You are not on the regional panel. Your DCS can nominate you with `nominate`.", subtle=True))
        return card(body)
    body.append(facts([("Days agreed (accepted work)", f"{panel.days_agreed:g}"), ("Days worked", f"{panel.days_worked:g}"),
                       ("Your availability", panel.availability or "Not recorded")]))
    if not panel.assignments:
        body.append(paragraph("No invitations yet.", subtle=True))
    for a in panel.assignments:
        body.append(subheading(f"Enquiry {a.enquiry_id}, {a.authority_name}: {a.status_label.lower()}"))
        line = f"{a.support}; {a.days_agreed:g} days agreed"
        if a.days_worked is not None:
            line += f", {a.days_worked:g} worked"
        body.append(paragraph(line))
        if a.is_open:
            body.append({"type": "ActionSet", "actions": [execute(f"Open invitation {a.id}", "assignment.view", {"id": a.id})]})
    actions = [execute("Record my availability", "panel.availability", {})]
    if panel.on_panel:
        actions.append(execute("Leave the panel", "panel.leave", {}, style="destructive"))
    body.append({"type": "ActionSet", "actions": actions})
    return card(body)


async def mine(turn: KnownTurn) -> None:
    await turn.reply_card(panel_card(turn), subject=SUBJECT)


# -- card actions ---------------------------------------------------------------------------------


async def view_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    return invitation_card(turn, data.get("id"))


async def discussed_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    message = record_discussion(turn.session, turn.profile, data.get("id"), now=turn.now, channel=turn.channel)
    # Recorded, so the id is there and names an existing invitation.
    assignment = turn.session.get(Assignment, record_id(data.get("id")) or 0)
    assert assignment is not None
    if assignment.person_id == turn.profile.person_id:
        return invitation_card(turn, assignment.id, message)
    return enquiry_card(view(turn.session, turn.profile, assignment.enquiry_id), turn.zone, message)


async def accept_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    message = accept(turn.session, turn.person, data.get("id"), now=turn.now, channel=turn.channel)
    return invitation_card(turn, data.get("id"), message)


async def decline_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    invitation_card(turn, data.get("id"))  # only the member may
    return form_card(DECLINE_FORM, verb="assignment.decline.save", data={"id": data.get("id")})


async def decline_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    message = decline(turn.session, turn.person, data.get("id"), reason=str(data.get("reason") or ""), now=turn.now, channel=turn.channel)
    return invitation_card(turn, data.get("id"), message)


async def times_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    invitation_card(turn, data.get("id"))
    return form_card(TIMES_FORM, verb="assignment.times.save", data={"id": data.get("id")})


async def times_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    try:
        message = suggest_times(turn.session, turn.person, data.get("id"), str(data.get("availability") or ""), now=turn.now, channel=turn.channel)
    except Invalid as error:
        return form_card(TIMES_FORM, verb="assignment.times.save", data={"id": data.get("id")}, errors=error.fields,
                         values={"availability": str(data.get("availability") or "")}, message="Please correct the details below.")
    return invitation_card(turn, data.get("id"), message)


async def availability_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    panel = my_assignments(turn.session, turn.person)
    return form_card(AVAILABILITY_FORM, verb="panel.availability.save", data={}, values={"availability": panel.availability})


async def availability_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    try:
        message = set_availability(turn.session, turn.person, data.get("availability"), now=turn.now, channel=turn.channel)
    except Invalid as error:
        return form_card(AVAILABILITY_FORM, verb="panel.availability.save", data={}, errors=error.fields,
                         values={"availability": str(data.get("availability") or "")}, message="Please correct the details below.")
    return panel_card(turn, message)


async def leave_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    return card([
        heading("Leave the regional panel?"),
        paragraph("Any invitation or assignment you have open goes back to the moderation team first, so they can find someone else."),
        {"type": "ActionSet", "actions": [execute("Yes, leave the panel", "panel.leave.confirm", {}, style="destructive"),
                                          execute("No, stay on the panel", "panel.view", {})]},
    ])


async def leave_confirm(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    return panel_card(turn, leave_panel(turn.session, turn.person, now=turn.now, channel=turn.channel))


async def panel_view(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    return panel_card(turn)


# -- emailed answers ------------------------------------------------------------------------------


NOT_YOURS = "I can't find that invitation for you. Reply to the invitation email itself, keeping the reference in its subject."


async def answer_by_email(turn: KnownTurn, command: Command, held: held_codes.Held | None) -> bool:
    """An answer to an invitation email, in words ("Yes, happy to", "times: Tuesday at 10"): True if
    this email was one. `held` is the invitation's code, sent to this sender; None if the reference
    it carries was sent to someone else."""
    subject = f"Your invitation [{held.code}]" if held is not None else "Your invitation"
    reading = await answer_in(turn, command, answers.ASSIGNMENT, title="Your invitation", subject=subject)
    if reading == UNSURE:
        return True
    if not isinstance(reading, Reading):
        return False
    if held is None:
        await turn.reply_card(message_card("Your invitation", NOT_YOURS, attention=True), subject="Your invitation")
        return True
    assignment_id = int(held.record["assignment"])
    try:
        if reading.word == "times":
            message = suggest_times(turn.session, turn.person, assignment_id, reading.rest or command.body, now=turn.now, channel=turn.channel)
        elif reading.word == "discussed":
            message = record_discussion(turn.session, turn.profile, assignment_id, now=turn.now, channel=turn.channel)
        elif reading.word == "accept":
            message = accept(turn.session, turn.person, assignment_id, now=turn.now, channel=turn.channel)
        else:
            message = decline(turn.session, turn.person, assignment_id, reason=reading.rest[:1000], now=turn.now, channel=turn.channel)
    except ProgrammeError as error:
        await turn.reply_card(message_card("Your invitation", str(error), attention=True), subject=subject)
        return True
    await turn.reply_card(message_card("Your invitation", message), subject=subject)
    return True


COMMANDS: dict[str, Any] = {}
ACTIONS = {
    "assignment.view": view_from_card,
    "assignment.discussed": discussed_from_card,
    "assignment.accept": accept_from_card,
    "assignment.decline": decline_from_card,
    "assignment.decline.save": decline_save,
    "assignment.times": times_from_card,
    "assignment.times.save": times_save,
    "panel.availability": availability_from_card,
    "panel.availability.save": availability_save,
    "panel.leave": leave_from_card,
    "panel.leave.confirm": leave_confirm,
    "panel.view": panel_view,
}
