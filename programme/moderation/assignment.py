"""Panel members' assignments: the invitation, the discussion before acceptance, accepting or
declining, handing work back, and the member's own view.

The programme's rule (d): "If invited to undertake an assignment, there will be a discussion prior
to acceptance, and declining the invitation will be an option for the panel member." So a member
can accept only once either side has recorded that the discussion took place, and may decline
until the work is under way. Nothing is silently dropped: work handed back goes to the coordinators.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from programme import audit
from programme.errors import Invalid, NotAllowed, NotFound
from programme.held_codes import Purpose, for_person
from programme.moderation.enquiry import moderation_coordinators, move
from programme.moderation.form import SUPPORT_SHORT
from programme.moderation.practitioners import independence_problem
from programme.moderation.stages import DAYS_COUNTED, OPEN_ASSIGNMENT, AssignmentStatus, Stage
from programme.moderation.views import load_for
from programme.panel.nomination import ACTIVE_STATUSES, NominationStatus
from programme.people.profile import Profile
from programme.people.roles import Role
from programme.unit_of_work import unit_of_work
from programme.validation import record_id
from storage.moderation import Assignment, Enquiry, PanelAvailability
from storage.outbox import enqueue
from storage.panel import Nomination
from storage.people import Authority, Person, RoleAssignment

log = logging.getLogger(__name__)

OPEN = OPEN_ASSIGNMENT


def nominating_authority(session: Session, person_id: int) -> Authority | None:
    """The authority whose nomination put this person on the panel (days are paid to it)."""
    nomination = session.scalar(
        select(Nomination).where(Nomination.nominee_person_id == person_id, Nomination.status == NominationStatus.JOINED).order_by(Nomination.id.desc())
    )
    if nomination is not None:
        return session.get(Authority, nomination.authority_id)
    role = session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.person_id == person_id, RoleAssignment.role == Role.PANEL_MEMBER.value, RoleAssignment.active.is_(True)
        )
    )
    return session.get(Authority, role.authority_id) if role is not None and role.authority_id else None


@unit_of_work
def invite(
    session: Session, profile: Profile, enquiry_id: object, person_id: object, *, times_offered: str = "", now: datetime, channel: str = ""
) -> str:
    """A coordinator invites a panel member to the enquiry's agreed package."""
    if not profile.is_coordinator:
        raise NotAllowed("Only the moderation coordinators invite panel members to an enquiry.")
    enquiry, authority = load_for(session, profile, enquiry_id)
    member = session.get(Person, number) if (number := record_id(person_id)) is not None else None
    home = nominating_authority(session, member.id) if member is not None else None
    if member is None or home is None:
        raise NotFound("That person is not on the regional panel. Use 'Find a practitioner' to see who is.")
    open_one = session.scalar(select(Assignment).where(Assignment.enquiry_id == enquiry.id, Assignment.status.in_(OPEN)))
    if open_one is not None:
        if open_one.person_id == member.id:
            return f"{member.name} is already invited to enquiry {enquiry.id}."
        invited = session.get(Person, open_one.person_id)
        assert invited is not None  # an assignment's person_id is a foreign key
        raise NotAllowed(
            f"{invited.name} is already invited to enquiry {enquiry.id}: "
            "wait for their answer, or move the enquiry back to 'package agreed' with a reason first."
        )
    problem = independence_problem(session, enquiry, member.id)
    if problem:
        raise NotAllowed(problem)
    if Stage(enquiry.stage) != Stage.PACKAGE_AGREED:
        raise NotAllowed(f"Enquiry {enquiry.id} is at '{Stage(enquiry.stage).label}': a practitioner is invited once the package is agreed.")
    # The move first: if someone else moved the enquiry at the same moment, nothing has been written.
    if not move(session, profile, enquiry, Stage.PRACTITIONER_INVITED, expected=Stage.PACKAGE_AGREED, now=now, channel=channel, system=True,
                reason=""):
        return f"Enquiry {enquiry.id} was changed by someone else at the same moment: nobody was invited."
    assignment = Assignment(
        enquiry_id=enquiry.id, person_id=member.id, authority_id=home.id, status=AssignmentStatus.INVITED,
        invited_by_person_id=profile.person_id, times_offered=" ".join(times_offered.split())[:1000],
        days_agreed=enquiry.agreed_days or 0,
    )
    session.add(assignment)
    session.flush()
    enqueue(session, key=f"assignment/{assignment.id}/invitation", kind="assignment_invitation",
            payload={**_payload(session, assignment, enquiry, authority, member), **_answerable(session, assignment, now)},
            due_at=now, recipient_person_id=member.id)
    _audit(session, profile.person_id, channel, "enquiry.invite.save", assignment, authority, person=member.id)
    log.info("assignment %s: person %s invited to enquiry %s", assignment.id, member.id, enquiry.id)
    return f"{member.name} ({home.name}) is invited to enquiry {enquiry.id}. You will hear when they answer."


