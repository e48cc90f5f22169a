"""The calendar file: parsing, defaults, and every kind of problem, all reported at once."""

from __future__ import annotations

import dataclasses
from datetime import date, time
from pathlib import Path

import pytest
import yaml

from programme.calendar.cycle_settings import CycleSettings, InvalidSettings, ModerationWindow
from programme.calendar.file import CalendarProblems, Problem, parse_calendar
from programme.people.roles import Role
from programme.validation import email_problem, normalise_email

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "south-east-2022-23.yaml"
HANDBOOK = ROOT / "tests" / "fixtures" / "handbook-original-2022-23.yaml"


def example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def problems(data: dict | str) -> list[Problem]:
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    with pytest.raises(CalendarProblems) as caught:
        parse_calendar(text, "test.yaml")
    return caught.value.problems


def only_problem(data: dict | str) -> Problem:
    found = problems(data)
    assert len(found) == 1, [str(problem) for problem in found]
    return found[0]


def group(data: dict, key: str) -> dict:
    return next(item for item in data["groups"] if item["key"] == key)


def person(data: dict, email: str) -> dict:
    return next(item for item in data["people"] if item["email"] == email)


# -- the example and the handbook


def test_the_example_parses():
    spec = parse_calendar(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))

    assert spec.cycle.name == "2022-23"
    assert (spec.cycle.starts_on, spec.cycle.ends_on) == (date(2022, 4, 1), date(2023, 3, 31))
    assert len(spec.authorities) == 19
    assert [g.name for g in spec.groups] == ["Triad 1", "Triad 2", "Quartet 3", "Triad 4", "Triad 5", "Triad 6"]
    triad5 = spec.groups[4]
    assert triad5.date == date(2023, 1, 31) and triad5.format == "virtual"
    quartet = spec.groups[2]
    assert quartet.kind == "quartet"
    assert {(m.authority, m.lead_reviewer_for) for m in quartet.members} == {
        ("oxfordshire", "hampshire"), ("hampshire", "reading"),
        ("isle-of-wight", "oxfordshire"), ("reading", "isle-of-wight"),
    }
    shared = [p for p in spec.people if {r.authority for r in p.roles if r.role is Role.DCS} == {"hampshire", "isle-of-wight"}]
    assert len(shared) == 1
    dcs_for = {r.authority for p in spec.people for r in p.roles if r.role is Role.DCS}
    assert dcs_for == {a.code for a in spec.authorities}
    assert all(p.email.split("@")[1].endswith(".example") for p in spec.people)
    assert sum(1 for p in spec.people for r in p.roles if r.role is Role.COORDINATOR) == 2
    assert {r.group for p in spec.people for r in p.roles if r.role is Role.FACILITATOR} == {"1", "2", "3", "4", "5", "6"}


