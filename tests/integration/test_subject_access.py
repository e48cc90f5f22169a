"""A subject access export names every record held about the person: she is seeded into every table
that can refer to a person (found from the schema, so a new table fails this test until it is
seeded here), and the export lists each of those rows and nothing of anyone else's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.exports_person import html_bytes, json_bytes
from programme.calendar.importer import import_calendar, load_calendar_file
from programme.errors import NotAllowed, NotFound
from programme.people.subject_access import subject_access, tables_about_people
from storage.audit import AuditEntry
from storage.calendar import Cycle, Group, NoteAgreement, SelfAssessment
from storage.conversations import ConversationReferenceRecord
from storage.feedback import Feedback
from storage.form_submissions import FormSubmission
from storage.held_codes import HeldCode
from storage.moderation import Assignment, Enquiry, EnquiryEvent, PanelAvailability
from storage.outbox import OutboxMessage
from storage.panel import Nomination
from storage.people import Authority, Person, RoleAssignment
from storage.support import SupportItem, SupportMatch
from tests.support.calendars import AS_RECORD, EXAMPLE

NOW = datetime(2023, 1, 20, 10, tzinfo=UTC)
ZARA = "zara.everytable@kent.example"


def _seed(session) -> dict[str, list[int | str]]:
    """Zara in every table, once each, and the ids to find: table -> the rows' keys."""
    kent = session.scalar(select(Authority).where(Authority.code == "kent"))
    cycle = session.scalar(select(Cycle))
    group = session.scalar(select(Group).where(Group.key == "2"))
    other = session.scalar(select(Person).where(Person.email == "harriet.quillfeather@wokingham.example"))
    zara = Person(email=ZARA, name="Zara Everytable")
    session.add(zara)
    session.flush()
    enquiry = Enquiry(cycle_id=cycle.id, authority_id=kent.id, support="universal", conclusion="A conclusion.", estimated_days=3,
                      report_needed_by=date(2023, 2, 10), contact_name="Zara Everytable", contact_email=ZARA,
                      submitted_by_person_id=zara.id, form_token="sar-enquiry")
    ask = SupportItem(cycle_id=cycle.id, authority_id=kent.id, kind="ask", theme="send", title="An ask", description="D", route="bilateral",
                      contact_name="Zara Everytable", contact_email=ZARA, submitted_by_person_id=zara.id, form_token="sar-ask")
    offer = SupportItem(cycle_id=cycle.id, authority_id=kent.id, kind="offer", theme="send", title="An offer", description="D",
                        route="bilateral", contact_name="Someone Else", contact_email="someone.else@kent.example",
                        submitted_by_person_id=other.id, form_token="sar-offer")
    session.add_all([enquiry, ask, offer])
    session.flush()
    rows = [
        RoleAssignment(person_id=zara.id, role="participant", scope="authority:kent", authority_id=kent.id),
        ConversationReferenceRecord(person_id=zara.id, channel_id="msteams", user_id="29:zara", conversation_id="a:zara",
                                    service_url="https://smba.example/", reference={"conversation": {"id": "a:zara"}}),
        Feedback(person_id=zara.id, channel_id="email", text="Zara's feedback."),
        FormSubmission(token="sar-form", form="support_ask", person_id=zara.id, result={"done": True}),
        Nomination(authority_id=kent.id, nominee_person_id=zara.id, job_title="Head of Service", service_area="Social care", covers="both",
                   areas=["send"], nominated_by_person_id=other.id, form_token="sar-nomination"),
        OutboxMessage(idempotency_key="sar/outbox", kind="team_member_added", payload={"added_by": "Harriet Quillfeather"},
                      recipient_person_id=zara.id, due_at=NOW),
        PanelAvailability(person_id=zara.id, text="Tuesdays."),
        SelfAssessment(cycle_id=cycle.id, authority_id=kent.id, link="https://sharepoint.example/sa", sent_by_person_id=zara.id),
        EnquiryEvent(enquiry_id=enquiry.id, from_stage="received", to_stage="discussion_arranged", person_id=zara.id),
        Assignment(enquiry_id=enquiry.id, person_id=zara.id, authority_id=kent.id, invited_by_person_id=other.id, days_agreed=3),
        NoteAgreement(cycle_id=cycle.id, group_id=group.id, authority_id=kent.id, sent_on=date(2023, 2, 24), agreed_by_person_id=zara.id),
        SupportMatch(ask_id=ask.id, offer_id=offer.id, confirmed_by_person_id=zara.id),
        HeldCode(code="C-SARZARA", address=ZARA, purpose="card", record={"inputs": ["Harriet's"]}, expires_at=NOW + timedelta(days=2)),
        AuditEntry(person_id=zara.id, channel="msteams", action="support.submit", subject=f"id={ask.id}"),
        AuditEntry(person_id=other.id, channel="msteams", action="team.add", subject=f"person={zara.id} authority=kent"),
        AuditEntry(person_id=other.id, channel="msteams", action="team.add", subject=f"person={zara.id}0 authority=kent"),  # another's
    ]
    session.add_all(rows)
    session.commit()
    return {"enquiries": [enquiry.id], "support_items": [ask.id], "audit_entries": [rows[-3].id, rows[-2].id]}


def test_the_export_names_every_record_held_about_her_in_every_table(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    with database.session() as session:
        expected = _seed(session)
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