def _payload(session: Session, assignment: Assignment, enquiry: Enquiry, authority: Authority, member: Person) -> dict[str, Any]:
    inviter = session.get(Person, assignment.invited_by_person_id)
    return {
        "assignment_id": assignment.id,
        "enquiry_id": enquiry.id,
        "member_name": member.name,
        "authority_name": authority.name,
        "support": SUPPORT_SHORT.get(enquiry.support, enquiry.support),
        "conclusion": enquiry.conclusion,
        "scope": enquiry.agreed_scope or "",
        "days": f"{assignment.days_agreed:g}",
        "report_due": enquiry.report_due.isoformat() if enquiry.report_due else "",
        "times_offered": assignment.times_offered,
        "member_availability": assignment.member_availability,
        "inviter_name": inviter.name if inviter else "The moderation team",
        "status": AssignmentStatus(assignment.status).label,
    }


# -- the member's answers (and the coordinator's record of the discussion) ------------------------


def _load(session: Session, assignment_id: object) -> tuple[Assignment, Enquiry, Authority, Person]:
    assignment = session.get(Assignment, number) if (number := record_id(assignment_id)) is not None else None
    if assignment is None:
        raise NotFound(f"There is no invitation {str(assignment_id)[:20]}. Use `my assignments` to see yours.")
    enquiry = session.get(Enquiry, assignment.enquiry_id)
    assert enquiry is not None  # foreign keys, as are the enquiry's authority_id and the assignment's person_id
    authority, member = session.get(Authority, enquiry.authority_id), session.get(Person, assignment.person_id)
    assert authority is not None and member is not None
    return assignment, enquiry, authority, member


def _own(session: Session, person: Person, assignment_id: object) -> tuple[Assignment, Enquiry, Authority, Person]:
    assignment, enquiry, authority, member = _load(session, assignment_id)
    if member.id != person.id:
        raise NotAllowed("Only the panel member who was invited can answer this invitation.")
    return assignment, enquiry, authority, member


def _answerable(session: Session, assignment: Assignment, now: datetime) -> dict[str, str]:
    """A code for the member's own address: their emailed answers act on this invitation, nobody else's do."""
    return for_person(session, assignment.person_id, Purpose.ASSIGNMENT, {"assignment": assignment.id}, now)


@unit_of_work
def record_discussion(session: Session, profile: Profile, assignment_id: object, *, now: datetime, channel: str = "") -> str:
    """The member or a coordinator records that the discussion before acceptance took place."""
    assignment, enquiry, authority, member = _load(session, assignment_id)
    by_member = member.id == profile.person_id
    if not (by_member or profile.is_coordinator):
        raise NotAllowed("Only the invited panel member or a moderation coordinator can record the discussion.")
    if assignment.status != AssignmentStatus.INVITED:
        return _already(assignment, member)
    moved = cast(CursorResult[Any], session.execute(  # an UPDATE's result is a CursorResult, which has the rowcount
        update(Assignment).where(Assignment.id == assignment.id, Assignment.status == AssignmentStatus.INVITED)
        .values(status=AssignmentStatus.DISCUSSED, discussed_at=now, discussion_recorded_by_person_id=profile.person_id, updated_at=now)
    )).rowcount
    if not moved:  # answered at the same moment by someone else
        return _already(_reread(session, assignment), member)
    session.refresh(assignment)
    payload = _payload(session, assignment, enquiry, authority, member)
    if by_member:
        enqueue(session, key=f"assignment/{assignment.id}/discussed/coordinator", kind="assignment_update",
                payload={**payload, "what": f"{member.name} has recorded that the discussion about enquiry {enquiry.id} took place."},
                due_at=now, recipient_person_id=assignment.invited_by_person_id)
    else:
        enqueue(session, key=f"assignment/{assignment.id}/discussed/member", kind="assignment_discussed",
                payload={**payload, **_answerable(session, assignment, now)}, due_at=now, recipient_person_id=member.id)
    _audit(session, profile.person_id, channel, "assignment.discussed", assignment, authority)
    return f"The discussion about enquiry {enquiry.id} is recorded." + (
        " You can now accept or decline." if by_member else f" {member.name} can now accept or decline."
    )