def test_the_spec_is_frozen():
    spec = parse_calendar(EXAMPLE.read_text(encoding="utf-8"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.groups[0].date = date(2023, 1, 17)  # type: ignore[misc]


def test_the_handbook_as_written_is_rejected_with_both_mistakes_at_once():
    text = HANDBOOK.read_text(encoding="utf-8")
    found = problems(text)

    assert len(found) == 2
    date_problem, format_problem = found
    date_line = next(n for n, line in enumerate(text.splitlines(), 1) if "2022-01-31" in line)
    format_line = next(n for n, line in enumerate(text.splitlines(), 1) if "format: Virtua" in line)
    assert date_problem.place == f"line {date_line}, groups[4].date"
    assert "outside the cycle 2022-23" in date_problem.message and "2023-01-31" in date_problem.message
    assert format_problem.place == f"line {format_line}, groups[5].format"
    assert format_problem.message == "format is 'Virtua'; use face_to_face or virtual"
    assert str(format_problem) == f"line {format_line}, groups[5].format: format is 'Virtua'; use face_to_face or virtual"


def test_the_exception_lists_every_problem():
    with pytest.raises(CalendarProblems) as caught:
        parse_calendar(HANDBOOK.read_text(encoding="utf-8"), "handbook.yaml")
    assert str(caught.value).startswith("handbook.yaml has 2 problems:")
    assert caught.value.source == "handbook.yaml"


def test_many_mistakes_are_all_reported_in_file_order():
    data = example()
    data["cycle"]["settings"]["send_time"] = 9
    data["authorities"][1]["code"] = "wokingham"
    data["people"][0]["email"] = "not-an-address"
    group(data, "2")["format"] = "hybrid"
    group(data, "6")["kind"] = "quartet"
    found = problems(data)

    assert len(found) >= 5
    lines = [problem.line for problem in found]
    assert lines == sorted(lines)


# -- settings


def test_settings_default_when_left_out():
    data = example()
    del data["cycle"]["settings"]
    spec = parse_calendar(yaml.safe_dump(data))

    settings = spec.cycle.settings
    assert settings == CycleSettings()
    assert settings.send_time == time(9, 0)
    assert settings.dissemination_days_before == 14
    assert settings.moderation_window_weeks == ModerationWindow(opens=12, closes=8)
    assert settings.self_assessment_reminder_days == 7
    assert settings.note_follow_up_working_days == (5, 10)
    assert settings.note_escalation_working_days == 15
    assert settings.lead_member_reminder_working_days == 5
    assert settings.asks_offers_prompt_working_days == (2, 7)
    assert settings.late_limit_working_days == 2


def test_settings_given_in_part_keep_the_other_defaults():
    data = example()
    data["cycle"]["settings"] = {"send_time": "08:30", "moderation_window_weeks": {"opens": 10}}
    settings = parse_calendar(yaml.safe_dump(data)).cycle.settings

    assert settings.send_time == time(8, 30)
    assert settings.moderation_window_weeks == ModerationWindow(opens=10, closes=8)
    assert settings.dissemination_days_before == 14


def test_settings_round_trip_through_json_form():
    settings = CycleSettings(send_time=time(10, 15), note_follow_up_working_days=(3, 6, 9))
    stored = settings.to_dict()

    assert stored["send_time"] == "10:15"
    assert stored["moderation_window_weeks"] == {"opens": 12, "closes": 8}
    assert CycleSettings.from_mapping(stored) == settings
    assert CycleSettings.from_mapping(None) == CycleSettings()


def test_the_default_deadline_is_the_offset_unless_the_group_sets_one():
    settings = CycleSettings()
    assert settings.dissemination_deadline(date(2023, 1, 16)) == date(2023, 1, 2)
    assert settings.dissemination_deadline(date(2023, 1, 16), date(2022, 12, 20)) == date(2022, 12, 20)


def test_bad_settings_are_each_reported_with_their_place():
    data = example()
    data["cycle"]["settings"] = {
        "send_time": 540,  # what YAML makes of an unquoted 9:00
        "dissemination_days_before": "two weeks",
        "moderation_window_weeks": {"opens": 8, "closes": 12},
        "note_follow_up_working_days": [10, 5],
        "late_limit_working_days": True,
        "sendtime": "09:00",
    }
    found = {problem.place.split(", ")[1]: problem.message for problem in problems(data)}

    assert 'in quotes, e.g. "09:00"' in found["cycle.settings.send_time"]
    assert "whole number of days" in found["cycle.settings.dissemination_days_before"]
    assert "opens must be more weeks before than closes" in found["cycle.settings.moderation_window_weeks"]
    assert "each larger than the one before" in found["cycle.settings.note_follow_up_working_days"]
    assert "whole number of working days" in found["cycle.settings.late_limit_working_days"]
    assert "did you mean 'send_time'?" in found["cycle.settings.sendtime"]
    assert len(found) == 6


def test_settings_mapping_check_stands_alone():
    with pytest.raises(InvalidSettings) as caught:
        CycleSettings.from_mapping({"moderation_window_weeks": {"opens": "soon", "shuts": 8}})
    paths = [path for path, _ in caught.value.problems]
    assert paths == [("moderation_window_weeks", "opens"), ("moderation_window_weeks", "shuts")]


# -- the shape of the file


def test_yaml_syntax_errors_give_the_line():
    text = EXAMPLE.read_text(encoding="utf-8").replace("    kind: quartet\n", "    kind: [quartet\n")
    problem = only_problem(text)
    assert problem.place.startswith("line ")
    assert "not valid YAML" in problem.message
    assert problem.line is not None and problem.line > 100


def test_a_missing_colon_names_the_line_it_is_on():
    text = EXAMPLE.read_text(encoding="utf-8")
    slip = next(n for n, line in enumerate(text.splitlines(), 1) if line == "    kind: triad")
    problem = only_problem(text.replace("    kind: triad\n", "    kind triad\n", 1))
    assert f"line {slip}" in str(problem)


def test_an_empty_file_says_what_it_needs():
    problem = only_problem("")
    assert "the file is empty" in problem.message and "cycle" in problem.message


def test_missing_keys_say_what_to_add():
    data = example()
    del group(data, "3")["date"]
    del data["cycle"]["ends_on"]
    found = problems(data)
    messages = {problem.place.split(", ")[1]: problem.message for problem in found}
    assert messages["groups[2].date"] == "missing date; add it, e.g. date: 2023-01-16"
    assert messages["cycle.ends_on"].startswith("missing ends_on")


def test_unknown_keys_suggest_the_likely_one():
    data = example()
    group(data, "1")["locaton"] = "Reading"
    problem = only_problem(data)
    assert problem.place.endswith("groups[0].locaton")
    assert "unknown key 'locaton'; did you mean 'location'?" in problem.message


def test_a_key_written_twice_is_reported():
    text = EXAMPLE.read_text(encoding="utf-8").replace("    location: London\n", "    location: London\n    location: Leeds\n")
    problem = only_problem(text)
    assert "groups[0].location" in problem.place and "written twice" in problem.message


def test_a_section_that_is_not_a_list():
    data = example()
    data["authorities"] = {"code": "kent", "name": "Kent"}
    found = problems(data)
    assert any(p.place.endswith(", authorities") and "must be a list" in p.message for p in found)


# -- authorities


def test_duplicate_authority_codes():
    data = example()
    data["authorities"].append({"code": "kent", "name": "Kent County"})
    problem = only_problem(data)
    assert problem.place.endswith("authorities[19].code")
    assert "already used at authorities[4]" in problem.message


def test_an_authority_code_must_be_a_slug():
    data = example()
    data["authorities"].append({"code": "Isle of Man", "name": "Isle of Man"})
    problem = only_problem(data)
    assert "'isle-of-man'" in problem.message


def test_an_unknown_authority_in_a_group_suggests_the_nearest():
    data = example()
    group(data, "1")["members"][0]["authority"] = "wokingam"
    found = problems(data)
    assert found[0].place.endswith("groups[0].members[0].authority")
    assert "'wokingam' is not one of the authorities listed; did you mean 'wokingham'?" in found[0].message


def test_an_unknown_authority_in_a_role():
    data = example()
    person(data, "grace.albury@kent.example")["roles"][0]["authority"] = "kentt"
    problem = only_problem(data)
    assert problem.place.endswith("people[4].roles[0].authority")
    assert "did you mean 'kent'?" in problem.message


def test_an_authority_in_two_groups():
    data = example()
    group(data, "2")["members"][0]["authority"] = "wokingham"
    found = problems(data)
    two_groups = [p for p in found if "already in Triad 1" in p.message]
    assert len(two_groups) == 1
    assert two_groups[0].place.endswith("groups[1].members[0].authority")
    assert "one group per cycle" in two_groups[0].message


# -- groups


def test_duplicate_group_keys():
    data = example()
    group(data, "6")["key"] = "5"
    found = problems(data)
    assert any(p.place.endswith("groups[5].key") and "already used at groups[4]" in p.message for p in found)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("format", "Virtua", "format is 'Virtua'; use face_to_face or virtual"),
    ("format", "F to F", "format is 'F to F'; use face_to_face or virtual"),
    ("kind", "trio", "kind is 'trio'; use triad or quartet"),
])
def test_invalid_choices(key, value, message):
    data = example()
    group(data, "4")[key] = value
    found = problems(data)
    assert found[0].place.endswith(f"groups[3].{key}")
    assert found[0].message == message


