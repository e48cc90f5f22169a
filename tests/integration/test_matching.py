"""Suggesting offers for asks (the directory of support), the asks and offers export, and both from the command line."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.cli import main
from programme.calendar.importer import import_calendar, load_calendar_file
from programme.support.matching import SPECIFIC_LENGTH, Item, all_suggestions, stem, suggest_offers, suggestions_for_ask, words
from programme.people.identity import find_person
from programme.support.export import export_asks_offers_rows, export_matches_rows
from programme.support.form import THEMES
from storage.calendar import Cycle
from storage.database import Database
from storage.people import Authority
from storage.support import SupportItem, SupportMatch
from tests.support.assistant import EXAMPLE

# Fictional asks and offers in the handbook's themes, as they might be recorded after a challenge day.
WOKINGHAM, KENT, SURREY, READING, OXFORDSHIRE, MEDWAY, BRIGHTON = range(1, 8)
NAMES = {1: "Wokingham", 2: "Kent", 3: "Surrey", 4: "Reading", 5: "Oxfordshire", 6: "Medway", 7: "Brighton and Hove"}


def _ask(id, authority, theme, title, description) -> Item:
    return Item(id, authority, NAMES[authority], "ask", theme, title, description)


def _offer(id, authority, theme, title, description, kind="offer") -> Item:
    return Item(id, authority, NAMES[authority], kind, theme, title, description)


ADULTHOOD = _ask(
    1, WOKINGHAM, "send", "Preparing for adulthood",
    "Young people with SEND meet a cliff edge at 18. We would like a joint transitions protocol with adult social care, "
    "with planning that starts at 14.",
)
FOSTER_CARERS = _ask(
    2, WOKINGHAM, "fostering", "Recruiting foster carers",
    "Enquiries from prospective foster carers have fallen for two years; we need carers for teenagers and sibling groups.",
)
ANNEX_A = _ask(
    3, WOKINGHAM, "performance_data", "Annex A data quality",
    "Our Annex A list and the case management system disagree. We want to check data quality before inspection "
    "and benchmark timeliness with statistical neighbours.",
)
EDGE_OF_CARE = _ask(
    4, MEDWAY, "children_in_care", "Edge of care",
    "Too many adolescents come into care in crisis; we want an edge of care offer and a reunification pathway home.",
)
TRANSITIONS = _offer(
    11, KENT, "send", "Transitions to adult services",
    "Our 14-25 preparing for adulthood team plans transitions with adult social care from Year 9 for young people with SEND.",
)
CAMPAIGN = _offer(
    12, SURREY, "fostering", "Foster carer recruitment campaign",
    "A campaign with local radio and foster carer ambassadors doubled enquiries from prospective carers, including carers for teenagers.",
)
SCORECARD = _offer(
    13, READING, "performance_data", "Performance data and benchmarking",
    "A monthly scorecard benchmarks timeliness against statistical neighbours, with a data quality check of the "
    "Annex A list before each return.",
)
OWN_TRANSITIONS = _offer(
    14, WOKINGHAM, "send", "Preparing for adulthood transitions",
    "A joint transitions panel with adult social care for young people with SEND from 14.",
)
ACADEMY = _offer(
    15, OXFORDSHIRE, "workforce", "Social work academy",
    "Newly qualified social workers join a cohort with protected caseloads, a practice educator and a rotation through teams.",
)
CONFERENCES = _offer(
    16, BRIGHTON, "safeguarding", "Family group conferences",
    "Family group conferences before proceedings, and a reunification programme for adolescents returning home.",
)
OFFERS = [TRANSITIONS, CAMPAIGN, SCORECARD, OWN_TRANSITIONS, ACADEMY, CONFERENCES]


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
    "transitions adulthood foster carers recruitment reunification edge care data quality benchmarking annex "
    "neighbours adolescents exploitation missing education inclusion exclusions workforce caseloads".split()
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

RECORDED = datetime(2023, 1, 24, 15, 45, tzinfo=timezone.utc)
DCS = {
    "wokingham": "harriet.quillfeather", "kent": "grace.albury", "surrey": "priya.castellane",
    "reading": "farida.okonbury", "medway": "colin.brackwater", "brighton-and-hove": "leona.daverill",
}
COORDINATOR = "robin.ashcombe@hampshire.example"


def _add(session, authority: str, item: Item, *, cycle: str | None = "2022-23", status: str = "active", **fields) -> int:
    email = f"{DCS[authority]}@{authority}.example"
    values = dict(
        cycle_id=session.scalar(select(Cycle.id).where(Cycle.name == cycle)) if cycle else None,
        authority_id=session.scalar(select(Authority.id).where(Authority.code == authority)),
        kind=item.kind, theme=item.theme, title=item.title, description=item.description, route="bilateral",
        contact_name=DCS[authority].replace(".", " ").title(), contact_email=email, status=status,
        submitted_by_person_id=find_person(session, email=email).id, on_behalf=False,
        form_token=f"{authority}-{item.id}-{cycle}-{status}", created_at=RECORDED,
    )
    row = SupportItem(**{**values, **fields})
    session.add(row)
    session.flush()
    return row.id


@pytest.fixture
def items(database: Database) -> dict[str, int]:
    return _programme(database)


def _programme(database: Database) -> dict[str, int]:
    """Asks and offers of the example cycle, a few that must not be suggested, and one confirmed match."""
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False)
    with database.session() as session:
        session.add(Cycle(name="2023-24", starts_on=datetime(2023, 4, 1).date(), ends_on=datetime(2024, 3, 31).date()))
        session.flush()
        ids = dict(
            adulthood=_add(session, "wokingham", ADULTHOOD),
            foster_carers=_add(session, "wokingham", FOSTER_CARERS),
            annex_a=_add(session, "wokingham", ANNEX_A, status="withdrawn"),
            transitions=_add(
                session, "kent", TRANSITIONS, route="multilateral",
                description="- 14-25 preparing for adulthood team; transitions planned with adult social care.",
            ),
            campaign=_add(session, "surrey", CAMPAIGN),
            scorecard=_add(session, "reading", SCORECARD),
            own=_add(session, "wokingham", OWN_TRANSITIONS),
            withdrawn=_add(session, "surrey", TRANSITIONS, status="withdrawn"),
            next_cycle=_add(session, "reading", TRANSITIONS, cycle="2023-24"),
            priority=_add(
                session, "kent", _offer(40, KENT, "send", "Preparing for adulthood", "Regional transitions protocol.", kind="priority"),
                route="regional_project", on_behalf=True,
                submitted_by_person_id=find_person(session, email=COORDINATOR).id,
            ),
            edge_of_care=_add(session, "medway", EDGE_OF_CARE, cycle=None),
            conferences=_add(session, "brighton-and-hove", CONFERENCES, cycle=None),
        )
        session.add(SupportMatch(
            ask_id=ids["foster_carers"], offer_id=ids["campaign"], confirmed_by_person_id=find_person(session, email=COORDINATOR).id,
            reason="Same theme (Fostering); both mention foster, carer, recruitment and enquiries, among others.",
            channel="teams", created_at=datetime(2023, 2, 1, 10, 5, tzinfo=timezone.utc),
        ))
        session.commit()
    return ids


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


# From the command line.


@pytest.fixture
def cli_database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    database = Database(url)
    database.upgrade()
    items = _programme(database)
    database.dispose()
    return items


def test_export_asks_offers_and_matches(cli_database, tmp_path, capsys):
    items = cli_database
    assert main(["export", "asks-offers"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:3] == ["Item", "Cycle", "Authority"] and len(rows) == len(items) + 1
    output = tmp_path / "out" / "asks-offers.csv"
    assert main(["export", "asks-offers", "--format", "csv", "--output", str(output)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote {len(items)} asks, offers and suggestions to {output}"
    assert output.read_text(encoding="utf-8-sig").startswith("Item,Cycle,Authority,Kind,Theme")
    output = tmp_path / "matches.csv"
    assert main(["export", "matches", "--output", str(output)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote 1 matches to {output}"
    assert list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig"))))[1][3] == "Wokingham"
