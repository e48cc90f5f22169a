"""The `bot_state` table: where the Bot Framework SDK's conversation state was kept, before dialog
state became the programme's own (held codes, form submissions: storage/held_codes.py) and the
same on either host (bot/host.py). No part writes it any more; the table stays so that rows an
earlier release left are still found by subject access and erasure (programme/people/).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime, utcnow


class BotStateRecord(Base):
    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    e_tag: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
