"""Who is asking: the person behind a turn, found by Teams id, Entra object id or email.

The conversation reference is stored on first contact, linked to the person, and reused on later
turns so the roster API is only asked once per person and channel.
"""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity
from sqlalchemy import select
from sqlalchemy.orm import Session

from programme.people.identity import find_person, link_teams_identity
from storage.conversations import ConversationReferenceRecord
from storage.people import Person

log = logging.getLogger(__name__)
EMAIL_CHANNEL = "email"
TEAMS_CHANNEL = "msteams"


def _reference_record(session: Session, activity: Activity) -> ConversationReferenceRecord | None:
    return session.scalar(
        select(ConversationReferenceRecord).where(
            ConversationReferenceRecord.channel_id == activity.channel_id,
            ConversationReferenceRecord.user_id == activity.from_property.id,
        )
    )


async def _roster_email(context: TurnContext) -> str | None:
    try:
        member = await TeamsInfo.get_member(context, context.activity.from_property.id)
    except Exception as error:  # noqa: BLE001 - the roster is a hint; without it we fall back to email
        log.info("roster lookup failed for activity %s: %s", context.activity.id, type(error).__name__)
        return None
    return (getattr(member, "email", None) or getattr(member, "user_principal_name", None) or "").lower() or None


async def identify(context: TurnContext, session: Session) -> Person | None:
    """The registered, active person writing this turn, with their conversation reference stored."""
    activity = context.activity
    if activity.from_property is None or not activity.from_property.id:
        return None
    record = _reference_record(session, activity)
    person = session.get(Person, record.person_id) if record and record.person_id else None
    if person is not None and not person.active:
        person = None
    aad = activity.from_property.aad_object_id
    if person is None:
        person = find_person(session, aad_object_id=aad)
    if person is None:
        email = activity.from_property.id if activity.channel_id == EMAIL_CHANNEL else None
        if email is None and activity.channel_id == TEAMS_CHANNEL:
            session.commit()  # hold no connection while the roster answers
            email = await _roster_email(context)
        person = find_person(session, email=email) if email else None
    if person is not None and activity.channel_id == TEAMS_CHANNEL:
        link_teams_identity(session, person, aad)
    remember_conversation(session, activity, person, record)
    session.commit()
    return person


def remember_conversation(
    session: Session,
    activity: Activity,
    person: Person | None,
    record: ConversationReferenceRecord | None = None,
) -> None:
    record = record if record is not None else _reference_record(session, activity)
    reference = TurnContext.get_conversation_reference(activity)
    tenant = (activity.conversation.tenant_id if activity.conversation else None) or (
        (activity.channel_data or {}).get("tenant", {}).get("id") if isinstance(activity.channel_data, dict) else None
    )
    fields = {
        "person_id": person.id if person else (record.person_id if record else None),
        "aad_object_id": activity.from_property.aad_object_id,
        "tenant_id": tenant,
        "conversation_id": activity.conversation.id if activity.conversation else "",
        "service_url": activity.service_url or "",
        "active": True,
    }
    if record is None:
        session.add(
            ConversationReferenceRecord(
                channel_id=activity.channel_id,
                user_id=activity.from_property.id,
                reference=reference.serialize(),
                **fields,
            )
        )
        return
    if any(getattr(record, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(record, name, value)
        record.reference = reference.serialize()


def forget_conversation(session: Session, activity: Activity) -> None:
    """The app was removed or the bot left: stop using this conversation for proactive messages."""
    record = _reference_record(session, activity)
    if record is not None:
        record.active = False
        session.commit()
