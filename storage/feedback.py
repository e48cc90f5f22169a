from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Timestamped


class Feedback(Timestamped, Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    channel_id: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
