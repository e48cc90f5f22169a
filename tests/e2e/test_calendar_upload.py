"""The calendar sent to the assistant as an email attachment or a Teams file: the dry-run report,
then applying exactly the previewed change, or asking again if the stored calendar changed meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.audit import AuditEntry
from storage.calendar import Group
from tests.support.activities import email_message, teams_message
from tests.support.connector import texts_in
from tests.support.conversation import act, button
from tests.support.people import COORDINATOR, DCS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "examples" / "south-east-2022-23.yaml").read_text(encoding="utf-8")
HANDBOOK = (ROOT / "tests" / "fixtures" / "handbook-original-2022-23.yaml").read_text(encoding="utf-8")
MOVED = EXAMPLE.replace("date: 2023-02-24", "date: 2023-03-10")
AFTER_THE_CYCLE = datetime(2023, 5, 2, 9, 0, tzinfo=UTC)  # 2022-23 ended on 31 March 2023

pytestmark = pytest.mark.assistant(roster=(DCS, COORDINATOR))


def with_file(activity: dict, name: str, text: str) -> dict:
    activity["attachments"] = [{"contentType": "application/octet-stream", "name": name, "content": text}]
    return activity


def triad_2_date(database):
    with database.session() as session:
        return session.scalar(select(Group.challenge_date).where(Group.key == "2")).isoformat()


async def test_by_email_problems_first_then_a_preview_and_the_change_applied(assistant):
    await assistant.post(with_file(email_message(assistant.service_url, COORDINATOR["email"], "Here it is"), "handbook.yaml", HANDBOOK))
    problems = assistant.connector.sent[-1]
    assert "nothing was imported" in problems["text"] and "line" in problems["text"]

    await assistant.post(with_file(email_message(assistant.service_url, COORDINATOR["email"], "Corrected"), "calendar.yaml", MOVED))
    preview = assistant.connector.sent[-1]
    assert "Dates moved" in preview["text"] and "Triad 2" in preview["text"] and "Apply these changes" in preview["text"]
    assert triad_2_date(assistant.database) == "2023-02-24"  # nothing changed yet

    quoted = "\n\nOn Monday, the assistant wrote:\n> " + preview["text"].replace("\n", "\n> ")
    await assistant.post(email_message(assistant.service_url, "someone.else@elsewhere.example", "Apply these changes" + quoted,
                                       subject=f"RE: {preview['channelData']['subject']}"))
    assert triad_2_date(assistant.database) == "2023-02-24"  # the code was sent to another address
    await assistant.post(email_message(assistant.service_url, COORDINATOR["email"], "Apply these changes" + quoted,
                                       subject=f"RE: {preview['channelData']['subject']}"))
    assert "The calendar is imported" in assistant.connector.sent[-1]["text"]
    assert triad_2_date(assistant.database) == "2023-03-10"
    with assistant.database.session() as session:
        assert session.scalar(select(AuditEntry.action).where(AuditEntry.channel == "email")) == "import-calendar"


async def test_a_dcs_cannot_import_and_an_unreadable_file_is_explained(assistant):
    await assistant.post(with_file(email_message(assistant.service_url, DCS["email"], "calendar"), "calendar.yaml", MOVED))
    assert "Only the programme coordinators import the calendar" in assistant.connector.sent[-1]["text"]
    activity = email_message(assistant.service_url, COORDINATOR["email"], "calendar")
    activity["attachments"] = [{"contentType": "application/x-yaml", "name": "calendar.yaml", "contentUrl": assistant.service_url + "files/missing.yaml"}]
    await assistant.post(activity)
    assert "could not be fetched (HTTP 404)" in assistant.connector.sent[-1]["text"]


async def test_in_teams_a_file_from_the_chat_and_a_confirm_after_a_change_meanwhile_asks_again(assistant):
    assistant.connector.files["calendar.yaml"] = MOVED.encode("utf-8")
    activity = teams_message(assistant.service_url, "", user_id=COORDINATOR["id"], aad_object_id=COORDINATOR["aadObjectId"])
    activity["attachments"] = [{"contentType": "application/vnd.microsoft.teams.file.download.info", "name": "calendar.yaml",
                                "content": {"downloadUrl": assistant.service_url + "files/calendar.yaml", "fileType": "yaml"}}]
    await assistant.post(activity)
    preview = assistant.connector.cards()[-1]
    assert "Dates moved" in texts_in(preview)
    apply = button(preview, "Apply these changes")

    with assistant.database.session() as session:  # someone changes the stored calendar meanwhile
        session.scalar(select(Group).where(Group.key == "3")).location = "Winchester"
        session.commit()
    again = await act(assistant, COORDINATOR, apply["verb"], apply["data"])
    assert "The stored calendar changed since your preview" in texts_in(again) and "Locations changed" in texts_in(again)
    assert triad_2_date(assistant.database) == "2023-02-24"
    done = await act(assistant, COORDINATOR, button(again, "Apply these changes")["verb"], button(again, "Apply these changes")["data"])
    assert "The calendar is imported" in texts_in(done) and triad_2_date(assistant.database) == "2023-03-10"
    assert "already applied" in texts_in(await act(assistant, COORDINATOR, apply["verb"], apply["data"]))


def _reply(assistant, text: str, to: dict) -> dict:
    quoted = "\n\nOn Monday, the assistant wrote:\n> " + to["text"].replace("\n", "\n> ")
    return email_message(assistant.service_url, COORDINATOR["email"], text + quoted, subject=f"RE: {to['channelData']['subject']}")


@pytest.mark.assistant(now=AFTER_THE_CYCLE, roster=(DCS, COORDINATOR))
async def test_by_email_a_cycle_already_ended_is_asked_about_then_imported_only_as_a_past_cycle(assistant):
    await assistant.post(with_file(email_message(assistant.service_url, COORDINATOR["email"], "Last year's"), "calendar.yaml", MOVED))
    asked = assistant.connector.sent[-1]
    assert "A cycle already ended" in asked["text"] and "wholly in the past and nothing was imported" in asked["text"]
    assert "Preview it as a past cycle" in asked["text"] and "Apply these changes" not in asked["text"]
    assert triad_2_date(assistant.database) == "2023-02-24"

    await assistant.post(_reply(assistant, "Preview it as a past cycle", asked))
    preview = assistant.connector.sent[-1]
    assert "What the calendar would change, as a past cycle" in preview["text"] and "Dates moved" in preview["text"]
    assert triad_2_date(assistant.database) == "2023-02-24"
    await assistant.post(_reply(assistant, "Apply these changes", preview))
    assert "The calendar is imported" in assistant.connector.sent[-1]["text"]
    assert triad_2_date(assistant.database) == "2023-03-10"
    with assistant.database.session() as session:
        assert session.scalar(select(AuditEntry.subject).where(AuditEntry.channel == "email")) == "cycle=2022-23 past-cycle"


@pytest.mark.assistant(now=AFTER_THE_CYCLE, roster=(DCS, COORDINATOR))
async def test_in_teams_the_past_cycle_question_is_answered_once(assistant):
    await assistant.post(with_file(teams_message(assistant.service_url, "", user_id=COORDINATOR["id"],
                                                 aad_object_id=COORDINATOR["aadObjectId"]), "calendar.yaml", MOVED))
    asked = assistant.connector.cards()[-1]
    past = button(asked, "Preview it as a past cycle")
    preview = await act(assistant, COORDINATOR, past["verb"], past["data"])
    assert "as a past cycle" in texts_in(preview) and "Dates moved" in texts_in(preview)
    assert "already answered" in texts_in(await act(assistant, COORDINATOR, past["verb"], past["data"]))
    apply = button(preview, "Apply these changes")
    assert "The calendar is imported" in texts_in(await act(assistant, COORDINATOR, apply["verb"], apply["data"]))
    assert triad_2_date(assistant.database) == "2023-03-10"
