"""Nominations to the regional panel."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Timestamped


class Nomination(Timestamped, Base):
    __tablename__ = "nominations"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    nominee_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    job_title: Mapped[str] = mapped_column(String(200))
    service_area: Mapped[str] = mapped_column(String(200))
    covers: Mapped[str] = mapped_column(String(40))  # universal | small_packages | both
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    nominated_by_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)  # a coordinator nominated for the authority
    status: Mapped[str] = mapped_column(String(20), default="nominated")  # nominated | joined | declined | withdrawn
    form_token: Mapped[str] = mapped_column(String(64), unique=True)
