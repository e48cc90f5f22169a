"""The enquiry's rules without a database: the stage machine, the day limits and the report-date rule."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programme.errors import Invalid, NotAllowed
from programme.moderation.form import SMALL_PACKAGE, UNIVERSAL, assess
from programme.moderation.stages import ORDER, Move, Mover, Stage, check_move, next_stage, parse_stage

COORDINATOR = Mover(coordinator=True, enquirer=False)
ENQUIRER = Mover(coordinator=False, enquirer=True)
STRANGER = Mover(coordinator=False, enquirer=False)
SYSTEM = Mover(coordinator=False, enquirer=False, system=True)
TODAY = date(2022, 10, 3)
CHALLENGE = date(2023, 1, 16)


def test_the_stages_run_in_the_handbooks_order():
    assert [s.label for s in ORDER] == [
        "Received", "Discussion arranged", "Package agreed", "Practitioner invited",
        "Practitioner accepted", "In progress", "Report delivered", "Closed",
    ]
    assert next_stage(Stage.RECEIVED) == Stage.DISCUSSION_ARRANGED
    assert next_stage(Stage.CLOSED) is None and next_stage(Stage.WITHDRAWN) is None


@pytest.mark.parametrize("current,target", [
    (Stage.RECEIVED, Stage.DISCUSSION_ARRANGED),
    (Stage.DISCUSSION_ARRANGED, Stage.PACKAGE_AGREED),
    (Stage.PRACTITIONER_ACCEPTED, Stage.IN_PROGRESS),
    (Stage.IN_PROGRESS, Stage.REPORT_DELIVERED),
    (Stage.REPORT_DELIVERED, Stage.CLOSED),
])
def test_a_coordinator_moves_one_stage_on_without_a_reason(current, target):
    assert check_move(current, target, COORDINATOR) == Move.NEXT


def test_inviting_and_accepting_belong_to_their_own_steps():
    with pytest.raises(NotAllowed, match="Find a practitioner"):
        check_move(Stage.PACKAGE_AGREED, Stage.PRACTITIONER_INVITED, COORDINATOR)
    with pytest.raises(NotAllowed, match="panel member"):
        check_move(Stage.PRACTITIONER_INVITED, Stage.PRACTITIONER_ACCEPTED, COORDINATOR)
    assert check_move(Stage.PACKAGE_AGREED, Stage.PRACTITIONER_INVITED, SYSTEM) == Move.NEXT
    assert check_move(Stage.PRACTITIONER_INVITED, Stage.PRACTITIONER_ACCEPTED, SYSTEM) == Move.NEXT


@pytest.mark.parametrize("current,target", [
    (Stage.RECEIVED, Stage.PACKAGE_AGREED),  # a skip
    (Stage.IN_PROGRESS, Stage.DISCUSSION_ARRANGED),  # back
    (Stage.WITHDRAWN, Stage.RECEIVED),  # reopened
    (Stage.CLOSED, Stage.IN_PROGRESS),
])
def test_skipping_or_going_back_needs_a_coordinator_and_a_reason(current, target):
    with pytest.raises(Invalid) as refused:
        check_move(current, target, COORDINATOR, reason="  ")
    assert "give a reason" in refused.value.fields["reason"]
    assert check_move(current, target, COORDINATOR, reason="Agreed by phone with the DCS") == Move.OVERRIDE
    with pytest.raises(NotAllowed):
        check_move(current, target, ENQUIRER, reason="Please")


def test_only_coordinators_move_stages():
    for mover in (ENQUIRER, STRANGER):
        with pytest.raises(NotAllowed, match="moderation coordinators"):
            check_move(Stage.RECEIVED, Stage.DISCUSSION_ARRANGED, mover)


def test_the_enquirer_or_a_coordinator_may_withdraw_until_the_report_is_delivered():
    assert check_move(Stage.IN_PROGRESS, Stage.WITHDRAWN, ENQUIRER) == Move.WITHDRAW
    assert check_move(Stage.RECEIVED, Stage.WITHDRAWN, COORDINATOR) == Move.WITHDRAW
    with pytest.raises(NotAllowed):
        check_move(Stage.RECEIVED, Stage.WITHDRAWN, STRANGER)
    for late in (Stage.REPORT_DELIVERED, Stage.CLOSED):
        with pytest.raises(NotAllowed, match="no longer be withdrawn"):
            check_move(late, Stage.WITHDRAWN, ENQUIRER)


def test_a_repeated_move_is_the_same_move():
    assert check_move(Stage.PACKAGE_AGREED, Stage.PACKAGE_AGREED, STRANGER) == Move.SAME


@given(st.sampled_from(list(Stage)), st.sampled_from(list(Stage)), st.booleans(), st.booleans(), st.text(max_size=5))
def test_nobody_but_a_coordinator_ever_moves_an_enquiry_except_to_withdraw_it(current, target, enquirer, system, reason):
    mover = Mover(coordinator=False, enquirer=enquirer, system=False)
    try:
        move = check_move(current, target, mover, reason)
    except (NotAllowed, Invalid):
        return
    assert move in (Move.SAME, Move.WITHDRAW)


def test_stage_names_are_read_as_people_write_them():
    assert parse_stage("package agreed") == parse_stage("Package Agreed") == parse_stage("package_agreed") == Stage.PACKAGE_AGREED
    with pytest.raises(Invalid, match="the stages are"):
        parse_stage("finished")


def test_a_small_package_over_39_days_is_refused():
    assert "at most 39 days" in assess(SMALL_PACKAGE, 40, date(2023, 3, 1), "", CHALLENGE, TODAY).errors["days"]
    assert assess(SMALL_PACKAGE, 39, date(2023, 3, 1), "", CHALLENGE, TODAY).errors == {}


@pytest.mark.parametrize("days,warned", [(1, True), (2, False), (3.5, False), (4, False), (6, True)])
def test_universal_moderation_outside_2_to_4_days_is_accepted_with_a_warning(days, warned):
    result = assess(UNIVERSAL, days, date(2022, 12, 1), "", CHALLENGE, TODAY)
    assert result.errors == {}
    assert any("will be discussed" in w for w in result.warnings) is warned


def test_universal_moderation_reports_before_the_challenge_date_unless_the_enquirer_says_why():
    late = assess(UNIVERSAL, 3, CHALLENGE, "", CHALLENGE, TODAY)
    assert "before your challenge date (Monday 16 January 2023)" in late.errors["report_reason"]
    assert assess(UNIVERSAL, 3, date(2023, 1, 15), "", CHALLENGE, TODAY).errors == {}
    assert assess(UNIVERSAL, 3, date(2023, 2, 1), "Our draft is finalised after the day", CHALLENGE, TODAY).errors == {}
    # No challenge date in this cycle (the authority is in no group): nothing to compare with.
    assert assess(UNIVERSAL, 3, date(2023, 2, 1), "", None, TODAY).errors == {}


def test_a_small_package_usually_follows_the_day_and_its_timing_is_discussed():
    result = assess(SMALL_PACKAGE, 20, date(2023, 6, 1), "", CHALLENGE, TODAY)
    assert result.errors == {} and any("timing is agreed in the discussion" in w for w in result.warnings)


def test_a_report_date_in_the_past_is_refused():
    assert "has passed" in assess(UNIVERSAL, 3, date(2022, 9, 1), "", CHALLENGE, TODAY).errors["report_by"]


def test_a_warning_the_coordinators_also_read_speaks_of_the_estimate_not_your_estimate():
    from datetime import date

    from programme.moderation.form import assess

    found = assess("universal", 6, date(2022, 12, 1), "", date(2023, 1, 16), date(2022, 10, 1))
    assert found.warnings and all("your" not in w for w in found.warnings)
