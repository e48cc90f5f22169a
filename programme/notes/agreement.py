"""The record of each session: notes sent, agreed or amended by each DCS, then shared with the Lead Member.

A coordinator, or the group's facilitator, records that a group's notes were sent (with a link);
each DCS of the group is asked to agree their authority's note or to request amendments, which go
to the coordinators and the facilitator. A revised note starts the follow-ups again. Once agreed,
the DCS is asked to share it with their Lead Member and to say when that is done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from programme import audit
from programme.dates import long_date
from programme.errors import Invalid, NotAllowed, NotFound, TooEarly
from programme.held_codes import Purpose, for_person
from programme.people.profile import Profile, current_cycle
from programme.people.roles import Role
from programme.unit_of_work import unit_of_work
from programme.validation import record_id
from storage.calendar import Cycle, Group, GroupMember, NoteAgreement
from storage.outbox import enqueue
from storage.people import Authority, RoleAssignment

log = logging.getLogger(__name__)


class NoteStatus(StrEnum):
    SENT = "sent"  # waiting for the DCS
    AMENDMENTS_REQUESTED = "amendments_requested"  # waiting for a revised note
    AGREED = "agreed"

    @property
    def label(self) -> str:
        return NOTE_LABELS[self]


NOTE_LABELS = {
    NoteStatus.SENT: "waiting for the DCS",
    NoteStatus.AMENDMENTS_REQUESTED: "amendments asked for",
    NoteStatus.AGREED: "agreed",
}


@dataclass(frozen=True)
class NoteView:
    id: int
    group_key: str
    group_name: str
    authority_code: str
    authority_name: str
    link: str
    version: int
    sent_on: date
    status: str
    amendments: str
    agreed_on: date | None
    shared_on: date | None
    viewer_answers: bool = False  # the viewer is its DCS or a delegate (or a coordinator, on their behalf)
    on_behalf: bool = False  # the viewer answers only as a coordinator, on the authority's behalf

    @property
    def status_label(self) -> str:
        return NoteStatus(self.status).label

    @property
    def is_agreed(self) -> bool:
        return self.status == NoteStatus.AGREED

    @property
    def awaiting_revision(self) -> bool:
        """Amendments were asked for: a revised note is to be sent."""
        return self.status == NoteStatus.AMENDMENTS_REQUESTED

    @property
    def may_agree(self) -> bool:
        """The viewer may agree it, or ask for amendments, now."""
        return self.viewer_answers and self.status == NoteStatus.SENT

    @property
    def may_record_shared(self) -> bool:
        return self.viewer_answers and self.is_agreed and self.shared_on is None


def _link(raw: object) -> str:
    link = " ".join(str(raw or "").split())
    if not link.startswith(("https://", "http://")) or len(link) > 1000:
        raise Invalid({"link": "Give the link to the notes, starting with https:// (for example their SharePoint address)."})
    return link


def _group(session: Session, today: date, key: object) -> tuple[Cycle, Group]:
    cycle = current_cycle(session, today)
    group = session.scalar(select(Group).where(Group.cycle_id == cycle.id, Group.key == str(key or "").strip())) if cycle else None
    if cycle is None or group is None:  # no cycle: no group either
        raise NotFound(f"There is no group '{str(key)[:20]}' in the current cycle. Use `notes` to see the groups.")
    return cycle, group


def may_record(session: Session, profile: Profile | None, group: Group) -> bool:
    if profile is None or profile.is_coordinator:
        return True  # the command line, or a coordinator
    return session.scalar(select(RoleAssignment.id).where(
        RoleAssignment.person_id == profile.person_id, RoleAssignment.role == Role.FACILITATOR.value,
        RoleAssignment.group_id == group.id, RoleAssignment.active.is_(True))) is not None


@unit_of_work
def record_sent(session: Session, profile: Profile | None, group_key: object, link: object, now: datetime, today: date, *,
                authority_code: str | None = None, channel: str = "") -> str:
    """The notes of a group's day were sent; with `authority_code`, a revised note for that authority."""
    cycle, group = _group(session, today, group_key)
    if not may_record(session, profile, group):
        raise NotAllowed(f"Only the coordinators or {group.name}'s facilitator record that its notes were sent.")
    if today < group.challenge_date:
        raise TooEarly(not_yet(group))
    link = _link(link)
    members = session.scalars(select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.active.is_(True)).order_by(GroupMember.position)).all()
    if authority_code:
        members = [m for m in members if m.authority.code == str(authority_code).strip().lower()]
        if not members:
            raise NotFound(f"'{str(authority_code)[:40]}' is not in {group.name}.")
    told = 0
    for member in members:
        note = session.scalar(select(NoteAgreement).where(NoteAgreement.group_id == group.id, NoteAgreement.authority_id == member.authority_id))
        if note is None:
            note = NoteAgreement(cycle_id=cycle.id, group_id=group.id, authority_id=member.authority_id, link=link, version=1, sent_on=today,
                                 status=NoteStatus.SENT, sent_by_person_id=profile.person_id if profile else None)
            session.add(note)
        elif note.status == NoteStatus.AGREED and not authority_code:
            continue  # recording the group's notes again does not reopen an agreed one
        else:
            note.version, note.link, note.sent_on, note.status, note.amendments = note.version + 1, link, today, NoteStatus.SENT, ""
            note.agreed_on = note.agreed_by_person_id = None
        session.flush()
        told += _ask_to_agree(session, note, group, member.authority, now)
    authority = members[0].authority.code if authority_code else None
    audit.record(session, person_id=profile.person_id if profile else None, channel=channel, action="note.sent.save",
                 subject=audit.subject_of({"group": group.key, "authority": authority}), authority_code=authority)
    log.info("notes of group %s recorded as sent (%s asked)", group.id, told)
    what = f"A revised note for {members[0].authority.name}" if authority_code else f"The notes of {group.name}"
    return f"{what} recorded as sent. Each DCS has been asked to agree their authority's note."


