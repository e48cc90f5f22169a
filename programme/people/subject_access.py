"""Everything the programme holds about one person, for a subject access request (UK GDPR, Art. 15).

The records are found from the schema itself, so a table added later is covered without a change
here: every row of every table with a column that refers to the person (a foreign key to `people`)
or holds their address (an `email`, `contact_email`, `address` or `recipient_address` column), and
the audit entries that name them (`person=ID`). What such a row holds about other people is left
out: a notification's payload (the message, which names others) and a held code's record (what a
reply to it would act on). Making an export is itself audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Table, or_, select
from sqlalchemy.orm import Session

from programme import audit
from programme.errors import Invalid, NotAllowed, NotFound
from programme.people.profile import Profile
from programme.unit_of_work import unit_of_work
from programme.validation import normalise_email
from storage.audit import AuditEntry
from storage.base import Base
from storage.people import Person

ADDRESS_COLUMNS = frozenset({"email", "contact_email", "address", "recipient_address"})
# Columns of a matching row that hold other people's data, or the content of messages to many.
WITHHELD = {
    ("outbox", "payload"): "the message's content is left out: it names other people",
    ("held_codes", "record"): "what a reply to the code would act on is left out",
}


@dataclass(frozen=True)
class SubjectAccess:
    person_id: int
    name: str
    email: str
    made_at: datetime
    person: dict[str, Any]
    records: dict[str, list[dict[str, Any]]]  # table -> its rows about the person, in id order

    @property
    def count(self) -> int:
        return sum(len(rows) for rows in self.records.values())

    def as_json(self) -> dict[str, Any]:
        return {"person": self.person, "made_at": self.made_at.isoformat(), "records": self.records,
                "withheld": {f"{table}.{column}": why for (table, column), why in WITHHELD.items()}}


def refers(table: Table) -> tuple[list[Column[Any]], list[Column[Any]]]:
    people = [c for c in table.columns if any(fk.column.table.name == Person.__tablename__ for fk in c.foreign_keys)]
    addresses = [c for c in table.columns if c.name in ADDRESS_COLUMNS]
    return people, addresses


def tables_about_people() -> list[Table]:
    """Every table that can hold a row about a person: what the export reads, and erasure must handle."""
    return [t for t in Base.metadata.sorted_tables if t.name != Person.__tablename__ and any(refers(t))]


def _value(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@unit_of_work
def subject_access(session: Session, profile: Profile | None, email: object, now: datetime, *, channel: str) -> SubjectAccess:
    """Everything held about the person with this address; coordinators (or the command line, `profile` None)."""
    if profile is not None and not profile.is_coordinator:
        raise NotAllowed("Only the programme coordinators answer subject access requests.")
    address = normalise_email(str(email or ""))
    if "@" not in address:
        raise Invalid({"email": "Give the person's email address, for example: person export sam.example@kent.example"})
    person = session.scalar(select(Person).where(Person.email == address))
    if person is None:
        raise NotFound(f"Nobody with the address {address[:80]} is held by the programme.")
    records: dict[str, list[dict[str, Any]]] = {}
    for table in tables_about_people():
        people, addresses = refers(table)
        conditions = [c == person.id for c in people] + [c == address for c in addresses]
        rows = session.execute(select(table).where(or_(*conditions))).mappings().all()
        if table.name == AuditEntry.__tablename__:
            about = re.compile(rf"(?:^|\s)person={person.id}(?:\s|$)")
            rows = [*rows, *(r for r in session.execute(select(table).where(table.c.subject.contains(f"person={person.id}"))).mappings()
                             if about.search(r["subject"] or "") and r not in rows)]
        if rows:
            records[table.name] = [
                {k: (WITHHELD[(table.name, k)] if (table.name, k) in WITHHELD else _value(v)) for k, v in row.items()} for row in rows
            ]
    person_row = {c.name: _value(getattr(person, c.key)) for c in Person.__table__.columns}
    audit.record(session, person_id=profile.person_id if profile else None, channel=channel, action="person.export",
                 subject=f"person={person.id}")
    return SubjectAccess(person.id, person.name, person.email, now, person_row, records)
