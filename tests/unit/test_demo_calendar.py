"""The demo calendar: the example moved forward by whole weeks so that its dates lie ahead."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from programme.calendar.demo import cycle_name, demo_calendar_text
from programme.calendar.file import parse_calendar

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "south-east-2022-23.yaml"


@pytest.fixture(scope="module")
def original():
    return parse_calendar(EXAMPLE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("today", [date(2026, 9, 1), date(2027, 1, 1), date(2026, 2, 13), date(2031, 6, 30)])
def test_dates_move_by_the_same_whole_weeks_and_lie_ahead(original, today):
    shifted = parse_calendar(demo_calendar_text(EXAMPLE.read_text(encoding="utf-8"), today), "demo")

    shift = shifted.cycle.starts_on - original.cycle.starts_on
    assert shift.days % 7 == 0 and shift.days > 0
    assert shifted.cycle.ends_on - original.cycle.ends_on == shift
    for before, after in zip(original.groups, shifted.groups, strict=True):
        assert after.date - before.date == shift
        assert after.date.weekday() == before.date.weekday()
        assert (after.key, after.name, after.members) == (before.key, before.name, before.members)
    earliest = min(group.date for group in shifted.groups)
    assert today + timedelta(weeks=13) <= earliest < today + timedelta(weeks=14)


def test_the_name_follows_the_shifted_start(original):
    shifted = parse_calendar(demo_calendar_text(EXAMPLE.read_text(encoding="utf-8"), date(2026, 10, 1)))
    assert shifted.cycle.name == cycle_name(shifted.cycle.starts_on)
    assert shifted.cycle.name == f"{shifted.cycle.starts_on.year}-{(shifted.cycle.starts_on.year + 1) % 100:02d}"


def test_cycle_names():
    assert cycle_name(date(2026, 3, 27)) == "2026-27"
    assert cycle_name(date(2099, 4, 1)) == "2099-00"


def test_dissemination_deadlines_move_too():
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "    location: London\n", "    location: London\n    dissemination_deadline: 2023-01-02\n")
    before = parse_calendar(text)
    after = parse_calendar(demo_calendar_text(text, date(2026, 9, 1)))
    shift = after.groups[0].date - before.groups[0].date
    assert after.groups[0].dissemination_deadline == date(2023, 1, 2) + shift


def test_everything_else_is_kept(original):
    shifted = parse_calendar(demo_calendar_text(EXAMPLE.read_text(encoding="utf-8"), date(2026, 9, 1)))
    assert shifted.authorities == original.authorities
    assert shifted.people == original.people
    assert shifted.cycle.settings == original.cycle.settings