def test_a_quartet_with_three_members():
    data = example()
    group(data, "1")["kind"] = "quartet"
    problem = only_problem(data)
    assert problem.place.endswith("groups[0].members")
    assert problem.message == "Triad 1 is a quartet but has 3 members; a quartet has 4: change kind to triad, or add a member"


def test_a_triad_with_four_members():
    data = example()
    group(data, "3")["kind"] = "triad"
    problem = only_problem(data)
    assert problem.message == "Quartet 3 is a triad but has 4 members; a triad has 3: change kind to quartet, or remove a member"


def test_a_lead_reviewer_for_an_authority_outside_the_group():
    data = example()
    group(data, "1")["members"][0]["lead_reviewer_for"] = "kent"
    problem = only_problem(data)
    assert problem.place.endswith("groups[0].members[0].lead_reviewer_for")
    assert problem.message == "lead_reviewer_for 'kent' is not a member of Triad 1; name one of east-sussex or surrey"


def test_no_self_review():
    data = example()
    group(data, "1")["members"][0]["lead_reviewer_for"] = "wokingham"
    problem = only_problem(data)
    assert "wokingham cannot be its own Lead Reviewer" in problem.message


def test_each_member_reviewed_by_exactly_one():
    data = example()
    # Wokingham and East Sussex both review Surrey; nobody reviews Wokingham.
    group(data, "1")["members"][1]["lead_reviewer_for"] = "surrey"
    group(data, "1")["members"][2]["lead_reviewer_for"] = "east-sussex"
    found = problems(data)
    messages = [p.message for p in found]
    assert "surrey already has a Lead Reviewer (wokingham); each member is reviewed by exactly one other member" in messages
    assert len(found) == 1  # the gap left at wokingham follows from the same slip


