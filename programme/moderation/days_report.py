"""Days given to moderation in a cycle, by the authority that nominated each practitioner.

Payments to authorities are in proportion to the days their practitioners worked, so the report
counts accepted and completed assignments on the cycle's enquiries, and gives each nominating
authority's share of the cycle's days worked. Days not yet recorded as worked count as none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from programme.errors import NotAllowed, NotFound
from programme.moderation.stages import DAYS_COUNTED
from programme.panel.register import _cell
from programme.people.profile import Profile, current_cycle
from storage.calendar import Cycle
from storage.moderation import Assignment, Enquiry
from storage.people import Authority, Person

REPORT_HEADER = ("Nominating authority", "Assignments", "Days agreed", "Days worked", "Share of days worked (%)")
DETAIL_HEADER = (
    "Enquiry", "Enquiring authority", "Practitioner", "Nominating authority", "Status", "Days agreed", "Days worked",
)


@dataclass(frozen=True)
class AuthorityDays:
    authority_name: str
    assignments: int
    days_agreed: float
    days_worked: float
    share: float  # per cent of the cycle's days worked; 0 for everyone while none are recorded


@dataclass(frozen=True)
class DaysReport:
    cycle_name: str
    rows: tuple[AuthorityDays, ...]  # by authority name
    total: AuthorityDays

    @property
    def total_agreed(self) -> float:
        return self.total.days_agreed

    @property
    def total_worked(self) -> float:
        return self.total.days_worked


def days_by_authority(session: Session, cycle_name: str) -> DaysReport:
    cycle = _cycle(session, cycle_name)
    worked = func.coalesce(Assignment.days_worked, 0)
    counted = session.execute(
        select(Authority.id, Authority.name, func.count(Assignment.id), func.sum(Assignment.days_agreed), func.sum(worked))
        .join(Assignment, Assignment.authority_id == Authority.id)
        .join(Enquiry, Enquiry.id == Assignment.enquiry_id)
        .where(Enquiry.cycle_id == cycle.id, Assignment.status.in_(DAYS_COUNTED))
        .group_by(Authority.id, Authority.name)
    ).all()
    total_worked = sum(float(row[4] or 0) for row in counted)

    def share(days: float) -> float:
        return days / total_worked * 100 if total_worked else 0.0

    rows = sorted(
        (
            AuthorityDays(name, count, float(agreed or 0), float(days or 0), share(float(days or 0)))
            for _, name, count, agreed, days in counted
        ),
        key=lambda row: (row.authority_name.casefold(), row.authority_name),
    )
    total = AuthorityDays(
        "Total",
        sum(row.assignments for row in rows),
        sum(row.days_agreed for row in rows),
        total_worked,
        share(total_worked),
    )
    return DaysReport(cycle.name, tuple(rows), total)


def days_for(session: Session, profile: Profile, cycle_name: str, today: date) -> DaysReport:
    """The days report for a coordinator: of the cycle named, or the current one."""
    if not profile.is_coordinator:
        raise NotAllowed("Only coordinators see the days report. Panel members see their own days with `my assignments`.")
    cycle = cycle_name.strip() or getattr(current_cycle(session, today), "name", "")
    return days_by_authority(session, cycle)


def days_report_rows(report: DaysReport) -> tuple[list[str], list[list[str]]]:
    rows = [_row(row) for row in (*report.rows, report.total)]
    return list(REPORT_HEADER), [[_cell(value) for value in row] for row in rows]


def days_report_text(report: DaysReport) -> str:
    """The report as a table to read in a terminal."""
    title = f"Days given to moderation in cycle {report.cycle_name}, by nominating authority (accepted and completed assignments)"
    if not report.rows:
        return f"{title}\n\nNo accepted or completed assignments in this cycle yet."
    table = [list(REPORT_HEADER), *(_row(row) for row in report.rows), _row(report.total)]
    widths = [max(len(line[i]) for line in table) for i in range(len(REPORT_HEADER))]

    def line(cells: list[str]) -> str:
        return "  ".join([cells[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=False))]).rstrip()

    rule = "  ".join("-" * width for width in widths)
    lines = [title, "", line(table[0]), rule, *(line(cells) for cells in table[1:-1]), rule, line(table[-1])]
    if not report.total_worked:
        lines += ["", "No days worked are recorded yet, so there are no shares."]
    return "\n".join(lines)


def days_detail_rows(session: Session, cycle_name: str) -> tuple[list[str], list[list[str]]]:
    """One row per assignment the report counts, so its totals can be checked."""
    cycle = _cycle(session, cycle_name)
    enquiring, nominating = aliased(Authority), aliased(Authority)
    assignments = session.execute(
        select(Assignment, enquiring.name, Person.name, nominating.name)
        .join(Enquiry, Enquiry.id == Assignment.enquiry_id)
        .join(enquiring, enquiring.id == Enquiry.authority_id)
        .join(nominating, nominating.id == Assignment.authority_id)
        .join(Person, Person.id == Assignment.person_id)
        .where(Enquiry.cycle_id == cycle.id, Assignment.status.in_(DAYS_COUNTED))
        .order_by(Assignment.enquiry_id, Assignment.id)
    )
    rows = [
        [
            str(a.enquiry_id), enquiring_name, practitioner, nominating_name, a.status,
            _days(a.days_agreed), "" if a.days_worked is None else _days(a.days_worked),
        ]
        for a, enquiring_name, practitioner, nominating_name in assignments
    ]
    return list(DETAIL_HEADER), [[_cell(value) for value in row] for row in rows]


def _row(row: AuthorityDays) -> list[str]:
    return [row.authority_name, str(row.assignments), _days(row.days_agreed), _days(row.days_worked), f"{row.share:.1f}"]


def _days(days: float) -> str:
    return f"{round(days, 2):g}"


def _cycle(session: Session, name: str) -> Cycle:
    wanted = " ".join(str(name).split())
    cycle = session.scalar(select(Cycle).where(Cycle.name == wanted))
    if cycle is not None:
        return cycle
    known = session.scalars(select(Cycle.name).order_by(Cycle.starts_on)).all()
    if not known:
        raise NotFound(f"There is no cycle '{wanted[:40]}': no cycle has been imported yet. Import a calendar file first.")
    raise NotFound(f"There is no cycle '{wanted[:40]}'. The cycles are: {', '.join(known)}.")
