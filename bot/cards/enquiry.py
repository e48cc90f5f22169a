"""Moderation enquiries as cards: one enquiry with the actions its stage allows, and lists."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.cards.elements import card, command_button, execute, facts, heading, long_date, paragraph, subheading, when
from bot.cards.paging import paged
from programme.moderation.stages import Stage
from programme.moderation.views import EnquiryStep, EnquiryView

CHANNELS = {"msteams": "Teams", "email": "email", "cli": "command line", "webchat": "chat"}


def enquiry_card(v: EnquiryView, zone: ZoneInfo, message: str | None = None, *, attention: bool = False) -> dict[str, Any]:
    body = [heading(f"Enquiry {v.id}: {v.authority_name}")]
    if message:
        body.append(paragraph(message, attention=attention))
    rows = [
        ("Stage", v.stage.label),
        ("Kind of support", v.support_title),
        ("Conclusion to verify", v.conclusion),
        ("Kinds of work", ", ".join(v.work)),
        ("Expertise needed", ", ".join(v.expertise) or "Not stated"),
        ("Estimated days", f"{v.estimated_days:g}"),
        ("Report needed by", long_date(v.report_needed_by)),
    ]
    if v.report_reason:
        rows.append(("Why after the challenge date", v.report_reason))
    rows += [("Contact", f"{v.contact_name} ({v.contact_email})"), ("Sent by", f"{v.submitted_by}, {when(v.received_at, zone)}")]
    body.append(facts(rows))
    if v.agreed_days is not None:
        body.append(subheading("The agreed package"))
        body.append(facts([
            ("Days agreed", f"{v.agreed_days:g}"),
            ("Scope", v.agreed_scope or ""),
            ("Report due by", long_date(v.report_due) if v.report_due else "Not set"),
        ] + ([("Report delivered", long_date(v.report_delivered_on))] if v.report_delivered_on else [])))
    if v.shows_practitioner:
        body.append(subheading("Practitioner"))
        for a in v.assignments:
            line = f"{a.name} ({a.authority_name}): {a.status_text}; {a.days_agreed:g} days agreed"
            if a.days_worked is not None:
                line += f", {a.days_worked:g} worked"
            if v.viewer_is_coordinator and a.member_availability and a.arranging_discussion:
                line += f". Can talk: {a.member_availability}"
            body.append(paragraph(line))
    body.append(subheading("History"))
    body.append(paragraph("\n".join(
        f"- {when(e.at, zone)}: {Stage(e.to_stage).label}, {e.by}" + (f" by {CHANNELS.get(e.channel, e.channel)}" if e.channel else "")
        + (f". Reason: {e.reason}" if e.reason else "")
        for e in v.history[-8:]
    )))
    actions = _actions(v)
    if actions:
        body.append({"type": "ActionSet", "actions": actions})
    return card(body)


def _actions(v: EnquiryView) -> list[dict[str, Any]]:
    """A button for each step the programme says the viewer can take now."""
    ref = {"id": v.id, "from": v.stage.value}
    return [_button(v, step, ref) for step in v.steps]


def _button(v: EnquiryView, step: EnquiryStep, ref: dict[str, Any]) -> dict[str, Any]:
    if step.target is not None:
        return execute(STEP_TITLES[step], "enquiry.stage", {**ref, "to": step.target.value}, style="positive")
    if step == EnquiryStep.DISCUSSION_HELD and v.open_assignment is not None:
        return execute(STEP_TITLES[step], "assignment.discussed", {"id": v.open_assignment.id}, style="positive")
    verb, style = STEP_VERBS[step]
    return execute(STEP_TITLES[step], verb, ref, style=style)


STEP_TITLES = {
    EnquiryStep.ARRANGE_DISCUSSION: "Discussion arranged",
    EnquiryStep.RECORD_PACKAGE: "Record the agreed package",
    EnquiryStep.FIND_PRACTITIONER: "Find a practitioner",
    EnquiryStep.START_WORK: "Work has started",
    EnquiryStep.RECORD_REPORT: "Report delivered",
    EnquiryStep.CLOSE: "Close the enquiry",
    EnquiryStep.DISCUSSION_HELD: "Discussion held",
    EnquiryStep.CHANGE_PACKAGE: "Change the package",
    EnquiryStep.ANOTHER_STAGE: "Another stage",
    EnquiryStep.WITHDRAW: "Withdraw the enquiry",
}
STEP_VERBS = {
    EnquiryStep.RECORD_PACKAGE: ("enquiry.package", "positive"),
    EnquiryStep.FIND_PRACTITIONER: ("enquiry.suggest", "positive"),
    EnquiryStep.RECORD_REPORT: ("enquiry.report", "positive"),
    EnquiryStep.CHANGE_PACKAGE: ("enquiry.package", None),
    EnquiryStep.ANOTHER_STAGE: ("enquiry.override", None),
    EnquiryStep.WITHDRAW: ("enquiry.withdraw", "destructive"),
}


def enquiry_list_card(title: str, views: list[EnquiryView], zone: ZoneInfo, *, empty: str, hint: str = "", page: int = 1,
                      by_email: bool = False, command: str = "enquiries") -> dict[str, Any]:
    body = [heading(title)]
    if hint:
        body.append(paragraph(hint, subtle=True))
    if not views:
        body.append(paragraph(empty, subtle=True))
    entries = [[
        subheading(f"Enquiry {v.id}: {v.authority_name}, {v.stage.label.lower()}"),
        paragraph(f"{v.support_title}. {v.conclusion[:200]}"),
        facts([("Report needed by", long_date(v.report_needed_by)), ("Waiting since", when(v.history[-1].at, zone))]),
        {"type": "ActionSet", "actions": [execute(f"Open enquiry {v.id}", "enquiry.view", {"id": v.id})]},
    ] for v in views]
    export = "export enquiries" if views and views[0].viewer_is_coordinator else ""
    shown = paged(entries, page=page, by_email=by_email, command=command, noun="enquiries", export=export)
    actions = [command_button("Ask for moderation", "enquiry")] if not views or not views[0].viewer_is_coordinator else []
    return card(body + shown.body, shown.actions + actions or None)
