"""Every form, by card and by email, filled in with whatever hypothesis makes up: the assistant
answers each one, never crashes, and writes nothing unless it is a change it records in the audit
trail (a record is never written without its audit entry, so a refused submission writes nothing).

By card: every action the assistant registers, with the fields of its form and the ids cards carry,
each given any value (text with surrogates and control characters, numbers, lists, nothing).
By email: every form the assistant sends, held for its reader as it is when emailed, answered with
`Label: value` lines made up from its own labels, and with anything else at all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.assistant import DIALOGS
from bot.cards.forms import form_card
from bot.email_cards import for_email
from storage.audit import AuditEntry
from storage.calendar import NoteAgreement, SelfAssessment
from storage.feedback import Feedback
from storage.moderation import Assignment, Enquiry, EnquiryEvent
from storage.panel import Nomination
from storage.people import Person, RoleAssignment
from storage.support import SupportItem, SupportMatch
from tests.support.activities import card_action, email_message
from tests.support.forms import FORMS
from tests.support.people import COORDINATOR, DCS, MODERATOR

pytestmark = pytest.mark.assistant(now=datetime(2023, 1, 20, 10, tzinfo=UTC), roster=(DCS, COORDINATOR, MODERATOR))
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

RECORDS = (Nomination, Enquiry, EnquiryEvent, Assignment, SupportItem, SupportMatch, NoteAgreement, SelfAssessment, Feedback, Person,
           RoleAssignment)
TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cs", "Cc", "Zs", "Ll", "Nd", "Po"]), max_size=40),
    st.sampled_from(["wokingham", "kent", "1", "2", "0", "-1", "9" * 30, "1e308", "received", "package_agreed", "send", "both",
                     "2023-02-10", "14/02/2023", "https://sharepoint.example/x", "someone@kent.example", "true", "", " "]),
)
VALUE = st.one_of(TEXT, st.integers(), st.floats(), st.none(), st.booleans(), st.lists(TEXT, max_size=3), st.dictionaries(TEXT, TEXT, max_size=2))
CARD_IDS = ("id", "from", "to", "stage", "group", "authority", "token", "person", "version", "preview", "kind", "on_behalf", "several", "page")
ACTIONS = sorted({verb for dialog in DIALOGS for verb in getattr(dialog, "ACTIONS", {})})
FIELDS = sorted({field.name for form in FORMS.values() for field in form.fields})
PEOPLE = (DCS, COORDINATOR, MODERATOR)
# Each emailed form as the dialog that sends it holds it: its verb and the data its button carries.
EMAILED = {
    "nomination": ("nomination.submit", {"token": "fuzz-nomination"}),
    "nomination areas": ("nomination.update", {"id": 1}),
    "enquiry": ("enquiry.submit", {"token": "fuzz-enquiry"}),
    "enquiry package": ("enquiry.package.save", {"id": 1, "from": "discussion_arranged"}),
    "enquiry report": ("enquiry.report.save", {"id": 1, "from": "in_progress"}),
    "enquiry withdraw": ("enquiry.withdraw.save", {"id": 1, "from": "received"}),
    "enquiry invite": ("enquiry.invite.save", {"id": 1, "person": 1}),
    "enquiry override": ("enquiry.override.save", {"id": 1, "from": "received"}),
    "ask": ("support.submit", {"token": "fuzz-ask", "kind": "ask"}),
    "offer": ("support.submit", {"token": "fuzz-offer", "kind": "offer"}),
    "plenary suggestion": ("support.submit", {"token": "fuzz-suggestion", "kind": "suggestion"}),
    "ask edit": ("support.update", {"id": 1}),
    "notes sent": ("note.sent.save", {"group": "1", "authority": ""}),
    "notes amend": ("note.amend.save", {"id": 1}),
    "self-assessment sent": ("sa.sent.save", {"authority": "wokingham"}),
    "assignment times": ("assignment.times.save", {"id": 1}),
    "assignment decline": ("assignment.decline.save", {"id": 1}),
    "availability": ("panel.availability.save", {}),
    "group change": ("group.save", {"group": "1"}),
    "new dcs": ("dcs.save", {"authority": "kent"}),
    "new facilitator": ("facilitator.save", {"group": "1"}),
}


def test_every_emailed_form_is_fuzzed():
    assert set(EMAILED) == set(FORMS)


def _counts(database) -> list[int]:
    with database.session() as session:
        return [session.scalar(select(func.count()).select_from(model)) or 0 for model in (*RECORDS, AuditEntry)]


def _written_only_with_its_audit_entry(before: list[int], after: list[int], said: str) -> None:
    records_changed = before[:-1] != after[:-1]
    audited = after[-1] > before[-1]
    assert audited or not records_changed, f"records written without an audit entry: {before} -> {after}; answered: {said[:300]}"


@FUZZ
@given(verb=st.sampled_from(ACTIONS), person=st.sampled_from(PEOPLE), data=st.data())
async def test_any_card_submission_of_any_action_is_answered_and_writes_only_what_it_audits(assistant, verb, person, data):
    fields = data.draw(st.fixed_dictionaries({}, optional=dict.fromkeys((*CARD_IDS, *FIELDS), VALUE)))
    before = _counts(assistant.database)
    response = await assistant.post(card_action(assistant.service_url, verb, fields, user_id=person["id"], aad_object_id=person["aadObjectId"]))
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200 and body["value"]["body"], body
    said = str(body["value"])
    assert "something went wrong" not in said
    _written_only_with_its_audit_entry(before, _counts(assistant.database), said)


def _lines(form, data) -> str:
    """A reply as people write one: some of the form's own labels with made-up values, and anything else."""
    labels = [field.label for field in form.fields]
    chosen = data.draw(st.lists(st.sampled_from(labels), max_size=len(labels) + 2)) if labels else []
    separators = st.sampled_from([": ", ":", " - ", ":\n"])
    parts = [label + data.draw(separators) + data.draw(TEXT) for label in chosen]
    parts += data.draw(st.lists(TEXT, max_size=3))
    return data.draw(st.sampled_from(["\n", "\n\n", "\r\n"])).join(parts)


@FUZZ
@given(name=st.sampled_from(sorted(EMAILED)), person=st.sampled_from(PEOPLE), data=st.data())
async def test_any_reply_to_any_emailed_form_is_answered_and_writes_only_what_it_audits(assistant, name, person, data):
    verb, button = EMAILED[name]
    card = form_card(FORMS[name], verb=verb, data=button)
    with assistant.database.session() as session:
        _, code = for_email(session, card, person["email"], datetime(2023, 1, 20, 10, tzinfo=UTC))
        session.commit()
    assert code, f"the {name} form holds no code by email"
    before, answers = _counts(assistant.database), len(assistant.connector.sent)
    response = await assistant.post(email_message(assistant.service_url, person["email"], _lines(FORMS[name], data),
                                                  subject=f"RE: {FORMS[name].title} [{code}]"))
    assert response.status in (200, 201)
    assert len(assistant.connector.sent) > answers  # never silence
    said = assistant.connector.sent[-1].get("text", "")
    assert "something went wrong" not in said
    _written_only_with_its_audit_entry(before, _counts(assistant.database), said)