@unit_of_work
def accept(session: Session, person: Person, assignment_id: object, *, now: datetime, channel: str = "") -> str:
    assignment, enquiry, authority, member = _own(session, person, assignment_id)
    if assignment.status == AssignmentStatus.INVITED:
        raise NotAllowed(
            "The programme asks for a discussion before you accept: talk to the moderation team first, then "
            "record that the discussion took place (or they will), and accept."
        )
    if assignment.status != AssignmentStatus.DISCUSSED:
        return _already(assignment, member)
    moved = cast(CursorResult[Any], session.execute(
        update(Assignment).where(Assignment.id == assignment.id, Assignment.status == AssignmentStatus.DISCUSSED)
        .values(status=AssignmentStatus.ACCEPTED, updated_at=now)
    )).rowcount
    if not moved:  # answered at the same moment (a second reply, another process)
        return _already(_reread(session, assignment), member)
    session.refresh(assignment)
    if Stage(enquiry.stage) == Stage.PRACTITIONER_INVITED:
        move(session, None, enquiry, Stage.PRACTITIONER_ACCEPTED, expected=Stage.PRACTITIONER_INVITED, now=now, channel=channel,
             system=True, actor_id=member.id)
    _tell_coordinators(
        session, assignment, enquiry, authority, member, f"{member.name} has accepted the work on enquiry {enquiry.id}.", now, AssignmentStatus.ACCEPTED
    )
    _audit(session, person.id, channel, "assignment.accept", assignment, authority)
    log.info("assignment %s accepted", assignment.id)
    return f"Thank you: you have accepted the work on enquiry {enquiry.id} for {authority.name}. The moderation team will be in touch about the next steps."


@unit_of_work
def decline(session: Session, person: Person, assignment_id: object, *, reason: str = "", now: datetime, channel: str = "") -> str:
    assignment, enquiry, authority, member = _own(session, person, assignment_id)
    if assignment.status not in OPEN:
        return _already(assignment, member)
    if assignment.status == AssignmentStatus.ACCEPTED and Stage(enquiry.stage) not in (Stage.PRACTITIONER_INVITED, Stage.PRACTITIONER_ACCEPTED):
        raise NotAllowed(
            f"The work on enquiry {enquiry.id} is under way: please talk to the moderation team, who can hand it to someone else."
        )
    _end(session, assignment, enquiry, authority, member, AssignmentStatus.DECLINED, reason or "Declined by the panel member.", now, channel)
    _audit(session, person.id, channel, "assignment.decline.save", assignment, authority)
    log.info("assignment %s declined", assignment.id)
    return "Thank you for letting us know: you have declined. The moderation team will find someone else."


@unit_of_work
def suggest_times(session: Session, person: Person, assignment_id: object, text: str, *, now: datetime, channel: str = "") -> str:
    assignment, enquiry, authority, member = _own(session, person, assignment_id)
    text = " ".join(str(text or "").split())
    if not text:
        raise Invalid({"availability": "Say when you can talk, for example: Tuesday or Wednesday afternoon."})
    if len(text) > 1000:
        raise Invalid({"availability": f"Shorten this to 1000 characters or fewer (it has {len(text)})."})
    if assignment.status not in OPEN:
        return _already(assignment, member)
    assignment.member_availability, assignment.updated_at = text, now
    session.flush()
    count = session.scalar(select(Assignment.updated_at).where(Assignment.id == assignment.id))
    assert count is not None  # the row just flushed
    enqueue(session, key=f"assignment/{assignment.id}/times/{count.isoformat()}", kind="assignment_update",
            payload={**_payload(session, assignment, enquiry, authority, member),
                     "what": f"{member.name} says when they can talk about enquiry {enquiry.id}: {text}"},
            due_at=now, recipient_person_id=assignment.invited_by_person_id)
    _audit(session, person.id, channel, "assignment.times.save", assignment, authority)
    return "Thank you: the moderation team has your times and will arrange the discussion."


