"""Suggesting offers for asks (the directory of support) and the asks and offers export. (Both from the
command line: tests/e2e/test_matching_cli.py.)"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from programme.support.export import export_asks_offers_rows, export_matches_rows
from programme.support.form import THEMES
from programme.support.matching import SPECIFIC_LENGTH, Item, all_suggestions, stem, suggest_offers, suggestions_for_ask, words
from storage.calendar import Cycle
from storage.database import Database
from storage.support import SupportMatch
from tests.support.asks_and_offers import (
    ACADEMY,
    ADULTHOOD,
    ANNEX_A,
    CAMPAIGN,
    CONFERENCES,
    EDGE_OF_CARE,
    FOSTER_CARERS,
    KENT,
    MEDWAY,
    OFFERS,
    OWN_TRANSITIONS,
    OXFORDSHIRE,
    READING,
    SCORECARD,
    SURREY,
    TRANSITIONS,
    _ask,
    _offer,
    _programme,
)

# Content words.


def test_plurals_and_endings_meet():
    assert words("transitions") == words("transition") == {"transition"}
    assert words("recruiting") == words("recruitment") == words("recruited") == {"recruit"}
    assert words("fostering") == words("foster")
    assert words("placements") == words("placement") == words("placing")
    assert words("families") == words("family") and words("processes") == words("process")
    assert words("benchmarking") == words("benchmarks") == {"benchmark"}
    assert stem("analysis") == "analysis" and stem("status") == "status"  # not plurals


def test_stop_words_programme_words_numbers_and_punctuation_go():
    assert words("We would like support from the council to improve our children's services") == frozenset()
    assert words("Good practice: helping authorities work with young people and improvement") == frozenset()
    assert words("14-25 (Year 9) -- SEND!") == {"send"}
    assert words("Edge of care, reunification") == {"edge", "care", "reunification"}


# Suggestions.


@pytest.mark.parametrize("ask, offer", [(ADULTHOOD, TRANSITIONS), (FOSTER_CARERS, CAMPAIGN), (ANNEX_A, SCORECARD)])
def test_the_relevant_offer_ranks_first(ask, offer):
    suggested = suggest_offers(ask, OFFERS)
    assert suggested[0].offer == offer and suggested[0].same_theme
    assert suggested[0].ask == ask


def test_the_reason_names_the_theme_and_the_shared_words_in_the_offers_order():
    first = suggest_offers(ADULTHOOD, OFFERS)[0]
    assert first.shared_words[:4] == ("transitions", "adult", "preparing", "adulthood")
    assert first.reason == "Same theme (SEND); both mention transitions, adult, preparing and adulthood, among others."
    assert suggest_offers(FOSTER_CARERS, OFFERS)[0].reason.startswith("Same theme (Fostering); both mention foster, carer, recruitment")


def test_without_the_same_theme_shared_words_suffice_and_the_reason_lists_them():
    (suggested,) = suggest_offers(EDGE_OF_CARE, OFFERS)
    assert suggested.offer == CONFERENCES and not suggested.same_theme
    assert suggested.shared_words == ("reunification", "adolescents", "home")
    assert suggested.reason == "Both mention reunification, adolescents and home."


def test_an_unrelated_offer_is_not_suggested():
    for ask in (ADULTHOOD, FOSTER_CARERS, ANNEX_A, EDGE_OF_CARE):
        assert ACADEMY not in [s.offer for s in suggest_offers(ask, OFFERS)]
    assert [s.offer for s in suggest_offers(ADULTHOOD, OFFERS)] == [TRANSITIONS]


def test_an_authority_is_never_matched_with_itself_even_on_the_same_words():
    assert OWN_TRANSITIONS not in [s.offer for s in suggest_offers(ADULTHOOD, OFFERS)]
    assert suggest_offers(ADULTHOOD, [OWN_TRANSITIONS]) == []


def test_only_offers_are_suggested():
    priority = _offer(17, KENT, "send", "Preparing for adulthood", "Transitions for young people with SEND", kind="priority")
    assert suggest_offers(ADULTHOOD, [priority]) == []


def test_a_theme_of_other_is_not_the_same_theme():
    ask = _ask(5, MEDWAY, "other", "Youth voice", "Our youth council wants to meet councillors.")
    offer = _offer(18, KENT, "other", "Digital records", "Moving case records to a new system.")
    assert suggest_offers(ask, [offer]) == []
    same = _offer(19, KENT, "send", "Digital records", "Moving case records to a new system.")
    assert suggest_offers(_ask(6, MEDWAY, "send", "Youth voice", "Our youth council."), [same])[0].reason == "Same theme (SEND)."


def test_one_shared_word_is_enough_only_when_long_and_specific():
    ask = _ask(7, MEDWAY, "adoption", "Reunification", "Children returning to their families from care.")
    long_word = _offer(20, KENT, "safeguarding", "Reunification practice framework", "Assessments and contact arrangements.")
    short_word = _offer(21, SURREY, "safeguarding", "Kinship carers' forum", "A monthly forum for kinship families, and a newsletter.")
    assert words(ask.text) & words(short_word.text) == {"family"} and len("family") < SPECIFIC_LENGTH
    assert words(ask.text) & words(long_word.text) == {"reunification"} and len("reunification") >= SPECIFIC_LENGTH
    assert [s.offer for s in suggest_offers(ask, [long_word, short_word])] == [long_word]
    assert suggest_offers(ask, [long_word])[0].reason == "Both mention reunification."


def test_ranked_by_theme_then_shared_words_then_offer_id_and_limited():
    ask = _ask(8, MEDWAY, "send", "Preparing for adulthood transitions", "Adult social care and SEND.")
    many_words = _offer(30, KENT, "education", "Adulthood transitions", "Adult social care for young people.")
    same_theme = _offer(31, SURREY, "send", "Short breaks", "Holiday activities.")
    same_theme_later = _offer(29, READING, "send", "Short breaks", "Holiday activities.")
    same_theme_words = _offer(32, OXFORDSHIRE, "send", "Transitions", "Preparing for adulthood.")
    suggested = suggest_offers(ask, [many_words, same_theme, same_theme_later, same_theme_words])
    assert [s.offer.id for s in suggested] == [32, 29, 31, 30]
    assert [s.score for s in suggested] == sorted((s.score for s in suggested), reverse=True)
    assert [s.offer.id for s in suggest_offers(ask, [many_words, same_theme, same_theme_later, same_theme_words], limit=2)] == [32, 29]


VOCABULARY = (
    [
        "transitions",
        "adulthood",
        "foster",
        "carers",
        "recruitment",
        "reunification",
        "edge",
        "care",
        "data",
        "quality",
        "benchmarking",
        "annex",
        "neighbours",
        "adolescents",
        "exploitation",
        "missing",
        "education",
        "inclusion",
        "exclusions",
        "workforce",
        "caseloads",
    ]
)
_items = st.builds(
    Item,
    id=st.integers(1, 10_000),
    authority_id=st.integers(1, 4),
    authority_name=st.just("An authority"),
    kind=st.sampled_from(["ask", "offer", "priority"]),
    theme=st.sampled_from([c.value for c in THEMES]),
    title=st.lists(st.sampled_from(VOCABULARY), max_size=3).map(" ".join),
    description=st.lists(st.sampled_from(VOCABULARY), max_size=8).map(" ".join),
)


@given(ask=_items, offers=st.lists(_items, max_size=12), limit=st.integers(1, 6))
def test_property_never_the_asks_own_authority_and_every_suggestion_follows_the_rule(ask, offers, limit):
    suggested = suggest_offers(ask, offers, limit=limit)
    assert len(suggested) <= limit
    for s in suggested:
        assert s.offer.authority_id != ask.authority_id and s.offer.kind == "offer"
        assert s.same_theme == (s.offer.theme == ask.theme != "other")
        assert s.same_theme or len(s.shared_words) >= 2 or len(stem(s.shared_words[0])) >= SPECIFIC_LENGTH
        assert {stem(w) for w in s.shared_words} <= words(ask.text) & words(s.offer.text)
    keys = [(not s.same_theme, -len(s.shared_words), s.offer.id) for s in suggested]
    assert keys == sorted(keys)


# From the database.


@pytest.fixture
def items(database: Database) -> dict[str, int]:
    return _programme(database)


def test_suggestions_for_an_ask_come_from_active_offers_of_its_cycle(database, items):
    with database.session() as session:
        suggested = suggestions_for_ask(session, items["adulthood"])
    assert [(s.offer.id, s.offer.authority_name) for s in suggested] == [(items["transitions"], "Kent")]
    assert suggested[0].ask.authority_name == "Wokingham"
    assert suggested[0].reason == "Same theme (SEND); both mention transitions, adult, preparing and adulthood, among others."


def test_no_cycle_is_a_cycle_of_its_own(database, items):
    with database.session() as session:
        suggested = suggestions_for_ask(session, items["edge_of_care"])
    assert [s.offer.id for s in suggested] == [items["conferences"]]


def test_a_matched_pair_is_not_suggested_again(database, items):
    with database.session() as session:
        assert suggestions_for_ask(session, items["foster_carers"]) == []
        session.execute(SupportMatch.__table__.delete())
        session.commit()
    with database.session() as session:
        assert [s.offer.id for s in suggestions_for_ask(session, items["foster_carers"])] == [items["campaign"]]


def test_an_unknown_withdrawn_or_non_ask_item_has_no_suggestions(database, items):
    with database.session() as session:
        assert suggestions_for_ask(session, 999_999) == []
        assert suggestions_for_ask(session, items["annex_a"]) == []
        assert suggestions_for_ask(session, items["transitions"]) == []


def test_all_suggestions_of_a_cycle(database, items):
    with database.session() as session:
        cycle_id = session.scalar(select(Cycle.id).where(Cycle.name == "2022-23"))
        pairs = [(s.ask.id, s.offer.id) for s in all_suggestions(session, cycle_id)]
        unplaced = [(s.ask.id, s.offer.id) for s in all_suggestions(session, None)]
    assert pairs == [(items["adulthood"], items["transitions"])]
    assert unplaced == [(items["edge_of_care"], items["conferences"])]


def test_the_asks_and_offers_export(database, items):
    with database.session() as session:
        header, rows = export_asks_offers_rows(session)
    assert header == [
        "Item", "Cycle", "Authority", "Kind", "Theme", "Title", "Description", "How it could be taken forward",
        "Contact name", "Contact email", "Status", "Submitted by", "On behalf", "Recorded (UTC)", "Matched with",
    ]
    assert len(rows) == len(items)
    by_id = {row[0]: row for row in rows}
    assert by_id[str(items["foster_carers"])] == [
        str(items["foster_carers"]), "2022-23", "Wokingham", "Ask", "Fostering", "Recruiting foster carers",
        FOSTER_CARERS.description, "Bilateral: between two authorities", "Harriet Quillfeather",
        "harriet.quillfeather@wokingham.example", "active", "Harriet Quillfeather", "no", "2023-01-24 15:45",
        str(items["campaign"]),
    ]
    assert by_id[str(items["campaign"])][-1] == str(items["foster_carers"])
    assert by_id[str(items["annex_a"])][10] == "withdrawn"
    transitions = by_id[str(items["transitions"])]
    assert transitions[3:5] == ["Offer", "SEND"] and transitions[7] == "A multilateral group"
    assert transitions[6].startswith("'- 14-25")  # a spreadsheet would take it for a formula
    priority = by_id[str(items["priority"])]
    assert priority[3] == "A priority for next year's regional improvement plan" and priority[11:13] == ["Robin Ashcombe", "yes"]
    assert by_id[str(items["edge_of_care"])][1] == ""


def test_the_matches_export(database, items):
    with database.session() as session:
        header, rows = export_matches_rows(session)
    assert header[:4] == ["Match", "Ask", "Ask title", "Ask authority"]
    assert [row[1:] for row in rows] == [[
        str(items["foster_carers"]), "Recruiting foster carers", "Wokingham", str(items["campaign"]),
        "Foster carer recruitment campaign", "Surrey", "Robin Ashcombe", "2023-02-01 10:05",
        "Same theme (Fostering); both mention foster, carer, recruitment and enquiries, among others.",
    ]]
