"""Who may record, change and see asks, offers and suggestions, and when a contact becomes visible."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from programme.calendar.importer import import_calendar, load_calendar_file
from programme.errors import Invalid, NotAllowed, NotFound
from programme.people.profile import load_profile
from programme.support.directory import confirm_match, directory
from programme.support.items import load_item, own_items, recording_authorities, submit_items, update_item, withdraw_item
from storage.people import Person
from tests.support.calendars import AS_RECORD

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "south-east-2022-23.yaml"
TODAY = date(2023, 1, 20)  # after Triad 1's day
NOW = datetime(2023, 1, 20, 10, tzinfo=UTC)
ASK = {"authority": "wokingham", "theme": "send", "title": "Preparing for adulthood", "description": "Transitions to adult care.",
       "route": "bilateral", "contact_name": "Harriet Quillfeather", "contact_email": "harriet.quillfeather@wokingham.example"}
OFFER = {**ASK, "authority": "surrey", "title": "A joint transitions team", "description": "Transitions planning from 14.",
         "contact_name": "Sam Transitions", "contact_email": "sam.transitions@surrey.example"}


@pytest.fixture
def session(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    with database.session() as session:
        yield session


def who(session, email):
    return load_profile(session, session.scalar(select(Person).where(Person.email == email)), TODAY, detail=False)


def test_who_may_record_for_which_authority(session):
    assert recording_authorities(session, who(session, "harriet.quillfeather@wokingham.example"), TODAY) == [("wokingham", "Wokingham")]
    assert recording_authorities(session, who(session, "maya.okafield@east-sussex.example"), TODAY) == [("east-sussex", "East Sussex")]
    # Chris facilitates Triads 1 and 4: their authorities, on their behalf.
    chris = {code for code, _ in recording_authorities(session, who(session, "chris.lowthwaite@seslip.example"), TODAY)}
    assert {"wokingham", "east-sussex", "surrey"} <= chris and "kent" not in chris
    assert len(recording_authorities(session, who(session, "jo.carverley@seslip.example"), TODAY)) == 19
    assert recording_authorities(session, who(session, "nina.oseiwood@kent.example"), TODAY) == []
    with pytest.raises(NotAllowed):
        submit_items(session, who(session, "nina.oseiwood@kent.example"), "t0", "ask", [ASK], NOW, TODAY)


def test_a_bad_item_among_several_saves_none(session):
    harriet = who(session, "harriet.quillfeather@wokingham.example")
    outcome = submit_items(session, harriet, "t1", "ask", [ASK, {**ASK, "contact_email": "nobody"}], NOW, TODAY)
    assert not outcome.done and outcome.errors[0] == {} and "contact_email" in outcome.errors[1]
    assert own_items(session, harriet, TODAY) == []
    with pytest.raises(Invalid):
        submit_items(session, harriet, "t2", "ask", [ASK] * 11, NOW, TODAY)


def test_asks_are_private_offers_public_and_contacts_shared_only_by_a_confirmed_match(session):
    harriet = who(session, "harriet.quillfeather@wokingham.example")
    priya = who(session, "priya.castellane@surrey.example")
    grace = who(session, "grace.albury@kent.example")
    jo = who(session, "jo.carverley@seslip.example")
    (ask_id,) = submit_items(session, harriet, "t-ask", "ask", [ASK], NOW, TODAY).item_ids
    (offer_id,) = submit_items(session, priya, "t-offer", "offer", [OFFER], NOW, TODAY).item_ids

    with pytest.raises(NotFound):
        load_item(session, priya, ask_id, TODAY)  # another authority cannot see an ask
    load_item(session, grace, offer_id, TODAY)  # anyone registered sees an offer
    with pytest.raises(NotAllowed):
        load_item(session, grace, offer_id, TODAY, to_change=True)
    with pytest.raises(NotAllowed):
        update_item(session, harriet, offer_id, OFFER, NOW, TODAY)
    with pytest.raises(NotAllowed):
        withdraw_item(session, grace, offer_id, NOW, TODAY)

    seen_by_kent = directory(session, grace, TODAY)
    assert [o.title for o in seen_by_kent.offers] == ["A joint transitions team"] and seen_by_kent.offers[0].contact is None
    assert seen_by_kent.asks == () and seen_by_kent.suggestions == ()
    assert directory(session, priya, TODAY).offers[0].contact == "Sam Transitions (sam.transitions@surrey.example)"
    (mine,) = own_items(session, harriet, TODAY)
    assert [s.offer.title for s in mine.suggestions] == ["A joint transitions team"]
    assert "sam.transitions" not in repr(mine.suggestions)  # the suggestion carries no contact

    with pytest.raises(NotAllowed):
        confirm_match(session, harriet, ask_id, offer_id, NOW)
    assert "Both DCSs have been told" in confirm_match(session, jo, ask_id, offer_id, NOW)
    assert "already matched" in confirm_match(session, jo, ask_id, offer_id, NOW)
    coordinators_view = directory(session, jo, TODAY)
    assert len(coordinators_view.matches) == 1 and coordinators_view.suggestions == ()


def test_an_authority_is_never_matched_with_itself(session):
    harriet = who(session, "harriet.quillfeather@wokingham.example")
    jo = who(session, "jo.carverley@seslip.example")
    (ask_id,) = submit_items(session, harriet, "t-a", "ask", [ASK], NOW, TODAY).item_ids
    (offer_id,) = submit_items(session, harriet, "t-o", "offer", [{**OFFER, "authority": "wokingham"}], NOW, TODAY).item_ids
    assert own_items(session, harriet, TODAY, kinds=("ask",))[0].suggestions == ()
    with pytest.raises(NotAllowed, match="its own offer"):
        confirm_match(session, jo, ask_id, offer_id, NOW)


def test_withdrawn_items_leave_the_directory(session):
    priya = who(session, "priya.castellane@surrey.example")
    (offer_id,) = submit_items(session, priya, "t-w", "offer", [OFFER], NOW, TODAY).item_ids
    withdraw_item(session, priya, offer_id, NOW, TODAY)
    assert directory(session, who(session, "grace.albury@kent.example"), TODAY).offers == ()
    with pytest.raises(NotAllowed, match="withdrawn"):
        update_item(session, priya, offer_id, OFFER, NOW, TODAY)
