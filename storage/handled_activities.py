"""The activities whose effects are recorded: a Teams message, card press or email delivered twice
with the same id changes nothing the second time (programme/unit_of_work.py claims them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime, utcnow


class HandledActivity(Base):
    """One activity, by a hash of its channel, conversation and id (no content, nothing personal)."""

    __tablename__ = "handled_activities"
    __table_args__ = (Index("ix_handled_activities_handled_at", "handled_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