def test_a_member_nobody_reviews():
    data = example()
    members = group(data, "3")["members"]
    members[0]["lead_reviewer_for"] = "reading"  # reading is then reviewed twice, hampshire by nobody
    found = problems(data)
    assert any("reading already has a Lead Reviewer" in p.message for p in found)


def test_a_member_listed_twice_in_a_group():
    data = example()
    group(data, "1")["members"][2] = {"authority": "wokingham", "lead_reviewer_for": "east-sussex"}
    found = problems(data)
    assert any("wokingham is listed twice in Triad 1" in p.message for p in found)


def test_a_date_outside_the_cycle():
    data = example()
    group(data, "2")["date"] = date(2023, 4, 3)
    problem = only_problem(data)
    assert problem.place.endswith("groups[1].date")
    assert "outside the cycle 2022-23 (2022-04-01 to 2023-03-31)" in problem.message


def test_a_date_that_is_not_a_date():
    data = example()
    group(data, "1")["date"] = "16/01/2023"
    group(data, "2")["date"] = "2023-02-30"
    found = problems(data)
    assert "write it as YYYY-MM-DD, e.g. 2023-01-16" in found[0].message
    assert "'2023-02-30', which is not a date" in found[1].message


def test_an_impossible_unquoted_date_is_reported_not_raised():
    text = EXAMPLE.read_text(encoding="utf-8").replace("date: 2023-02-24", "date: 2023-02-30")
    problem = only_problem(text)
    assert problem.place.endswith("groups[1].date") and "not a date" in problem.message


def test_a_dissemination_deadline_on_or_after_the_challenge_date():
    data = example()
    group(data, "1")["dissemination_deadline"] = date(2023, 1, 16)
    problem = only_problem(data)
    assert problem.place.endswith("groups[0].dissemination_deadline")
    assert "on or after the challenge date 2023-01-16" in problem.message
    assert "2023-01-02" in problem.message  # what the default would be


def test_a_dissemination_deadline_before_the_day_is_kept():
    data = example()
    group(data, "1")["dissemination_deadline"] = date(2023, 1, 2)
    spec = parse_calendar(yaml.safe_dump(data))
    assert spec.groups[0].dissemination_deadline == date(2023, 1, 2)
    assert spec.groups[1].dissemination_deadline is None


def test_cycle_must_end_after_it_starts():
    data = example()
    data["cycle"]["ends_on"] = date(2022, 3, 1)
    found = problems(data)
    assert found[0].place.endswith("cycle.ends_on") and "is not after starts_on" in found[0].message


# -- people and roles


def test_an_invalid_email():
    data = example()
    data["people"][2]["email"] = "priya.castellane.surrey.example"
    problem = only_problem(data)
    assert problem.place.endswith("people[2].email")
    assert "has no '@'" in problem.message


def test_a_duplicate_person_ignoring_case():
    data = example()
    data["people"].append({"name": "Grace Albury", "email": "Grace.Albury@KENT.example",
                           "roles": [{"role": "participant", "authority": "kent"}]})
    problem = only_problem(data)
    assert problem.place.endswith(f"people[{len(data['people']) - 1}].email")
    assert "grace.albury@kent.example is already listed at people[4]" in problem.message


