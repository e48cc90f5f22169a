"""Conversation references: how to reach a person proactively on a channel."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Timestamped


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
    reference: Mapped[dict] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
