"""Seeing moderation enquiries: who may see one, and what they see (its history and practitioner)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme.errors import NotAllowed, NotFound
from programme.moderation.form import EXPERTISE, SUPPORT_SHORT, WORK
from programme.moderation.stages import OPEN_ASSIGNMENT, AssignmentStatus, Stage
from programme.people.profile import Profile
from programme.people.roles import Role
from programme.validation import record_id
from storage.moderation import Assignment, Enquiry, EnquiryEvent
from storage.people import Authority, Person

WORK_TITLES = {c.value: c.title for c in WORK}
EXPERTISE_TITLES = {c.value: c.title for c in EXPERTISE}


@dataclass(frozen=True)
class Event:
    to_stage: str
    by: str
    at: datetime
    reason: str
    channel: str


@dataclass(frozen=True)
class AssignmentView:
    id: int
    person_id: int
    name: str
    authority_name: str
    status: str
    days_agreed: float
    days_worked: float | None
    times_offered: str
    member_availability: str

    @property
    def status_text(self) -> str:
        return self.status.replace("_", " ")

    @property
    def arranging_discussion(self) -> bool:
        """The discussion before acceptance is still to be had or answered: when the member's availability matters."""
        return self.status in (AssignmentStatus.INVITED, AssignmentStatus.DISCUSSED)


class EnquiryStep(StrEnum):
    """What the person looking at an enquiry can do with it now."""

    ARRANGE_DISCUSSION = "arrange_discussion"
    RECORD_PACKAGE = "record_package"
    FIND_PRACTITIONER = "find_practitioner"
    START_WORK = "start_work"
    RECORD_REPORT = "record_report"
    CLOSE = "close"
    DISCUSSION_HELD = "discussion_held"  # with the invited panel member
    CHANGE_PACKAGE = "change_package"
    ANOTHER_STAGE = "another_stage"  # a skip or a step back, with a reason
    WITHDRAW = "withdraw"

    @property
    def target(self) -> Stage | None:
        """The stage a step moves the enquiry to by itself, if it is a plain move on."""
        return STEP_TARGETS.get(self)


STEP_TARGETS = {
    EnquiryStep.ARRANGE_DISCUSSION: Stage.DISCUSSION_ARRANGED,
    EnquiryStep.START_WORK: Stage.IN_PROGRESS,
    EnquiryStep.CLOSE: Stage.CLOSED,
}
# A coordinator's way on from each stage; the two moves that belong to other steps (inviting a
# practitioner, the member's acceptance) have none here (programme/moderation/stages.py).
NEXT_STEP = {
    Stage.RECEIVED: EnquiryStep.ARRANGE_DISCUSSION,
    Stage.DISCUSSION_ARRANGED: EnquiryStep.RECORD_PACKAGE,
    Stage.PACKAGE_AGREED: EnquiryStep.FIND_PRACTITIONER,
    Stage.PRACTITIONER_ACCEPTED: EnquiryStep.START_WORK,
    Stage.IN_PROGRESS: EnquiryStep.RECORD_REPORT,
    Stage.REPORT_DELIVERED: EnquiryStep.CLOSE,
}


@dataclass(frozen=True)
class EnquiryView:
    id: int
    authority_code: str
    authority_name: str
    support: str
    conclusion: str
    work: tuple[str, ...]
    expertise: tuple[str, ...]
    estimated_days: float
    report_needed_by: date
    report_reason: str
    contact_name: str
    contact_email: str
    stage: Stage
    submitted_by: str
    received_at: datetime
    agreed_days: float | None
    agreed_scope: str | None
    report_due: date | None
    report_delivered_on: date | None
    history: tuple[Event, ...]
    assignments: tuple[AssignmentView, ...]
    viewer_is_coordinator: bool
    viewer_is_enquirer: bool

    @property
    def support_title(self) -> str:
        return SUPPORT_SHORT.get(self.support, self.support)

    @property
    def open_assignment(self) -> AssignmentView | None:
        return next((a for a in self.assignments if a.status in OPEN_ASSIGNMENT), None)

    @property
    def shows_practitioner(self) -> bool:
        """The practitioner's name and days are for the coordinators and the enquiring authority."""
        return bool(self.assignments) and (self.viewer_is_coordinator or self.viewer_is_enquirer)

    @property
    def steps(self) -> tuple[EnquiryStep, ...]:
        """What the viewer can do with the enquiry at its stage, in the order to offer it."""
        steps: list[EnquiryStep] = []
        if self.viewer_is_coordinator:
            if (step := NEXT_STEP.get(self.stage)) is not None:
                steps.append(step)
            pending = self.open_assignment
            if self.stage == Stage.PRACTITIONER_INVITED and pending is not None and pending.status == AssignmentStatus.INVITED:
                steps.append(EnquiryStep.DISCUSSION_HELD)
            if self.stage == Stage.PACKAGE_AGREED:
                steps.append(EnquiryStep.CHANGE_PACKAGE)
            steps.append(EnquiryStep.ANOTHER_STAGE)
        if (self.viewer_is_enquirer or self.viewer_is_coordinator) and self.stage.position < Stage.REPORT_DELIVERED.position:
            steps.append(EnquiryStep.WITHDRAW)
        return tuple(steps)


