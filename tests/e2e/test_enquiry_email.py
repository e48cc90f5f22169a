"""The whole enquiry by email alone: the DCS's form, the coordinator's stage changes, the panel
member's answers and the report, each a reply to the assistant's last message."""

from __future__ import annotations

import re

import pytest

from storage.moderation import Assignment, Enquiry
from tests.support.codes import code_sent
from tests.support.conversation import act, reply, send
from tests.support.enquiries import ENQUIRY_ASSISTANT, submit_enquiry
from tests.support.people import DCS, MEMBER, MODERATOR
from tests.support.records import _person_id, count, latest

pytestmark = pytest.mark.assistant(**ENQUIRY_ASSISTANT)

CODE = re.compile(r"\[(C-[A-Z0-9]{8})\]")


async def test_an_enquiry_from_the_form_to_the_delivered_report_by_email(assistant):
    form = await send(assistant, DCS["email"], "enquiry")
    assert CODE.search(form["channelData"]["subject"]) and "Conclusion or area to verify:" in form["text"]
    assert "Authority: Wokingham" in form["text"]  # filled in: the only authority this DCS may ask for

    filled = (
        "Authority: Wokingham\nKind of support: Universal moderation (usually 2-4 days of one practitioner)\n"
        "Conclusion or area to verify: Our early help offer has reduced repeat referrals.\n"
        "Kinds of work wanted: Performance indicator validation, Case file review\nExpertise needed: Safeguarding\n"
        "Estimated days: 3\nReport needed by: 2023-02-20\nContact name: Harriet Quillfeather\n"
        "Contact email: harriet.quillfeather@wokingham.example"
    )
    answer = await reply(assistant, DCS["email"], form, filled)
    assert "before your challenge date" in answer["text"] and count(assistant.database, Enquiry) == 0
    stranger = await reply(assistant, "someone.else@elsewhere.example", form, filled.replace("2023-02-20", "2022-12-09"))
    assert count(assistant.database, Enquiry) == 0, stranger["text"]  # the code was sent to another address
    confirmed = await reply(assistant, DCS["email"], answer, filled.replace("2023-02-20", "2022-12-09"))
    assert "has gone to the moderation team" in confirmed["text"]
    await reply(assistant, DCS["email"], answer, filled.replace("2023-02-20", "2022-12-09"))  # sent twice
    assert count(assistant.database, Enquiry) == 1
    e = latest(assistant, Enquiry)

    card = await send(assistant, MODERATOR["email"], f"enquiry {e}")
    assert "starting with one of: Discussion arranged" in card["text"]
    card = await reply(assistant, MODERATOR["email"], card, "Discussion arranged")
    assert "Stage: Discussion arranged" in card["text"]
    form = await reply(assistant, MODERATOR["email"], card, "Record the agreed package")
    card = await reply(assistant, MODERATOR["email"], form, "Days agreed: 3\nScope of the work: Case file review\nReport due by: 2022-12-09")
    assert "Stage: Package agreed" in card["text"]
    suggestions = await reply(assistant, MODERATOR["email"], card, "Find a practitioner")
    assert "Nina Oseiwood, Kent" in suggestions["text"]
    form = await reply(assistant, MODERATOR["email"], suggestions, "Invite Nina Oseiwood")
    card = await reply(assistant, MODERATOR["email"], form, "Times you can offer for the discussion: Tuesday at 10:00")
    assert "Stage: Practitioner invited" in card["text"]

    code = code_sent(assistant.database, "assignment_invitation", MEMBER["email"])
    subject = f"RE: An invitation to a piece of moderation work for Wokingham [{code}]"
    early = await send(assistant, MEMBER["email"], "accept", subject)
    assert "discussion before you accept" in early["text"]
    assert "Thank you" in (await send(assistant, MEMBER["email"], "times Wednesday afternoon", subject))["text"]
    assert f"discussion about enquiry {e} is recorded" in (await send(assistant, MEMBER["email"], "discussed", subject))["text"]
    accepted = await send(assistant, MEMBER["email"], "accept", subject)
    assert "you have accepted" in accepted["text"]

    card = await send(assistant, MODERATOR["email"], f"enquiry {e}")
    card = await reply(assistant, MODERATOR["email"], card, "Work has started")
    form = await reply(assistant, MODERATOR["email"], card, "Report delivered")
    card = await reply(assistant, MODERATOR["email"], form, "Report delivered on: 2022-12-02\nDays worked: 3")
    assert "Stage: Report delivered" in card["text"]
    card = await reply(assistant, MODERATOR["email"], card, "Close the enquiry")
    assert "Stage: Closed" in card["text"]
    with assistant.database.session() as session:
        assert session.get(Assignment, latest(assistant, Assignment)).days_worked == 3
        assert session.get(Enquiry, e).stage == "closed"


async def test_another_member_cannot_answer_an_invitation_with_its_code(assistant):
    await submit_enquiry(assistant)
    e = latest(assistant, Enquiry)
    await act(assistant, MODERATOR, "enquiry.stage", {"id": e, "from": "received", "to": "discussion_arranged"})
    await act(assistant, MODERATOR, "enquiry.package.save", {"id": e, "from": "discussion_arranged", "days": "3", "scope": "Data", "report_due": "2022-12-09"})
    await act(assistant, MODERATOR, "enquiry.invite.save", {"id": e, "person": _person_id(assistant, MEMBER), "times": ""})
    code = code_sent(assistant.database, "assignment_invitation", MEMBER["email"])
    answer = await send(assistant, "tom.radleigh@oxfordshire.example", "decline", f"RE: invitation [{code}]")
    assert "can't find that invitation" in answer["text"]
    assert count(assistant.database, Assignment, Assignment.status == "invited") == 1
