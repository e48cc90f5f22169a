"""Failed and missed notifications, for coordinators to retry or cancel. What they see names the
notification's kind, recipient and reason, never its text."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme import audit
from programme.errors import Invalid, NotAllowed
from programme.people.profile import Profile
from programme.unit_of_work import unit_of_work
from programme.validation import record_id
from storage.outbox import OutboxError, OutboxMessage, OutboxStatus, cancel_message, retry_message
from storage.people import Person

log = logging.getLogger(__name__)
SHOWN = (OutboxStatus.FAILED, OutboxStatus.MISSED)


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


@unit_of_work
def retry(session: Session, profile: Profile | None, message_id: object, now: datetime, *, channel: str = "") -> str:
    """A coordinator (or the command line, with no profile) sends a notification again."""
    row = _change(session, profile, message_id, lambda number: retry_message(session, number, now))
    _audit(session, profile, channel, "delivery.retry", row)
    log.info("outbox %s retried by person %s", row.id, profile.person_id if profile else None)
    return f"Notification {row.id} will be sent again now."


@unit_of_work
def cancel(session: Session, profile: Profile | None, message_id: object, *, channel: str = "") -> str:
    row = _change(session, profile, message_id, lambda number: cancel_message(session, number))
    _audit(session, profile, channel, "delivery.cancel", row)
    log.info("outbox %s cancelled by person %s", row.id, profile.person_id if profile else None)
    return f"Notification {row.id} is cancelled: it will not be sent."


def _change(session: Session, profile: Profile | None, message_id: object, change: Callable[[int], OutboxMessage]) -> OutboxMessage:
    if profile is not None:
        _coordinator(profile)
    number = record_id(message_id)
    if number is None:
        raise Invalid({"id": "Give the notification's number, as listed."})
    try:
        return change(number)
    except OutboxError as error:
        raise Invalid({"id": str(error)}) from None


def _audit(session: Session, profile: Profile | None, channel: str, action: str, row: OutboxMessage) -> None:
    audit.record(session, person_id=profile.person_id if profile else None, channel=channel, action=action,
                 subject=audit.subject_of({"id": row.id}))
