"""Finding the person behind a message, and linking their Teams identity."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.people import Person


def find_person(
    session: Session, *, aad_object_id: str | None = None, email: str | None = None
) -> Person | None:
    if aad_object_id:
        person = session.scalar(
            select(Person).where(Person.aad_object_id == aad_object_id, Person.active.is_(True))
        )
        if person is not None:
            return person
    if email:
        return session.scalar(
            select(Person).where(Person.email == email.strip().lower(), Person.active.is_(True))
        )
    return None


def link_teams_identity(session: Session, person: Person, aad_object_id: str | None) -> None:
    """Remember a person's Entra object id once their email has identified them."""
    if not aad_object_id or person.aad_object_id == aad_object_id:
        return
    holder = session.scalar(select(Person).where(Person.aad_object_id == aad_object_id))
    if holder is not None and holder.id != person.id:
        holder.aad_object_id = None  # the id moved to the person whose email it now answers for
        session.flush()
    person.aad_object_id = aad_object_id
