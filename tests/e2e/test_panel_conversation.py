"""The panel through the real app: coordinators list it; a DCS changes and withdraws nominations."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from storage.panel import Nomination
from tests.support.activities import card_action, email_message, teams_message
from tests.support.connector import texts_in
from tests.support.nominations import GOOD
from tests.support.people import COORDINATOR, DCS

pytestmark = pytest.mark.assistant(roster=(DCS, COORDINATOR))


async def _act(assistant, user, verb, data):
    response = await assistant.post(card_action(assistant.service_url, verb, data, user_id=user["id"], aad_object_id=user["aadObjectId"]))
    assert response.status == 200
    return (await response.json())["value"]


def _say(assistant, user, text):
    return assistant.post(teams_message(assistant.service_url, text, user_id=user["id"], aad_object_id=user["aadObjectId"]))


def _status(assistant) -> str:
    with assistant.database.session() as session:
        return session.scalar(select(Nomination.status))


async def test_coordinators_list_the_panel_and_a_dcs_may_not(assistant):
    await _act(assistant, DCS, "nomination.submit", {"token": "t1", **GOOD})
    await _say(assistant, COORDINATOR, "panel area=send")
    assert "Sam Example, Wokingham" in assistant.connector.texts_of_cards()
    assistant.connector.sent.clear()
    await _say(assistant, COORDINATOR, "panel area=knitting")
    assert "knitting" in assistant.connector.texts_of_cards()
    assistant.connector.sent.clear()
    await _say(assistant, DCS, "panel")
    assert "my nominations" in assistant.connector.texts_of_cards()
    assert "Sam Example, Wokingham" not in assistant.connector.texts_of_cards()


async def test_a_dcs_changes_areas_with_the_card_then_withdraws(assistant):
    await _act(assistant, DCS, "nomination.submit", {"token": "t1", **GOOD})
    await _say(assistant, DCS, "my nominations")
    listing = assistant.connector.cards()[-1]
    verbs = [a["verb"] for e in listing["body"] if e.get("type") == "ActionSet" for a in e["actions"]]
    assert verbs == ["nomination.edit", "nomination.withdraw"]
    with assistant.database.session() as session:
        nomination_id = session.scalar(select(Nomination.id))

    edit = await _act(assistant, DCS, "nomination.edit", {"id": nomination_id})
    assert next(e for e in edit["body"] if e.get("id") == "areas")["value"] == "send,fostering"
    bad = await _act(assistant, DCS, "nomination.update", {"id": nomination_id, "covers": "both", "areas": "open,send"})
    ids = [e.get("id") for e in bad["body"]]
    assert ids[ids.index("areas") + 1] == "areas-error"
    good = await _act(assistant, DCS, "nomination.update", {"id": nomination_id, "covers": "universal", "areas": "open"})
    assert "Your nominations" in texts_in(good)
    with assistant.database.session() as session:
        assert session.get(Nomination, nomination_id).areas == ["open"]

    withdrawn = await _act(assistant, DCS, "nomination.withdraw", {"id": nomination_id})
    assert "withdrawn" in texts_in(withdrawn).lower() and _status(assistant) == "withdrawn"


async def test_withdrawing_by_email_waits_for_the_code(assistant):
    await _act(assistant, DCS, "nomination.submit", {"token": "t1", **GOOD})
    with assistant.database.session() as session:
        nomination_id = session.scalar(select(Nomination.id))
    await assistant.post(email_message(assistant.service_url, DCS["email"], "my nominations"))
    assert "withdraw nomination" in assistant.connector.sent[-1]["text"]
    await assistant.post(email_message(assistant.service_url, DCS["email"], f"withdraw nomination {nomination_id}"))
    code = re.search(r"\[([A-Z0-9]{6})\]", assistant.connector.sent[-1]["channelData"]["subject"]).group(1)
    assert _status(assistant) == "nominated"
    await assistant.post(email_message(assistant.service_url, DCS["email"], f"confirm {code}"))
    assert _status(assistant) == "withdrawn"
