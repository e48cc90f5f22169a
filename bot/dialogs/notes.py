"""notes: recording that a group's notes were sent, and each DCS agreeing their note or asking for
amendments, then sharing it with their Lead Member. By email, the note's code is in the subject of
the assistant's message, and a reply keeping it answers with `agree`, `amend ...` or `shared`."""

from __future__ import annotations

from typing import Any

from bot.cards.elements import card, execute, facts, heading, long_date, paragraph, subheading
from bot.cards.forms import form_card
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.dialogs.answering import UNSURE, answer_in
from bot.reading import answers
from bot.reading.answers import Reading
from bot.turn import KnownTurn
from programme import held_codes
from programme.errors import Invalid, ProgrammeError
from programme.forms import Field, Form, Kind
from programme.notes.agreement import NoteView, agree, confirm_shared, not_yet, notes_for, record_sent, recording_groups, request_amendments

LINK_FORM = Form("notes_sent", "The notes were sent", "Each DCS of the group is then asked to agree their authority's note.", (
    Field("link", "Link to the notes", max_length=1000, help="https://..."),), submit_label="Record the notes as sent")
AMEND_FORM = Form("note_amend", "Ask for amendments", "Your text goes to the coordinators and the facilitator.", (
    Field("amendments", "The amendments you would like", Kind.LONG_TEXT, max_length=4000),), submit_label="Send the amendments")


def note_card(view: NoteView, message: str | None = None) -> dict[str, Any]:
    body = [heading(f"The note for {view.authority_name}, {view.group_name}")]
    if message:
        body.append(paragraph(message))
    rows = [("Status", view.status_label), ("Version", str(view.version)), ("Sent", long_date(view.sent_on)), ("Link", view.link)]
    if view.agreed_on:
        rows.append(("Agreed", long_date(view.agreed_on)))
    if view.is_agreed:
        rows.append(("Shared with the Lead Member", long_date(view.shared_on) if view.shared_on else "Not yet"))
    if view.amendments and view.awaiting_revision:
        rows.append(("Amendments asked for", view.amendments))
    body.append(facts(rows))
    actions = []
    # A coordinator answers for an authority only by saying so: the buttons name it, and it is recorded.
    behalf = {"on_behalf": True} if view.on_behalf else {}
    for_them = f" on {view.authority_name}'s behalf" if view.on_behalf else ""
    if view.may_agree:
        actions += [execute(f"Agree the note{for_them}", "note.agree", {"id": view.id, "version": view.version, **behalf}, style="positive"),
                    execute(f"Ask for amendments{for_them}", "note.amend", {"id": view.id, **behalf})]
    if view.may_record_shared:
        shared = f"Shared with {view.authority_name}'s Lead Member" if view.on_behalf else "Shared with our Lead Member"
        actions.append(execute(shared, "note.shared", {"id": view.id, **behalf}, style="positive"))
    if actions:
        body.append({"type": "ActionSet", "actions": actions})
    return card(body)


def _view(turn: KnownTurn, note_id: object) -> NoteView:
    view = next((v for v in notes_for(turn.session, turn.profile, turn.today) if str(v.id) == str(note_id)), None)
    if view is None:
        raise ProgrammeError(f"I can't find note {str(note_id)[:20]} among the ones you can see. Type `notes` to list them.")
    return view


def overview_card(turn: KnownTurn, message: str | None = None) -> dict[str, Any]:
    views = notes_for(turn.session, turn.profile, turn.today)
    body = [heading("Notes of the sessions")]
    if message:
        body.append(paragraph(message))
    groups = recording_groups(turn.session, turn.profile, turn.today)
    if groups:  # coordinators, and facilitators for their groups
        for group in groups:
            mine = [v for v in views if v.group_key == group.key]
            body.append(subheading(f"{group.name}, {long_date(group.challenge_date)}"))
            body.append(paragraph("\n".join(f"- {v.authority_name}: {v.status_label} (version {v.version})" for v in mine)
                                  or "Notes not yet recorded as sent.", subtle=not mine))
            if turn.today < group.challenge_date:
                body.append(paragraph(not_yet(group), subtle=True))
                continue
            actions = [execute(f"Notes sent for {group.name}", "note.sent", {"group": group.key})]
            actions += [execute(f"Revised note for {v.authority_name}", "note.revised", {"group": group.key, "authority": v.authority_code})
                        for v in mine if v.awaiting_revision]
            body.append({"type": "ActionSet", "actions": actions})
        return card(body)
    if not views:
        body.append(paragraph("No notes yet: you will be asked to agree yours after your challenge day.", subtle=True))
    for v in views:
        body.append(subheading(f"{v.authority_name}, {v.group_name}: {v.status_label}"))
        body.append({"type": "ActionSet", "actions": [execute(f"Open the note for {v.authority_name}", "note.view", {"id": v.id})]})
    return card(body)


