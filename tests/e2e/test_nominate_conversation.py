"""Nominating through the real app: the card in Teams with Universal Actions, and the email round trip."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from storage.outbox import OutboxMessage
from storage.panel import Nomination
from tests.support.activities import card_action, email_message, teams_message
from tests.support.codes import code_sent
from tests.support.connector import texts_in
from tests.support.nominations import GOOD
from tests.support.people import COORDINATOR, DCS, PARTICIPANT, STRANGER

pytestmark = pytest.mark.assistant(roster=(DCS, PARTICIPANT))


def _nominations(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Nomination))


async def _act(assistant, user, data):
    activity = card_action(assistant.service_url, "nomination.submit", data, user_id=user["id"], aad_object_id=user["aadObjectId"])
    response = await assistant.post(activity)
    assert response.status == 200
    return (await response.json())["value"]


async def test_the_nomination_card_refreshes_with_errors_then_confirms_once(assistant):
    await assistant.post(teams_message(assistant.service_url, "nominate", user_id=DCS["id"], aad_object_id=DCS["aadObjectId"]))
    posted = assistant.connector.cards()[-1]
    submit = posted["actions"][0]
    assert submit["type"] == "Action.Execute" and submit["verb"] == "nomination.submit"
    token = submit["data"]["token"]
    assert any(e.get("id") == "authority" and e.get("value") == "wokingham" for e in posted["body"])

    missing = await _act(assistant, DCS, {"token": token, **GOOD, "job_title": ""})
    ids = [e.get("id") for e in missing["body"]]
    assert ids[ids.index("job_title") + 1] == "job_title-error"  # the error sits beside its field
    assert next(e for e in missing["body"] if e.get("id") == "nominee_name")["value"] == "Sam Example"  # values kept
    assert _nominations(assistant.database) == 0

    confirmed = await _act(assistant, DCS, {"token": token, **GOOD})
    assert "Nomination received" in texts_in(confirmed)
    again = await _act(assistant, DCS, {"token": token, **GOOD})  # Teams resends: a new activity id, same form
    assert "Nomination received" in texts_in(again)
    assert _nominations(assistant.database) == 1
    with assistant.database.session() as session:
        kinds = sorted(session.scalars(select(OutboxMessage.kind)))
    assert kinds == ["nomination_confirmation", "nomination_received", "nomination_received", "panel_invitation"]


async def test_a_participant_cannot_nominate(assistant):
    await assistant.post(teams_message(assistant.service_url, "nominate", user_id=PARTICIPANT["id"], aad_object_id=PARTICIPANT["aadObjectId"]))
    assert "Only a DCS or their delegate" in assistant.connector.texts_of_cards()
    refused = await _act(assistant, PARTICIPANT, {"token": "forged", **GOOD, "authority": "east-sussex"})
    assert "Only a DCS or their delegate" in texts_in(refused)
    assert _nominations(assistant.database) == 0


async def test_nominating_by_email_in_one_round_trip(assistant):
    await assistant.post(email_message(assistant.service_url, DCS["email"], "nominate"))
    template = assistant.connector.sent[-1]
    code = re.search(r"\[(C-[A-Z0-9]{8})\]", template["channelData"]["subject"]).group(1)  # an emailed card, as every form
    assert "Colleague's work email:" in template["text"]

    def reply(lines: str, sender=DCS["email"]):
        return email_message(
            assistant.service_url,
            sender,
            lines + "\n\nOn Monday, the assistant wrote:\n> " + template["text"].replace("\n", "\n> "),
            subject=f"RE: Nominate a colleague [{code}]",
        )

    filled = (
        "Authority: Wokingham\nColleague's full name: Sam Example\nColleague's work email: sam.example@wokingham\n"
        "Job title: Head of Quality Assurance\nService area: Children's social care\nThe nomination covers: Both\n"
        "Areas of expertise: SEND, Fostering\nMy colleague has agreed to be nominated: yes"
    )
    await assistant.post(reply(filled))
    answer = assistant.connector.sent[-1]
    assert "Please correct" in answer["text"] and "Colleague's work email:" in answer["text"]
    assert "Colleague's full name: Sam Example" in answer["text"]  # pre-filled with what was sent
    assert _nominations(assistant.database) == 0

    await assistant.post(reply(filled.replace("@wokingham\n", "@wokingham.example\n"), sender="someone.else@elsewhere.example"))
    assert _nominations(assistant.database) == 0  # the code was sent to another address

    await assistant.post(reply(filled.replace("@wokingham\n", "@wokingham.example\n")))
    assert "Nomination received" in assistant.connector.sent[-1]["text"]
    await assistant.post(reply(filled.replace("@wokingham\n", "@wokingham.example\n")))
    assert _nominations(assistant.database) == 1


@pytest.mark.parametrize(("reply", "status"), [
    ("Yes, happy to!\n\nSam", "joined"),
    ("Hello,\n\nI'd love to join. Thank you for thinking of me.", "joined"),
    ("No thank you, I'll have to decline\n\nSent from Outlook for iOS", "declined"),
    ("Sorry, I can’t this year.", "declined"),
])
async def test_the_nominee_answers_the_invitation_in_words(assistant, reply, status):
    await _act(assistant, DCS, {"token": f"t-words-{status}", **GOOD})
    nominee = "sam.example@wokingham.example"
    code = code_sent(assistant.database, "panel_invitation", nominee)
    await assistant.post(email_message(assistant.service_url, nominee, reply, subject=f"RE: You have been nominated [{code}]"))
    with assistant.database.session() as session:
        assert session.scalar(select(Nomination)).status == status


async def test_the_nominee_joins_by_replying_to_the_invitation_and_the_dcs_hears(assistant):
    await _act(assistant, DCS, {"token": "t-join", **GOOD})
    with assistant.database.session() as session:
        nomination = session.scalar(select(Nomination))
    nominee = "sam.example@wokingham.example"
    code = code_sent(assistant.database, "panel_invitation", nominee)
    await assistant.post(email_message(assistant.service_url, nominee, "join"))  # no reference: which invitation?
    assert "keeping the reference" in assistant.connector.sent[-1]["text"]
    await assistant.post(email_message(assistant.service_url, "maya.okafield@east-sussex.example", "join", subject=f"RE: invitation [{code}]"))
    assert "can't find an invitation" in assistant.connector.sent[-1]["text"]
    await assistant.post(email_message(assistant.service_url, nominee, "join\n\nThanks", subject=f"RE: You have been nominated [{code}]"))
    assert "joined the regional panel" in assistant.connector.sent[-1]["text"]
    await assistant.post(email_message(assistant.service_url, nominee, "decline", subject=f"RE: You have been nominated [{code}]"))
    assert "already answered" in assistant.connector.sent[-1]["text"]
    with assistant.database.session() as session:
        assert session.get(Nomination, nomination.id).status == "joined"
        answers = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "nomination_answer")).all()
        assert len(answers) == 1 and answers[0].payload["answer"] == "joined"
        from storage.people import RoleAssignment

        assert session.scalar(select(RoleAssignment).where(RoleAssignment.role == "panel_member", RoleAssignment.scope == "authority:wokingham")) is not None


async def test_a_stranger_cannot_nominate(assistant):
    stranger = STRANGER
    refused = await _act(assistant, stranger, {"token": "t-stranger", **GOOD})
    assert "I don't know you yet" in texts_in(refused)
    assert _nominations(assistant.database) == 0


async def test_a_dcs_cannot_nominate_someone_the_calendar_names_for_another_authority(assistant):
    refused = await _act(assistant, DCS, {"token": "t-kent", **GOOD, "nominee_name": "Grace Albury", "nominee_email": "grace.albury@kent.example"})
    ids = [e.get("id") for e in refused["body"]]
    error = refused["body"][ids.index("nominee_email") + 1]
    assert error.get("id") == "nominee_email-error" and "names this colleague for Kent" in error["text"]
    assert _nominations(assistant.database) == 0
    own = await _act(assistant, DCS, {"token": "t-own", **GOOD, "nominee_name": "Leo Brandwick", "nominee_email": "leo.brandwick@wokingham.example"})
    assert "Nomination received" in texts_in(own)  # Wokingham's own delegate: fine


@pytest.mark.assistant(roster=(DCS, COORDINATOR))
async def test_a_form_token_replayed_by_someone_else_shows_them_nothing_of_the_first_submission(assistant):
    first = await _act(assistant, DCS, {"token": "t-harriet", **GOOD})
    assert "Nomination received" in texts_in(first)
    replayed = await _act(assistant, COORDINATOR, {"token": "t-harriet", **GOOD, "nominee_name": "Pat Other", "nominee_email": "pat@wokingham.example"})
    assert "already sent by someone else" in texts_in(replayed) and "Sam Example" not in texts_in(replayed)
    assert _nominations(assistant.database) == 1


@pytest.mark.parametrize("token", ["x" * 65, "bad/token", "\ud800", "a b"])
async def test_a_form_token_we_did_not_send_is_refused_with_a_clear_message(assistant, token):
    refused = await _act(assistant, DCS, {"token": token, **GOOD})
    assert "not one I sent" in texts_in(refused)
    assert _nominations(assistant.database) == 0


async def test_a_nomination_is_audited_once_however_often_it_is_sent_and_by_email_too(assistant):
    from storage.audit import AuditEntry

    for _ in range(5):
        await _act(assistant, DCS, {"token": "t-audit", **GOOD})
    await _act(assistant, DCS, {"token": "t-refused", **GOOD, "job_title": ""})  # refused: no entry
    await assistant.post(email_message(assistant.service_url, DCS["email"], "nominate"))
    form = assistant.connector.sent[-1]
    filled = "\n".join(f"{label}: {value}" for label, value in (
        ("Colleague's full name", "Ola Example"), ("Colleague's work email", "ola.example@wokingham.example"), ("Job title", "Head of SEND"),
        ("Service area", "Education"), ("The nomination covers", "both"), ("Areas of expertise", "SEND"),
        ("My colleague has agreed to be nominated", "yes")))
    await assistant.post(email_message(assistant.service_url, DCS["email"], filled, subject=f"RE: {form['channelData']['subject']}"))
    with assistant.database.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "nomination.submit")).all()
        assert sorted(e.channel for e in entries) == ["email", "msteams"]
