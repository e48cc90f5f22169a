"""Cards that fit at national scale: no Teams reply over 28 KB with 500 nominations, 152 authorities'
reminders for a season or a full directory; a page at a time with "Show more" in Teams, and the same
lists complete by email."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.cards.paging import TEAMS_LIMIT
from bot.cards.support import directory_card
from bot.dialogs.timeline import timeline_card
from programme.reminders.plan import PersonRef, Planned
from programme.reminders.planning import Timeline
from programme.support.directory import Directory
from programme.support.items import ItemView
from storage.panel import Nomination
from storage.people import Authority, Person
from tests.support.connector import texts_in
from tests.support.conversation import say, send
from tests.support.people import COORDINATOR, DCS

pytestmark = pytest.mark.assistant(roster=(DCS, COORDINATOR))
NATIONAL = 500  # nominations: every authority of England nominating three or four


def _bytes(card: dict) -> int:
    return len(json.dumps(card).encode())


def _seed_nominations(database, count: int = NATIONAL) -> None:
    with database.session() as session:
        wokingham = session.scalar(select(Authority).where(Authority.code == "wokingham"))
        dcs = session.scalar(select(Person).where(Person.email == DCS["email"]))
        for n in range(count):
            person = Person(email=f"practitioner.{n:03d}@wokingham.example", name=f"Practitioner Example {n:03d}")
            session.add(person)
            session.flush()
            session.add(Nomination(authority_id=wokingham.id, nominee_person_id=person.id, job_title="Head of Quality Assurance and Performance",
                                   service_area="Children's social care and early help", covers="both",
                                   areas=["send", "safeguarding", "children_in_care", "quality_assurance"],
                                   nominated_by_person_id=dcs.id, form_token=f"scale-{n}"))
        session.commit()


def _commands(card: dict) -> list[str]:
    return [a["data"]["command"] for a in card.get("actions", []) if "command" in (a.get("data") or {})]


async def test_the_panel_of_500_pages_in_teams_and_is_whole_by_email(assistant):
    _seed_nominations(assistant.database)
    first = await say(assistant, COORDINATOR, "panel covers=both")
    assert _bytes(first) < TEAMS_LIMIT
    assert "Showing 1–" in texts_in(first) and f"of {NATIONAL} nominations" in texts_in(first)
    more = _commands(first)
    assert more == ["panel covers=both page=2"]  # the filter kept
    second = await say(assistant, COORDINATOR, more[0])
    assert _bytes(second) < TEAMS_LIMIT and "Practitioner Example 000" not in texts_in(second)
    shown = texts_in(first) + texts_in(second)
    assert "Practitioner Example 000" in shown and "Practitioner Example 020" in shown
    by_email = await send(assistant, COORDINATOR["email"], "panel covers=both")
    assert all(f"Practitioner Example {n:03d}" in by_email["text"] for n in range(NATIONAL))
    assert "reply export panel: it comes as a CSV attachment" in by_email["text"]


async def test_my_nominations_of_500_with_their_buttons_fit_in_teams(assistant):
    _seed_nominations(assistant.database)
    card = await say(assistant, DCS, "my nominations")
    assert _bytes(card) < TEAMS_LIMIT and "my nominations page=2" in _commands(card)
    last = await say(assistant, DCS, "my nominations page=999")  # past the end: the last page
    assert _bytes(last) < TEAMS_LIMIT and "Practitioner Example 499" in texts_in(last)


def test_a_season_of_reminders_for_152_authorities_pages_by_day():
    start = date(2027, 9, 1)
    reminders = [
        Planned(key=f"k{n}-{rule}", rule=rule, kind="reminder", person=PersonRef(n, f"Director Example {n:03d}"),
                on=start + timedelta(days=(n * 3 + i * 40) % 200), due_at=datetime(2027, 9, 1, 8, tzinfo=UTC),
                why=f"Group {n // 3 + 1} meets on Monday 14 February 2028", payload={"authority_name": f"Authority {n:03d}"})
        for n in range(152) for i, rule in enumerate(("moderation_opens", "moderation_closing", "self_assessment_due"))
    ]
    found = Timeline(start, start + timedelta(days=200), sorted(reminders, key=lambda r: r.on))
    first = timeline_card(found)
    assert _bytes(first) < TEAMS_LIMIT and _commands(first) == ["timeline page=2"]
    page = 1
    seen = texts_in(first)
    while (more := _commands(timeline_card(found, page=page)))[:1] == [f"timeline page={page + 1}"]:
        page += 1
        card = timeline_card(found, page=page)
        assert _bytes(card) < TEAMS_LIMIT
        seen += texts_in(card)
    assert all(f"Director Example {n:03d}" in seen for n in range(152))  # every page together: the whole season
    assert "Back to the start" in json.dumps(timeline_card(found, page=2))
    whole = timeline_card(found, by_email=True)
    assert all(f"Director Example {n:03d}" in texts_in(whole) for n in range(152)) and not _commands(whole)
    assert more is not None


def test_a_national_directory_of_offers_fits():
    offers = tuple(
        ItemView(id=n, kind="offer", theme="send", title=f"Offer {n:03d}", description="A transitions team that plans with young people " * 8,
                 route="bilateral", authority_code=f"a{n}", authority_name=f"Authority {n:03d}", status="active", contact=None,
                 recorded_at=datetime(2027, 3, 1, tzinfo=UTC))
        for n in range(300)
    )
    card = directory_card(Directory(cycle="2026-27", theme=None, offers=offers))
    assert _bytes(card) < TEAMS_LIMIT and _commands(card) == ["directory page=2"]
    assert all(f"Offer {n:03d}" in texts_in(directory_card(Directory("2026-27", None, offers), by_email=True)) for n in range(300))
