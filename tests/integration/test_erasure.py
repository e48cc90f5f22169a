"""Erasure: a person who has left is removed or anonymised everywhere, what the programme must keep
(the moderation, the days worked) stays without anything that names them, a dry run changes
nothing, and a calendar that lists them again creates them afresh."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import storage.models  # noqa: F401 - every table, as the running service has them
from programme.calendar.file import parse_calendar
from programme.calendar.importer import import_calendar, load_calendar_file
from programme.errors import Invalid
from programme.people.erasure import RULES, erase_person
from programme.people.subject_access import subject_access, tables_about_people
from storage.audit import AuditEntry
from storage.moderation import Assignment, Enquiry
from storage.people import Person
from tests.support.calendars import AS_RECORD, EXAMPLE
from tests.support.everywhere import NOW, ZARA, seed_everywhere


def test_every_table_that_can_hold_a_person_has_an_erasure_rule():
    assert {t.name for t in tables_about_people()} == set(RULES)


def test_a_dry_run_reports_and_changes_nothing(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    with database.session() as session:
        seed_everywhere(session)
        before = subject_access(session, None, ZARA, NOW, channel="cli").count
        report = erase_person(session, None, ZARA, NOW, dry_run=True, channel="cli")
        assert report.deleted["role_assignments"] == 1 and report.kept["assignments"] == 1
        assert "Dry run, nothing changed" in report.format()
        assert subject_access(session, None, ZARA, NOW, channel="cli").count == before + 1  # + the first export's audit entry


def test_erasure_removes_her_keeps_the_programmes_record_and_nothing_left_names_her(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    with database.session() as session:
        seed_everywhere(session)
        zara_id = session.scalar(select(Person.id).where(Person.email == ZARA))
        report = erase_person(session, None, ZARA, NOW, dry_run=False, channel="cli")
        assert report.deleted["feedback"] == 1 and report.deleted["held_codes"] == 1 and report.deleted["outbox"] == 1  # unsent

        person = session.get(Person, zara_id)
        assert (person.name, person.email, person.active) == (f"Erased person {zara_id}", f"erased-{zara_id}@erased.invalid", False)
        assignment = session.scalar(select(Assignment).where(Assignment.person_id == zara_id))
        assert assignment.days_agreed == 3  # the basis of payments stays
        enquiry = session.scalar(select(Enquiry).where(Enquiry.form_token == "sar-enquiry"))
        assert enquiry.contact_email == f"erased-{zara_id}@erased.invalid" and enquiry.contact_name == "[erased]"  # the moderation stays

        # Nothing anywhere names her or her address.
        for table in tables_about_people():
            for row in session.execute(select(table)).mappings():
                text = str(dict(row)).lower()
                assert "zara" not in text and "everytable" not in text, (table.name, dict(row))
        assert session.scalar(select(AuditEntry.subject).where(AuditEntry.action == "person.erase")) == f"person={zara_id}"
        with pytest.raises(Invalid, match="already erased"):
            erase_person(session, None, f"erased-{zara_id}@erased.invalid", NOW, dry_run=False, channel="cli")

    # A calendar that lists her again: a new person, not the erased one.
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "people:\n", f"people:\n  - name: Zara Everytable\n    email: {ZARA}\n    roles: [{{role: participant, authority: kent}}]\n", 1)
    import_calendar(database.sessions, parse_calendar(text, source="again.yaml"), dry_run=False, **AS_RECORD)
    with database.session() as session:
        again = session.scalar(select(Person).where(Person.email == ZARA))
        assert again is not None and again.id != zara_id and again.active
        assert session.scalar(select(func.count()).select_from(Person).where(Person.name == "Zara Everytable")) == 1
