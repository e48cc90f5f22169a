"""Telling a group's people when its date, format or venue changes."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme.people.profile import FORMAT_LABELS
from programme.people.roles import Role
from storage.calendar import Cycle, Group, GroupMember
from storage.outbox import enqueue
from storage.people import RoleAssignment

AUTHORITY_ROLES = (Role.DCS.value, Role.DELEGATE.value, Role.PARTICIPANT.value)


def tell_group_changed(session: Session, group: Group, changes: list[str], now: datetime) -> int:
    """One notice per person of the group for this new arrangement: importing it again tells nobody twice."""
    cycle = session.get(Cycle, group.cycle_id)
    assert cycle is not None  # a group's cycle_id is a foreign key
    authority_ids = session.scalars(select(GroupMember.authority_id).where(GroupMember.group_id == group.id, GroupMember.active.is_(True))).all()
    people = set(session.scalars(select(RoleAssignment.person_id).where(
        RoleAssignment.authority_id.in_(authority_ids), RoleAssignment.role.in_(AUTHORITY_ROLES), RoleAssignment.active.is_(True))))
    people |= set(session.scalars(select(RoleAssignment.person_id).where(
        RoleAssignment.group_id == group.id, RoleAssignment.role == Role.FACILITATOR.value, RoleAssignment.active.is_(True))))
    arrangement = f"{group.challenge_date}|{group.format}|{group.location}"
    version = hashlib.sha256(arrangement.encode()).hexdigest()[:12]
    fmt = FORMAT_LABELS.get(group.format, group.format)
    payload = {"group_name": group.name, "changes": changes, "challenge_date": group.challenge_date.isoformat(),
               "format": f"{fmt}, {group.location}" if group.location else fmt}
    for person_id in sorted(people):
        enqueue(session, key=f"group-changed/{cycle.name}/{group.key}/{version}/{person_id}", kind="group_changed",
                payload=payload, due_at=now, recipient_person_id=person_id)
    return len(people)
