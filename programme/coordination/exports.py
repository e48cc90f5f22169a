"""The exports coordinators take from the assistant: the panel, enquiries, asks and offers, matches
and the days report, as CSV rows. Each export of personal data goes in the audit trail."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from programme import audit
from programme.errors import Invalid, NotAllowed
from programme.feedback import export_feedback_rows
from programme.moderation.days_report import DaysReport, days_by_authority, days_report_rows
from programme.moderation.export import export_enquiry_rows
from programme.panel.register import export_panel_rows
from programme.people.profile import Profile, current_cycle
from programme.support.export import export_asks_offers_rows, export_matches_rows
from programme.unit_of_work import unit_of_work

WHAT = {
    "panel": export_panel_rows,
    "enquiries": export_enquiry_rows,
    "asks-offers": export_asks_offers_rows,
    "matches": export_matches_rows,
    "feedback": export_feedback_rows,
}
CHOICES = (*WHAT, "days")


def exportable(profile: Profile, what: str) -> str:
    """What this person may export, named as they asked (`panel`, `days`, ...): the check made before
    a download link is made for them, and again when the link is followed."""
    if not profile.is_coordinator:
        raise NotAllowed("Only the programme coordinators export the programme's records.")
    what = (what or "").strip().lower()
    if what not in CHOICES:
        raise Invalid({"what": f"Say what to export: `export` followed by one of {', '.join(CHOICES)}."})
    return what


@unit_of_work
def export(session: Session, profile: Profile | None, what: str, today: date, *, person_id: int | None, channel: str) -> tuple[str, list[str], list[list[str]]]:
    """(file name, header, rows). `profile` None: the caller has already checked who asks (a signed link)."""
    if profile is not None and not profile.is_coordinator:
        raise NotAllowed("Only the programme coordinators export the programme's records.")
    what = (what or "").strip().lower()
    if what not in CHOICES:
        raise Invalid({"what": f"There is no export '{what[:30]}'; choose one of: {', '.join(CHOICES)}."})
    if what == "days":
        cycle = current_cycle(session, today)
        header, rows = days_report_rows(days_by_authority(session, cycle.name if cycle else ""))
    else:
        header, rows = WHAT[what](session)
    audit.record(session, person_id=person_id, channel=channel, action=f"export {what}", subject=f"what={what}")
    return f"{what}-{today.isoformat()}.csv", header, rows


@unit_of_work
def days_report(session: Session, profile: Profile | None, cycle_name: str, *, person_id: int | None, channel: str) -> DaysReport:
    """The days report of a cycle, for coordinators (or the command line, with no profile); taking it is audited."""
    if profile is not None and not profile.is_coordinator:
        raise NotAllowed("Only coordinators see the days report. Panel members see their own days with `my assignments`.")
    report = days_by_authority(session, cycle_name)
    audit.record(session, person_id=person_id, channel=channel, action="report days", subject=f"cycle={report.cycle_name}"[:200])
    return report
