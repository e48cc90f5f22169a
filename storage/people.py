"""Authorities, people and the roles they hold."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, Timestamped


class Authority(Timestamped, Base):
    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Person(Timestamped, Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    aad_object_id: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    roles: Mapped[list[RoleAssignment]] = relationship(back_populates="person")


class RoleAssignment(Timestamped, Base):
    """A role a person holds: for an authority, for a group (facilitators) or region-wide.

    `scope` names what the role is held for ("authority:kent", "group:2022-23/1", "region") so that
    one unique constraint covers all three without relying on NULLs comparing equal.
    """

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("person_id", "role", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(120))
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"), default=None)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # "calendar" when the calendar import owns it; "assistant" when a DCS or coordinator added it.
    source: Mapped[str] = mapped_column(String(20), default="calendar")

    person: Mapped[Person] = relationship(back_populates="roles")
    authority: Mapped[Authority | None] = relationship()
