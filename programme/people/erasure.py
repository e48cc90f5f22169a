"""Erasing a person who has left (UK GDPR, Art. 17), keeping what the programme must keep.

The programme is a public task: it must keep that a moderation took place, who nominated whom as
authorities (not as people), and the days each assignment agreed and worked, which are the basis
of payments. So a person is never simply deleted. Instead:

- **deleted**: what is theirs alone: roles, conversations with the assistant, feedback, forms they
  submitted, codes sent to them, their panel availability, and notifications not yet sent;
- **kept, without them**: the records of the programme they took part in (enquiries, assignments
  with their days, nominations, asks and offers, self-assessments, notes, matches, enquiry changes,
  notifications sent, the audit trail) stay, pointing at the anonymised person, with every text
  column of those rows cleared of their name and address, and the free text only they wrote
  (an assignment's times and availability, a nomination's job title) emptied;
- **the person**: named `Erased person N`, with an address on the reserved `.invalid` domain, no
  Entra object id, inactive. Nothing left names them or their address, so they cannot be found
  again from what remains; a calendar imported later that lists them creates them afresh.

Every table that can refer to a person has a rule below; the test fails for a new table until it
has one. The erasure is one transaction with its audit entry (`person.erase`, by id only); a dry
run reports the same counts and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.orm import Session

from programme import audit
from programme.errors import Invalid, NotAllowed, NotFound
from programme.people.profile import Profile
from programme.people.subject_access import ADDRESS_COLUMNS, refers, tables_about_people
from programme.unit_of_work import unit_of_work
from programme.validation import normalise_email
from storage.base import Base, rows_affected
from storage.conversations import ConversationReferenceRecord
from storage.outbox import OutboxStatus
from storage.people import Person

ERASED = "[erased]"
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never a real address
DELETE = "delete"
KEEP = "keep"
# Table -> what happens to its rows about the person, and (for kept rows) the columns emptied.
RULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "role_assignments": (DELETE, ()),
    "conversation_references": (DELETE, ()),
    "feedback": (DELETE, ()),
    "form_submissions": (DELETE, ()),
    "held_codes": (DELETE, ()),
    "panel_availability": (DELETE, ()),
    "outbox": (KEEP, ("payload",)),  # unsent ones are deleted first (below); sent ones keep their key, so nothing goes twice
    "nominations": (KEEP, ("job_title", "service_area")),
    "assignments": (KEEP, ("times_offered", "member_availability", "reason")),
    "enquiries": (KEEP, ()),
    "enquiry_events": (KEEP, ()),
    "support_items": (KEEP, ()),
    "support_matches": (KEEP, ()),
    "self_assessments": (KEEP, ()),
    "note_agreements": (KEEP, ()),
    "audit_entries": (KEEP, ()),
}
_EMPTY: dict[str, Any] = {"payload": {}}


@dataclass
class Erasure:
    person_id: int
    dry_run: bool
    deleted: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)

    def format(self) -> str:
        prefix = "Dry run, nothing changed. " if self.dry_run else ""
        verb = "would be" if self.dry_run else "were"
        deleted = ", ".join(f"{table} {n}" for table, n in self.deleted.items() if n) or "none"
        kept = ", ".join(f"{table} {n}" for table, n in self.kept.items() if n) or "none"
        return (f"{prefix}Person {self.person_id}: rows that {verb} deleted: {deleted}. Rows kept for the programme's record, "
                f"without their name or address: {kept}. The person {verb} renamed 'Erased person {self.person_id}'.")


@unit_of_work
def erase_person(session: Session, profile: Profile | None, email: object, now: datetime, *, dry_run: bool, channel: str) -> Erasure:
    if profile is not None and not profile.is_coordinator:
        raise NotAllowed("Only the programme coordinators erase a person.")
    address = normalise_email(str(email or ""))
    person = session.scalar(select(Person).where(Person.email == address)) if "@" in address else None
    if person is None:
        raise NotFound(f"Nobody with the address {address[:80]} is held by the programme.")
    if address.endswith("@" + ERASED_DOMAIN):
        raise Invalid({"email": f"Person {person.id} is already erased."})
    missing = {t.name for t in tables_about_people()} - set(RULES)
    if missing:  # a table added without a rule: refuse rather than leave the person in it
        raise RuntimeError(f"no erasure rule for {sorted(missing)}")
    result = Erasure(person.id, dry_run)
    name = person.name
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    # Their dialog state, kept per conversation: found from their conversations before those go.
    conversations = list(session.scalars(select(ConversationReferenceRecord.conversation_id).where(
        ConversationReferenceRecord.person_id == person.id)))
    state = tables.get("bot_state")  # by name: its model is the SDK's storage adapter (storage/bot_state.py)
    if state is not None:
        result.deleted["bot_state"] = sum(rows_affected(session.execute(delete(state).where(state.c.key.contains(c)))) for c in conversations if c)
    for table_name, (action, emptied) in RULES.items():
        table = tables[table_name]
        about = _about(table, person.id, address)
        if table_name == "outbox":
            unsent = [OutboxStatus.PENDING.value, OutboxStatus.SENDING.value, OutboxStatus.FAILED.value]
            result.deleted[table_name] = rows_affected(session.execute(delete(table).where(about, table.c.status.in_(unsent))))
        if action == DELETE:
            result.deleted[table_name] = rows_affected(session.execute(delete(table).where(about)))
            continue
        rows = session.execute(select(table).where(about)).mappings().all()
        result.kept[table_name] = len(rows)
        for row in rows:
            values = {column: _EMPTY.get(column, "") for column in emptied}
            values |= {c.name: f"erased-{person.id}@{ERASED_DOMAIN}" for c in table.columns if c.name in ADDRESS_COLUMNS and row[c.name] == address}
            values |= {column: scrubbed for column, value in row.items() if column not in values and isinstance(value, str)
                       and (scrubbed := _scrub(value, name, address)) != value}
            if values:
                if "updated_at" in table.c:
                    values["updated_at"] = table.c.updated_at  # when the row last changed for the programme, not now
                session.execute(update(table).where(*(c == row[c.name] for c in table.primary_key.columns)).values(**values))
    person.name, person.email, person.aad_object_id, person.active = (
        f"Erased person {person.id}", f"erased-{person.id}@{ERASED_DOMAIN}", None, False)
    audit.record(session, person_id=profile.person_id if profile else None, channel=channel, action="person.erase",
                 subject=f"person={person.id}", at=now)
    if dry_run:
        session.rollback()  # the report, and nothing changed
    return result


def _about(table: Table, person_id: int, address: str) -> Any:
    people, addresses = refers(table)
    conditions = [c == person_id for c in people] + [c == address for c in addresses]
    if table.name == "audit_entries":
        conditions.append(table.c.subject.contains(f"person={person_id}"))
    return or_(*conditions)


def _scrub(text: str, name: str, address: str) -> str:
    for value in (address, name):
        if value and len(value) >= 3:
            text = re.sub(re.escape(value), ERASED, text, flags=re.IGNORECASE)
    return text

