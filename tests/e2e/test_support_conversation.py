"""Asks, offers and the directory through the real app: several items, a change, a withdrawal, a
repeated submission, the email round trip, who sees what, and a coordinator confirming a match."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from storage.outbox import OutboxMessage
from storage.support import SupportItem, SupportMatch
from tests.support.connector import texts_in
from tests.support.conversation import act, button, reply, say, send
from tests.support.people import COORDINATOR, DCS, FACILITATOR, KENT, MEMBER, PARTICIPANT, SURREY

ASK = {
    "authority": "wokingham", "theme": "send", "title": "Preparing for adulthood",
    "description": "Transitions for young people with SEND moving to adult social care: planning starts too late.",
    "route": "bilateral", "contact_name": "Harriet Quillfeather", "contact_email": "harriet.quillfeather@wokingham.example",
}
OFFER = {
    "authority": "surrey", "theme": "send", "title": "A joint transitions team",
    "description": "Our transitions team plans with young people with SEND from 14, with adult social care at the table.",
    "route": "bilateral", "contact_name": "Sam Transitions", "contact_email": "sam.transitions@surrey.example",
}
UNRELATED = {**OFFER, "theme": "fostering", "title": "Foster carer recruitment campaign",
             "description": "A campaign with local radio that doubled enquiries from prospective foster carers."}

# Asks and offers come from the challenge day: by 1 March 2023 every group of the example cycle has met.
AFTER_THE_DAYS = datetime(2023, 3, 1, 10, tzinfo=UTC)
pytestmark = pytest.mark.assistant(now=AFTER_THE_DAYS, roster=(DCS, PARTICIPANT, SURREY, COORDINATOR, FACILITATOR, KENT, MEMBER))


async def record(assistant, user, command: str, values: dict) -> dict:
    form = await say(assistant, user, command)
    save = button(form, "Save")
    return await act(assistant, user, save["verb"], {**save["data"], **values})


def items(database, *conditions) -> list[SupportItem]:
    with database.session() as session:
        return list(session.scalars(select(SupportItem).where(*conditions).order_by(SupportItem.id)))


async def test_several_asks_a_repeat_a_change_and_a_withdrawal(assistant):
    form = await say(assistant, DCS, "asks")
    assert form["body"][0]["text"] == "Record an ask" and any(e.get("id") == "authority" and e.get("value") == "wokingham" for e in form["body"])
    save = button(form, "Save")
    bad = await act(assistant, DCS, save["verb"], {**save["data"], **ASK, "theme": "knitting", "title": ""})
    assert any(e.get("id") == "theme-error" for e in bad["body"]) and any(e.get("id") == "title-error" for e in bad["body"])
    saved = await act(assistant, DCS, save["verb"], {**save["data"], **ASK})
    again = await act(assistant, DCS, save["verb"], {**save["data"], **ASK})  # Teams retries
    assert saved == again and "Saved 1 ask for Wokingham" in texts_in(saved)
    await record(assistant, DCS, "asks", {**ASK, "theme": "fostering", "title": "Recruiting foster carers", "description": "Too few carers for teenagers."})
    assert len(items(assistant.database)) == 2

    mine = await say(assistant, DCS, "my asks")
    first = items(assistant.database)[0].id
    form = await act(assistant, DCS, button(mine, f"Change {first}")["verb"], {"id": first})
    wrong = await act(assistant, DCS, "support.update", {"id": first, **ASK, "contact_email": "harriet@"})
    assert any(e.get("id") == "contact_email-error" for e in wrong["body"])
    changed = await act(assistant, DCS, "support.update", {"id": first, **ASK, "title": "Preparing for adulthood from 14"})
    assert "is updated" in texts_in(changed) and items(assistant.database)[0].title == "Preparing for adulthood from 14"
    same = await act(assistant, DCS, "support.update", {"id": first, **ASK, "title": "Preparing for adulthood from 14"})
    assert "No change" in texts_in(same)  # pressed again: nothing changes, nothing is audited
    second = items(assistant.database)[1].id
    gone = await act(assistant, DCS, "support.withdraw", {"id": second})
    assert "is withdrawn" in texts_in(gone) and items(assistant.database)[1].status == "withdrawn"
    assert "already withdrawn" in texts_in(await act(assistant, DCS, "support.withdraw", {"id": second}))
    assert form["body"][0]["text"] == "Change this ask"


async def test_who_may_record_and_who_sees_what(assistant):
    await record(assistant, DCS, "asks", ASK)
    await record(assistant, SURREY, "offers", OFFER)
    ask, offer = items(assistant.database)
    # A participant records for their own authority only; a facilitator for their group's, on its behalf.
    form = await say(assistant, PARTICIPANT, "offers")
    save = button(form, "Save")
    forged = await act(assistant, PARTICIPANT, save["verb"], {**save["data"], **OFFER, "authority": "wokingham"})
    assert any(e.get("id") == "authority-error" for e in forged["body"])
    await record(assistant, FACILITATOR, "asks", {**ASK, "title": "Voice of the child in plans"})
    recorded = items(assistant.database, SupportItem.title == "Voice of the child in plans")[0]
    assert recorded.on_behalf is True
    facilitator_form = await say(assistant, FACILITATOR, "asks")
    assert "Kent" not in texts_in(facilitator_form)  # not in the groups Chris facilitates
    assert "Only the DCS, a delegate or a participant" in texts_in(await say(assistant, MEMBER, "plenary"))

    # An ask is seen by its own authority and the coordinators only; offers by everyone, contacts by their own.
    surrey_view = texts_in(await say(assistant, SURREY, "directory"))
    assert "A joint transitions team" in surrey_view and "Preparing for adulthood" not in surrey_view
    kent_view = texts_in(await say(assistant, KENT, "directory"))
    assert "A joint transitions team (Surrey)" in kent_view and "sam.transitions@surrey.example" not in kent_view
    assert "can't find item" in texts_in(await act(assistant, SURREY, "support.edit", {"id": ask.id}))
    assert "can't find item" in texts_in(await act(assistant, KENT, "support.withdraw", {"id": ask.id}))
    assert "Only Surrey's DCS" in texts_in(await act(assistant, KENT, "support.withdraw", {"id": offer.id}))
    # Wokingham sees the suggested offer for its ask, still without the offer's contact.
    mine = texts_in(await say(assistant, DCS, "my asks"))
    assert "A joint transitions team (Surrey)" in mine and "sam.transitions@surrey.example" not in mine
    assert "Only the programme coordinators" in texts_in(await act(assistant, DCS, "support.match", {"ask": ask.id, "offer": offer.id}))
    assert items(assistant.database, SupportItem.status == "withdrawn") == []


async def test_a_coordinator_confirms_a_suggested_match_once_and_both_dcss_are_told(assistant):
    await record(assistant, DCS, "asks", ASK)
    await record(assistant, SURREY, "offers", OFFER)
    await record(assistant, SURREY, "offers", UNRELATED)
    ask, offer, unrelated = items(assistant.database)
    listing = await say(assistant, COORDINATOR, "directory")
    said = texts_in(listing)
    assert "Preparing for adulthood (Wokingham)" in said and "Suggested matches: 1" in said
    confirm = button(listing, f"Confirm match {ask.id}-{offer.id}")
    done = await act(assistant, COORDINATOR, confirm["verb"], confirm["data"])
    assert "Both DCSs have been told" in texts_in(done) and "Confirmed matches: 1" in texts_in(done)
    assert "already matched" in texts_in(await act(assistant, COORDINATOR, confirm["verb"], confirm["data"]))
    with assistant.database.session() as session:
        assert session.scalar(select(func.count()).select_from(SupportMatch)) == 1
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "match_confirmed").order_by(OutboxMessage.id)).all()
    contacts = {row.payload["side"]: row.payload["other_contact"] for row in told}
    assert contacts == {
        "asking": "Sam Transitions (sam.transitions@surrey.example)",
        "offering": "Harriet Quillfeather (harriet.quillfeather@wokingham.example)",
    }
    assert "There is no offer" in texts_in(await act(assistant, COORDINATOR, "support.match", {"ask": ask.id, "offer": ask.id}))
    assert f"Confirm match {ask.id}-{unrelated.id}" not in str(listing)  # the fostering offer is no help with SEND


async def test_asks_by_email_several_at_once_in_one_round_trip(assistant):
    form = await send(assistant, DCS["email"], "asks")
    assert re.search(r"\[C-[A-Z0-9]{8}\]", form["channelData"]["subject"]) and "Short title:" in form["text"]
    block = "Theme: {theme}\nShort title: {title}\nDescription: {description}\nHow it could be taken forward: Bilateral: between two authorities"
    two = (
        "Authority: Wokingham\n" + block.format(**ASK) + "\nContact name: Harriet Quillfeather\nContact email: harriet.quillfeather@wokingham.example\n"
        "---\nAuthority: Wokingham\n" + block.format(theme="Fostering", title="Recruiting foster carers", description="Too few carers for teenagers.")
        + "\nContact name: Harriet Quillfeather\nContact email: harriet.quillfeather@wokingham.example"
    )
    broken = two.replace("Theme: Fostering", "Theme: Knitting")
    answer = await reply(assistant, DCS["email"], form, broken)
    assert "Nothing was saved" in answer["text"] and "Item 2" in answer["text"] and items(assistant.database) == []
    saved = await reply(assistant, DCS["email"], form, two)
    assert "Saved 2 asks for Wokingham" in saved["text"]
    await reply(assistant, DCS["email"], form, two)  # the same email twice
    assert len(items(assistant.database)) == 2


SUGGESTION = ASK | {"suggestion_kind": "priority", "title": "Transitions as a regional priority"}


async def test_a_plenary_suggestion_is_saved_as_a_suggestion_in_teams_and_by_email(assistant):
    saved = await record(assistant, DCS, "plenary", SUGGESTION)
    assert "Saved" in texts_in(saved), texts_in(saved)
    form = await send(assistant, DCS["email"], "plenary")
    filled = ("Kind of suggestion: a new regional networking group\nTheme: SEND\nShort title: A SEND leads network\n"
              "Description: SEND leads meeting each term.\nHow it could be taken forward: a multilateral group\n"
              "Contact name: Harriet Quillfeather\nContact email: harriet.quillfeather@wokingham.example")
    answer = await reply(assistant, DCS["email"], form, filled)
    assert "Saved" in answer["text"], answer["text"]
    assert sorted(i.kind for i in items(assistant.database)) == ["networking", "priority"]  # never an ask


async def test_the_facilitator_of_an_authority_s_group_sees_and_corrects_its_asks_and_no_other_authority_s(assistant):
    """The rule written in docs/using.md (Who sees what): the authority, its group's facilitator this cycle, the coordinators."""
    await record(assistant, DCS, "asks", ASK)
    await record(assistant, KENT, "asks", {**ASK, "authority": "kent", "title": "Kent's own ask", "contact_email": "grace.albury@kent.example"})
    wokingham_ask, kent_ask = items(assistant.database)
    seen = texts_in(await say(assistant, FACILITATOR, "my asks"))
    assert "Preparing for adulthood" in seen and "harriet.quillfeather@wokingham.example" in seen
    assert "Kent's own ask" not in seen
    assert "Change this ask" in texts_in(await act(assistant, FACILITATOR, "support.edit", {"id": wokingham_ask.id}))
    assert "can't find item" in texts_in(await act(assistant, FACILITATOR, "support.edit", {"id": kent_ask.id}))


@pytest.mark.assistant(roster=(DCS, COORDINATOR))  # 1 September 2022: months before Triad 1's day, 16 January 2023
async def test_asks_before_the_challenge_day_are_refused_in_teams_and_by_email_and_nothing_is_saved(assistant):
    form = await say(assistant, DCS, "asks")
    early = await act(assistant, DCS, button(form, "Save")["verb"], {**button(form, "Save")["data"], **ASK})
    assert "come from its challenge day: Triad 1 meets on Monday 16 January 2023" in texts_in(early)
    assert any(e.get("id") == "title" and e.get("value") == ASK["title"] for e in early["body"])  # what was written is kept

    by_email = await send(assistant, COORDINATOR["email"], "asks")
    lines = "\n".join(f"{label}: {value}" for label, value in (
        ("Authority", "Wokingham"), ("Theme", "SEND"), ("Title", ASK["title"]), ("Description", ASK["description"]),
        ("Route", "Bilateral"), ("Contact name", "Harriet Quillfeather"), ("Contact email", DCS["email"])))
    answer = await reply(assistant, COORDINATOR["email"], by_email, lines)
    assert "can be recorded from then" in answer["text"]
    assert items(assistant.database) == []