def _audit(session: Session, profile: Profile, channel: str, action: str, note: NoteAgreement, authority: Authority,
           on_behalf: bool = False) -> None:
    subject = {"id": note.id, "version": note.version, **({"on_behalf": True} if on_behalf else {})}
    audit.record(session, person_id=profile.person_id, channel=channel, action=action, subject=audit.subject_of(subject),
                 authority_code=authority.code)


def _dcs(session: Session, authority_id: int) -> list[int]:
    return list(session.scalars(select(RoleAssignment.person_id).where(
        RoleAssignment.authority_id == authority_id, RoleAssignment.role == Role.DCS.value, RoleAssignment.active.is_(True)).distinct()))


def _payload(note: NoteAgreement, group: Group, authority: Authority) -> dict[str, Any]:
    return {"note_id": note.id, "group_name": group.name, "authority_name": authority.name, "link": note.link,
            "version": note.version, "challenge_date": group.challenge_date.isoformat()}


def answerable(session: Session, note_id: int, person_id: int, now: datetime) -> dict[str, str]:
    """A code for this DCS's own address: their emailed answers act on the note; copies to others carry none."""
    return for_person(session, person_id, Purpose.NOTE, {"note": note_id}, now)


def _ask_to_agree(session: Session, note: NoteAgreement, group: Group, authority: Authority, now: datetime) -> int:
    people = _dcs(session, authority.id)
    for person_id in people:
        enqueue(session, key=f"note/{note.id}/v{note.version}/agree/{person_id}", kind="note_agreement",
                payload={**_payload(note, group, authority), **answerable(session, note.id, person_id, now)},
                due_at=now, recipient_person_id=person_id)
    return len(people)


def _own(session: Session, profile: Profile, note_id: object, on_behalf: bool = False) -> tuple[NoteAgreement, Group, Authority]:
    """The note, if this person answers for its authority: its DCS or a delegate; or a coordinator who
    says, explicitly (`on_behalf`), that they act on the authority's behalf."""
    number = record_id(note_id)
    note = session.get(NoteAgreement, number) if number is not None else None
    if note is None:
        raise NotFound(f"There is no note {str(note_id)[:20]}.")
    authority = session.get(Authority, note.authority_id)
    assert authority is not None  # a note's authority_id is a foreign key, as is its group_id
    if not (profile.is_coordinator or profile.holds_for(authority.code, Role.DCS, Role.DELEGATE)):
        raise NotAllowed(f"Only {authority.name}'s DCS (or a delegate, or a coordinator on their behalf) can agree its note.")
    if not profile.holds_for(authority.code, Role.DCS, Role.DELEGATE) and not on_behalf:
        raise NotAllowed(f"You are not {authority.name}'s DCS or delegate: to answer for its note, use the note card's button "
                         f"'on {authority.name}'s behalf', which is recorded as such.")
    group = session.get(Group, note.group_id)
    assert group is not None
    return note, group, authority


@unit_of_work
def agree(session: Session, profile: Profile, note_id: object, version: object, now: datetime, today: date, *, channel: str = "",
          on_behalf: bool = False) -> str:
    note, group, authority = _own(session, profile, note_id, on_behalf)
    if note.status == NoteStatus.AGREED:
        assert note.agreed_on is not None  # set whenever a note is agreed
        return f"{authority.name}'s note was already agreed on {long_date(note.agreed_on)}."
    if version is not None and str(version) != str(note.version):
        return f"A revised note (version {note.version}) has been sent since: please read it, then agree that one."
    # an UPDATE's result is a CursorResult, which has the rowcount
    changed = cast(CursorResult[Any], session.execute(update(NoteAgreement).where(NoteAgreement.id == note.id, NoteAgreement.status != NoteStatus.AGREED)
                   .values(status=NoteStatus.AGREED, agreed_on=today, agreed_by_person_id=profile.person_id, updated_at=now))).rowcount
    if not changed:  # agreed at the same moment by someone else
        return f"{authority.name}'s note was already agreed."
    for person_id in _dcs(session, authority.id):
        enqueue(session, key=f"note/{note.id}/lead-member/1/{person_id}", kind="lead_member_share",
                payload={**_payload(note, group, authority), "number": 1, **answerable(session, note.id, person_id, now)},
                due_at=now, recipient_person_id=person_id)
    _audit(session, profile, channel, "note.agree", note, authority, on_behalf)
    log.info("note %s agreed by person %s", note.id, profile.person_id)
    return f"Thank you: {authority.name}'s note is agreed. Please share it with your Lead Member, and say here when that is done."


