"""A subject access export names every record held about the person: she is seeded into every table
that can refer to a person (found from the schema, so a new table fails this test until it is
seeded here), and the export lists each of those rows and nothing of anyone else's."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.exports_person import html_bytes, json_bytes
from programme.calendar.importer import import_calendar, load_calendar_file
from programme.errors import NotAllowed, NotFound
from programme.people.subject_access import subject_access, tables_about_people
from storage.audit import AuditEntry
from storage.people import Person
from tests.support.calendars import AS_RECORD, EXAMPLE
from tests.support.everywhere import NOW, ZARA, seed_everywhere


def test_the_export_names_every_record_held_about_her_in_every_table(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    with database.session() as session:
        expected = seed_everywhere(session)
        found = subject_access(session, None, " Zara.Everytable@Kent.example ", NOW, channel="cli")

    assert set(found.records) == {t.name for t in tables_about_people()}  # every table that can hold her, and each holds her
    assert all(len(rows) == 1 for table, rows in found.records.items() if table not in ("audit_entries",)), found.records
    assert [r["id"] for r in found.records["enquiries"]] == expected["enquiries"]
    assert [r["id"] for r in found.records["support_items"]] == expected["support_items"]  # not the offer of someone else
    assert sorted(r["id"] for r in found.records["audit_entries"]) == sorted(expected["audit_entries"])  # not person=<id>0
    assert "Harriet" not in str(found.records["outbox"]) and "Harriet" not in str(found.records["held_codes"])  # others' data withheld
    assert found.person["email"] == ZARA and found.person["name"] == "Zara Everytable"

    as_json = json_bytes(found).decode()
    as_html = html_bytes(found).decode()
    assert "zara.everytable@kent.example" in as_json and "Their roles in the programme" in as_html
    assert "<script" not in as_html and "Zara&#x27;s feedback." in as_html  # escaped
    with database.session() as session:
        assert session.scalar(select(AuditEntry.subject).where(AuditEntry.action == "person.export")) == f"person={found.person_id}"


def test_only_coordinators_export_and_an_unknown_address_is_said_so(database):
    from programme.people.profile import load_profile

    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    with database.session() as session:
        dcs = session.scalar(select(Person).where(Person.email == "harriet.quillfeather@wokingham.example"))
        with pytest.raises(NotAllowed):
            subject_access(session, load_profile(session, dcs, date(2023, 1, 20)), "harriet.quillfeather@wokingham.example", NOW,
                           channel="msteams")
        with pytest.raises(NotFound, match=r"Nobody with the address nobody@kent\.example"):
            subject_access(session, None, "nobody@kent.example", NOW, channel="cli")
