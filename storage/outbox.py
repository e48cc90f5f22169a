"""The outbox: one row per notification, written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, String, Text, and_, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from storage.base import Base, Timestamped, UtcDateTime, insert_unless_present, utcnow


class OutboxStatus(StrEnum):
    """Where a notification is in its life: written, being sent, sent; or failed, cancelled or missed."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    MISSED = "missed"  # too late to send after an outage: listed in the digest instead


STATUSES = tuple(OutboxStatus)
RETRIABLE = (OutboxStatus.FAILED, OutboxStatus.MISSED, OutboxStatus.CANCELLED)
CANCELLABLE = (OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.MISSED)


class OutboxMessage(Timestamped, Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(400), unique=True)
    recipient_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    recipient_address: Mapped[str | None] = mapped_column(String(320), default=None)
    channel: Mapped[str] = mapped_column(String(20), default="best")  # teams | email | best
    kind: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(80), default=None)
    delivered_channel: Mapped[str | None] = mapped_column(String(20), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # The id Teams gave the message we posted, so a later change can update it in place.
    teams_activity_id: Mapped[str | None] = mapped_column(String(200), default=None)


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    payload: dict[str, Any],
    due_at: datetime,
    recipient_person_id: int | None = None,
    recipient_address: str | None = None,
    channel: str = "best",
    status: str = OutboxStatus.PENDING,
) -> bool:
    """Add a notification in the caller's transaction. A key already present is left as it is:
    returns False, and nothing is written."""
    if (recipient_person_id is None) == (recipient_address is None):
        raise ValueError("a notification goes to exactly one person or one address")
    moment = utcnow()
    values = {
        "idempotency_key": key,
        "kind": kind,
        "payload": payload,
        "due_at": due_at,
        "recipient_person_id": recipient_person_id,
        "recipient_address": recipient_address,
        "channel": channel,
        "status": status,
        "attempts": 0,
        "created_at": moment,
        "updated_at": moment,
    }
    return insert_unless_present(session, OutboxMessage.__table__, values, ("idempotency_key",)) is not None


class OutboxError(ValueError):
    """An operator's request about a notification that cannot be carried out; says why."""


def list_messages(session: Session, *, status: str | None = None, limit: int = 200) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.due_at.desc(), OutboxMessage.id.desc()).limit(limit)
    if status:
        if status not in STATUSES:
            raise OutboxError(f"There is no status '{status}'; use one of {', '.join(STATUSES)}.")
        query = query.where(OutboxMessage.status == status)
    return list(session.scalars(query))


def retry_message(session: Session, message_id: int, now: datetime) -> OutboxMessage:
    """A failed, missed or cancelled notification goes back to the queue, due now (in the caller's transaction)."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise OutboxError(f"There is no notification {message_id}.")
    if row.status not in RETRIABLE:
        raise OutboxError(f"Notification {message_id} is {row.status}; only failed, missed or cancelled ones can be retried.")
    row.status, row.due_at, row.next_attempt_at, row.attempts = OutboxStatus.PENDING, now, None, 0
    return row


def cancel_message(session: Session, message_id: int) -> OutboxMessage:
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise OutboxError(f"There is no notification {message_id}.")
    if row.status not in CANCELLABLE:
        raise OutboxError(f"Notification {message_id} is {row.status}; only pending, failed or missed ones can be cancelled.")
    row.status = OutboxStatus.CANCELLED
    return row


# -- claiming and recording, for the dispatcher: each its own short transaction ------------------


def _free(now: datetime) -> ColumnElement[bool]:
    due = and_(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.due_at <= now,
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )
    abandoned = and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now)
    return or_(due, abandoned)


def claim_due(sessions: sessionmaker[Session], now: datetime, token: str, *, until: datetime, limit: int) -> list[int]:
    """Claim up to `limit` rows due by `now` (or abandoned by a dispatcher that died) under `token`
    until `until`. Safe between processes: on PostgreSQL the candidates are locked with `FOR UPDATE
    SKIP LOCKED`, and on every database the claim is a conditional update that only takes rows still
    free, so no row is claimed twice."""
    with sessions() as session:
        candidates = session.scalars(
            select(OutboxMessage.id).where(_free(now)).order_by(OutboxMessage.due_at, OutboxMessage.id)
            .limit(limit).with_for_update(skip_locked=True)
        ).all()
        if not candidates:
            session.rollback()
            return []
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(candidates), _free(now))
            .values(status=OutboxStatus.SENDING, claimed_by=token, claimed_until=until),
        )
        session.commit()
        return sorted(session.scalars(select(OutboxMessage.id).where(OutboxMessage.claimed_by == token)).all())


def renew_claim(sessions: sessionmaker[Session], row_id: int, token: str, until: datetime) -> None:
    with sessions() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == token)
                        .values(claimed_until=until))
        session.commit()


def record_outcome(sessions: sessionmaker[Session], row_id: int, token: str, **values: object) -> None:
    """What became of a send, written only while the row is still this claim's; the claim ends."""
    with sessions() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == token)
                        .values(claimed_by=None, claimed_until=None, **values))
        session.commit()