@unit_of_work
def request_amendments(session: Session, profile: Profile, note_id: object, text: object, now: datetime, *, channel: str = "",
                       on_behalf: bool = False) -> str:
    note, group, authority = _own(session, profile, note_id, on_behalf)
    text = str(text or "").strip()
    if not text:
        raise Invalid({"amendments": "Say which amendments you would like: they go to the coordinators and the facilitator."})
    if len(text) > 4000:
        raise Invalid({"amendments": f"Shorten this to 4000 characters or fewer (it has {len(text)})."})
    if note.status == NoteStatus.AGREED:
        raise NotAllowed(f"{authority.name}'s note is already agreed; ask the coordinators if it must change.")
    note.status, note.amendments, note.updated_at = NoteStatus.AMENDMENTS_REQUESTED, text, now
    session.flush()
    facilitators = session.scalars(select(RoleAssignment.person_id).where(
        RoleAssignment.group_id == group.id, RoleAssignment.role == Role.FACILITATOR.value, RoleAssignment.active.is_(True))).all()
    coordinators = session.scalars(select(RoleAssignment.person_id).where(
        RoleAssignment.role == Role.COORDINATOR.value, RoleAssignment.active.is_(True))).all()
    count = session.scalar(select(NoteAgreement.updated_at).where(NoteAgreement.id == note.id))
    assert count is not None  # the row just flushed
    for person_id in sorted(set(facilitators) | set(coordinators)):
        enqueue(session, key=f"note/{note.id}/v{note.version}/amend/{count.isoformat()}/{person_id}", kind="note_amendments",
                payload={**_payload(note, group, authority), "amendments": text, "from_name": profile.name},
                due_at=now, recipient_person_id=person_id)
    _audit(session, profile, channel, "note.amend.save", note, authority, on_behalf)
    log.info("note %s: amendments requested by person %s", note.id, profile.person_id)
    return "Thank you: your amendments have gone to the coordinators and the facilitator. You will be sent the revised note."


@unit_of_work
def confirm_shared(session: Session, profile: Profile, note_id: object, now: datetime, today: date, *, channel: str = "",
                   on_behalf: bool = False) -> str:
    note, _group, authority = _own(session, profile, note_id, on_behalf)
    if note.status != NoteStatus.AGREED:
        raise NotAllowed(f"{authority.name}'s note is not agreed yet: agree it first, then share it with your Lead Member.")
    if note.shared_on is not None:
        return f"Already recorded: shared with the Lead Member on {long_date(note.shared_on)}."
    note.shared_on, note.updated_at = today, now
    _audit(session, profile, channel, "note.shared", note, authority, on_behalf)
    return "Thank you: the note is recorded as shared with your Lead Member."


def notes_for(session: Session, profile: Profile, today: date) -> list[NoteView]:
    cycle = current_cycle(session, today)
    if cycle is None:
        return []
    rows = session.execute(
        select(NoteAgreement, Group, Authority).join(Group, Group.id == NoteAgreement.group_id).join(Authority, Authority.id == NoteAgreement.authority_id)
        .where(NoteAgreement.cycle_id == cycle.id).order_by(Group.challenge_date, Group.key, Authority.name)
    ).all()
    own = set(profile.authorities_as(Role.DCS, Role.DELEGATE))
    return [
        NoteView(n.id, g.key, g.name, a.code, a.name, n.link, n.version, n.sent_on, n.status, n.amendments, n.agreed_on, n.shared_on,
                 viewer_answers=profile.is_coordinator or a.code in own, on_behalf=a.code not in own)
        for n, g, a in rows if profile.is_coordinator or a.code in own or may_record(session, profile, g)
    ]


def not_yet(group: Group) -> str:
    """Why a group's notes cannot be recorded as sent yet: its day has not come."""
    return f"{group.name} meets on {long_date(group.challenge_date)}: its notes can be recorded as sent from that day."


def recording_groups(session: Session, profile: Profile, today: date) -> list[Group]:
    """The groups of the current cycle whose notes this person records as sent: every one for
    coordinators, their own for facilitators, none for anyone else."""
    cycle = current_cycle(session, today)
    if cycle is None:
        return []
    groups = session.scalars(select(Group).where(Group.cycle_id == cycle.id, Group.active.is_(True)).order_by(Group.challenge_date, Group.key))
    return [g for g in groups if may_record(session, profile, g)]
