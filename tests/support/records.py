"""Reading what the assistant stored: counting rows, the newest id, the outbox, a person's id."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.outbox import OutboxMessage
from storage.people import Person


def count(database, model, *conditions) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*conditions))


def latest(assistant, model) -> int:
    with assistant.database.session() as session:
        return session.scalar(select(func.max(model.id)))


def outbox(database, kind: str) -> list[OutboxMessage]:
    with database.session() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def _person_id(assistant, user) -> int:
    with assistant.database.session() as session:
        return session.scalar(select(Person.id).where(Person.email == user["email"]))
