"""Asks, offers and the plenary's suggestions after a challenge day, and the matches coordinators confirm."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Timestamped, UtcDateTime, utcnow


class SupportItem(Timestamped, Base):
    __tablename__ = "support_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"), default=None, index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    # ask | offer | priority | problem_solving | networking
    kind: Mapped[str] = mapped_column(String(20))
    theme: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    route: Mapped[str] = mapped_column(String(40))  # bilateral | multilateral | topical | regional_project
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | withdrawn
    submitted_by_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)  # a facilitator or coordinator recorded it
    form_token: Mapped[str] = mapped_column(String(80), unique=True)


class SupportMatch(Base):
    """An ask and an offer a coordinator confirmed as a match: contacts were exchanged."""

    __tablename__ = "support_matches"
    __table_args__ = (UniqueConstraint("ask_id", "offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ask_id: Mapped[int] = mapped_column(ForeignKey("support_items.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("support_items.id"))
    confirmed_by_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was suggested
    channel: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
