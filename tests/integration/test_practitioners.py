"""Suggesting practitioners for an enquiry: the ranking rules alone, then over the example calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from programme.calendar.importer import import_calendar, load_calendar_file
from programme.errors import NotFound
from programme.moderation.practitioners import Candidate, Need, days_this_cycle, independence_problem, rank, suggest_practitioners
from programme.panel.nomination import answer_invitation, submit_nomination
from programme.people.identity import find_person
from programme.people.profile import load_profile
from storage.calendar import Cycle
from storage.moderation import Assignment, Enquiry
from storage.people import Authority, Person, RoleAssignment
from tests.support.assistant import EXAMPLE
from tests.support.calendars import AS_RECORD

# Authorities and groups as in the example calendar: Triad 1 is Wokingham, East Sussex and Surrey.
WOKINGHAM, EAST_SUSSEX, SURREY, KENT, OXFORDSHIRE, MEDWAY = 1, 2, 3, 4, 5, 6
TRIAD_1, TRIAD_2, QUARTET_3, TRIAD_4 = 11, 12, 13, 14
NAMES = {WOKINGHAM: "Wokingham", EAST_SUSSEX: "East Sussex", SURREY: "Surrey", KENT: "Kent", OXFORDSHIRE: "Oxfordshire", MEDWAY: "Medway"}
GROUPS = {WOKINGHAM: TRIAD_1, EAST_SUSSEX: TRIAD_1, SURREY: TRIAD_1, KENT: TRIAD_2, OXFORDSHIRE: QUARTET_3, MEDWAY: TRIAD_4}
NOW = datetime(2022, 10, 3, 9, 0, tzinfo=UTC)


def _candidate(person_id, name, authority, *, covers="both", areas=("open",), days=0.0, roles=()) -> Candidate:
    return Candidate(
        person_id=person_id,
        name=name,
        email=f"{name.lower().replace(' ', '.')}@{NAMES[authority].lower().replace(' ', '-')}.example",
        authority_id=authority,
        authority_name=NAMES[authority],
        covers=covers,
        areas=tuple(areas),
        group_id=GROUPS[authority],
        days_this_cycle=days,
        holds_role_in=frozenset({authority, *roles}),
    )


def _need(authority=WOKINGHAM, support="universal", expertise=(), excluded=()) -> Need:
    return Need(
        authority_id=authority,
        group_id=GROUPS[authority],
        support=support,
        expertise=tuple(expertise),
        excluded=frozenset(excluded),
    )


def _names(suggestions) -> list[str]:
    return [s.candidate.name for s in suggestions]


NINA = _candidate(1, "Nina Oseiwood", KENT)
TOM = _candidate(2, "Tom Radleigh", OXFORDSHIRE)
ALMA = _candidate(3, "Alma Westerby", SURREY, covers="universal", areas=("send",))
JUN = _candidate(4, "Jun Harrowgate", MEDWAY, covers="small_packages", areas=("send", "fostering"))
PEARL = _candidate(5, "Pearl Ashworth", WOKINGHAM, areas=("send",))
# Nominated by Kent, but also a participant for Wokingham this cycle.
OSCAR = _candidate(6, "Oscar Fenwright", KENT, areas=("send",), roles=(WOKINGHAM,))
PANEL = [NINA, TOM, ALMA, JUN, PEARL, OSCAR]


def test_nobody_from_or_tied_to_the_enquiring_authority_is_suggested():
    names = _names(rank(PANEL, _need(expertise=("send",))))
    assert "Pearl Ashworth" not in names  # nominated by Wokingham
    assert "Oscar Fenwright" not in names  # a participant for Wokingham, though nominated by Kent
    assert "Oscar Fenwright" in _names(rank(PANEL, _need(authority=MEDWAY, expertise=("send",))))


def test_other_groups_first_then_exact_matches_then_fewer_days():
    panel = [replace(NINA, days_this_cycle=3), TOM, ALMA, _candidate(7, "Ola Penrose", OXFORDSHIRE, areas=("send", "fostering"), days=6)]
    suggestions = rank(panel, _need(expertise=("send",)))
    # Ola matches exactly, though she has given the most days; Alma matches exactly but is in Wokingham's triad.
    assert _names(suggestions) == ["Ola Penrose", "Tom Radleigh", "Nina Oseiwood", "Alma Westerby"]
    assert [(s.fit, s.same_group) for s in suggestions] == [("exact", False), ("open", False), ("open", False), ("exact", True)]


def test_more_matched_areas_rank_higher():
    one = _candidate(7, "Ola Penrose", OXFORDSHIRE, areas=("send",))
    two = _candidate(8, "Bea Kingsmere", KENT, areas=("send", "fostering"), days=10)
    assert _names(rank([one, two], _need(expertise=("send", "fostering")))) == ["Bea Kingsmere", "Ola Penrose"]


def test_equal_days_are_ordered_by_name():
    assert _names(rank([TOM, NINA], _need())) == ["Nina Oseiwood", "Tom Radleigh"]
    assert _names(rank([replace(NINA, days_this_cycle=0.5), TOM], _need())) == ["Tom Radleigh", "Nina Oseiwood"]


@pytest.mark.parametrize(
    ("support", "expected"),
    [
        ("universal", ["Nina Oseiwood", "Tom Radleigh", "Alma Westerby"]),  # Jun covers small packages only
        ("small_package", ["Jun Harrowgate", "Nina Oseiwood", "Tom Radleigh"]),  # Alma covers universal only
    ],
)
def test_what_a_nomination_covers_must_fit_the_support(support, expected):
    assert _names(rank(PANEL, _need(support=support, expertise=("send",)))) == expected


def test_areas_must_match_unless_open_or_nothing_is_asked():
    assert _names(rank(PANEL, _need(expertise=("safeguarding",)))) == ["Nina Oseiwood", "Tom Radleigh"]
    everyone = rank(PANEL, _need())
    assert _names(everyone) == ["Nina Oseiwood", "Tom Radleigh", "Alma Westerby"]
    assert {s.fit for s in everyone} == {"open"}


def test_people_already_invited_to_the_enquiry_are_left_out():
    assert _names(rank(PANEL, _need(excluded={NINA.person_id, ALMA.person_id}))) == ["Tom Radleigh"]


def test_an_unknown_kind_of_support_is_a_mistake():
    with pytest.raises(ValueError, match="support"):
        rank(PANEL, _need(support="everything"))


def test_reasons_a_coordinator_can_read():
    bea = _candidate(8, "Bea Kingsmere", KENT, areas=("send", "fostering"))
    suggestions = rank([bea, replace(TOM, days_this_cycle=1), replace(ALMA, days_this_cycle=2.5)], _need(expertise=("send", "fostering")))
    assert [s.reason for s in suggestions] == [
        "Covers SEND and Fostering; Kent is not in the enquiring authority's group; 0 days given this cycle.",
        "Open to any area; Oxfordshire is not in the enquiring authority's group; 1 day given this cycle.",
        "Covers SEND; Surrey is in the enquiring authority's group; 2.5 days given this cycle.",
    ]
    no_group = replace(_need(), group_id=None)
    assert rank([NINA], no_group)[0].reason == (
        "No particular expertise asked for; the enquiring authority has no group this cycle; 0 days given this cycle."
    )


AUTHORITIES = st.integers(min_value=1, max_value=6)
CANDIDATES = st.lists(
    st.builds(
        Candidate,
        person_id=st.integers(min_value=1, max_value=50),
        name=st.sampled_from(["Nina Oseiwood", "Tom Radleigh", "Alma Westerby", "Jun Harrowgate", "Ola Penrose"]),
        email=st.just("panel.member@council.example"),
        authority_id=AUTHORITIES,
        authority_name=st.sampled_from(list(NAMES.values())),
        covers=st.sampled_from(["universal", "small_packages", "both"]),
        areas=st.one_of(st.just(("open",)), st.lists(st.sampled_from(["send", "fostering", "safeguarding"]), max_size=3).map(tuple)),
        group_id=st.one_of(st.none(), st.sampled_from([TRIAD_1, TRIAD_2, QUARTET_3])),
        days_this_cycle=st.floats(min_value=0, max_value=60, allow_nan=False),
        holds_role_in=st.frozensets(AUTHORITIES, max_size=3),
    ),
    max_size=12,
)
NEEDS = st.builds(
    Need,
    authority_id=AUTHORITIES,
    group_id=st.one_of(st.none(), st.sampled_from([TRIAD_1, TRIAD_2, QUARTET_3])),
    support=st.sampled_from(["universal", "small_package"]),
    expertise=st.lists(st.sampled_from(["send", "fostering", "safeguarding"]), max_size=2, unique=True).map(tuple),
    excluded=st.frozensets(st.integers(min_value=1, max_value=50), max_size=5),
)


@given(CANDIDATES, NEEDS)
def test_independence_is_never_broken_and_the_order_holds(candidates, need):
    suggestions = rank(candidates, need)
    for s in suggestions:
        assert s.candidate.authority_id != need.authority_id
        assert need.authority_id not in s.candidate.holds_role_in
        assert s.candidate.person_id not in need.excluded
        assert s.same_group == (need.group_id is not None and s.candidate.group_id == need.group_id)
    keys = [(s.same_group, s.fit != "exact", -len(s.matched), s.candidate.days_this_cycle) for s in suggestions]
    assert keys == sorted(keys)


# Over the example calendar.

COORDINATOR = "jo.carverley@seslip.example"


@pytest.fixture
def calendar(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    return database


def _id(session, model, **where) -> int:
    return session.scalar(select(model.id).filter_by(**where))


def _join(session, authority, email, name, covers, areas, token, *, named_elsewhere=False) -> int:
    """Nominated by a coordinator, and accepted by the nominee (`named_elsewhere`: with the calendar's
    roles for the person set aside while the nomination is made, then put back)."""
    profile = load_profile(session, find_person(session, email=COORDINATOR), NOW.date(), detail=False)
    if named_elsewhere:
        roles = list(session.scalars(select(RoleAssignment).join(Person).where(Person.email == email, RoleAssignment.active.is_(True))))
        for role in roles:
            role.active = False
        session.flush()
        try:
            return _join(session, authority, email, name, covers, areas, token)
        finally:
            for role in roles:
                role.active = True
            session.flush()
    form = {
        "authority": authority, "nominee_name": name, "nominee_email": email, "job_title": "Service Manager",
        "service_area": "Children's social care", "covers": covers, "areas": areas, "agreed": "yes",
    }
    assert submit_nomination(session, profile, token, form, NOW).done
    person = find_person(session, email=email)
    answer_invitation(session, person, accept=True, nomination_id=None, now=NOW)
    return person.id


def _enquiry(session, authority_code, token, *, support="universal", expertise=("send",)) -> Enquiry:
    enquiry = Enquiry(
        cycle_id=_id(session, Cycle, name="2022-23"),
        authority_id=_id(session, Authority, code=authority_code),
        support=support,
        conclusion="Our early help offer reaches families before needs escalate.",
        work=["case_files"],
        expertise=list(expertise),
        estimated_days=3,
        report_needed_by=date(2022, 12, 9),
        contact_name="Harriet Quillfeather",
        contact_email="harriet.quillfeather@wokingham.example",
        stage="package_agreed",
        submitted_by_person_id=find_person(session, email="harriet.quillfeather@wokingham.example").id,
        form_token=token,
    )
    session.add(enquiry)
    session.flush()
    return enquiry


def _assign(session, enquiry, email, status, *, agreed=3.0, worked=None) -> None:
    person = find_person(session, email=email)
    authority_id = session.scalar(
        select(Authority.id).where(Authority.code == email.split("@")[1].removesuffix(".example"))
    )
    session.add(Assignment(
        enquiry_id=enquiry.id, person_id=person.id, authority_id=authority_id, status=status,
        invited_by_person_id=find_person(session, email=COORDINATOR).id, days_agreed=agreed, days_worked=worked,
    ))
    session.flush()


def test_suggestions_for_a_wokingham_enquiry(calendar):
    with calendar.session() as session:
        _join(session, "hampshire", "ola.penrose@hampshire.example", "Ola Penrose", "both", "send, fostering", "t-ola")
        _join(session, "surrey", "alma.westerby@surrey.example", "Alma Westerby", "universal", "send", "t-alma")
        _join(session, "medway", "jun.harrowgate@medway.example", "Jun Harrowgate", "small_packages", "send", "t-jun")
        _join(session, "wokingham", "pearl.ashworth@wokingham.example", "Pearl Ashworth", "both", "open", "t-pearl")
        # Leo Brandwick is Wokingham's delegate; a Reading nomination (made before the calendar named him for
        # Wokingham, as a nomination for another authority is refused now) does not make him independent of it.
        _join(session, "reading", "leo.brandwick@wokingham.example", "Leo Brandwick", "both", "open", "t-leo", named_elsewhere=True)
        _join(session, "reading", "ravi.dunmore@reading.example", "Ravi Dunmore", "both", "send", "t-ravi")
        medway = _enquiry(session, "medway", "e-medway")
        _assign(session, medway, "nina.oseiwood@kent.example", "completed", agreed=3, worked=2.5)
        _assign(session, medway, "tom.radleigh@oxfordshire.example", "declined")
        wokingham = _enquiry(session, "wokingham", "e-wokingham")
        _assign(session, wokingham, "ravi.dunmore@reading.example", "declined")
        session.commit()

        suggestions = suggest_practitioners(session, wokingham.id)
        assert _names(suggestions) == ["Ola Penrose", "Tom Radleigh", "Nina Oseiwood", "Alma Westerby"]
        ola, tom, nina, alma = suggestions
        assert ola.reason == "Covers SEND; Hampshire is not in the enquiring authority's group; 0 days given this cycle."
        assert tom.candidate.covers == "both" and tom.candidate.areas == ("open",) and tom.fit == "open"
        assert nina.candidate.days_this_cycle == 2.5 and nina.reason.endswith("2.5 days given this cycle.")
        assert alma.same_group and alma.fit == "exact"
        assert _names(suggest_practitioners(session, wokingham.id, limit=2)) == ["Ola Penrose", "Tom Radleigh"]
        assert days_this_cycle(session, nina.candidate.person_id, wokingham.cycle_id) == 2.5
        assert days_this_cycle(session, tom.candidate.person_id, wokingham.cycle_id) == 0

        problem = independence_problem(session, wokingham, find_person(session, email="leo.brandwick@wokingham.example").id)
        assert problem.startswith("Leo Brandwick cannot work on enquiry") and "Delegate of the DCS" in problem
        assert "Wokingham, the enquiring authority" in problem
        pearl = find_person(session, email="pearl.ashworth@wokingham.example")
        assert "were nominated to the panel by Wokingham" in independence_problem(session, wokingham, pearl.id)
        assert independence_problem(session, wokingham, nina.candidate.person_id) is None
        with pytest.raises(NotFound, match="no enquiry 999"):
            suggest_practitioners(session, 999)
