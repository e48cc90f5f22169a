"""Self-assessments: the DCS says it is sent (with a link), a coordinator marks it received, and when
every authority of a group is in, the group's people are told the self-assessments are ready."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme import audit
from programme.calendar.cycle_settings import CycleSettings
from programme.dates import long_date
from programme.errors import Invalid, NotAllowed, NotFound
from programme.links import ProgrammeLinks
from programme.people.profile import Profile, current_cycle, group_of
from programme.people.roles import Role
from programme.unit_of_work import unit_of_work
from storage.calendar import Cycle, Group, GroupMember, SelfAssessment
from storage.outbox import enqueue
from storage.people import Authority, RoleAssignment

log = logging.getLogger(__name__)
GROUP_ROLES = (Role.DCS.value, Role.DELEGATE.value, Role.PARTICIPANT.value)


@dataclass(frozen=True)
class Status:
    authority_code: str
    authority_name: str
    group_name: str
    deadline: date
    link: str
    sent: bool
    received_on: date | None
    may_mark_received: bool = False  # the viewer is a coordinator, and it is not in yet
    may_mark_sent: bool = False  # the viewer is its DCS or a delegate, and it is not sent yet


def _cycle(session: Session, today: date, name: str | None = None) -> Cycle:
    cycle = session.scalar(select(Cycle).where(Cycle.name == name)) if name else current_cycle(session, today)
    if cycle is None:
        raise NotFound(f"There is no cycle {name}." if name else "There is no cycle yet: import the calendar first.")
    return cycle


def statuses(session: Session, profile: Profile, today: date) -> list[Status]:
    """Coordinators: every authority in a group this cycle; a DCS or delegate: their own."""
    cycle = _cycle(session, today)
    settings = CycleSettings.from_mapping(cycle.settings)
    own = set(profile.authorities_as(Role.DCS, Role.DELEGATE))
    if not profile.is_coordinator and not own:
        raise NotAllowed("Only a DCS, a delegate or a coordinator follows the self-assessments.")
    rows = session.execute(
        select(Authority, Group).join(GroupMember, GroupMember.authority_id == Authority.id).join(Group, Group.id == GroupMember.group_id)
        .where(Group.cycle_id == cycle.id, Group.active.is_(True), GroupMember.active.is_(True)).order_by(Group.challenge_date, Group.key, GroupMember.position)
    ).all()
    stored = {s.authority_id: s for s in session.scalars(select(SelfAssessment).where(SelfAssessment.cycle_id == cycle.id))}
    found = []
    for a, g in rows:
        if not (profile.is_coordinator or a.code in own):
            continue
        record = stored.get(a.id)
        sent = record is not None and bool(record.link or record.sent_by_person_id)
        received_on = record.received_on if record is not None else None
        found.append(Status(
            a.code, a.name, g.name, settings.dissemination_deadline(g.challenge_date, g.dissemination_deadline),
            record.link if record is not None else "", sent, received_on,
            may_mark_received=profile.is_coordinator and received_on is None,
            may_mark_sent=a.code in own and not sent,
        ))
    return found


def _record(session: Session, cycle: Cycle, authority: Authority) -> SelfAssessment:
    record = session.scalar(select(SelfAssessment).where(SelfAssessment.cycle_id == cycle.id, SelfAssessment.authority_id == authority.id))
    if record is None:
        record = SelfAssessment(cycle_id=cycle.id, authority_id=authority.id)
        session.add(record)
    return record


def _authority(session: Session, code: object) -> Authority:
    authority = session.scalar(select(Authority).where(Authority.code == str(code or "").strip().lower()))
    if authority is None:
        raise NotFound(f"There is no authority '{str(code)[:40]}'.")
    return authority


@unit_of_work
def mark_sent(session: Session, profile: Profile, authority_code: object, link: object, now: datetime, today: date, *, channel: str = "") -> str:
    authority = _authority(session, authority_code)
    if not (profile.is_coordinator or profile.holds_for(authority.code, Role.DCS, Role.DELEGATE)):
        raise NotAllowed(f"Only {authority.name}'s DCS or a delegate (or a coordinator) can say its self-assessment is sent.")
    link = " ".join(str(link or "").split())
    if not link.startswith(("https://", "http://")) or len(link) > 1000:
        raise Invalid({"link": "Give the link to the document, starting with https:// (for example its SharePoint address)."})
    cycle = _cycle(session, today)
    record = _record(session, cycle, authority)
    if record.link == link:
        return f"No change: {authority.name}'s self-assessment is already recorded as sent with that link."  # not audited
    record.link, record.sent_by_person_id, record.updated_at = link, profile.person_id, now
    _audit(session, profile, channel, "sa.sent.save", authority)
    log.info("self-assessment of authority %s marked sent by person %s", authority.id, profile.person_id)
    return f"Thank you: {authority.name}'s self-assessment is recorded as sent. The coordinators will mark it received."


@unit_of_work
def mark_received(session: Session, profile: Profile | None, authority_code: object, now: datetime, today: date, *, cycle_name: str | None = None,
                  channel: str = "") -> str:
    """A coordinator (or the command line, with no profile) marks it received; the group hears when all are in."""
    if profile is not None and not profile.is_coordinator:
        raise NotAllowed("Only the coordinators mark a self-assessment received.")
    authority = _authority(session, authority_code)
    cycle = _cycle(session, today, cycle_name)
    record = _record(session, cycle, authority)
    if record.received_on is not None:
        return f"{authority.name}'s self-assessment was already marked received on {long_date(record.received_on)}."
    record.received_on = today
    record.received_by_person_id = profile.person_id if profile else None
    session.flush()
    group = group_of(session, cycle, authority.id)
    ready = group is not None and _tell_if_all_in(session, cycle, group, now)
    _audit(session, profile, channel, "sa.received", authority)
    log.info("self-assessment of authority %s marked received", authority.id)
    all_in = f" Every authority in {group.name} is in: its people have been told." if ready and group else ""  # ready: group is not None
    return f"{authority.name}'s self-assessment is marked received." + all_in


def _audit(session: Session, profile: Profile | None, channel: str, action: str, authority: Authority) -> None:
    audit.record(session, person_id=profile.person_id if profile else None, channel=channel, action=action,
                 subject=audit.subject_of({"authority": authority.code}), authority_code=authority.code)


def _tell_if_all_in(session: Session, cycle: Cycle, group: Group, now: datetime) -> bool:
    members = session.scalars(select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.active.is_(True))).all()
    records = {s.authority_id: s for s in session.scalars(select(SelfAssessment).where(
        SelfAssessment.cycle_id == cycle.id, SelfAssessment.authority_id.in_([m.authority_id for m in members])))}
    if any(records.get(m.authority_id) is None or records[m.authority_id].received_on is None for m in members):
        return False
    names = {a.id: a.name for a in session.scalars(select(Authority).where(Authority.id.in_([m.authority_id for m in members])))}
    links = [f"{names[m.authority_id]}: {records[m.authority_id].link or 'sent by email'}" for m in members]
    people = session.scalars(
        select(RoleAssignment.person_id).where(
            RoleAssignment.authority_id.in_([m.authority_id for m in members]), RoleAssignment.role.in_(GROUP_ROLES), RoleAssignment.active.is_(True)
        ).distinct()
    ).all()
    for person_id in people:
        enqueue(session, key=f"self-assessments-ready/{cycle.name}/{group.key}/{person_id}", kind="self_assessments_ready",
                payload={"group_name": group.name, "challenge_date": group.challenge_date.isoformat(), "links": links,
                         **ProgrammeLinks.of_cycle(CycleSettings.from_mapping(cycle.settings))}, due_at=now, recipient_person_id=person_id)
    return True
