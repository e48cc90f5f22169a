"""Cycles, their groups (triads and quartets) and the authorities in each group."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, Timestamped
from storage.people import Authority


class Cycle(Timestamped, Base):
    __tablename__ = "cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # The per-cycle reminder settings, with the design's defaults filled in by the importer.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    groups: Mapped[list[Group]] = relationship(back_populates="cycle", order_by="Group.key")


class Group(Timestamped, Base):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("cycle_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # triad | quartet
    challenge_date: Mapped[date] = mapped_column(Date)
    format: Mapped[str] = mapped_column(String(20))  # face_to_face | virtual
    location: Mapped[str] = mapped_column(String(200), default="")
    dissemination_deadline: Mapped[date | None] = mapped_column(Date, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    cycle: Mapped[Cycle] = relationship(back_populates="groups")
    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", foreign_keys="GroupMember.group_id", order_by="GroupMember.position"
    )


class GroupMember(Timestamped, Base):
    """An authority in a group, and the authority whose Lead Reviewer its DCS is."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "authority_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    reviews_authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"), default=None)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    group: Mapped[Group] = relationship(back_populates="members", foreign_keys=[group_id])
    authority: Mapped[Authority] = relationship(foreign_keys=[authority_id])
    reviews: Mapped[Authority | None] = relationship(foreign_keys=[reviews_authority_id])


class SelfAssessment(Timestamped, Base):
    """An authority's self-assessment for a cycle: sent (with a link) by its DCS, received by a coordinator."""

    __tablename__ = "self_assessments"
    __table_args__ = (UniqueConstraint("cycle_id", "authority_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    link: Mapped[str] = mapped_column(String(1000), default="")
    sent_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    received_on: Mapped[date | None] = mapped_column(Date, default=None)
    received_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)


class NoteAgreement(Timestamped, Base):
    """The note of one authority's session on a group's day: sent (and revised), then agreed by its DCS
    and shared with the Lead Member."""

    __tablename__ = "note_agreements"
    __table_args__ = (UniqueConstraint("group_id", "authority_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    link: Mapped[str] = mapped_column(String(1000), default="")
    version: Mapped[int] = mapped_column(default=1)  # a revised note starts the follow-ups again
    sent_on: Mapped[date] = mapped_column(Date)
    sent_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    status: Mapped[str] = mapped_column(String(30), default="sent")  # sent | amendments_requested | agreed
    amendments: Mapped[str] = mapped_column(String(4000), default="")
    agreed_on: Mapped[date | None] = mapped_column(Date, default=None)
    agreed_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    shared_on: Mapped[date | None] = mapped_column(Date, default=None)  # with the Lead Member
