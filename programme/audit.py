"""Recording and reading the audit trail.

What is recorded names the action and the ids it touched (an enquiry's number, a stage, an authority
code), never free text a person wrote, message bodies, addresses or tokens: `subject` keeps only
the values of the keys in SUBJECT_KEYS, and only short ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme.errors import Invalid, NotAllowed
from programme.people.profile import Profile
from storage.audit import AuditEntry
from storage.people import Authority, Person

SUBJECT_KEYS = ("id", "to", "from", "stage", "authority", "group", "person", "ask", "offer", "kind", "version", "cycle", "what", "format", "on_behalf")
_SAFE = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")


def subject_of(data: Mapping[str, object]) -> str:
    """The ids and codes of an action's data, as `key=value` pairs; anything else is left out."""
    parts = []
    for key in SUBJECT_KEYS:
        value = data.get(key)
        if value is not None and _SAFE.match(str(value)):
            parts.append(f"{key}={value}")
    return " ".join(parts)[:200]


def record(session: Session, *, person_id: int | None, channel: str, action: str, subject: str = "", authority_code: str | None = None,
           at: datetime | None = None) -> None:
    """Add an entry in the caller's transaction."""
    authority_id = session.scalar(select(Authority.id).where(Authority.code == authority_code)) if authority_code else None
    entry = AuditEntry(person_id=person_id, channel=channel[:20], action=action[:60], subject=subject[:200], authority_id=authority_id)
    if at is not None:
        entry.at = at
    session.add(entry)


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    channel: str
    action: str
    subject: str
    authority: str


def entries(session: Session, profile: Profile | None, *, authority: str | None = None, person: str | None = None, limit: int = 50) -> list[Entry]:
    """The latest entries, newest first (coordinators, or the command line with no profile)."""
    if profile is not None and not profile.is_coordinator:
        raise NotAllowed("Only the programme coordinators see the audit trail.")
    query = (
        select(AuditEntry, Person.name, Authority.name).outerjoin(Person, Person.id == AuditEntry.person_id)
        .outerjoin(Authority, Authority.id == AuditEntry.authority_id).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    )
    if authority:
        found = session.scalar(select(Authority.id).where(Authority.code == authority.strip().lower()))
        if found is None:
            raise Invalid({"authority": f"There is no authority '{authority.strip()[:40]}'; use its code, for example kent."})
        query = query.where(AuditEntry.authority_id == found)
    if person:
        found = session.scalar(select(Person.id).where(Person.email == person.strip().lower()))
        if found is None:
            raise Invalid({"person": f"Nobody has the email '{person.strip()[:60]}'."})
        query = query.where(AuditEntry.person_id == found)
    return [Entry(e.at, who or ("the programme's clock" if e.channel == "clock" else "command line"), e.channel, e.action, e.subject,
                  where or "") for e, who, where in session.execute(query)]
