"""Input that must never crash, stall or write: malformed bodies and invokes, forged ids, text no
database takes, and generated submissions of every form by card, through the real app on SQLite and
PostgreSQL. Each is answered with a clear refusal, and nothing refused is written."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from storage.moderation import Enquiry
from storage.panel import Nomination
from storage.people import Person
from storage.support import SupportItem
from tests.support.activities import card_action
from tests.support.people import COORDINATOR, DCS

pytestmark = pytest.mark.assistant(roster=(DCS, COORDINATOR))


def _invoke(assistant, user, value):
    activity = card_action(assistant.service_url, "x", {}, user_id=user["id"], aad_object_id=user["aadObjectId"])
    activity["value"] = value
    return assistant.post(activity)


@pytest.mark.parametrize("value", ["text", 5, None, [], {"action": "x"}, {"action": {"verb": 5}}, {"action": {"verb": "team.add", "data": "x"}}])
async def test_an_invoke_whose_value_is_not_a_card_action_is_refused_with_400(assistant, value):
    response = await _invoke(assistant, DCS, value)
    assert response.status == 400 and "adaptiveCard/action" in await response.text()


@pytest.mark.parametrize("body", ["null", "[]", '"x"', "[" * 5000 + "]" * 5000, '{"a":' * 100 + "1" + "}" * 100, "\xff\xfe"])
async def test_a_body_that_is_no_activity_is_refused_with_400_before_anything_runs(assistant, body, caplog):
    response = await assistant.client.post("/api/messages", data=body.encode("latin-1"), headers={"content-type": "application/json"})
    assert response.status == 400
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(("verb", "data"), [
    ("team.remove", {"authority": "wokingham", "role": "participant", "person_id": 2**63}),
    ("team.remove", {"authority": "wokingham", "role": "participant", "person_id": 1e308}),
    ("enquiry.view", {"id": 2**31}),
    ("enquiry.view", {"id": "99999999999999999999"}),
    ("nomination.withdraw", {"id": -(2**40)}),
])
async def test_a_forged_id_gets_a_clear_answer_not_a_database_error(assistant, verb, data):
    response = await assistant.post(card_action(assistant.service_url, verb, data, user_id=DCS["id"], aad_object_id=DCS["aadObjectId"]))
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200 and "can't find" in str(body["value"])


async def test_text_no_database_takes_is_made_safe_before_it_is_stored(assistant):
    name = "Sam\ud800 \x1b[31mExample\x00\x07"
    response = await assistant.post(card_action(assistant.service_url, "team.add", {
        "authority": "wokingham", "name": name, "email": "sam.example@wokingham.example", "role": "participant"},
        user_id=DCS["id"], aad_object_id=DCS["aadObjectId"]))
    assert response.status == 200
    with assistant.database.session() as session:
        stored = session.scalar(select(Person.name).where(Person.email == "sam.example@wokingham.example"))
    assert stored == "Sam\ufffd Example"


TEXT = st.one_of(st.text(max_size=300), st.text(alphabet=st.characters(codec="utf-8", categories=["Cs", "Cc", "Zs", "Ll"]), max_size=50))
VALUE = st.one_of(TEXT, st.integers(), st.floats(), st.none(), st.booleans(), st.lists(TEXT, max_size=3), st.just("2022-12-09"))
FORMS = {
    "nomination.submit": ["authority", "nominee_name", "nominee_email", "job_title", "service_area", "covers", "areas", "agreed"],
    "enquiry.submit": ["authority", "support", "conclusion", "work", "expertise", "days", "report_by", "report_reason", "contact_name",
                       "contact_email"],
    "support.submit": ["kind", "authority", "suggestion_kind", "theme", "title", "description", "route", "contact_name", "contact_email"],
    "team.add": ["authority", "name", "email", "role"],
}
COUNTED = (Nomination, Enquiry, SupportItem)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(verb=st.sampled_from(sorted(FORMS)), data=st.data())
async def test_generated_card_submissions_are_answered_and_refused_ones_write_nothing(assistant, verb, data):
    fields = data.draw(st.fixed_dictionaries({}, optional=dict.fromkeys(FORMS[verb], VALUE)))
    token = data.draw(st.one_of(st.just("t-fuzz"), TEXT, st.integers()))
    with assistant.database.session() as session:
        before = [session.scalar(select(func.count()).select_from(table)) for table in COUNTED]
    response = await assistant.post(card_action(assistant.service_url, verb, {"token": token, **fields}, user_id=DCS["id"],
                                                aad_object_id=DCS["aadObjectId"]))
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200 and body["value"]["body"]  # a card that says something
    with assistant.database.session() as session:
        after = [session.scalar(select(func.count()).select_from(table)) for table in COUNTED]
    said = str(body["value"])
    if after != before:  # something was saved: the card says so, and it is one record
        assert sum(a - b for a, b in zip(after, before, strict=True)) == 1, said


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40)),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)),
    max_leaves=30,
)
ACTIVITY_KEYS = ("type", "id", "channelId", "serviceUrl", "from", "recipient", "conversation", "text", "value", "name", "attachments",
                 "channelData", "entities", "membersAdded", "action")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.one_of(
    st.binary(max_size=300),
    JSON.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries({}, optional=dict.fromkeys(ACTIVITY_KEYS, JSON)).map(lambda value: json.dumps(value).encode()),
))
async def test_any_raw_body_is_answered_without_a_crash_or_a_write(assistant, body):
    with assistant.database.session() as session:
        before = [session.scalar(select(func.count()).select_from(table)) for table in COUNTED]
    response = await assistant.client.post("/api/messages", data=body, headers={"content-type": "application/json"})
    assert response.status in (200, 201, 202, 400, 401, 415), (response.status, body[:200])
    with assistant.database.session() as session:
        assert [session.scalar(select(func.count()).select_from(table)) for table in COUNTED] == before


async def test_a_normal_card_press_logs_no_sdk_warning(assistant, caplog):
    caplog.set_level(logging.WARNING)
    response = await assistant.post(card_action(assistant.service_url, "team.add", {
        "authority": "wokingham", "name": "Sam Example", "email": "sam.example@wokingham.example", "role": "participant"},
        user_id=DCS["id"], aad_object_id=DCS["aadObjectId"]))
    assert response.status == 200
    assert not [r for r in caplog.records if r.name.startswith("msrest")], [r.getMessage() for r in caplog.records]
