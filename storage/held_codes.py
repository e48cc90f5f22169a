"""Codes sent to one address that let a reply from that address act: the one store of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime, utcnow


class HeldCode(Base):
    """A code bound to an address, a purpose, a record and an expiry; used once, or until it expires."""

    __tablename__ = "held_codes"
    __table_args__ = (Index("ix_held_codes_expires_at", "expires_at"),)

    code: Mapped[str] = mapped_column(String(16), primary_key=True)  # upper case
    address: Mapped[str] = mapped_column(String(320))  # lower case: the only sender it acts for
    purpose: Mapped[str] = mapped_column(String(40))
    record: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what it acts on: ids, or a held change
    single_use: Mapped[bool] = mapped_column(default=False)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
