"""Whatever anyone writes, in Teams or by email, as a new message or as a reply to a form: the app
answers it (never an error, never silence) and says something a person can act on."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.activities import email_message, teams_message
from tests.support.conversation import send
from tests.support.people import DCS

pytestmark = pytest.mark.assistant(roster=(DCS,))

WORDS = st.sampled_from(["status", "stauts", "nominate", "form", "please", "Hi,", "Yes", "No", "agree", "amend", "Kind of support:",
                         "Colleague’s full name:", "---", "> quoted", "From: someone", "•", "14/02/2027", "3 days", "\n", "\n\n", "my",
                         "Thanks", "?", "RE:", "[C-ABCDEFGH]", "enquiry 12", "page=2", "Sent from my iPhone"])
TEXT = st.one_of(st.text(max_size=400), st.lists(WORDS, max_size=30).map(" ".join))
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(text=TEXT)
async def test_any_teams_message_is_answered(assistant, text):
    before = len(assistant.connector.sent)
    response = await assistant.post(teams_message(assistant.service_url, text, user_id=DCS["id"], aad_object_id=DCS["aadObjectId"]))
    assert response.status in (200, 201)
    assert len(assistant.connector.sent) > before  # never silence


@FUZZ
@given(text=TEXT, subject=st.one_of(st.just(""), st.text(max_size=80), WORDS))
async def test_any_email_is_answered(assistant, text, subject):
    before = len(assistant.connector.sent)
    response = await assistant.post(email_message(assistant.service_url, DCS["email"], text, subject=subject))
    assert response.status in (200, 201)
    assert len(assistant.connector.sent) > before


@FUZZ
@given(text=TEXT)
async def test_any_reply_to_an_emailed_form_is_answered(assistant, text):
    form = await send(assistant, DCS["email"], "enquiry")
    before = len(assistant.connector.sent)
    response = await assistant.post(email_message(assistant.service_url, DCS["email"], text, subject=f"RE: {form['channelData']['subject']}"))
    assert response.status in (200, 201)
    assert len(assistant.connector.sent) > before
