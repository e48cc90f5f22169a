"""Conversation references: how to reach a person proactively on a channel."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from storage.base import Base, Timestamped, insert_unless_present


class ConversationReferenceRecord(Timestamped, Base):
    __tablename__ = "conversation_references"
    __table_args__ = (UniqueConstraint("channel_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    channel_id: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(320))
    aad_object_id: Mapped[str | None] = mapped_column(String(64), default=None)
    tenant_id: Mapped[str | None] = mapped_column(String(64), default=None)
    conversation_id: Mapped[str] = mapped_column(String(512))
    service_url: Mapped[str] = mapped_column(String(512))
    # The SDK's ConversationReference, serialized, for continue_conversation.
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


def stored(session: Session, channel_id: str, user_id: str) -> ConversationReferenceRecord | None:
    """The conversation stored for this user on this channel, if any."""
    return session.scalar(
        select(ConversationReferenceRecord).where(
            ConversationReferenceRecord.channel_id == channel_id, ConversationReferenceRecord.user_id == user_id
        )
    )


def remember(
    session: Session,
    record: ConversationReferenceRecord | None,
    channel_id: str,
    user_id: str,
    reference: dict[str, Any],
    fields: dict[str, Any],
) -> None:
    """Store this conversation, in the caller's transaction, or bring the stored `record` up to date.
    Two first turns from one person at once (Teams sends an install and a message together) store
    one record: the second waits for the first and updates the row it wrote."""
    if record is None:
        values = {"channel_id": channel_id, "user_id": user_id, "reference": reference, **fields}
        if insert_unless_present(session, ConversationReferenceRecord.__table__, values, ("channel_id", "user_id")) is not None:
            return
        record = stored(session, channel_id, user_id)
        assert record is not None  # the row the other turn committed
    if any(getattr(record, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(record, name, value)
        record.reference = reference


def deactivate(sessions: sessionmaker[Session], record_id: int) -> None:
    """Stop using this conversation for proactive messages (the app was removed, or Teams says it is gone)."""
    with sessions() as session:
        session.execute(update(ConversationReferenceRecord).where(ConversationReferenceRecord.id == record_id).values(active=False))
        session.commit()


def replace_reference(sessions: sessionmaker[Session], record_id: int, reference: dict[str, Any]) -> None:
    """The person's one-to-one chat, opened for them, replaces the team or group chat we knew them from."""
    with sessions() as session:
        record = session.get(ConversationReferenceRecord, record_id)
        if record is not None:
            record.reference = reference
            record.conversation_id = reference["conversation"]["id"]
            session.commit()
