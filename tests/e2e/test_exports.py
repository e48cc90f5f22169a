"""Exports from the assistant: attached by email; in Teams a signed link that works for its
coordinator, fails after expiry, fails when altered, and fails for someone who is no coordinator."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.export_links import BadLink, make, read
from storage.audit import AuditEntry
from storage.people import Person, RoleAssignment
from tests.support.activities import email_message
from tests.support.assistant import EXAMPLE_NOW
from tests.support.connector import texts_in
from tests.support.conversation import say
from tests.support.people import COORDINATOR, DCS, FACILITATOR, KENT, MEMBER, PARTICIPANT, SURREY

# The people of the support conversation tests (tests/e2e/test_support_conversation.py).
pytestmark = pytest.mark.assistant(roster=(DCS, PARTICIPANT, SURREY, COORDINATOR, FACILITATOR, KENT, MEMBER))

KEY = b"k" * 32
NOW = datetime(2022, 9, 1, 10, tzinfo=UTC)


def test_links_are_signed_tied_and_short_lived():
    token = make(KEY, "panel", 7, NOW)
    assert read(KEY, token, NOW + timedelta(minutes=9)) == ("panel", 7)
    with pytest.raises(BadLink, match="expired"):
        read(KEY, token, NOW + timedelta(minutes=11))
    body, _, signature = token.partition(".")
    forged = make(b"x" * 32, "panel", 8, NOW)
    for altered in (forged, forged.partition(".")[0] + "." + signature, body + "." + signature[:-2] + "AA", "nonsense"):
        with pytest.raises(BadLink, match="not one the assistant made"):
            read(KEY, altered, NOW)


async def test_in_teams_a_download_link_for_the_coordinator_only(assistant):
    card = await say(assistant, COORDINATOR, "export panel")
    url = card["actions"][0]["url"]
    assert card["actions"][0]["type"] == "Action.OpenUrl" and "/exports/" in url
    # The words are true: the link works for whoever holds it, for ten minutes, so the card says so.
    assert "Anyone who has this link" in texts_in(card) and "for you only" not in texts_in(card)
    path = "/exports/" + url.split("/exports/")[1]
    response = await assistant.client.get(path)
    assert response.status == 200 and response.content_type == "text/csv"
    assert (await response.read()).decode("utf-8-sig").startswith("Nomination,Nominee,Email")
    altered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert (await assistant.client.get(altered)).status == 403
    with assistant.database.session() as session:  # the coordinator stops being one: the link dies with the role
        jo = session.scalar(select(Person.id).where(Person.email == COORDINATOR["email"]))
        for role in session.scalars(select(RoleAssignment).where(RoleAssignment.person_id == jo)):
            role.active = False
        session.commit()
    refused = await assistant.client.get(path)
    assert refused.status == 403 and "no longer" in await refused.text()
    assert "Only the programme coordinators" in texts_in(await say(assistant, DCS, "export panel"))


async def test_an_expired_link_fails(assistant):
    from bot.app import LINKS

    links = assistant.client.app[LINKS]
    with assistant.database.session() as session:
        jo = session.scalar(select(Person.id).where(Person.email == COORDINATOR["email"]))
    stale = make(links.key, "panel", jo, EXAMPLE_NOW - timedelta(hours=1))
    response = await assistant.client.get(f"/exports/{stale}")
    assert response.status == 403 and "expired" in await response.text()


async def test_by_email_the_file_comes_attached_and_the_export_is_audited(assistant):
    await assistant.post(email_message(assistant.service_url, COORDINATOR["email"], "export enquiries"))
    reply = assistant.connector.sent[-1]
    (attachment,) = reply["attachments"]
    assert attachment["name"].startswith("enquiries-") and attachment["contentType"] == "text/csv"
    data = base64.b64decode(attachment["contentUrl"].split(",", 1)[1]).decode("utf-8-sig")
    assert data.startswith("Enquiry,Cycle,Authority,Support,")
    await assistant.post(email_message(assistant.service_url, COORDINATOR["email"], "export knitting"))
    assert "Say what to export" in assistant.connector.sent[-1]["text"]
    with assistant.database.session() as session:
        assert session.scalars(select(AuditEntry.action)).all() == ["export enquiries"]


async def test_a_subject_access_export_by_email_comes_as_json_and_html(assistant):
    import json

    await assistant.post(email_message(assistant.service_url, COORDINATOR["email"], f"person export {DCS['email']}"))
    reply = assistant.connector.sent[-1]
    files = {a["name"].rsplit(".", 1)[1]: base64.b64decode(a["contentUrl"].split(",", 1)[1]) for a in reply["attachments"]}
    held = json.loads(files["json"])
    assert held["person"]["email"] == DCS["email"]
    assert {r["role"] for r in held["records"]["role_assignments"]} >= {"dcs"}
    assert "Their roles in the programme" in files["html"].decode() and "Harriet Quillfeather" in files["html"].decode()
    await assistant.post(email_message(assistant.service_url, DCS["email"], f"person export {COORDINATOR['email']}"))
    assert "Only the programme coordinators answer subject access requests" in assistant.connector.sent[-1]["text"]
    with assistant.database.session() as session:
        assert session.scalars(select(AuditEntry.action).where(AuditEntry.action == "person.export")).all() == ["person.export"]


async def test_a_subject_access_export_in_teams_is_two_short_lived_links(assistant):
    import json

    card = await say(assistant, COORDINATOR, f"person export {DCS['email']}")
    links = {a["title"].rsplit(".", 1)[1]: "/exports/" + a["url"].split("/exports/")[1] for a in card["actions"]}
    response = await assistant.client.get(links["json"])
    assert response.status == 200 and response.content_type == "application/json"
    assert json.loads(await response.read())["person"]["email"] == DCS["email"]
    page = await assistant.client.get(links["html"])
    assert page.status == 200 and page.content_type == "text/html" and "Harriet Quillfeather" in await page.text()
    assert "Anyone who has these links" in texts_in(card)
