"""Moderation enquiries as cards: one enquiry with the actions its stage allows, and lists."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.cards.elements import card, command_button, execute, facts, heading, long_date, paragraph, subheading, when
from programme.moderation.views import EnquiryView
from programme.moderation.stages import Stage

CHANNELS = {"msteams": "Teams", "email": "email", "cli": "command line", "webchat": "chat"}


def enquiry_card(v: EnquiryView, zone: ZoneInfo, message: str | None = None, *, attention: bool = False) -> dict:
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
    if v.assignments and (v.viewer_is_coordinator or v.viewer_is_enquirer):
        body.append(subheading("Practitioner"))
        for a in v.assignments:
            line = f"{a.name} ({a.authority_name}): {a.status.replace('_', ' ')}; {a.days_agreed:g} days agreed"
            if a.days_worked is not None:
                line += f", {a.days_worked:g} worked"
            if v.viewer_is_coordinator and a.member_availability and a.status in ("invited", "discussed"):
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


def _actions(v: EnquiryView) -> list[dict]:
    ref = {"id": v.id, "from": v.stage.value}
    actions: list[dict] = []
    if v.viewer_is_coordinator:
        step = {
            Stage.RECEIVED: lambda: execute("Discussion arranged", "enquiry.stage", {**ref, "to": Stage.DISCUSSION_ARRANGED.value}, style="positive"),
            Stage.DISCUSSION_ARRANGED: lambda: execute("Record the agreed package", "enquiry.package", ref, style="positive"),
            Stage.PACKAGE_AGREED: lambda: execute("Find a practitioner", "enquiry.suggest", ref, style="positive"),
            Stage.PRACTITIONER_ACCEPTED: lambda: execute("Work has started", "enquiry.stage", {**ref, "to": Stage.IN_PROGRESS.value}, style="positive"),
            Stage.IN_PROGRESS: lambda: execute("Report delivered", "enquiry.report", ref, style="positive"),
            Stage.REPORT_DELIVERED: lambda: execute("Close the enquiry", "enquiry.stage", {**ref, "to": Stage.CLOSED.value}, style="positive"),
        }.get(v.stage)
        if step:
            actions.append(step())
        pending = v.open_assignment
        if v.stage == Stage.PRACTITIONER_INVITED and pending and pending.status == "invited":
            actions.append(execute("Discussion held", "assignment.discussed", {"id": pending.id}, style="positive"))
        if v.stage == Stage.PACKAGE_AGREED:
            actions.append(execute("Change the package", "enquiry.package", ref))
        actions.append(execute("Another stage", "enquiry.override", ref))
    if (v.viewer_is_enquirer or v.viewer_is_coordinator) and v.stage.position < Stage.REPORT_DELIVERED.position:
        actions.append(execute("Withdraw the enquiry", "enquiry.withdraw", ref, style="destructive"))
    return actions


def enquiry_list_card(title: str, views: list[EnquiryView], zone: ZoneInfo, *, empty: str, hint: str = "") -> dict:
    body = [heading(title)]
    if hint:
        body.append(paragraph(hint, subtle=True))
    if not views:
        body.append(paragraph(empty, subtle=True))
    for v in views[:30]:
        body.append(subheading(f"Enquiry {v.id}: {v.authority_name}, {v.stage.label.lower()}"))
        body.append(paragraph(f"{v.support_title}. {v.conclusion[:200]}"))
        body.append(facts([("Report needed by", long_date(v.report_needed_by)), ("Waiting since", when(v.history[-1].at, zone))]))
        body.append({"type": "ActionSet", "actions": [execute(f"Open enquiry {v.id}", "enquiry.view", {"id": v.id})]})
    if len(views) > 30:
        body.append(paragraph(f"And {len(views) - 30} more: filter by stage to see them.", subtle=True))
    return card(body, [command_button("Ask for moderation", "enquiry")] if not views or not views[0].viewer_is_coordinator else None)