async def notes(turn: KnownTurn, _command: Command) -> None:
    await turn.reply_card(overview_card(turn), subject="Notes of the sessions")


async def view_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    view = _view(turn, data.get("id"))
    return note_card(view)


async def agree_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    message = agree(turn.session, turn.profile, data.get("id"), data.get("version"), turn.now, turn.today, channel=turn.channel,
                    on_behalf=data.get("on_behalf") is True)
    view = _view(turn, data.get("id"))
    return note_card(view, message)


async def amend_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    _view(turn, data.get("id"))
    return form_card(AMEND_FORM, verb="note.amend.save", data=_ref(data))


def _ref(data: dict[str, Any]) -> dict[str, Any]:
    return {"id": data.get("id"), **({"on_behalf": True} if data.get("on_behalf") is True else {})}


async def amend_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    try:
        message = request_amendments(turn.session, turn.profile, data.get("id"), data.get("amendments"), turn.now, channel=turn.channel,
                                     on_behalf=data.get("on_behalf") is True)
    except Invalid as error:
        return form_card(AMEND_FORM, verb="note.amend.save", data=_ref(data), errors=error.fields, message="Please correct the details below.")
    view = _view(turn, data.get("id"))
    return note_card(view, message)


async def shared_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    message = confirm_shared(turn.session, turn.profile, data.get("id"), turn.now, turn.today, channel=turn.channel,
                             on_behalf=data.get("on_behalf") is True)
    view = _view(turn, data.get("id"))
    return note_card(view, message)


async def sent_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    return form_card(LINK_FORM, verb="note.sent.save", data={"group": data.get("group"), "authority": data.get("authority", "")})


async def sent_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    try:
        message = record_sent(turn.session, turn.profile, data.get("group"), data.get("link"), turn.now, turn.today,
                              authority_code=data.get("authority") or None, channel=turn.channel)
    except Invalid as error:
        return form_card(LINK_FORM, verb="note.sent.save", data={"group": data.get("group"), "authority": data.get("authority", "")},
                         errors=error.fields, values={"link": str(data.get("link") or "")}, message="Please correct the details below.")
    return overview_card(turn, message)


NOT_YOURS = "I can't find that note. Reply to the email about it, keeping the reference in its subject."


async def answer_by_email(turn: KnownTurn, command: Command, held: held_codes.Held | None) -> bool:
    """An answer to an email about a note, in words ("Agreed, thanks", "Please amend: ..."): True if
    this email was one. `held` is the note's code, sent to this sender; None if the reference it
    carries was sent to someone else."""
    subject = f"The note [{held.code}]" if held is not None else "The note"
    reading = await answer_in(turn, command, answers.NOTE, title="The note", subject=subject)
    if reading == UNSURE:
        return True
    if not isinstance(reading, Reading):
        return False
    if held is None:
        await turn.reply_card(message_card("The note", NOT_YOURS, attention=True), subject="The note")
        return True
    note_id = int(held.record["note"])
    try:
        if reading.word == "agree":
            message = agree(turn.session, turn.profile, note_id, None, turn.now, turn.today, channel=turn.channel)
        elif reading.word == "amend":
            message = request_amendments(turn.session, turn.profile, note_id, reading.rest or command.text, turn.now, channel=turn.channel)
        else:
            message = confirm_shared(turn.session, turn.profile, note_id, turn.now, turn.today, channel=turn.channel)
    except ProgrammeError as error:
        await turn.reply_card(message_card("The note", str(error), attention=True), subject=subject)
        return True
    await turn.reply_card(message_card("The note", message), subject=subject)
    return True


COMMANDS = {"notes": notes}
ACTIONS = {
    "note.view": view_from_card,
    "note.agree": agree_from_card,
    "note.amend": amend_from_card,
    "note.amend.save": amend_save,
    "note.shared": shared_from_card,
    "note.sent": sent_from_card,
    "note.revised": sent_from_card,
    "note.sent.save": sent_save,
}
