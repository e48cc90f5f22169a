"""The two stage changes that carry details: agreeing the package, and delivering the report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme import audit
from programme.errors import Invalid, NotAllowed
from programme.forms import Choice, Field, Form, Kind, check
from programme.moderation.enquiry import change_stage
from programme.moderation.form import SMALL_PACKAGE, SMALL_PACKAGE_MAX_DAYS
from programme.moderation.stages import AssignmentStatus, Stage
from programme.moderation.views import EnquiryView, load_for
from programme.people.profile import Profile
from programme.unit_of_work import unit_of_work
from storage.moderation import Assignment, Enquiry

PACKAGE_SAVED = "enquiry.package.save"

PACKAGE_FORM = Form(
    name="enquiry_package",
    title="The agreed package",
    intro="What was agreed in the discussion with the authority.",
    submit_label="Record the package",
    fields=(
        Field("days", "Days agreed", Kind.NUMBER, minimum=0.5, maximum=365),
        Field("scope", "Scope of the work", Kind.LONG_TEXT, max_length=2000),
        Field("report_due", "Report due by", Kind.DATE),
    ),
)
REPORT_FORM = Form(
    name="enquiry_report",
    title="The report is delivered",
    intro="Days worked are the basis of payments to the practitioner's nominating authority.",
    submit_label="Record the report",
    fields=(
        Field("delivered_on", "Report delivered on", Kind.DATE),
        Field("days_worked", "Days worked", Kind.NUMBER, minimum=0, maximum=365),
    ),
)


@unit_of_work
def agree_package(session: Session, profile: Profile, enquiry_id: object, submitted: Mapping[str, Any], *, expected: Stage | None, now: datetime,
                  channel: str = "") -> str:
    enquiry, authority = load_for(session, profile, enquiry_id)
    if not profile.is_coordinator:
        raise NotAllowed("Only the moderation coordinators record the agreed package.")
    checked = check(PACKAGE_FORM, submitted)
    errors = dict(checked.errors)
    days = checked.values.get("days")
    if days is not None and enquiry.support == SMALL_PACKAGE and days > SMALL_PACKAGE_MAX_DAYS:
        errors["days"] = f"A small package of improvement support is at most {SMALL_PACKAGE_MAX_DAYS} days."
    if errors:
        raise Invalid(errors)
    assert days is not None  # a required field, and no errors
    changes = {"agreed_days": float(days), "agreed_scope": checked.values["scope"], "report_due": checked.values["report_due"]}
    current = Stage(enquiry.stage)
    if current == Stage.PACKAGE_AGREED and expected in (None, Stage.PACKAGE_AGREED):
        # Changing the package before anyone is invited: no stage change, nothing to tell.
        if all(getattr(enquiry, name) == value for name, value in changes.items()):
            return f"No change: the package for enquiry {enquiry.id} already reads so."  # a no-op is not audited
        for name, value in changes.items():
            setattr(enquiry, name, value)
        audit.record(session, person_id=profile.person_id, channel=channel, action=PACKAGE_SAVED,
                     subject=audit.subject_of({"id": enquiry.id}), authority_code=authority.code)
        return f"The package for enquiry {enquiry.id} is updated."
    return change_stage(session, profile, enquiry.id, Stage.PACKAGE_AGREED, expected=expected, now=now, channel=channel, changes=changes,
                        action=PACKAGE_SAVED)


@unit_of_work
def deliver_report(session: Session, profile: Profile, enquiry_id: object, submitted: Mapping[str, Any], *, expected: Stage | None, now: datetime,
                   channel: str = "") -> str:
    enquiry, _ = load_for(session, profile, enquiry_id)
    if not profile.is_coordinator:
        raise NotAllowed("Only the moderation coordinators record that the report was delivered.")
    checked = check(REPORT_FORM, submitted)
    if checked.errors:
        raise Invalid(checked.errors)
    days_worked = float(checked.values["days_worked"])

    def record_days(moved: Enquiry) -> None:
        assignment = session.scalar(
            select(Assignment).where(Assignment.enquiry_id == moved.id, Assignment.status == AssignmentStatus.ACCEPTED).order_by(Assignment.id.desc())
        )
        if assignment is not None:
            assignment.days_worked, assignment.status, assignment.updated_at = days_worked, AssignmentStatus.COMPLETED, now

    return change_stage(
        session, profile, enquiry.id, Stage.REPORT_DELIVERED, expected=expected, now=now, channel=channel,
        changes={"report_delivered_on": checked.values["delivered_on"]}, also=record_days, action="enquiry.report.save",
    )


def package_values(v: EnquiryView) -> dict[str, str]:
    """The package form as it starts: what was agreed, else what the enquirer estimated."""
    return {
        "days": f"{v.agreed_days if v.agreed_days is not None else v.estimated_days:g}",
        "scope": v.agreed_scope or "",
        "report_due": (v.report_due or v.report_needed_by).isoformat(),
    }


def report_values(v: EnquiryView, today: date) -> dict[str, str]:
    """The report form as it starts: delivered today, the days the practitioner agreed."""
    practitioner = v.open_assignment
    return {"delivered_on": today.isoformat(), "days_worked": f"{practitioner.days_agreed:g}" if practitioner else ""}


def override_form() -> Form:
    return Form(
        name="enquiry_override",
        title="Move the enquiry to another stage",
        intro="Skipping a stage or going back is recorded with your reason, and the enquirer is told.",
        submit_label="Move the enquiry",
        fields=(
            Field("stage", "New stage", Kind.CHOICE, choices=tuple(Choice(s.value, s.label) for s in Stage)),
            Field("reason", "Reason", Kind.LONG_TEXT, max_length=1000),
        ),
    )


WITHDRAW_FORM = Form(
    name="enquiry_withdraw",
    title="Withdraw the enquiry",
    intro="The moderation team is told; a practitioner who was invited is told the invitation no longer stands.",
    submit_label="Withdraw the enquiry",
    fields=(Field("reason", "Reason (optional)", Kind.LONG_TEXT, required=False, max_length=1000),),
)
INVITE_FORM = Form(
    name="enquiry_invite",
    title="Invite a practitioner",
    intro="There is always a discussion before a panel member accepts: offer times, or leave this empty to ask when they can talk.",
    submit_label="Send the invitation",
    fields=(Field("times", "Times you can offer for the discussion", Kind.LONG_TEXT, required=False, max_length=1000),),
)