def _audit(session: Session, person_id: int, channel: str, action: str, assignment: Assignment, authority: Authority,
           person: int | None = None) -> None:
    audit.record(session, person_id=person_id, channel=channel, action=action,
                 subject=audit.subject_of({"id": assignment.id, "person": person}), authority_code=authority.code)


def _already(assignment: Assignment, member: Person) -> str:
    return f"Nothing to change: this invitation is {AssignmentStatus(assignment.status).label.lower()}."


def _reread(session: Session, assignment: Assignment) -> Assignment:
    """The assignment as another transaction left it."""
    fresh = session.get(Assignment, assignment.id, populate_existing=True)
    assert fresh is not None  # it was read in this transaction, and assignments are not deleted
    return fresh


def _end(session: Session, assignment: Assignment, enquiry: Enquiry, authority: Authority, member: Person, status: str, reason: str, now: datetime,
         channel: str) -> None:
    """The assignment ends before the work is done; the enquiry goes back for someone else."""
    assignment.status, assignment.reason, assignment.updated_at = status, reason[:1000], now
    stage = Stage(enquiry.stage)
    if stage in (Stage.PRACTITIONER_INVITED, Stage.PRACTITIONER_ACCEPTED, Stage.IN_PROGRESS):
        move(session, None, enquiry, Stage.PACKAGE_AGREED, expected=stage, now=now, channel=channel, system=True,
             actor_id=member.id, reason=f"{member.name} {'declined' if status == 'declined' else 'handed the work back'}")
    what = (
        f"{member.name} has declined the invitation to enquiry {enquiry.id}."
        if status == AssignmentStatus.DECLINED
        else f"{member.name} has handed back the work on enquiry {enquiry.id} ({reason}). Please find someone else."
    )
    _tell_coordinators(session, assignment, enquiry, authority, member, what, now, status)


def _tell_coordinators(session: Session, assignment: Assignment, enquiry: Enquiry, authority: Authority, member: Person, what: str, now: datetime,
                       event: str) -> None:
    payload = {**_payload(session, assignment, enquiry, authority, member), "what": what}
    people = set(moderation_coordinators(session)) | {assignment.invited_by_person_id}
    for person_id in sorted(people):
        enqueue(session, key=f"assignment/{assignment.id}/{event}/coordinator/{person_id}", kind="assignment_update",
                payload=payload, due_at=now, recipient_person_id=person_id)


def hand_back_open(session: Session, person_id: int, reason: str, now: datetime, channel: str = "") -> int:
    """Every open assignment of this member goes back to the coordinators, in the caller's transaction."""
    member = session.get(Person, person_id)
    count = 0
    for assignment in session.scalars(select(Assignment).where(Assignment.person_id == person_id, Assignment.status.in_(OPEN))).all():
        enquiry = session.get(Enquiry, assignment.enquiry_id)
        assert enquiry is not None and member is not None  # foreign keys: the assignment's enquiry_id and person_id
        authority = session.get(Authority, enquiry.authority_id)
        assert authority is not None
        _end(session, assignment, enquiry, authority, member, AssignmentStatus.HANDED_BACK, reason, now, channel)
        count += 1
    return count


# -- the member's own view -------------------------------------------------------------------------


