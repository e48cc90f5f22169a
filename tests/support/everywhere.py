"""One person in every table that can refer to a person, once each: for the subject access and
erasure tests (tests/integration/test_subject_access.py, test_erasure.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

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

NOW = datetime(2023, 1, 20, 10, tzinfo=UTC)
ZARA = "zara.everytable@kent.example"


def seed_everywhere(session) -> dict[str, list[int | str]]:
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
