"""The audit trail: who changed what, when, and from which channel. Never message bodies or tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None, index=True)  # None: the command line
    channel: Mapped[str] = mapped_column(String(20))  # msteams | email | cli | ...
    action: Mapped[str] = mapped_column(String(60))  # e.g. enquiry.stage, import-calendar, export panel
    subject: Mapped[str] = mapped_column(String(200), default="")  # e.g. "id=12 to=discussion_arranged": ids and codes only
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"), default=None, index=True)
