"""One activity delivered twice (Teams retries after a timeout, two web processes take the same
email): its effects happen once. The first delivery is answered; the second changes nothing, and
a card press delivered again is answered "Already done". (programme/unit_of_work.py)"""

from __future__ import annotations

import asyncio
import copy

import pytest
from sqlalchemy import func, select

from programme.feedback import record_feedback
from programme.unit_of_work import AlreadyHandled, for_activity
from storage.audit import AuditEntry
from storage.feedback import Feedback
from storage.handled_activities import HandledActivity
from storage.outbox import OutboxMessage
from storage.people import Person, RoleAssignment
from tests.support.activities import card_action, email_message, teams_message
from tests.support.connector import texts_in
from tests.support.people import COORDINATOR, DCS

pytestmark = pytest.mark.assistant(roster=(DCS, COORDINATOR), principal_names=True)


def _count(database, *columns_and_conditions) -> int:
    model, *conditions = columns_and_conditions
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def _feedback_notices(database) -> int:
    return _count(database, OutboxMessage, OutboxMessage.kind == "feedback_received")


async def test_a_teams_message_delivered_twice_records_its_feedback_once(assistant):
    activity = teams_message(assistant.service_url, "feedback The reminders came at a good time.", user_id=DCS["id"],
                             aad_object_id=DCS["aadObjectId"])
    assert (await assistant.post(activity)).status in (200, 201)
    notices = _feedback_notices(assistant.database)
    answers = len(assistant.connector.sent)
    assert "Thank you" in assistant.connector.texts_of_cards() and notices >= 1

    assert (await assistant.post(copy.deepcopy(activity))).status in (200, 201)  # the same id: a retry
    assert _count(assistant.database, Feedback) == 1 and _feedback_notices(assistant.database) == notices
    assert len(assistant.connector.sent) == answers  # answered the first time; not again

    await assistant.post(teams_message(assistant.service_url, "feedback The reminders came at a good time.", user_id=DCS["id"],
                                       aad_object_id=DCS["aadObjectId"]))  # a new message saying the same: its own
    assert _count(assistant.database, Feedback) == 2


async def test_an_email_delivered_twice_records_its_feedback_once(assistant):
    activity = email_message(assistant.service_url, DCS["email"], "feedback The emailed forms are easy to fill in.")
    await assistant.post(activity)
    await assistant.post(copy.deepcopy(activity))
    assert _count(assistant.database, Feedback) == 1
    assert sum("Thank you" in m.get("text", "") for m in assistant.connector.sent) == 1


async def test_a_card_press_delivered_twice_changes_once_and_the_second_says_it_was_done(assistant):
    data = {"authority": "wokingham", "name": "Sam Example", "email": "sam.example@wokingham.example", "role": "participant"}
    press = card_action(assistant.service_url, "team.add", data, user_id=DCS["id"], aad_object_id=DCS["aadObjectId"])
    first = (await (await assistant.post(press)).json())["value"]
    second = (await (await assistant.post(copy.deepcopy(press))).json())["value"]

    assert "Sam Example" in texts_in(first)
    assert "Already done" in texts_in(second) and "nothing was changed again" in texts_in(second)
    assert _count(assistant.database, AuditEntry, AuditEntry.action == "team.add") == 1
    with assistant.database.session() as session:
        sam = session.scalar(select(Person.id).where(Person.email == "sam.example@wokingham.example"))
    assert _count(assistant.database, RoleAssignment, RoleAssignment.person_id == sam) == 1


async def test_the_same_message_arriving_twice_at_once_records_once(assistant):
    activity = teams_message(assistant.service_url, "feedback Two at once.", user_id=COORDINATOR["id"],
                             aad_object_id=COORDINATOR["aadObjectId"])
    answers = await asyncio.gather(*(assistant.post(copy.deepcopy(activity)) for _ in range(5)))
    assert all(a.status in (200, 201) for a in answers)  # none fails: a duplicate is not an error
    assert _count(assistant.database, Feedback) == 1


async def test_a_read_only_turn_records_nothing_so_its_retry_is_answered_again(assistant):
    activity = teams_message(assistant.service_url, "help", user_id=DCS["id"], aad_object_id=DCS["aadObjectId"])
    await assistant.post(activity)
    await assistant.post(copy.deepcopy(activity))
    assert _count(assistant.database, HandledActivity) == 0 and len(assistant.connector.cards()) == 2


async def test_two_sessions_handling_one_activity_commit_its_effects_once(assistant):
    """As two web processes would: both find the activity new; the second to commit is rolled back."""
    with assistant.database.session() as first, assistant.database.session() as second:
        person = first.scalar(select(Person.id).where(Person.email == DCS["email"]))
        assert for_activity(first, "a" * 64) and for_activity(second, "a" * 64)
        record_feedback(first, person, "msteams", "Once.")
        try:
            record_feedback(second, person, "msteams", "Once.")
        except AlreadyHandled as refused:
            assert "nothing was changed again" in str(refused)
        else:
            raise AssertionError("the second session committed the same activity's effects")
        assert not for_activity(second, "a" * 64)  # and a third delivery sees it at the start
    assert _count(assistant.database, Feedback) == 1
