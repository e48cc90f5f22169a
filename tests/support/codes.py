"""The codes the assistant sent: what a person's reply carries in its subject to answer by email."""

from __future__ import annotations

from sqlalchemy import select

from storage.database import Database
from storage.outbox import OutboxMessage
from storage.people import Person


def code_sent(database: Database, kind: str, email: str) -> str:
    """The reference code of the latest notice of `kind` to the person with `email`."""
    with database.session() as session:
        payload = session.scalar(
            select(OutboxMessage.payload).join(Person, Person.id == OutboxMessage.recipient_person_id)
            .where(OutboxMessage.kind == kind, Person.email == email.lower()).order_by(OutboxMessage.id.desc()).limit(1)
        )
    if not payload or not payload.get("reference_code"):
        raise AssertionError(f"no {kind} notice with a code was sent to {email}")
    return str(payload["reference_code"])
