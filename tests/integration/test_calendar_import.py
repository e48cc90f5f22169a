"""Importing the calendar into the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from programme.calendar import importer as calendar_import
from programme.calendar.cycle_settings import CycleSettings
from programme.calendar.demo import demo_calendar_text
from programme.calendar.file import CalendarProblems, parse_calendar
from programme.calendar.importer import import_calendar, load_calendar_file
from programme.calendar.spec import PastCycle
from programme.people.roles import REGION_SCOPE, authority_scope, group_scope
from storage.audit import AuditEntry
from storage.calendar import Cycle, Group, GroupMember
from storage.people import Authority, Person, RoleAssignment
from tests.support.calendars import AS_RECORD

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "south-east-2022-23.yaml"
HANDBOOK = ROOT / "tests" / "fixtures" / "handbook-original-2022-23.yaml"
ROLES_IN_EXAMPLE = 38
PEOPLE_IN_EXAMPLE = 32


def example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def spec_of(data: dict):
    return parse_calendar(yaml.safe_dump(data, sort_keys=False), "edited.yaml")


def count(database, model, *where) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def group_by_key(session, key: str, cycle: str = "2022-23") -> Group:
    return session.scalars(select(Group).join(Cycle).where(Cycle.name == cycle, Group.key == key)).one()


def person_by_email(session, email: str) -> Person:
    return session.scalars(select(Person).where(Person.email == email)).one()


def roles_of(session, email: str) -> list[RoleAssignment]:
    return list(session.scalars(select(RoleAssignment).join(Person).where(Person.email == email).order_by(RoleAssignment.id)))


@pytest.fixture
def imported(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    return database


def test_import_creates_the_cycle(database):
    report = import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)

    assert report.changed and not report.dry_run
    assert report.counts["Authorities added"] == 19
    assert report.counts["People added"] == PEOPLE_IN_EXAMPLE
    assert report.counts["Roles added"] == ROLES_IN_EXAMPLE
    text = report.format()
    assert text.startswith(f"Cycle 2022-23 from {EXAMPLE}:")
    assert "Groups added: Triad 1, Triad 2, Quartet 3, Triad 4, Triad 5, Triad 6" in text
    assert "Cycle added: 2022-23 (1 Apr 2022 to 31 Mar 2023)" in text

    assert count(database, Authority, Authority.active.is_(True)) == 19
    assert count(database, Group, Group.active.is_(True)) == 6
    assert count(database, GroupMember) == 5 * 3 + 4
    assert count(database, Person, Person.active.is_(True)) == PEOPLE_IN_EXAMPLE
    assert count(database, RoleAssignment, RoleAssignment.source == "calendar") == ROLES_IN_EXAMPLE
    with database.sessions() as session:
        cycle = session.scalars(select(Cycle)).one()
        assert cycle.settings == CycleSettings().to_dict()
        triad5 = group_by_key(session, "5")
        assert (triad5.name, triad5.challenge_date, triad5.format) == ("Triad 5", date(2023, 1, 31), "virtual")
        assert group_by_key(session, "1").location == "London"
        quartet = group_by_key(session, "3")
        pairs = {(m.authority.code, m.reviews.code) for m in quartet.members}
        assert pairs == {("oxfordshire", "hampshire"), ("hampshire", "reading"),
                         ("isle-of-wight", "oxfordshire"), ("reading", "isle-of-wight")}

        shared = roles_of(session, "edmund.halesworth@hampshire.example")
        assert {(r.role, r.scope) for r in shared} == {
            ("dcs", authority_scope("hampshire")), ("dcs", authority_scope("isle-of-wight"))}
        assert all(r.authority_id is not None and r.group_id is None for r in shared)
        facilitator = roles_of(session, "chris.lowthwaite@seslip.example")
        assert {r.scope for r in facilitator} == {group_scope("2022-23", "1"), group_scope("2022-23", "4")}
        assert {r.group_id for r in facilitator} == {group_by_key(session, "1").id, group_by_key(session, "4").id}
        coordinator = roles_of(session, "jo.carverley@seslip.example")
        assert [(r.role, r.scope, r.authority_id, r.group_id) for r in coordinator] == [
            ("coordinator", REGION_SCOPE, None, None)]


def test_importing_the_same_file_again_changes_nothing(imported):
    with imported.sessions() as session:
        before = {g.key: (g.id, g.updated_at) for g in session.scalars(select(Group))}

    report = import_calendar(imported.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)

    assert not report.changed
    assert report.format() == (
        f"Cycle 2022-23 from {EXAMPLE}: no changes "
        f"(19 authorities, 6 groups, {PEOPLE_IN_EXAMPLE} people, {ROLES_IN_EXAMPLE} roles already up to date)."
    )
    with imported.sessions() as session:
        assert {g.key: (g.id, g.updated_at) for g in session.scalars(select(Group))} == before
    assert count(imported, Person) == PEOPLE_IN_EXAMPLE
    assert count(imported, RoleAssignment) == ROLES_IN_EXAMPLE


def test_a_dry_run_reports_but_writes_nothing(database):
    report = import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=True, **AS_RECORD)

    assert report.dry_run and report.counts["Groups added"] == 6
    assert report.format().startswith("Dry run, nothing saved. Cycle 2022-23")
    assert "would be made" in report.format()
    for model in (Cycle, Authority, Group, GroupMember, Person, RoleAssignment):
        assert count(database, model) == 0


def test_a_dry_run_of_a_correction_leaves_the_old_values(imported):
    data = example()
    data["groups"][4]["date"] = date(2023, 2, 7)

    report = import_calendar(imported.sessions, spec_of(data), dry_run=True, **AS_RECORD)

    assert report.lines() == ["Dates moved: Triad 5 from 31 Jan 2023 to 7 Feb 2023"]
    with imported.sessions() as session:
        assert group_by_key(session, "5").challenge_date == date(2023, 1, 31)


def test_a_corrected_file_updates_in_place(imported):
    with imported.sessions() as session:
        triad5_id = group_by_key(session, "5").id
        kent_id = session.scalars(select(Authority).where(Authority.code == "kent")).one().id
    data = example()
    data["groups"][4]["date"] = date(2023, 2, 7)
    data["groups"][5]["format"] = "face_to_face"
    data["groups"][5]["location"] = "Slough"
    data["authorities"][4]["name"] = "Kent County Council"
    triad1 = data["groups"][0]["members"]  # reverse the Lead Reviewer ring
    triad1[0]["lead_reviewer_for"], triad1[1]["lead_reviewer_for"], triad1[2]["lead_reviewer_for"] = (
        "east-sussex", "surrey", "wokingham")

    report = import_calendar(imported.sessions, spec_of(data), dry_run=False, **AS_RECORD)

    lines = report.lines()
    assert "Dates moved: Triad 5 from 31 Jan 2023 to 7 Feb 2023" in lines
    assert "Formats changed: Triad 6 from virtual to face to face" in lines
    assert "Locations changed: Triad 6 from none to Slough" in lines
    assert "Authorities renamed: Kent to Kent County Council" in lines
    assert any(line.startswith("Lead Reviewers changed: Triad 1: Wokingham now reviews East Sussex (was Surrey)")
               for line in lines)
    with imported.sessions() as session:
        triad5 = group_by_key(session, "5")
        assert (triad5.id, triad5.challenge_date) == (triad5_id, date(2023, 2, 7))
        assert group_by_key(session, "6").format == "face_to_face"
        kent = session.get(Authority, kent_id)
        assert kent.name == "Kent County Council"
        pairs = {(m.authority.code, m.reviews.code) for m in group_by_key(session, "1").members}
        assert pairs == {("wokingham", "east-sussex"), ("east-sussex", "surrey"), ("surrey", "wokingham")}
    assert count(imported, Group) == 6
    assert count(imported, Authority) == 19
    assert count(imported, GroupMember) == 19


def test_a_person_dropped_is_deactivated_and_comes_back(imported):
    email = "maya.okafield@east-sussex.example"
    data = example()
    dropped = next(p for p in data["people"] if p["email"] == email)
    data["people"].remove(dropped)

    report = import_calendar(imported.sessions, spec_of(data), dry_run=False, **AS_RECORD)

    assert f"People deactivated: 1 (Maya Okafield <{email}>)" in report.lines()
    assert f"Roles deactivated: 1 ({email} as participant for East Sussex)" in report.lines()
    with imported.sessions() as session:
        person = person_by_email(session, email)
        person_id = person.id
        assert not person.active
        assert [r.active for r in roles_of(session, email)] == [False]

    report = import_calendar(imported.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)

    assert f"People reactivated: 1 (Maya Okafield <{email}>)" in report.lines()
    with imported.sessions() as session:
        person = person_by_email(session, email)
        assert (person.id, person.active) == (person_id, True)
        assert [r.active for r in roles_of(session, email)] == [True]
    assert count(imported, Person) == PEOPLE_IN_EXAMPLE
    assert count(imported, RoleAssignment) == ROLES_IN_EXAMPLE


def test_a_removed_group_is_deactivated_with_its_members_and_facilitator_role(imported):
    data = example()
    data["groups"] = [g for g in data["groups"] if g["key"] != "6"]
    del data["authorities"][-3:]  # slough, buckinghamshire, southampton
    data["people"] = [p for p in data["people"]
                      if not any(r.get("authority") in {"slough", "buckinghamshire", "southampton"} for r in p["roles"])]
    next(p for p in data["people"] if p["email"].startswith("alexis"))["roles"].pop()

    report = import_calendar(imported.sessions, spec_of(data), dry_run=False, **AS_RECORD)

    assert "Groups deactivated: Triad 6" in report.lines()
    assert "Authorities deactivated: Slough, Buckinghamshire, Southampton" in report.lines()
    with imported.sessions() as session:
        triad6 = group_by_key(session, "6")
        assert not triad6.active and not any(m.active for m in triad6.members)
        scopes = {r.scope: r.active for r in roles_of(session, "alexis.tremayle@seslip.example")}
        assert scopes == {group_scope("2022-23", "3"): True, group_scope("2022-23", "6"): False}

    import_calendar(imported.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    with imported.sessions() as session:
        triad6 = group_by_key(session, "6")
        assert triad6.active and all(m.active for m in triad6.members)
    assert count(imported, Group) == 6


def test_roles_added_from_the_assistant_survive_an_import(imported):
    with imported.sessions() as session:
        kent = session.scalars(select(Authority).where(Authority.code == "kent")).one()
        newcomer = Person(email="new.delegate@kent.example", name="New Delegate")
        session.add(newcomer)
        session.flush()
        grace = person_by_email(session, "grace.albury@kent.example")
        for person, role in ((newcomer, "delegate"), (grace, "participant")):
            session.add(RoleAssignment(person_id=person.id, role=role, scope=authority_scope("kent"),
                                       authority_id=kent.id, source="assistant"))
        session.commit()

    report = import_calendar(imported.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)

    assert not report.changed
    with imported.sessions() as session:
        assert person_by_email(session, "new.delegate@kent.example").active
        assert all(r.active for r in roles_of(session, "new.delegate@kent.example"))
        assert all(r.active for r in roles_of(session, "grace.albury@kent.example"))


def test_an_assistant_role_removed_from_the_assistant_is_restored_when_the_file_lists_it(imported):
    with imported.sessions() as session:
        kent = session.scalars(select(Authority).where(Authority.code == "kent")).one()
        grace = person_by_email(session, "grace.albury@kent.example")
        session.add(RoleAssignment(person_id=grace.id, role="participant", scope=authority_scope("kent"),
                                   authority_id=kent.id, source="assistant", active=False))
        session.commit()
    data = example()
    next(p for p in data["people"] if p["email"] == "grace.albury@kent.example")["roles"].append(
        {"role": "participant", "authority": "kent"})

    report = import_calendar(imported.sessions, spec_of(data), dry_run=False, **AS_RECORD)

    assert report.lines() == ["Roles reactivated: 1 (grace.albury@kent.example as participant for Kent)"]
    with imported.sessions() as session:
        participant = [r for r in roles_of(session, "grace.albury@kent.example") if r.role == "participant"]
        assert [(r.active, r.source) for r in participant] == [(True, "calendar")]


def test_another_cycle_leaves_this_cycles_groups_and_facilitators_alone(imported):
    demo = parse_calendar(demo_calendar_text(EXAMPLE.read_text(encoding="utf-8"), date(2026, 9, 1)), "demo")
    assert demo.cycle.name != "2022-23"

    report = import_calendar(imported.sessions, demo, dry_run=False, **AS_RECORD)

    assert report.counts["Groups added"] == 6
    assert "Roles deactivated" not in report.counts
    assert count(imported, Cycle) == 2
    assert count(imported, Group, Group.active.is_(True)) == 12
    with imported.sessions() as session:
        scopes = {r.scope for r in roles_of(session, "chris.lowthwaite@seslip.example") if r.active}
        assert group_scope("2022-23", "1") in scopes and group_scope(demo.cycle.name, "1") in scopes


def test_a_file_with_problems_writes_nothing(database):
    with pytest.raises(CalendarProblems) as caught:
        load_calendar_file(HANDBOOK)
    assert [p.place.split(", ")[1] for p in caught.value.problems] == ["groups[4].date", "groups[5].format"]
    assert count(database, Cycle) == 0


def test_an_error_part_way_rolls_everything_back(database, monkeypatch):
    def fail(self, people):
        raise RuntimeError("simulated failure after the groups and people were written")

    monkeypatch.setattr(calendar_import._Import, "deactivate_absent_people", fail)
    with pytest.raises(RuntimeError):
        import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    for model in (Cycle, Authority, Group, Person, RoleAssignment):
        assert count(database, model) == 0


def test_settings_changes_are_reported_and_stored(imported):
    data = example()
    data["cycle"]["settings"]["send_time"] = "10:00"

    report = import_calendar(imported.sessions, spec_of(data), dry_run=False, **AS_RECORD)

    assert report.lines() == ["Cycle settings changed: send_time from 09:00 to 10:00"]
    with imported.sessions() as session:
        assert session.scalars(select(Cycle)).one().settings["send_time"] == "10:00"


def test_a_missing_file_is_a_clear_problem(tmp_path):
    with pytest.raises(CalendarProblems) as caught:
        load_calendar_file(tmp_path / "nowhere.yaml")
    assert caught.value.problems[0].message.endswith("does not exist; check the path")


def test_a_cycle_wholly_in_the_past_is_refused_unless_it_is_imported_as_a_past_cycle(database):
    spec = load_calendar_file(EXAMPLE)
    after_it = date(2023, 4, 3)  # the 2022-23 cycle ended on 31 March 2023

    with pytest.raises(PastCycle) as refused:
        import_calendar(database.sessions, spec, dry_run=False, today=after_it)
    assert "wholly in the past" in str(refused.value) and "1 Apr 2022 to 31 Mar 2023" in str(refused.value)
    assert isinstance(refused.value, CalendarProblems)  # every entry point already shows a calendar's problems
    assert count(database, Cycle) == 0 and count(database, Person) == 0

    report = import_calendar(database.sessions, spec, dry_run=False, today=after_it, past_cycle=True, person_id=None, channel="cli")
    assert count(database, Group) == 6
    assert report.warnings == []  # a past cycle's days are all past: saying so for each would say nothing
    with database.sessions() as session:
        assert session.scalar(select(AuditEntry.subject)) == "cycle=2022-23 past-cycle"  # the choice is on the record


def test_a_groups_day_already_past_inside_the_current_cycle_is_imported_with_a_warning(database):
    spec = load_calendar_file(EXAMPLE)
    mid_cycle = date(2023, 1, 20)  # Triad 6 met on 5 January and Triad 1 on the 16th

    report = import_calendar(database.sessions, spec, dry_run=False, today=mid_cycle)
    assert [w.split(",")[0] for w in report.warnings] == ["Triad 1's challenge day", "Triad 6's challenge day"]
    assert "16 Jan 2023, is already past: check the date" in report.warnings[0]
    assert "  Warning: Triad 1's challenge day" in report.format()
    assert count(database, Group) == 6  # imported as the file says

    assert import_calendar(database.sessions, spec, dry_run=True, today=mid_cycle).warnings == []  # nothing new: no warning again
    data = example()
    data["groups"][4]["date"] = date(2023, 1, 17)  # Triad 5 moved to a day already past, by mistake
    data["groups"][3]["date"] = date(2023, 3, 7)  # Triad 4 moved later: no warning
    moved = import_calendar(database.sessions, spec_of(data), dry_run=True, today=mid_cycle)
    assert len(moved.warnings) == 1 and moved.warnings[0].startswith("Triad 5's challenge day, 17 Jan 2023, is already past")
