"""Finding the person behind a message, and remembering how to reach them again.

The conversation reference is stored on first contact, linked to the person, and reused on later
turns, so the Teams roster is asked once per person and channel. A person's Entra object id is
remembered once their email has identified them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme.people.profile import Profile, load_profile
from programme.unit_of_work import bookkeeping
from storage import conversations
from storage.conversations import ConversationReferenceRecord
from storage.people import Person


@dataclass(frozen=True)
class Sender:
    """What a message says about who wrote it and where: enough to know them and to write back."""

    channel: str
    user_id: str
    aad_object_id: str | None
    tenant_id: str | None
    conversation_id: str
    service_url: str
    reference: dict[str, Any]  # the channel's own conversation reference, serialized, for proactive messages


def find_person(
    session: Session, *, aad_object_id: str | None = None, email: str | None = None
) -> Person | None:
    if aad_object_id:
        person = session.scalar(
            select(Person).where(Person.aad_object_id == aad_object_id, Person.active.is_(True))
        )
        if person is not None:
            return person
    if email:
        return session.scalar(
            select(Person).where(Person.email == email.strip().lower(), Person.active.is_(True))
        )
    return None


@dataclass(frozen=True)
class Known:
    """What is already known of a sender, without asking anyone: the person (if any) and the
    conversation stored on an earlier turn (if any)."""

    person: Person | None
    conversation: ConversationReferenceRecord | None


def known_sender(session: Session, sender: Sender) -> Known:
    """The active person this conversation or Entra id already belongs to, and the conversation's record."""
    # One query for both, on every turn: the record and the person it names.
    found = session.execute(
        select(ConversationReferenceRecord, Person)
        .outerjoin(Person, Person.id == ConversationReferenceRecord.person_id)
        .where(ConversationReferenceRecord.channel_id == sender.channel, ConversationReferenceRecord.user_id == sender.user_id)
    ).first()
    record, person = (found[0], found[1]) if found is not None else (None, None)
    if person is not None and person.active:
        return Known(person, record)
    return Known(find_person(session, aad_object_id=sender.aad_object_id), record)


@bookkeeping
def recognise(session: Session, sender: Sender, known: Known, person: Person | None, today: date, *, teams: bool) -> Profile | None:
    """Remember this conversation (and, in Teams, the person's Entra id) and say who they are in the
    programme today: their roles, enough for permission checks and help. None: not registered.
    `person` is `known.person`, or the one their email (the email channel, the Teams roster) names."""
    if person is not None and teams:
        link_teams_identity(session, person, sender.aad_object_id)
    record = known.conversation
    fields = {
        "person_id": person.id if person else (record.person_id if record else None),
        "aad_object_id": sender.aad_object_id,
        "tenant_id": sender.tenant_id,
        "conversation_id": sender.conversation_id,
        "service_url": sender.service_url,
        "active": True,
    }
    conversations.remember(session, record, sender.channel, sender.user_id, sender.reference, fields)
    return load_profile(session, person, today, detail=False) if person is not None else None


@bookkeeping
def forget_conversation(session: Session, channel: str, user_id: str) -> None:
    """The app was removed or the bot left: stop using this conversation for proactive messages."""
    record = conversations.stored(session, channel, user_id)
    if record is not None:
        record.active = False


def link_teams_identity(session: Session, person: Person, aad_object_id: str | None) -> None:
    """Remember a person's Entra object id once their email has identified them."""
    if not aad_object_id or person.aad_object_id == aad_object_id:
        return
    holder = session.scalar(select(Person).where(Person.aad_object_id == aad_object_id))
    if holder is not None and holder.id != person.id:
        holder.aad_object_id = None  # the id moved to the person whose email it now answers for
        session.flush()
    person.aad_object_id = aad_object_id