@dataclass(frozen=True)
class MyAssignment:
    id: int
    enquiry_id: int
    authority_name: str
    support: str
    conclusion: str
    scope: str
    status: str
    days_agreed: float
    days_worked: float | None
    report_due: date | None
    times_offered: str

    @property
    def status_label(self) -> str:
        return AssignmentStatus(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ASSIGNMENT

    @property
    def discussion_to_come(self) -> bool:
        """Invited: the member can say when they can talk, and record that they have."""
        return self.status == AssignmentStatus.INVITED

    @property
    def may_accept(self) -> bool:
        """Only once the discussion before acceptance was had (rule d)."""
        return self.status == AssignmentStatus.DISCUSSED


@dataclass(frozen=True)
class MyPanel:
    on_panel: bool
    assignments: tuple[MyAssignment, ...]
    availability: str

    @property
    def days_agreed(self) -> float:
        return sum(a.days_agreed for a in self.assignments if a.status in DAYS_COUNTED)

    @property
    def days_worked(self) -> float:
        return sum(a.days_worked or 0 for a in self.assignments)


def my_assignments(session: Session, person: Person) -> MyPanel:
    rows = session.execute(
        select(Assignment, Enquiry, Authority)
        .join(Enquiry, Enquiry.id == Assignment.enquiry_id)
        .join(Authority, Authority.id == Enquiry.authority_id)
        .where(Assignment.person_id == person.id)
        .order_by(Assignment.id.desc())
    ).all()
    availability = session.get(PanelAvailability, person.id)
    return MyPanel(
        on_panel=nominating_authority(session, person.id) is not None,
        assignments=tuple(
            MyAssignment(a.id, e.id, au.name, SUPPORT_SHORT.get(e.support, e.support), e.conclusion, e.agreed_scope or "",
                         a.status, a.days_agreed, a.days_worked, e.report_due, a.times_offered)
            for a, e, au in rows
        ),
        availability=availability.text if availability else "",
    )


def availability_of(session: Session, person_ids: list[int]) -> dict[int, str]:
    """What these panel members said about when they can take on work, for the coordinators."""
    rows: Iterable[PanelAvailability] = session.scalars(select(PanelAvailability).where(PanelAvailability.person_id.in_(person_ids))) if person_ids else []
    return {row.person_id: row.text for row in rows if row.text}


@unit_of_work
def set_availability(session: Session, person: Person, text: object, *, now: datetime, channel: str = "") -> str:
    if nominating_authority(session, person.id) is None:
        raise NotAllowed("Only panel members record their availability.")
    text = " ".join(str(text or "").split())
    if len(text) > 1000:
        raise Invalid({"availability": f"Shorten this to 1000 characters or fewer (it has {len(text)})."})
    record = session.get(PanelAvailability, person.id)
    if record is None:
        session.add(PanelAvailability(person_id=person.id, text=text, updated_at=now))
    else:
        record.text, record.updated_at = text, now
    audit.record(session, person_id=person.id, channel=channel, action="panel.availability.save")
    return "Your availability is recorded: the moderation team sees it when choosing a practitioner." if text else "Your availability is cleared."


@unit_of_work
def leave_panel(session: Session, person: Person, *, now: datetime, channel: str = "") -> str:
    """The member leaves: open work is handed back to the coordinators first, then the membership ends."""
    if nominating_authority(session, person.id) is None:
        return "You are not on the regional panel, so there is nothing to leave."
    handed = hand_back_open(session, person.id, "The panel member left the panel.", now, channel)
    session.execute(
        update(RoleAssignment)
        .where(RoleAssignment.person_id == person.id, RoleAssignment.role == Role.PANEL_MEMBER.value, RoleAssignment.active.is_(True))
        .values(active=False, updated_at=now)
    )
    session.execute(
        update(Nomination).where(Nomination.nominee_person_id == person.id, Nomination.status.in_(ACTIVE_STATUSES))
        .values(status=NominationStatus.WITHDRAWN, updated_at=now)
    )
    for person_id in moderation_coordinators(session):
        enqueue(session, key=f"panel/left/{person.id}/{now.isoformat()}/coordinator/{person_id}", kind="panel_member_left",
                payload={"member_name": person.name, "handed_back": handed}, due_at=now, recipient_person_id=person_id)
    audit.record(session, person_id=person.id, channel=channel, action="panel.leave.confirm")
    log.info("person %s left the panel; %s assignments handed back", person.id, handed)
    done = "You have left the regional panel."
    return done + (f" Your {handed} open assignment(s) went back to the moderation team, who will find someone else." if handed else "")
