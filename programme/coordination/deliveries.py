"""Failed and missed notifications, for coordinators to retry or cancel. What they see names the
notification's kind, recipient and reason, never its text."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme.errors import Invalid, NotAllowed
from programme.people.profile import Profile
from storage.outbox import OutboxError, OutboxMessage, cancel_message, retry_message
from storage.people import Person

log = logging.getLogger(__name__)
SHOWN = ("failed", "missed")


@dataclass(frozen=True)
class Delivery:
    id: int
    kind: str
    recipient: str
    status: str
    due_at: datetime
    attempts: int
    reason: str


def _coordinator(profile: Profile) -> None:
    if not profile.is_coordinator:
        raise NotAllowed("Only the programme coordinators see and retry deliveries.")


def problem_deliveries(session: Session, profile: Profile, *, limit: int = 30) -> list[Delivery]:
    _coordinator(profile)
    rows = session.execute(
        select(OutboxMessage, Person.name).outerjoin(Person, Person.id == OutboxMessage.recipient_person_id)
        .where(OutboxMessage.status.in_(SHOWN)).order_by(OutboxMessage.due_at.desc(), OutboxMessage.id.desc()).limit(limit)
    ).all()
    return [Delivery(r.id, r.kind.replace("_", " "), name or r.recipient_address or "", r.status, r.due_at, r.attempts, r.last_error or "")
            for r, name in rows]


def retry(session: Session, profile: Profile, message_id, now: datetime) -> str:
    _coordinator(profile)
    try:
        row = retry_message(session, int(message_id), now)
    except OutboxError as error:  # before ValueError: it is one
        session.rollback()
        raise Invalid({"id": str(error)}) from None
    except (TypeError, ValueError):
        raise Invalid({"id": "Give the notification's number, as listed."}) from None
    log.info("outbox %s retried by person %s", row.id, profile.person_id)
    return f"Notification {row.id} will be sent again now."


def cancel(session: Session, profile: Profile, message_id) -> str:
    _coordinator(profile)
    try:
        row = cancel_message(session, int(message_id))
    except OutboxError as error:  # before ValueError: it is one
        session.rollback()
        raise Invalid({"id": str(error)}) from None
    except (TypeError, ValueError):
        raise Invalid({"id": "Give the notification's number, as listed."}) from None
    log.info("outbox %s cancelled by person %s", row.id, profile.person_id)
    return f"Notification {row.id} is cancelled: it will not be sent."