def is_enquirer(profile: Profile, authority_code: str) -> bool:
    return profile.holds_for(authority_code, Role.DCS, Role.DELEGATE)


def load_for(session: Session, profile: Profile, enquiry_id: object) -> tuple[Enquiry, Authority]:
    """The enquiry, if this person may see it: coordinators, and the enquiring authority's DCS and delegates."""
    number = record_id(enquiry_id)
    enquiry = session.get(Enquiry, number) if number is not None else None
    authority = session.get(Authority, enquiry.authority_id) if enquiry else None
    if enquiry is None or authority is None or not (
        profile.is_coordinator or is_enquirer(profile, authority.code) or enquiry.submitted_by_person_id == profile.person_id
    ):
        # The same answer whether it does not exist or is another authority's: an enquiry's existence is private.
        raise NotFound(f"I can't find enquiry {str(enquiry_id)[:20]} among the ones you can see. Use `my enquiries` to list yours.")
    return enquiry, authority


def view(session: Session, profile: Profile, enquiry_id: object) -> EnquiryView:
    enquiry, authority = load_for(session, profile, enquiry_id)
    return build_view(session, enquiry, authority, profile)


def for_coordinators(session: Session, profile: Profile, enquiry_id: object) -> EnquiryView:
    """The enquiry, for a moderation coordinator about to act on it (a package, a report, a practitioner, a stage)."""
    found = view(session, profile, enquiry_id)
    if not profile.is_coordinator:
        raise NotAllowed("Only the moderation coordinators can do that.")
    return found


def build_view(session: Session, enquiry: Enquiry, authority: Authority, profile: Profile | None) -> EnquiryView:
    # int | None keys: name() is asked for an event's person_id too, None for the assistant's own moves
    people: dict[int | None, Person] = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(_person_ids(session, enquiry))))}
    events = session.scalars(select(EnquiryEvent).where(EnquiryEvent.enquiry_id == enquiry.id).order_by(EnquiryEvent.id)).all()
    assignments = session.execute(
        select(Assignment, Authority.name).join(Authority, Authority.id == Assignment.authority_id)
        .where(Assignment.enquiry_id == enquiry.id).order_by(Assignment.id)
    ).all()

    def name(pid: int | None) -> str:
        return people[pid].name if pid in people else "the assistant"

    return EnquiryView(
        id=enquiry.id,
        authority_code=authority.code,
        authority_name=authority.name,
        support=enquiry.support,
        conclusion=enquiry.conclusion,
        work=tuple(WORK_TITLES.get(w, w) for w in enquiry.work or ()),
        expertise=tuple(EXPERTISE_TITLES.get(e, e) for e in enquiry.expertise or ()),
        estimated_days=enquiry.estimated_days,
        report_needed_by=enquiry.report_needed_by,
        report_reason=enquiry.report_date_reason,
        contact_name=enquiry.contact_name,
        contact_email=enquiry.contact_email,
        stage=Stage(enquiry.stage),
        submitted_by=name(enquiry.submitted_by_person_id),
        received_at=enquiry.created_at,
        agreed_days=enquiry.agreed_days,
        agreed_scope=enquiry.agreed_scope,
        report_due=enquiry.report_due,
        report_delivered_on=enquiry.report_delivered_on,
        history=tuple(Event(e.to_stage, name(e.person_id), e.at, e.reason, e.channel) for e in events),
        assignments=tuple(
            AssignmentView(a.id, a.person_id, name(a.person_id), authority_name, a.status, a.days_agreed, a.days_worked,
                           a.times_offered, a.member_availability)
            for a, authority_name in assignments
        ),
        viewer_is_coordinator=bool(profile and profile.is_coordinator),
        viewer_is_enquirer=bool(profile and is_enquirer(profile, authority.code)),
    )


def _person_ids(session: Session, enquiry: Enquiry) -> set[int]:
    ids = {enquiry.submitted_by_person_id}
    ids |= set(session.scalars(select(EnquiryEvent.person_id).where(EnquiryEvent.enquiry_id == enquiry.id)))
    ids |= set(session.scalars(select(Assignment.person_id).where(Assignment.enquiry_id == enquiry.id)))
    return {i for i in ids if i is not None}


def list_enquiries(session: Session, profile: Profile, *, stage: Stage | None = None) -> list[EnquiryView]:
    if not profile.is_coordinator:
        raise NotAllowed("Only coordinators see every enquiry. Use `my enquiries` for your authority's.")
    query = select(Enquiry, Authority).join(Authority, Authority.id == Enquiry.authority_id).order_by(Enquiry.id.desc())
    if stage is not None:
        query = query.where(Enquiry.stage == stage.value)
    return [build_view(session, e, a, profile) for e, a in session.execute(query)]


def my_enquiries(session: Session, profile: Profile) -> list[EnquiryView]:
    """Every enquiry of the authorities this person is DCS or delegate of, and the ones they sent."""
    codes = profile.authorities_as(Role.DCS, Role.DELEGATE)
    query = (
        select(Enquiry, Authority).join(Authority, Authority.id == Enquiry.authority_id)
        .where((Authority.code.in_(codes)) | (Enquiry.submitted_by_person_id == profile.person_id))
        .order_by(Enquiry.id.desc())
    )
    return [build_view(session, e, a, profile) for e, a in session.execute(query)]
