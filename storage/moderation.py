"""Moderation enquiries, their stage history, panel members' assignments and availability."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Timestamped, UtcDateTime, utcnow


class Enquiry(Timestamped, Base):
    __tablename__ = "enquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"), default=None)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    support: Mapped[str] = mapped_column(String(40))  # universal | small_package
    conclusion: Mapped[str] = mapped_column(Text)
    work: Mapped[list[str]] = mapped_column(JSON, default=list)
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)
    estimated_days: Mapped[float] = mapped_column(Float)
    report_needed_by: Mapped[date] = mapped_column(Date)
    report_date_reason: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(320))
    stage: Mapped[str] = mapped_column(String(40), default="received")
    submitted_by_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)  # a coordinator sent it for the authority
    form_token: Mapped[str] = mapped_column(String(64), unique=True)
    # Set when the package is agreed.
    agreed_days: Mapped[float | None] = mapped_column(Float, default=None)
    agreed_scope: Mapped[str | None] = mapped_column(Text, default=None)
    report_due: Mapped[date | None] = mapped_column(Date, default=None)
    report_delivered_on: Mapped[date | None] = mapped_column(Date, default=None)


class EnquiryEvent(Base):
    """One stage change: who made it, when, from which channel, and why when it went backwards."""

    __tablename__ = "enquiry_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(40), default=None)
    to_stage: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    channel: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Assignment(Timestamped, Base):
    """A panel member invited to an enquiry's package of work, and what came of it."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # The nominating authority: days worked are paid to it.
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    # invited | discussed | accepted | declined | handed_back | completed
    status: Mapped[str] = mapped_column(String(20), default="invited")
    invited_by_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    times_offered: Mapped[str] = mapped_column(Text, default="")
    member_availability: Mapped[str] = mapped_column(Text, default="")
    discussed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    discussion_recorded_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    days_agreed: Mapped[float] = mapped_column(Float, default=0)
    days_worked: Mapped[float | None] = mapped_column(Float, default=None)
    reason: Mapped[str] = mapped_column(Text, default="")  # why declined or handed back


class PanelAvailability(Base):
    """What a panel member says about when they can take on work."""

    __tablename__ = "panel_availability"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
