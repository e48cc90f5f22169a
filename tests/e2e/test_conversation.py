"""Conversations through the real app: install, help, status, team and feedback, in Teams and by email."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from storage.conversations import ConversationReferenceRecord
from storage.feedback import Feedback
from storage.people import Person, RoleAssignment
from tests.support.activities import card_action, email_message, teams_install, teams_message
from tests.support.connector import texts_in
from tests.support.people import COORDINATOR, DCS, DELEGATE, STRANGER

pytestmark = pytest.mark.assistant(roster=(DCS, DELEGATE, COORDINATOR, STRANGER), principal_names=True)


def _say(assistant, user, text):
    return assistant.post(teams_message(assistant.service_url, text, user_id=user["id"], aad_object_id=user["aadObjectId"]))


async def test_install_greets_a_dcs_with_their_group_and_links_their_teams_identity(assistant):
    response = await assistant.post(teams_install(assistant.service_url, user_id=DCS["id"], aad_object_id=DCS["aadObjectId"]))
    assert response.status == 201
    text = assistant.connector.texts_of_cards()
    assert "Welcome, Harriet" in text
    assert "Triad 1" in text and "Wokingham is Lead Reviewer for Surrey" in text
    with assistant.database.session() as session:
        person = session.scalar(select(Person).where(Person.email == DCS["email"]))
        assert person.aad_object_id == DCS["aadObjectId"]
        reference = session.scalar(select(ConversationReferenceRecord))
        assert reference.person_id == person.id and reference.active
        assert reference.service_url == assistant.service_url


async def test_help_and_status_answer_with_the_right_content_for_a_dcs(assistant):
    await _say(assistant, DCS, "help")
    assert "What I can do" in assistant.connector.texts_of_cards()
    assert "team" in assistant.connector.texts_of_cards()
    assistant.connector.sent.clear()
    await _say(assistant, DCS, "status")
    text = assistant.connector.texts_of_cards()
    assert "Wokingham" in text and "Triad 1" in text
    assert "Monday 16 January 2023" in text
    assert "East Sussex is Lead Reviewer for Wokingham" in text
    assert "Moderation window opens" in text and "Coming up" in text


async def test_someone_unknown_is_told_how_to_get_registered(assistant):
    await _say(assistant, STRANGER, "hi")
    assert "I don't know you yet" in assistant.connector.texts_of_cards()


@pytest.mark.assistant(roster=(STRANGER,), settings={"COORDINATORS_EMAIL": "coordinators@seslip.example"})
async def test_someone_unknown_is_given_the_coordinators_address_and_what_to_send(assistant):
    await assistant.post(email_message(assistant.service_url, "stranger@elsewhere.example", "Hello, can I join?"))
    text = assistant.connector.sent[-1]["text"]
    assert "coordinators@seslip.example" in text and "job title" in text


async def test_reply_subjects_never_stack_their_prefixes(assistant):
    await assistant.post(email_message(assistant.service_url, DCS["email"], "thanks", subject="RE: RE: FW: Your peer challenge programme"))
    assert assistant.connector.sent[-1]["channelData"]["subject"] == "RE: Your peer challenge programme"


async def test_an_unknown_command_gets_a_pointer_to_help_never_a_bare_refusal(assistant):
    await _say(assistant, DCS, "frobnicate")
    text = assistant.connector.texts_of_cards()
    assert "not sure what you need" in text and "Press Help" in text and "I don't know the command" not in text
    assert {"help", "status"} <= _commands_on(assistant.connector.cards()[-1])


def _commands_on(card) -> set[str]:
    return {a["data"]["command"] for a in card.get("actions", []) if "command" in (a.get("data") or {})}


@pytest.mark.parametrize(
    ("written", "heading"),
    [
        ("stauts", "Your programme"),
        ("hlep", "What I can do"),
        ("Status.", "Your programme"),
        ("Hi,\n\nstatus please", "Your programme"),
        ("Good morning, when is our challenge day?", "Your programme"),
        ("what can you do?", "What I can do"),
        ("I'd like to nominate someone", "Nominate a colleague"),
        ("can you show me my nominations please", "Your nominations"),
        ("my nominatons", "Your nominations"),
    ],
)
async def test_commands_are_found_through_typos_greetings_and_sentences(assistant, written, heading):
    await _say(assistant, DCS, written)
    assert heading in assistant.connector.texts_of_cards()


async def test_a_message_that_could_be_several_commands_is_asked_about_with_buttons(assistant):
    await _say(assistant, DCS, "Please send me the form")
    card = assistant.connector.cards()[-1]
    assert "Did you mean" in texts_in(card)
    assert {"nominate", "enquiry", "asks", "offers"} <= _commands_on(card)


async def test_by_email_the_question_names_the_commands_to_reply_with(assistant):
    await assistant.post(email_message(assistant.service_url, DCS["email"], "Hello,\n\nPlease send me the form.\n\nThanks\nHarriet"))
    reply = assistant.connector.sent[-1]
    assert "Did you mean" in reply["text"] and "Reply with: nominate, enquiry, asks, offers" in reply["text"]
    assert "Press" not in reply["text"] and "button" not in reply["text"].lower()


async def test_by_email_a_command_in_the_subject_with_an_empty_body_works(assistant):
    await assistant.post(email_message(assistant.service_url, DCS["email"], "", subject="RE: FW: status"))
    assert "Triad 1" in assistant.connector.sent[-1]["text"]


async def test_thanks_is_answered_kindly(assistant):
    await _say(assistant, DCS, "Thanks!")
    assert "You're welcome" in assistant.connector.texts_of_cards()


async def _act(assistant, user, verb, data):
    response = await assistant.post(card_action(assistant.service_url, verb, data, user_id=user["id"], aad_object_id=user["aadObjectId"]))
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    return body["value"]


def _participants(database, authority="wokingham"):
    with database.session() as session:
        return sorted(
            session.scalars(
                select(Person.email)
                .join(RoleAssignment, RoleAssignment.person_id == Person.id)
                .where(RoleAssignment.scope == f"authority:{authority}", RoleAssignment.role == "participant", RoleAssignment.active.is_(True))
            )
        )


async def test_a_dcs_adds_and_removes_a_participant_from_the_team_card(assistant):
    await _say(assistant, DCS, "team")
    assert "Team: Wokingham" in assistant.connector.texts_of_cards()

    bad = await _act(assistant, DCS, "team.add", {"authority": "wokingham", "name": "Sam Example", "email": "sam.example@", "role": "participant"})
    bad_text = texts_in(bad)
    assert "Please correct" in bad_text and "Sam Example" in bad_text  # values kept
    name_index = next(i for i, e in enumerate(bad["body"]) if e.get("id") == "email")
    assert bad["body"][name_index + 1]["color"] == "Attention"  # the error sits beside its field
    assert "sam.example@wokingham.example" not in _participants(assistant.database)

    added = await _act(
        assistant, DCS, "team.add", {"authority": "wokingham", "name": "Sam Example", "email": "Sam.Example@wokingham.example", "role": "participant"}
    )
    assert "Sam Example is now a participant for Wokingham" in texts_in(added)
    again = await _act(
        assistant, DCS, "team.add", {"authority": "wokingham", "name": "Sam Example", "email": "sam.example@wokingham.example", "role": "participant"}
    )
    assert "already" in texts_in(again)
    assert _participants(assistant.database).count("sam.example@wokingham.example") == 1

    with assistant.database.session() as session:
        sam = session.scalar(select(Person).where(Person.email == "sam.example@wokingham.example"))
    removed = await _act(assistant, DCS, "team.remove", {"authority": "wokingham", "role": "participant", "person_id": sam.id})
    assert "no longer a participant" in texts_in(removed)
    assert "sam.example@wokingham.example" not in _participants(assistant.database)


async def test_an_authority_code_is_read_whatever_its_case(assistant):
    await _say(assistant, COORDINATOR, "team WOKINGHAM")
    assert "Team: Wokingham" in assistant.connector.texts_of_cards()
    added = await _act(assistant, DCS, "team.add", {"authority": " Wokingham ", "name": "Sam Example", "email": "sam.example@wokingham.example",
                                                     "role": "participant"})
    assert "Sam Example is now a participant for Wokingham" in texts_in(added)


async def test_only_the_dcs_or_a_coordinator_changes_a_team(assistant):
    refused = await _act(
        assistant,
        DELEGATE,
        "team.add",
        {"authority": "wokingham", "name": "Sam Example", "email": "sam.example@wokingham.example", "role": "participant"},
    )
    assert "Only the DCS of Wokingham" in texts_in(refused)
    other = await _act(assistant, DCS, "team.add", {"authority": "kent", "name": "Sam Example", "email": "sam.example@kent.example", "role": "participant"})
    assert "Only the DCS of Kent" in texts_in(other)
    assert "sam.example@wokingham.example" not in _participants(assistant.database)
    assert "sam.example@kent.example" not in _participants(assistant.database, "kent")

    by_coordinator = await _act(
        assistant, COORDINATOR, "team.add", {"authority": "kent", "name": "Sam Example", "email": "sam.example@kent.example", "role": "participant"}
    )
    assert "now a participant for Kent" in texts_in(by_coordinator)


async def test_by_email_status_comes_as_html_and_a_team_change_waits_for_the_confirmation_code(assistant):
    await assistant.post(email_message(assistant.service_url, DCS["email"], "status\n\nKind regards\nHarriet"))
    reply = assistant.connector.sent[-1]
    assert "Triad 1" in reply["channelData"]["htmlBody"] and "Triad 1" in reply["text"]

    await assistant.post(email_message(assistant.service_url, DCS["email"], "team add participant Sam Example, sam.example@wokingham.example"))
    subject = assistant.connector.sent[-1]["channelData"]["subject"]
    code = re.search(r"\[([A-Z0-9]{6})\]", subject).group(1)
    assert "sam.example@wokingham.example" not in _participants(assistant.database)

    await assistant.post(email_message(assistant.service_url, DELEGATE["email"], f"confirm {code}"))
    assert "sam.example@wokingham.example" not in _participants(assistant.database)
    await assistant.post(email_message(assistant.service_url, DCS["email"], f"confirm {code}"))
    assert "sam.example@wokingham.example" in _participants(assistant.database)
    await assistant.post(email_message(assistant.service_url, DCS["email"], f"confirm {code}"))
    assert "Nothing to confirm" in assistant.connector.sent[-1]["text"]


@pytest.mark.parametrize(("answer", "added"), [("Yes, go ahead", True), ("yes", True), ("No, cancel that please", False)])
async def test_a_change_is_confirmed_or_cancelled_by_answering_in_words(assistant, answer, added):
    await assistant.post(email_message(assistant.service_url, DCS["email"], "team add participant Sam Example, sam.example@wokingham.example"))
    subject = assistant.connector.sent[-1]["channelData"]["subject"]
    await assistant.post(email_message(assistant.service_url, DCS["email"], f"{answer}\n\nHarriet", subject=f"RE: {subject}"))
    assert ("sam.example@wokingham.example" in _participants(assistant.database)) is added
    await assistant.post(email_message(assistant.service_url, DCS["email"], "yes", subject=f"RE: {subject}"))
    assert "Nothing to confirm" in assistant.connector.sent[-1]["text"]  # the code is used either way


async def test_email_team_change_with_a_bad_address_is_refused_before_any_code(assistant):
    await assistant.post(email_message(assistant.service_url, DCS["email"], "team add participant Sam Example, not-an-address"))
    reply = assistant.connector.sent[-1]
    assert "subject" not in reply["channelData"] or "Confirm" not in reply["channelData"]["subject"]
    assert "@" in reply["text"]  # the message explains what an address looks like


async def test_feedback_is_recorded_for_the_coordinators(assistant):
    await _say(assistant, DCS, "feedback The reminders came at a good time.")
    assert "Thank you" in assistant.connector.texts_of_cards()
    await _say(assistant, DCS, "feedback")
    assert "Write your feedback" in assistant.connector.texts_of_cards()
    with assistant.database.session() as session:
        assert session.scalars(select(Feedback.text)).all() == ["The reminders came at a good time."]


async def test_removing_the_app_marks_the_conversation_inactive(assistant):
    await assistant.post(teams_install(assistant.service_url, user_id=DCS["id"], aad_object_id=DCS["aadObjectId"]))
    removal = teams_install(assistant.service_url, user_id=DCS["id"], aad_object_id=DCS["aadObjectId"])
    removal.update({"type": "installationUpdate", "action": "remove"})
    removal.pop("membersAdded")
    assert (await assistant.post(removal)).status in (200, 201)
    with assistant.database.session() as session:
        assert session.scalar(select(ConversationReferenceRecord.active)) is False


async def test_feedback_reaches_each_coordinator_who_can_list_and_export_it(assistant):
    await _say(assistant, DCS, "feedback The reminders came at a good time.")
    with assistant.database.session() as session:
        from storage.outbox import OutboxMessage

        notices = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "feedback_received")).all()
        recipients = [n.recipient_person_id for n in notices]
        assert recipients and len(set(recipients)) == len(recipients)  # each coordinator, once
        assert all(n.payload["from_name"] == "Harriet Quillfeather" for n in notices)
    assistant.connector.sent.clear()
    await _say(assistant, COORDINATOR, "feedback")
    listed = assistant.connector.texts_of_cards()
    assert "Feedback: 1" in listed and "The reminders came at a good time." in listed and "Harriet Quillfeather" in listed
    assistant.connector.sent.clear()
    await _say(assistant, DELEGATE, "feedback")  # not a coordinator: asked for their words, nothing listed
    assert "Write your feedback after the word" in assistant.connector.texts_of_cards()
    await assistant.post(email_message(assistant.service_url, COORDINATOR["email"], "export feedback"))
    exported = assistant.connector.sent[-1]
    assert exported["attachments"] and "feedback" in exported["attachments"][0]["name"]


LINKS = {"PEER_CHALLENGE_LIBRARY_URL": "https://library.example/peer-challenge", "BENCHMARKING_PACK_URL": "https://lga.example/pack"}


@pytest.mark.assistant(settings=LINKS, roster=(DCS, DELEGATE, COORDINATOR, STRANGER), principal_names=True)
async def test_the_welcome_and_status_give_the_programmes_links_to_the_people_of_a_group(assistant):
    for said in ("hi", "status"):
        assistant.connector.sent.clear()
        await _say(assistant, DCS, said)
        text = assistant.connector.texts_of_cards()
        assert "The peer challenge library" in text and LINKS["PEER_CHALLENGE_LIBRARY_URL"] in text
        assert "The benchmarking pack" in text and LINKS["BENCHMARKING_PACK_URL"] in text
    assistant.connector.sent.clear()
    await _say(assistant, STRANGER, "hi")
    assert "The peer challenge library" not in assistant.connector.texts_of_cards()


async def test_a_link_that_is_not_configured_is_left_out(assistant):
    await _say(assistant, DCS, "status")
    text = assistant.connector.texts_of_cards()
    assert "The peer challenge library" not in text and "The benchmarking pack" not in text and "resources" not in text


async def test_a_coordinator_previews_a_groups_day_before_briefing(assistant):
    assistant.connector.sent.clear()
    await _say(assistant, COORDINATOR, "briefing 1")
    text = assistant.connector.texts_of_cards()
    assert "Triad 1 meets on Monday 16 January 2023" in text and "The running order" in text and "10:15 to 12:20" in text
    assert "East Sussex is Lead Reviewer for Wokingham" in text
    assistant.connector.sent.clear()
    await _say(assistant, COORDINATOR, "briefing 9")
    assert "There is no group '9'" in assistant.connector.texts_of_cards()
    assistant.connector.sent.clear()
    await _say(assistant, DCS, "briefing 1")
    assert "Only the programme coordinators preview" in assistant.connector.texts_of_cards()


async def test_status_offers_the_dates_as_a_calendar_file_in_teams_and_by_email(assistant):
    import base64

    from icalendar import Calendar

    from tests.support.conversation import say

    status = await say(assistant, DCS, "status")
    offered = button_or_submit(status, "Add to my calendar")
    assert offered["data"] == {"command": "calendar"}
    card = await say(assistant, DCS, "calendar")
    url = next(a["url"] for a in card["actions"] if a["type"] == "Action.OpenUrl")
    response = await assistant.client.get("/exports/" + url.split("/exports/")[1])
    assert response.status == 200 and response.content_type == "text/calendar"
    calendar = Calendar.from_ical(await response.read())
    summaries = {str(e["summary"]) for e in calendar.walk("VEVENT")}
    assert summaries == {"Peer challenge day: Triad 1", "Self-assessment due: Wokingham", "Moderation window: Wokingham"}
    assert str(calendar["method"]) == "PUBLISH" and all(str(e["uid"]).endswith("@peer-challenge-assistant") for e in calendar.walk("VEVENT"))

    await assistant.post(email_message(assistant.service_url, DCS["email"], "calendar"))
    (attachment,) = assistant.connector.sent[-1]["attachments"]
    assert attachment["name"] == "peer-challenge.ics"
    assert b"Peer challenge day: Triad 1" in base64.b64decode(attachment["contentUrl"].split(",", 1)[1])


def button_or_submit(card: dict, title: str) -> dict:
    found = [a for a in card.get("actions", []) if a.get("title") == title]
    assert found, f"no button {title!r}"
    return found[0]


async def test_healthz_says_alive_and_readyz_says_ready_when_the_database_is_migrated(assistant):
    assert (await assistant.client.get("/healthz")).status == 200
    ready = await assistant.client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["status"] == "ready"
