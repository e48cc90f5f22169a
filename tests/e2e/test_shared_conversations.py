"""Shared conversations are public: in a group chat or a channel nothing personal is posted, for any
command, any card press or the greeting when the app is added. The answer goes to the person alone
(a one-to-one chat the assistant opens) and the shared conversation is told only that."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from bot.assistant import DIALOGS
from bot.private import SENT_PRIVATELY
from storage.people import Person
from tests.support.activities import card_action, teams_install, teams_message
from tests.support.connector import texts_in
from tests.support.people import COORDINATOR, DCS

pytestmark = pytest.mark.assistant(roster=(DCS, COORDINATOR))

SHARED = {
    "groupChat": {"id": "19:meeting-of-dcss@thread.v2", "conversationType": "groupChat", "isGroup": True},
    "channel": {"id": "19:general@thread.tacv2;messageid=1", "conversationType": "channel", "isGroup": True},
}
COMMANDS = sorted({word for dialog in DIALOGS for word in (*getattr(dialog, "COMMANDS", {}), *getattr(dialog, "OPEN_COMMANDS", {}))})
SAID = ["", "status", "team", "panel", "my nominations", "my asks", "directory", "enquiries", "days", "audit", "feedback",
        "feedback Thanks for the reminders", "notes", "self-assessment", "digest", "deliveries", "timeline", "export panel",
        "team add participant Sam Example, sam.example@wokingham.example", "stauts please", "what can you do?"]


def _in(kind: str, activity: dict) -> dict:
    activity = copy.deepcopy(activity)
    activity["conversation"] = {**SHARED[kind], "tenantId": activity["conversation"]["tenantId"]}
    if kind == "channel":
        activity["channelData"] = {**activity["channelData"], "team": {"id": "19:team@thread.tacv2"}, "channel": {"id": "19:general"}}
    return activity


def _personal_data(database) -> list[str]:
    with database.session() as session:
        people = session.execute(select(Person.name, Person.email)).all()
    return [value for person in people for value in person] + ["Harriet", "Jo Carverley", "Wokingham's", "sam.example"]


def _posted_in(connector, kind: str) -> list[dict]:
    return [a for a in connector.sent if a["_conversation"] == SHARED[kind]["id"]]


def _assert_nothing_personal(posted: list[dict], personal: list[str]) -> None:
    said = " ".join(str(a.get("text") or "") + " " + texts_in(a.get("attachments") or []) for a in posted)
    leaked = [value for value in personal if value and value.lower() in said.lower()]
    assert not leaked, f"posted in a shared conversation: {leaked} in {said[:400]}"


@pytest.mark.parametrize("kind", sorted(SHARED))
@pytest.mark.parametrize("text", sorted(set(SAID) | set(COMMANDS)))
async def test_no_command_posts_anything_personal_in_a_shared_conversation(assistant, kind, text):
    personal = _personal_data(assistant.database)
    for person in (DCS, COORDINATOR):
        before = len(assistant.connector.sent)
        await assistant.post(_in(kind, teams_message(assistant.service_url, text, user_id=person["id"], aad_object_id=person["aadObjectId"])))
        new = assistant.connector.sent[before:]
        shared = [a for a in new if a["_conversation"] == SHARED[kind]["id"]]
        assert shared, f"{text!r}: nothing said in the shared conversation"
        _assert_nothing_personal(shared, personal)
        private = [a for a in new if a["_conversation"] != SHARED[kind]["id"]]
        if any(SENT_PRIVATELY in str(a.get("text")) for a in shared):
            assert private, f"{text!r}: said to be sent privately, but nothing went to a one-to-one chat"


async def test_a_card_press_in_a_shared_conversation_is_answered_privately(assistant):
    data = {"authority": "wokingham", "name": "Sam Example", "email": "sam.example@wokingham.example", "role": "participant"}
    press = _in("groupChat", card_action(assistant.service_url, "team.add", data, user_id=DCS["id"], aad_object_id=DCS["aadObjectId"]))
    answer = (await (await assistant.post(press)).json())["value"]
    assert SENT_PRIVATELY in texts_in(answer) and "Sam Example" not in texts_in(answer)  # the card everyone sees
    private = [a for a in assistant.connector.sent if a["_conversation"] != SHARED["groupChat"]["id"]]
    assert any("Sam Example" in texts_in(a.get("attachments") or []) for a in private)  # the DCS sees her team


@pytest.mark.parametrize("kind", sorted(SHARED))
async def test_adding_the_app_to_a_group_greets_the_group_without_anything_personal(assistant, kind):
    await assistant.post(_in(kind, teams_install(assistant.service_url, user_id=DCS["id"], aad_object_id=DCS["aadObjectId"])))
    posted = _posted_in(assistant.connector, kind)
    assert posted and "Peer Challenge Assistant" in texts_in(posted[0].get("attachments") or [])
    _assert_nothing_personal(posted, _personal_data(assistant.database))


async def test_without_a_one_to_one_chat_the_private_answer_goes_by_email(assistant):
    assistant.connector.refuse_new_chats = True  # the person has not installed the app for themselves
    await assistant.post(_in("groupChat", teams_message(assistant.service_url, "status", user_id=DCS["id"], aad_object_id=DCS["aadObjectId"])))
    shared = _posted_in(assistant.connector, "groupChat")
    assert SENT_PRIVATELY in str(shared[-1].get("text"))
    _assert_nothing_personal(shared, _personal_data(assistant.database))
    written = [p.read_text(encoding="utf-8", errors="replace") for p in assistant.mail_dir.glob("*.eml")]
    assert len(written) == 1 and DCS["email"] in written[0] and "Harriet" in written[0]  # her status, to her alone
