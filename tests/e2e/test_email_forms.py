"""Emailed forms filled in as people really do, through the real app: the record saved with every
field as meant, or a clear question back with everything kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.calendar import NoteAgreement
from storage.moderation import Enquiry
from storage.panel import Nomination
from storage.people import Authority
from storage.support import SupportItem
from tests.support.conversation import act, reply, send
from tests.support.enquiries import ENQUIRY_ASSISTANT
from tests.support.people import COORDINATOR, DCS, EAST_SUSSEX

pytestmark = pytest.mark.assistant(**ENQUIRY_ASSISTANT)

CONCLUSION = ("Our early help offer has reduced repeat referrals.\nWe would like this checked against: the 2021-22 data.\n\n"
              "And against the March case audit.")


async def test_an_enquiry_written_as_people_write_is_saved_whole(assistant):
    form = await send(assistant, DCS["email"], "Hi,\n\nPlease could you send me the enquiry form?\n\nThanks")
    assert "Conclusion or area to verify:" in form["text"]
    filled = (
        "Hello,\n\nHere it is.\n\n"
        "1. Authority: Wokingham\n"
        "2. Kind of support: universal\n"
        "3. Conclusion or area to verify:\n" + CONCLUSION + "\n"
        "4. Kinds of work wanted:\n• Performance indicator validation\n• Staff, partner, service user or parent focus groups\n"
        "5. Expertise needed: safeguarding\n"
        "6. Estimated days: 3 days\n"
        "7. Report needed by: 09/12/2022\n"
        "8. Contact name: Harriet Quillfeather\n"
        "9. Contact email: Harriet Quillfeather <harriet.quillfeather@wokingham.example>\n\n"
        "Kind regards,\nHarriet\n\nSent from my iPhone"
    )
    answer = await reply(assistant, DCS["email"], form, filled)
    assert "has gone to the moderation team" in answer["text"], answer["text"]
    with assistant.database.session() as session:
        enquiry = session.scalar(select(Enquiry))
        assert enquiry.support == "universal" and enquiry.conclusion == CONCLUSION
        assert enquiry.work == ["indicators", "focus_groups"] and enquiry.estimated_days == 3
        assert enquiry.contact_email == "harriet.quillfeather@wokingham.example"


async def test_a_line_the_form_does_not_have_is_questioned_and_nothing_is_saved(assistant):
    form = await send(assistant, DCS["email"], "nominate")
    filled = ("Colleague’s full name: Sam Example\nColleague’s work email: sam.example@wokingham.example\nJob title: Head of service\n"
              "Service area: Children's social care\nThe nomination covers: both\nAreas of expertise: SEND\n"
              "Grade: Senior manager\nMy colleague has agreed to be nominated: Yes.")
    answer = await reply(assistant, DCS["email"], form, filled)
    assert "didn't recognise" in answer["text"] and "'Grade:'" in answer["text"]
    with assistant.database.session() as session:
        assert session.scalar(select(Nomination)) is None
    answer = await reply(assistant, DCS["email"], form, filled.replace("Grade: Senior manager\n", ""))
    assert "Nomination received" in answer["text"], answer["text"]
    with assistant.database.session() as session:
        nomination = session.scalar(select(Nomination))
        assert nomination.job_title == "Head of service" and nomination.covers == "both" and nomination.areas == ["send"]


@pytest.mark.assistant(now=datetime(2023, 1, 20, 10, tzinfo=UTC), roster=ENQUIRY_ASSISTANT["roster"])  # after Triad 1's day
async def test_when_one_of_several_asks_has_a_problem_every_item_comes_back_as_written(assistant):
    form = await send(assistant, DCS["email"], "asks")
    item = ("Theme: {theme}\nShort title: {title}\nDescription: {description}\nHow it could be taken forward: bilateral\n"
            "Contact name: Harriet Quillfeather\nContact email: {email}\n")
    two = (item.format(theme="SEND", title="Preparing for adulthood", description="Transitions start too late.",
                       email="harriet.quillfeather@wokingham.example")
           + "---\n"
           + item.format(theme="Fostering", title="Recruiting foster carers", description="Too few carers for teenagers.", email="harriet@"))
    answer = await reply(assistant, DCS["email"], form, two)
    text = answer["text"]
    assert "Nothing was saved" in text and "Item 2" in text
    assert "Short title: Preparing for adulthood" in text and "Short title: Recruiting foster carers" in text
    assert "Contact email: harriet@" in text
    with assistant.database.session() as session:
        assert session.scalars(select(SupportItem)).all() == []
    fixed = await reply(assistant, DCS["email"], answer, two.replace("harriet@\n", "harriet.quillfeather@wokingham.example\n"))
    assert "Saved 2 asks for Wokingham" in fixed["text"], fixed["text"]


@pytest.mark.assistant(now=datetime(2023, 1, 20, 10, tzinfo=UTC), roster=(DCS, EAST_SUSSEX, COORDINATOR))
async def test_a_button_that_opens_a_form_sends_the_form_in_its_first_reply(assistant):
    await act(assistant, COORDINATOR, "note.sent.save", {"group": "1", "link": "https://sharepoint.example/notes/triad-1.docx"})
    notes = await send(assistant, EAST_SUSSEX["email"], "notes")
    note = await reply(assistant, EAST_SUSSEX["email"], notes, "Open the note for East Sussex")
    assert "Ask for amendments" in note["text"]
    form = await reply(assistant, EAST_SUSSEX["email"], note, "Ask for amendments")
    assert "The amendments you would like:" in form["text"], form["text"]  # the form itself, in the first reply
    await reply(assistant, EAST_SUSSEX["email"], form, "The amendments you would like: the list of attendees misses our Head of SEND.")
    with assistant.database.session() as session:
        note = session.scalar(select(NoteAgreement).join(Authority, Authority.id == NoteAgreement.authority_id)
                              .where(Authority.code == "east-sussex"))
        assert note.status == "amendments_requested"
