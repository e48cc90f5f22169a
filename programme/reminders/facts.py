"""What the reminder rules need to know, read from the database in a few queries."""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme.calendar.cycle_settings import CycleSettings
from programme.moderation.stages import Stage
from programme.people.roles import Role
from programme.reminders.plan import AuthorityFacts, GroupFacts, NoteFacts, PersonRef, ProgrammeFacts
from storage.calendar import Cycle, Group, GroupMember, NoteAgreement, SelfAssessment
from storage.moderation import Enquiry
from storage.people import Authority, Person, RoleAssignment
from storage.support import SupportItem


def load_facts(session: Session, cycle: Cycle, zone: ZoneInfo) -> ProgrammeFacts:
    settings = CycleSettings.from_mapping(cycle.settings)
    roles: dict[tuple[int, str], list[PersonRef]] = defaultdict(list)
    for person_id, name, email, role, authority_id in session.execute(
        select(Person.id, Person.name, Person.email, RoleAssignment.role, RoleAssignment.authority_id)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.active.is_(True), Person.active.is_(True))
        .order_by(Person.id)
    ):
        roles[(authority_id or 0, role)].append(PersonRef(person_id, name, email))
    coordinators = tuple(roles[(0, Role.COORDINATOR.value)])
    enquiring = set(session.scalars(select(Enquiry.authority_id).where(Enquiry.cycle_id == cycle.id, Enquiry.stage != Stage.WITHDRAWN)))
    received = set(session.scalars(select(SelfAssessment.authority_id).where(
        SelfAssessment.cycle_id == cycle.id, SelfAssessment.received_on.is_not(None))))
    links = dict(session.execute(select(SelfAssessment.authority_id, SelfAssessment.link).where(SelfAssessment.cycle_id == cycle.id)).all())
    facilitators: dict[int, list[PersonRef]] = defaultdict(list)
    for person_id, name, email, group_id in session.execute(
        select(Person.id, Person.name, Person.email, RoleAssignment.group_id).join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.role == Role.FACILITATOR.value, RoleAssignment.active.is_(True), Person.active.is_(True),
               RoleAssignment.group_id.is_not(None)).order_by(Person.id)
    ):
        facilitators[group_id or 0].append(PersonRef(person_id, name, email))
    submitted = set(session.scalars(select(SupportItem.authority_id).where(
        SupportItem.cycle_id == cycle.id, SupportItem.kind.in_(("ask", "offer")))))
    notes = {
        (n.group_id, n.authority_id): NoteFacts(n.id, n.version, n.sent_on, n.status, n.agreed_on, n.shared_on, n.link)
        for n in session.scalars(select(NoteAgreement).where(NoteAgreement.cycle_id == cycle.id))
    }
    groups = []
    for group in session.scalars(select(Group).where(Group.cycle_id == cycle.id, Group.active.is_(True)).order_by(Group.key)):
        authorities = []
        members = session.execute(
            select(Authority, GroupMember.reviews_authority_id).join(GroupMember, GroupMember.authority_id == Authority.id)
            .where(GroupMember.group_id == group.id, GroupMember.active.is_(True), Authority.active.is_(True))
            .order_by(GroupMember.position)
        ).all()
        reviewer_of = {reviewed: member.name for member, reviewed in members if reviewed is not None}
        for member, _ in members:
            dcs = tuple(roles[(member.id, Role.DCS.value)])
            authorities.append(AuthorityFacts(
                code=member.code, name=member.name, dcs=dcs, leads=dcs + tuple(roles[(member.id, Role.DELEGATE.value)]),
                participants=tuple(roles[(member.id, Role.PARTICIPANT.value)]), has_enquiry=member.id in enquiring,
                self_assessment_received=member.id in received, asks_offers_submitted=member.id in submitted,
                note=notes.get((group.id, member.id)), self_assessment_link=links.get(member.id) or "",
                lead_reviewer=reviewer_of.get(member.id, ""),
            ))
        groups.append(GroupFacts(
            key=group.key, name=group.name, challenge_date=group.challenge_date,
            deadline=settings.dissemination_deadline(group.challenge_date, group.dissemination_deadline),
            authorities=tuple(authorities), kind=group.kind, format=group.format, location=group.location or "",
            facilitators=tuple(facilitators[group.id]),
        ))
    return ProgrammeFacts(cycle=cycle.name, settings=settings, zone=zone, groups=tuple(groups), coordinators=coordinators)
