"""enquiry, enquiries and my enquiries: asking for moderation, and moving an enquiry through its stages.

Every change is a card action (Universal Actions): the acting person's card is replaced by the
enquiry as it now stands. By email the same cards come with a code in the subject, and a reply
naming a button runs the same action (bot/email_cards.py).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from bot.cards.elements import card, command_button, execute, heading, paragraph, subheading
from bot.cards.enquiry import enquiry_card, enquiry_list_card
from bot.cards.forms import form_card
from bot.cards.paging import page_asked
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import KnownTurn
from programme.errors import Invalid, ProgrammeError
from programme.forms import Form
from programme.moderation.assignment import availability_of, invite
from programme.moderation.enquiry import change_stage, enquiry_form_for, submit_enquiry
from programme.moderation.practitioners import suggest_practitioners
from programme.moderation.stages import Stage, parse_stage
from programme.moderation.steps import (
    INVITE_FORM,
    PACKAGE_FORM,
    REPORT_FORM,
    WITHDRAW_FORM,
    agree_package,
    deliver_report,
    override_form,
    package_values,
    report_values,
)
from programme.moderation.views import for_coordinators, list_enquiries, my_enquiries, view

SUBJECT = "Moderation enquiries"
_STAGE_FILTER = re.compile(r"stage\s*[=:]\s*(.+)$", re.I)


async def enquiry(turn: KnownTurn, command: Command) -> None:
    """`enquiry`: a new enquiry form; `enquiry 12`: that enquiry."""
    number = command.args.strip().lstrip("#")
    if number.isdigit():
        try:
            content = enquiry_card(view(turn.session, turn.profile, number), turn.zone)
        except ProgrammeError as error:
            content = message_card(SUBJECT, str(error), attention=True)
        await turn.reply_card(content, subject=f"Enquiry {number[:12]}")
        return
    try:
        asked = enquiry_form_for(turn.session, turn.profile)
    except ProgrammeError as error:
        await turn.reply_card(message_card("Ask for moderation", str(error), attention=True), subject=SUBJECT)
        return
    await turn.reply_card(form_card(asked.form, verb="enquiry.submit", data={"token": uuid.uuid4().hex}, values=asked.defaults),
                          subject=asked.form.title)


async def enquiries(turn: KnownTurn, command: Command) -> None:
    """`enquiries` (coordinators), filtered with `enquiries stage=package agreed`."""
    page, args = page_asked(command.args)
    match = _STAGE_FILTER.search(args)
    try:
        stage = parse_stage(match.group(1)) if match else None
        views = list_enquiries(turn.session, turn.profile, stage=stage)
    except ProgrammeError as error:
        await turn.reply_card(message_card(SUBJECT, str(error), attention=True), subject=SUBJECT)
        return
    title = f"Enquiries at '{stage.label}': {len(views)}" if stage else f"Moderation enquiries: {len(views)}"
    stages = ", ".join(s.label.lower() for s in Stage)
    await turn.reply_card(
        enquiry_list_card(title, views, turn.zone, empty="None.", hint=f"Filter with `enquiries stage=received`; the stages are: {stages}.",
                          page=page, by_email=turn.by_email, command=f"enquiries {args}".strip()),
        subject=SUBJECT,
    )


async def mine(turn: KnownTurn) -> None:
    views = my_enquiries(turn.session, turn.profile)
    await turn.reply_card(
        enquiry_list_card("Your authority's enquiries", views, turn.zone, empty="None yet. Type `enquiry` to ask for moderation.",
                          by_email=turn.by_email, command="my enquiries"),
        subject="Your moderation enquiries",
    )


# -- card actions ---------------------------------------------------------------------------------


async def submit_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    asked = enquiry_form_for(turn.session, turn.profile)
    token = str(data.get("token") or "")
    if not token:
        return message_card("Please start again", "This form has no reference. Type `enquiry` for a new one.", attention=True)
    form = asked.form
    submitted = {spec.name: data.get(spec.name) for spec in form.fields}
    outcome = submit_enquiry(
        turn.session, turn.profile, token, submitted, turn.now, turn.today,
        mailbox=turn.moderation_mailbox, channel=turn.channel, authorities=asked.authorities,
    )
    if outcome.errors:
        assert outcome.checked is not None  # an outcome with errors carries the checked form
        return form_card(form, verb="enquiry.submit", data={"token": token}, values=outcome.checked.raw, errors=outcome.errors, message=outcome.message)
    body = [heading("Enquiry sent"), paragraph(outcome.message)]
    body += [paragraph(w, attention=True) for w in outcome.warnings]
    body.append(paragraph("The moderation team will contact you to arrange a discussion and agree a package of work. You will hear at each step."))
    return card(body, [command_button("My enquiries", "my enquiries")])


def _current(turn: KnownTurn, data: dict[str, Any], message: str | None = None) -> dict[str, Any]:
    return enquiry_card(view(turn.session, turn.profile, data.get("id")), turn.zone, message)


def _expected(data: dict[str, Any]) -> Stage | None:
    return parse_stage(data["from"]) if data.get("from") else None


async def view_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    return _current(turn, data)


async def stage_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    message = change_stage(
        turn.session, turn.profile, data.get("id"), parse_stage(data.get("to", "")), expected=_expected(data),
        now=turn.now, channel=turn.channel,
    )
    return _current(turn, data, message)


def _ref(data: dict[str, Any]) -> dict[str, Any]:
    return {"id": data.get("id"), "from": data.get("from", "")}


async def package_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    v = for_coordinators(turn.session, turn.profile, data.get("id"))
    return form_card(PACKAGE_FORM, verb="enquiry.package.save", data=_ref(data), values=package_values(v),
                     message=f"Enquiry {v.id}: {v.authority_name}")


async def package_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    try:
        message = agree_package(turn.session, turn.profile, data.get("id"), data, expected=_expected(data), now=turn.now, channel=turn.channel)
    except Invalid as error:
        return form_card(PACKAGE_FORM, verb="enquiry.package.save", data=_ref(data), values=_raw(PACKAGE_FORM, data), errors=error.fields,
                         message="Please correct the details below.")
    return _current(turn, data, message)


async def report_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    v = for_coordinators(turn.session, turn.profile, data.get("id"))
    return form_card(REPORT_FORM, verb="enquiry.report.save", data=_ref(data), values=report_values(v, turn.today),
                     message=f"Enquiry {v.id}: {v.authority_name}")


async def report_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    try:
        message = deliver_report(turn.session, turn.profile, data.get("id"), data, expected=_expected(data), now=turn.now, channel=turn.channel)
    except Invalid as error:
        return form_card(REPORT_FORM, verb="enquiry.report.save", data=_ref(data), values=_raw(REPORT_FORM, data), errors=error.fields,
                         message="Please correct the details below.")
    return _current(turn, data, message)


async def override_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    for_coordinators(turn.session, turn.profile, data.get("id"))
    return form_card(override_form(), verb="enquiry.override.save", data=_ref(data), values={"stage": data.get("from", "")})


async def override_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    form = override_form()
    try:
        for_coordinators(turn.session, turn.profile, data.get("id"))
        target = parse_stage(data.get("stage") or "")
        message = change_stage(turn.session, turn.profile, data.get("id"), target, expected=_expected(data), now=turn.now,
                               channel=turn.channel, reason=str(data.get("reason") or "")[:1000], action="enquiry.override.save")
    except Invalid as error:
        errors = {("reason" if "reason" in error.fields else "stage"): str(error)}
        return form_card(
            form, verb="enquiry.override.save", data=_ref(data), values=_raw(form, data), errors=errors, message="Please correct the details below."
        )
    return _current(turn, data, message)


async def withdraw_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    v = view(turn.session, turn.profile, data.get("id"))
    return form_card(WITHDRAW_FORM, verb="enquiry.withdraw.save", data=_ref(data), message=f"Enquiry {v.id}: {v.authority_name}")


async def withdraw_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    message = change_stage(turn.session, turn.profile, data.get("id"), Stage.WITHDRAWN, expected=_expected(data), now=turn.now,
                           channel=turn.channel, reason=str(data.get("reason") or "")[:1000], action="enquiry.withdraw.save")
    return _current(turn, data, message)


async def suggest_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    v = for_coordinators(turn.session, turn.profile, data.get("id"))
    suggestions = suggest_practitioners(turn.session, v.id)
    body = [heading(f"Practitioners for enquiry {v.id}: {v.authority_name}"),
            paragraph("Panel members who cover this kind of support and the expertise, never from the enquiring authority, "
                      "those outside its group first, then by fit and by the days they have given this cycle.", subtle=True)]
    if not suggestions:
        body.append(paragraph("Nobody on the panel fits this enquiry. Check its expertise, or ask DCSs for nominations.", attention=True))
    availability = availability_of(turn.session, [s.candidate.person_id for s in suggestions])
    for s in suggestions:
        c = s.candidate
        body.append(subheading(f"{c.name}, {c.authority_name}"))
        body.append(paragraph(s.reason))
        if c.person_id in availability:
            body.append(paragraph(f"Availability: {availability[c.person_id]}", subtle=True))
        body.append({"type": "ActionSet", "actions": [execute(f"Invite {c.name}", "enquiry.invite", {"id": v.id, "person": c.person_id})]})
    return card(body, [execute("Back to the enquiry", "enquiry.view", {"id": v.id})])


async def invite_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    v = for_coordinators(turn.session, turn.profile, data.get("id"))
    return form_card(INVITE_FORM, verb="enquiry.invite.save", data={"id": v.id, "person": data.get("person")},
                     message=f"Enquiry {v.id}: {v.authority_name}")


async def invite_save(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    message = invite(turn.session, turn.profile, data.get("id"), data.get("person"), times_offered=str(data.get("times") or ""),
                     now=turn.now, channel=turn.channel)
    return _current(turn, data, message)


def _raw(form: Form, data: dict[str, Any]) -> dict[str, str]:
    return {spec.name: "" if data.get(spec.name) is None else str(data.get(spec.name)) for spec in form.fields}


COMMANDS = {"enquiry": enquiry, "enquiries": enquiries}
ACTIONS = {
    "enquiry.submit": submit_from_card,
    "enquiry.view": view_from_card,
    "enquiry.stage": stage_from_card,
    "enquiry.package": package_from_card,
    "enquiry.package.save": package_save,
    "enquiry.report": report_from_card,
    "enquiry.report.save": report_save,
    "enquiry.override": override_from_card,
    "enquiry.override.save": override_save,
    "enquiry.withdraw": withdraw_from_card,
    "enquiry.withdraw.save": withdraw_save,
    "enquiry.suggest": suggest_from_card,
    "enquiry.invite": invite_from_card,
    "enquiry.invite.save": invite_save,
}
