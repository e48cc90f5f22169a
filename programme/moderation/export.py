"""Every moderation enquiry as rows of text, for operators: `peer-challenge export enquiries`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from programme.moderation.form import EXPERTISE, SUPPORT_SHORT, WORK
from programme.moderation.stages import Stage
from programme.panel.register import _cell
from storage.calendar import Cycle
from storage.moderation import Assignment, Enquiry
from storage.people import Authority, Person

EXPORT_HEADER = (
    "Enquiry", "Cycle", "Authority", "Support", "Conclusion", "Kinds of work", "Expertise", "Estimated days",
    "Report needed by", "Reason for the report date", "Contact name", "Contact email", "Stage", "Submitted by",
    "On behalf", "Agreed days", "Agreed scope", "Report due", "Report delivered on", "Practitioners", "Received (UTC)",
)
WORK_TITLES = {c.value: c.title for c in WORK}
EXPERTISE_TITLES = {c.value: c.title for c in EXPERTISE}


def export_enquiry_rows(session: Session) -> tuple[list[str], list[list[str]]]:
    submitter = aliased(Person)
    enquiries = session.execute(
        select(Enquiry, Cycle.name, Authority.name, submitter.name)
        .join(Authority, Authority.id == Enquiry.authority_id)
        .join(submitter, submitter.id == Enquiry.submitted_by_person_id)
        .outerjoin(Cycle, Cycle.id == Enquiry.cycle_id)
        .order_by(Enquiry.id)
    ).all()
    practitioners = _practitioners(session)
    rows = [
        [
            str(e.id), cycle or "", authority, SUPPORT_SHORT.get(e.support, e.support), e.conclusion,
            _titles(e.work, WORK_TITLES), _titles(e.expertise, EXPERTISE_TITLES), _days(e.estimated_days),
            _date(e.report_needed_by), e.report_date_reason or "", e.contact_name, e.contact_email, _stage(e.stage),
            submitted_by, "yes" if e.on_behalf else "no", _days(e.agreed_days), e.agreed_scope or "",
            _date(e.report_due), _date(e.report_delivered_on), "; ".join(practitioners.get(e.id, [])),
            f"{e.created_at.astimezone(UTC):%Y-%m-%d %H:%M}",
        ]
        for e, cycle, authority, submitted_by in enquiries
    ]
    return list(EXPORT_HEADER), [[_cell(value) for value in row] for row in rows]


def _practitioners(session: Session) -> dict[int, list[str]]:
    """Each enquiry's practitioners in the order they were invited: "Nina Oseiwood (accepted)"."""
    found: dict[int, list[str]] = {}
    rows = session.execute(
        select(Assignment.enquiry_id, Person.name, Assignment.status)
        .join(Person, Person.id == Assignment.person_id)
        .order_by(Assignment.enquiry_id, Assignment.id)
    )
    for enquiry_id, name, status in rows:
        found.setdefault(enquiry_id, []).append(f"{name} ({status.replace('_', ' ')})")
    return found


def _titles(codes: Iterable[str] | None, titles: dict[str, str]) -> str:
    return "; ".join(titles.get(code, code) for code in codes or ())


def _stage(value: str) -> str:
    try:
        return Stage(value).label
    except ValueError:
        return value


def _days(days: float | None) -> str:
    return "" if days is None else f"{round(days, 2):g}"


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""