def test_emails_are_stored_lower_case():
    data = example()
    data["people"][0]["email"] = "Harriet.Quillfeather@Wokingham.example"
    spec = parse_calendar(yaml.safe_dump(data))
    assert spec.people[0].email == "harriet.quillfeather@wokingham.example"


def test_an_invalid_role_name():
    data = example()
    data["people"][0]["roles"][0]["role"] = "director"
    problem = only_problem(data)
    assert problem.place.endswith("people[0].roles[0].role")
    assert problem.message.startswith("role is 'director'; use dcs, delegate, participant")


def test_an_authority_role_without_an_authority():
    data = example()
    del data["people"][0]["roles"][0]["authority"]
    problem = only_problem(data)
    assert problem.place.endswith("people[0].roles[0].authority")
    assert problem.message == "role dcs needs an authority; add it, e.g. {role: dcs, authority: kent}"


def test_a_regional_role_takes_no_authority():
    data = example()
    person(data, "jo.carverley@seslip.example")["roles"][0]["authority"] = "kent"
    problem = only_problem(data)
    assert problem.message == "coordinator is a regional role; remove authority"


def test_a_facilitator_needs_a_known_group():
    data = example()
    roles = person(data, "chris.lowthwaite@seslip.example")["roles"]
    roles[0] = {"role": "facilitator"}
    roles[1] = {"role": "facilitator", "group": "7"}
    found = problems(data)
    assert "role facilitator needs the key of a group" in found[0].message
    assert "group '7' is not a group key in this file" in found[1].message


def test_an_unquoted_group_key_is_read_as_text():
    data = example()
    group(data, "1")["key"] = 1
    person(data, "chris.lowthwaite@seslip.example")["roles"][0]["group"] = 1
    spec = parse_calendar(yaml.safe_dump(data))
    assert spec.groups[0].key == "1"


def test_a_role_listed_twice():
    data = example()
    data["people"][0]["roles"].append({"role": "dcs", "authority": "wokingham"})
    problem = only_problem(data)
    assert "this role is already listed at people[0].roles[0]" in problem.message


# -- the reusable checks


@pytest.mark.parametrize("value", ["a@b.example", "first.last+tag@sub.council.example", " x@y.example "])
def test_valid_emails(value):
    assert email_problem(value) is None


@pytest.mark.parametrize(("value", "fragment"), [
    ("", "an email address is needed"),
    (None, "an email address is needed"),
    ("a b@c.example", "contains a space"),
    ("ab.example", "has no '@'"),
    ("a@b@c.example", "more than one '@'"),
    ("@c.example", "nothing before the '@'"),
    ("a@", "nothing after the '@'"),
    ("a@localhost", "has no dot"),
    ("a..b@c.example", "before the '@' is not valid"),
    ("a@c..example", "is not valid"),
])
def test_invalid_emails(value, fragment):
    assert fragment in email_problem(value)


def test_normalise_email():
    assert normalise_email("  Alex.Example@Kent.EXAMPLE ") == "alex.example@kent.example"


BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


@pytest.mark.parametrize(("text", "said"), [
    (BILLION_LAUGHS, "write the calendar out in full"),
    ("cycle:\n  name: 2022-23\x00\n", "not valid YAML"),
    ("a:\n" + "".join("  " * n + "- \n" for n in range(1, 60)), "YAML"),
])
def test_a_hostile_calendar_is_refused_with_a_problem_not_a_traceback_or_a_stall(text, said):
    with pytest.raises(CalendarProblems) as raised:
        parse_calendar(text)
    assert said in str(raised.value.problems[0].message)


def test_a_cycle_may_give_its_own_library_and_benchmarking_pack():
    from programme.calendar.cycle_settings import CycleSettings, InvalidSettings
    from programme.links import ProgrammeLinks

    own = CycleSettings.from_mapping({"library_url": "https://cycle.example/library"})
    region = ProgrammeLinks("https://region.example/library", "https://region.example/pack")
    assert region.for_cycle(own) == ProgrammeLinks("https://cycle.example/library", "https://region.example/pack")
    assert ProgrammeLinks.of_cycle(own) == {"library_url": "https://cycle.example/library"}
    assert CycleSettings.from_mapping(own.to_dict()) == own
    with pytest.raises(InvalidSettings, match="benchmarking_pack_url is 'the shared drive'"):
        CycleSettings.from_mapping({"benchmarking_pack_url": "the shared drive"})
