"""The Bot Framework's `Storage` for dialog and conversation state, kept in the database.

It replaces `MemoryStorage`, so that state survives restarts and is shared by every web process.
Writes use optimistic concurrency: an item read with an e_tag can only be written back while the
stored e_tag is still the same; otherwise `write` raises `KeyError`, as `MemoryStorage` does.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, cast

from botbuilder.core import Storage
from sqlalchemy import CursorResult, String, Text, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from storage.base import Base, UtcDateTime, utcnow


class BotStateRecord(Base):
    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    e_tag: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


def _as_document(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return {k: v for k, v in item.items() if k != "e_tag"}
    return {k: v for k, v in vars(item).items() if k != "e_tag"}


def _e_tag_of(item: Any) -> str | None:
    if isinstance(item, dict):
        return item.get("e_tag")
    return getattr(item, "e_tag", None)


class DatabaseStorage(Storage):  # type: ignore[misc]  # botbuilder ships no types, so its Storage is Any to mypy
    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions

    async def read(self, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        with self._sessions() as session:
            rows = session.scalars(select(BotStateRecord).where(BotStateRecord.key.in_(keys)))
            return {row.key: {**json.loads(row.document), "e_tag": row.e_tag} for row in rows}

    async def write(self, changes: dict[str, Any]) -> None:
        if changes is None:
            raise ValueError("Changes are required when writing")
        with self._sessions() as session:
            for key, item in changes.items():
                self._write_one(session, key, item)
            session.commit()

    @staticmethod
    def _write_one(session: Session, key: str, item: Any) -> None:
        expected = _e_tag_of(item)
        if expected == "":
            raise ValueError("Storage write: the item's e_tag is empty")
        document = json.dumps(_as_document(item), default=str)
        new_tag = uuid.uuid4().hex
        statement = update(BotStateRecord).where(BotStateRecord.key == key)
        if expected not in (None, "*"):
            statement = statement.where(BotStateRecord.e_tag == expected)
        # An UPDATE's result is a CursorResult, which has the rowcount; Session.execute is typed for any statement.
        result = cast(CursorResult[Any], session.execute(statement.values(document=document, e_tag=new_tag, updated_at=utcnow())))
        if result.rowcount:
            return
        if expected not in (None, "*") and session.get(BotStateRecord, key) is not None:
            raise KeyError(f"Storage write: e_tag conflict for state item {key!r}")
        try:
            with session.begin_nested():
                session.add(BotStateRecord(key=key, document=document, e_tag=new_tag))
        except IntegrityError as error:
            raise KeyError(f"Storage write: state item {key!r} was written concurrently") from error

    async def delete(self, keys: list[str]) -> None:
        if not keys:
            return
        with self._sessions() as session:
            session.execute(delete(BotStateRecord).where(BotStateRecord.key.in_(keys)))
            session.commit()
