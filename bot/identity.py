"""Who is asking: the person behind a turn, found by the stored conversation, the Entra object id,
the email address (the email channel) or the Teams roster. The rules are programme/people/identity.py's;
here is what only the Bot Framework can tell: the activity's ids, and the roster."""

from __future__ import annotations

import logging
from datetime import date

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity
from sqlalchemy.orm import Session

from programme.people import identity
from programme.people.profile import Profile
from storage.people import Person

log = logging.getLogger(__name__)
EMAIL_CHANNEL = "email"
TEAMS_CHANNEL = "msteams"


def sender_of(activity: Activity) -> identity.Sender:
    tenant = (activity.conversation.tenant_id if activity.conversation else None) or (
        (activity.channel_data or {}).get("tenant", {}).get("id") if isinstance(activity.channel_data, dict) else None
    )
    return identity.Sender(
        channel=activity.channel_id,
        user_id=activity.from_property.id,
        aad_object_id=activity.from_property.aad_object_id,
        tenant_id=tenant,
        conversation_id=activity.conversation.id if activity.conversation else "",
        service_url=activity.service_url or "",
        reference=TurnContext.get_conversation_reference(activity).serialize(),
    )


async def _roster_email(context: TurnContext) -> str | None:
    try:
        member = await TeamsInfo.get_member(context, context.activity.from_property.id)
    except Exception as error:  # noqa: BLE001 - the roster is a hint; without it we fall back to email
        log.info("roster lookup failed for activity %s: %s", context.activity.id, type(error).__name__)
        return None
    return (getattr(member, "email", None) or getattr(member, "user_principal_name", None) or "").lower() or None


async def identify(context: TurnContext, session: Session, today: date) -> tuple[Person | None, Profile | None]:
    """The registered, active person writing this turn and their roles, with their conversation stored."""
    activity = context.activity
    if activity.from_property is None or not activity.from_property.id:
        return None, None
    sender = sender_of(activity)
    known = identity.known_sender(session, sender)
    person = known.person
    if person is None:
        email = activity.from_property.id if activity.channel_id == EMAIL_CHANNEL else None
        if email is None and activity.channel_id == TEAMS_CHANNEL:
            session.rollback()  # nothing was written: hold no connection while the roster answers
            email = await _roster_email(context)
        person = identity.find_person(session, email=email) if email else None
    profile = identity.recognise(session, sender, known, person, today, teams=activity.channel_id == TEAMS_CHANNEL)
    return person, profile


def forget_conversation(session: Session, activity: Activity) -> None:
    """The app was removed or the bot left: stop using this conversation for proactive messages."""
    if activity.from_property is not None and activity.from_property.id:
        identity.forget_conversation(session, activity.channel_id, activity.from_property.id)
