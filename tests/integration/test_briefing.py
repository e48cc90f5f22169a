"""The day-before briefing: planned one working day before each challenge day at the send time, for
every DCS, delegate and participant of the group and its facilitator, once each however often the
planner runs; its running order for a triad and a quartet; its moment across a bank holiday."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from notify.render import Renderer
from programme.calendar.file import parse_calendar
from programme.calendar.importer import import_calendar, load_calendar_file
from programme.reminders.planning import planned_reminders, run_planning
from storage.outbox import OutboxMessage
from storage.people import Person
from tests.support.calendars import AS_RECORD, EXAMPLE
from tests.support.reminders import LONDON


def _briefings(session) -> dict[str, list]:
    found: dict[str, list] = {}
    for p in planned_reminders(session, LONDON):
        if p.rule == "day_before_briefing":
            found.setdefault(p.payload["group_name"], []).append(p)
    return found


def test_a_triads_briefing_goes_the_working_day_before_to_its_people_and_facilitator(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    with database.session() as session:
        triad = _briefings(session)["Triad 1"]  # Monday 16 January 2023
        names = {p.person.name for p in triad}
        emails = dict(session.execute(select(Person.name, Person.email)).all())
    assert {p.on for p in triad} == {date(2023, 1, 13)}  # Friday: the working day before a Monday
    assert {p.due_at for p in triad} == {datetime(2023, 1, 13, 9, 0, tzinfo=UTC)}  # 09:00 in London, in winter
    assert "Harriet Quillfeather" in names and "Chris Lowthwaite" in names  # Wokingham's DCS; the facilitator
    assert all(emails[n].split("@")[1] in ("wokingham.example", "east-sussex.example", "surrey.example", "seslip.example") for n in names)
    assert len(triad) == len(names)  # each person once

    payload = triad[0].payload
    assert [s["time"] for s in payload["running_order"]] == [
        "10:00 to 10:15", "10:15 to 12:20", "12:20 to 13:00", "13:00 to 15:05", "15:05 to 15:15", "15:15 to 17:20", "17:20 to 17:35"]
    assert payload["running_order"][1]["what"].startswith("Wokingham: its DCS presents") and "East Sussex as Lead Reviewer" in \
        payload["running_order"][1]["what"]
    assert "East Sussex is Lead Reviewer for Wokingham" in payload["pairs"] and payload["location"] == "London"
    assert len(payload["questions"]) == 4
    text = Renderer().render("day_before_briefing", payload).text
    assert "Triad 1 meets on Monday 16 January 2023" in text and "The plenary's four questions" in text
    assert "Format: Face to face" in text and "Venue or link: London" in text


def test_a_quartets_day_has_four_sessions_and_starts_earlier(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    with database.session() as session:
        quartet = _briefings(session)["Quartet 3"][0].payload
    sessions = [s for s in quartet["running_order"] if "presents the self-assessment" in s["what"]]
    assert [s["what"].split(":")[0] for s in sessions] == ["Oxfordshire", "Hampshire", "Isle of Wight", "Reading"]
    assert quartet["running_order"][0]["time"] == "09:00 to 09:15" and quartet["running_order"][-1]["what"].startswith("Plenary")
    assert quartet["running_order"][-1]["time"] == "18:35 to 18:50"


def test_across_a_bank_holiday_it_goes_on_the_working_day_before(database):
    # Triad 6 moved to Tuesday 3 January 2023: Monday 2 January is a bank holiday (New Year's Day's substitute).
    moved = EXAMPLE.read_text(encoding="utf-8").replace("date: 2023-01-05", "date: 2023-01-03")
    import_calendar(database.sessions, parse_calendar(moved, source="moved.yaml"), dry_run=False, **AS_RECORD)
    with database.session() as session:
        assert {p.on for p in _briefings(session)["Triad 6"]} == {date(2022, 12, 30)}  # the Friday before


def test_replanning_writes_each_briefing_once(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    friday = datetime(2023, 1, 13, 9, 5, tzinfo=UTC)
    with database.session() as session:
        run_planning(session, friday, LONDON)
        run_planning(session, friday, LONDON)  # a second round, or a second process
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "day_before_briefing")).all()
        keys = [r.idempotency_key for r in rows if "group-1/" in r.idempotency_key]
    assert keys and len(keys) == len(set(keys))
    assert all(r.status == "pending" for r in rows if "group-1/" in r.idempotency_key)
