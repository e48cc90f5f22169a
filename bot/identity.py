"""Who is asking: the person behind a turn, found by the stored conversation, the Entra object id,
the email address (the email channel) or the Teams roster. The rules are programme/people/identity.py's;
here is what only the channel can tell: the activity's ids, and (through the host) the roster."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.orm import Session

from bot.host import Inbound, TurnIO
from programme.people import identity
from programme.people.profile import Profile
from storage.people import Person

log = logging.getLogger(__name__)
EMAIL_CHANNEL = "email"
TEAMS_CHANNEL = "msteams"


def sender_of(activity: Inbound) -> identity.Sender:
    return identity.Sender(
        channel=activity.channel,
        user_id=activity.sender_id,
        aad_object_id=activity.sender_aad_object_id,
        tenant_id=activity.tenant_id or None,
        conversation_id=activity.conversation_id,
        service_url=activity.service_url,
        reference=activity.reference(),
    )


async def _roster_email(activity: Inbound, io: TurnIO) -> str | None:
    try:
        return await io.roster_email()
    except Exception as error:  # noqa: BLE001 - the roster is a hint; without it we fall back to email
        log.info("roster lookup failed for activity %s: %s", activity.id, type(error).__name__)
        return None


async def identify(activity: Inbound, io: TurnIO, session: Session, today: date) -> tuple[Person | None, Profile | None]:
    """The registered, active person writing this turn and their roles, with their conversation stored."""
    if not activity.sender_id:
        return None, None
    sender = sender_of(activity)
    known = identity.known_sender(session, sender)
    person = known.person
    if person is None:
        email = activity.sender_id if activity.channel == EMAIL_CHANNEL else None
        if email is None and activity.channel == TEAMS_CHANNEL:
            session.rollback()  # nothing was written: hold no connection while the roster answers
            email = await _roster_email(activity, io)
        person = identity.find_person(session, email=email) if email else None
    profile = identity.recognise(session, sender, known, person, today, teams=activity.channel == TEAMS_CHANNEL)
    return person, profile


def forget_conversation(session: Session, activity: Inbound) -> None:
    """The app was removed or the bot left: stop using this conversation for proactive messages."""
    if activity.sender_id:
        identity.forget_conversation(session, activity.channel, activity.sender_id)
