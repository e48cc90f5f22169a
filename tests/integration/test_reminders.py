"""The example cycle replayed day by day with an injected clock: each reminder once, on the right
working day, to the right people, and none once its condition is met; an outage; a late import.
(The timeline and the receipts from the command line, and the clock in the running service:
tests/e2e/test_reminders_app.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from programme.calendar.importer import import_calendar, load_calendar_file
from programme.reminders.planning import planned_reminders, run_planning
from storage.calendar import Cycle, Group, SelfAssessment
from storage.moderation import Enquiry
from storage.outbox import OutboxMessage
from storage.people import Authority, Person
from storage.support import SupportItem
from tests.support.calendars import AS_RECORD
from tests.support.reminders import LONDON, nine

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "south-east-2022-23.yaml"


def replay(database, start: date, end: date, on_day=None) -> dict[str, date]:
    """Run planning at 09:00 (and again at 09:15) every day; the day each reminder was first written."""
    first_seen: dict[str, date] = {}
    day = start
    while day <= end:
        if on_day:
            on_day(day)
        for moment in (nine(day), nine(day) + timedelta(minutes=15)):
            with database.session() as session:
                run_planning(session, moment, LONDON)
        with database.session() as session:
            for key in session.scalars(select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.like("reminder/%"))):
                first_seen.setdefault(key, day)
        day += timedelta(days=1)
    return first_seen


def ids(database, *emails) -> list[int]:
    with database.session() as session:
        return [session.scalar(select(Person.id).where(Person.email == email)) for email in emails]


def authority_id(session, code) -> int:
    return session.scalar(select(Authority.id).where(Authority.code == code))


def test_a_whole_cycle_replayed_day_by_day(database_with_cycle):
    database = database_with_cycle
    harriet, owen, priya = ids(database, "harriet.quillfeather@wokingham.example", "owen.marchbank@east-sussex.example",
                               "priya.castellane@surrey.example")

    def events(day: date) -> None:
        with database.session() as session:
            cycle = session.scalar(select(Cycle))
            if day == date(2022, 11, 1):  # Wokingham asks for moderation inside the window
                session.add(Enquiry(cycle_id=cycle.id, authority_id=authority_id(session, "wokingham"), support="universal",
                                    conclusion="c", work=[], expertise=[], estimated_days=3, report_needed_by=date(2022, 12, 9),
                                    contact_name="H", contact_email="h@wokingham.example", submitted_by_person_id=harriet, form_token="e1"))
            if day == date(2022, 12, 28):  # Surrey's self-assessment is received
                session.add(SelfAssessment(cycle_id=cycle.id, authority_id=authority_id(session, "surrey"), received_on=day))
            if day == date(2023, 1, 19):  # East Sussex records an offer after its day
                session.add(SupportItem(cycle_id=cycle.id, authority_id=authority_id(session, "east-sussex"), kind="offer", theme="send",
                                        title="t", description="d", route="bilateral", contact_name="O", contact_email="o@east-sussex.example",
                                        submitted_by_person_id=owen, form_token="s1"))
            session.commit()

    seen = replay(database, date(2022, 9, 1), date(2023, 3, 31), events)
    for_person = lambda rule, code, person: seen.get(f"reminder/2022-23/{rule}/{code}/{person}")  # noqa: E731

    # Triad 1 meets on Monday 16 January 2023.
    assert for_person("moderation_opens", "wokingham", harriet) == date(2022, 10, 24)
    assert for_person("moderation_closing", "wokingham", harriet) is None  # an enquiry came first
    assert for_person("moderation_closing", "east-sussex", owen) == date(2022, 11, 21)
    # Due 2 January 2023, a bank holiday: 7 days before is Boxing Day, so the Friday before Christmas.
    assert for_person("self_assessment_due/1", "east-sussex", owen) == date(2022, 12, 23)
    assert for_person("self_assessment_due/2", "east-sussex", owen) == date(2022, 12, 30)
    assert for_person("self_assessment_overdue", "east-sussex", owen) == date(2023, 1, 3)
    assert for_person("self_assessment_due/1", "surrey", priya) == date(2022, 12, 23)
    assert for_person("self_assessment_due/2", "surrey", priya) is None  # received on 28 December
    assert for_person("self_assessment_overdue", "surrey", priya) is None
    assert for_person("asks_offers_prompt/1", "east-sussex", owen) == date(2023, 1, 18)
    assert for_person("asks_offers_prompt/2", "east-sussex", owen) is None  # an offer was recorded on the 19th
    assert for_person("asks_offers_prompt/2", "wokingham", harriet) == date(2023, 1, 25)

    with database.session() as session:
        rows = {r.idempotency_key: r for r in session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("reminder/%")))}
        planned = {p.key: p for p in planned_reminders(session, LONDON)}
    # The send time is 09:00 in London: 08:00 UTC before the October clock change, 09:00 after it.
    assert rows[f"reminder/2022-23/moderation_opens/wokingham/{harriet}"].due_at == datetime(2022, 10, 24, 8, tzinfo=UTC)
    assert rows[f"reminder/2022-23/moderation_closing/east-sussex/{owen}"].due_at == datetime(2022, 11, 21, 9, tzinfo=UTC)
    # Every reminder was written on the day it was planned for, exactly once (the key is unique), none missed.
    # Nothing sends in this replay, so a reminder written and then overtaken by its condition is cancelled.
    assert {r.status for r in rows.values()} == {"pending", "cancelled"}
    assert rows[f"reminder/2022-23/moderation_opens/wokingham/{harriet}"].status == "cancelled"  # the enquiry came
    assert rows[f"reminder/2022-23/moderation_opens/east-sussex/{owen}"].status == "pending"
    for key, day in seen.items():
        assert planned.get(key) is None or planned[key].on == day, key
    # Only the people the rule names: overdue self-assessments to the DCS and the coordinators.
    overdue = {r.recipient_person_id for k, r in rows.items() if "/self_assessment_overdue/east-sussex/" in k}
    jo, sam = ids(database, "jo.carverley@seslip.example", "sam.whitlockes@seslip.example")
    assert overdue == {owen, jo, sam}


def test_planning_twice_or_from_two_sessions_writes_nothing_new(database_with_cycle):
    database = database_with_cycle
    with database.session() as first, database.session() as second:
        assert run_planning(first, nine(date(2022, 10, 24)), LONDON).queued > 0
        assert run_planning(second, nine(date(2022, 10, 24)), LONDON).queued == 0


def test_after_an_outage_recent_reminders_go_once_and_older_ones_are_missed(database_with_cycle):
    database = database_with_cycle
    with database.session() as session:
        run_planning(session, nine(date(2022, 11, 9)), LONDON)
        # Down from Thursday 10 to Tuesday 22 November. Triad 6's window closed on the 10th (9 working
        # days ago: missed, for the digest); Triad 1's on Monday 21st (2 working days: still sent).
        back = run_planning(session, nine(date(2022, 11, 23)), LONDON)
        again = run_planning(session, nine(date(2022, 11, 23)) + timedelta(minutes=15), LONDON)
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("reminder/%/moderation_closing/%"))).all()
    statuses = {r.idempotency_key.split("/")[3]: r.status for r in rows}
    assert statuses["slough"] == statuses["buckinghamshire"] == statuses["southampton"] == "missed"
    assert statuses["wokingham"] == statuses["east-sussex"] == statuses["surrey"] == "pending"
    assert back.missed == 3 and again.queued == again.missed == 0


def test_a_cycle_imported_part_way_through_sends_nothing_stale(database_with_cycle):
    database = database_with_cycle
    with database.session() as session:
        result = run_planning(session, nine(date(2023, 1, 20)), LONDON)
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("reminder/%"))).all()
    stale = [r for r in rows if r.status == "pending" and r.due_at < nine(date(2023, 1, 18))]
    assert stale == [] and result.missed > 0
    assert {r.status for r in rows if "moderation_opens" in r.idempotency_key} == {"missed"}


def test_a_moved_challenge_date_moves_unsent_reminders_and_never_repeats_a_sent_one(database_with_cycle):
    database = database_with_cycle
    with database.session() as session:
        run_planning(session, nine(date(2022, 12, 2)), LONDON)  # Triad 2 (24 February): its window opens today
        opened = session.scalars(select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.like("reminder/%/moderation_opens/kent/%"))).all()
        assert opened
        triad2 = session.scalar(select(Group).where(Group.key == "2"))
        triad2.challenge_date = date(2023, 3, 10)  # two weeks later
        session.commit()
        run_planning(session, nine(date(2022, 12, 16)), LONDON)  # the old date's opening again: nothing new
        assert (
            session.scalars(select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.like("reminder/%/moderation_opens/kent/%"))).all()
            == opened
        )
        run_planning(session, nine(date(2022, 12, 30)), LONDON)  # the old closing day: moved to 13 January
        assert not session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("reminder/%/moderation_closing/kent/%"))).all()
        run_planning(session, nine(date(2023, 1, 13)), LONDON)
        moved = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("reminder/%/moderation_closing/kent/%"))).all()
    assert moved and {r.due_at for r in moved} == {nine(date(2023, 1, 13))}


def test_a_moved_date_or_venue_in_the_calendar_tells_the_groups_people_once(database_with_cycle, tmp_path):
    database = database_with_cycle
    moved = tmp_path / "moved.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "date: 2023-02-24" in text
    moved.write_text(text.replace("date: 2023-02-24", "date: 2023-03-10"), encoding="utf-8")

    import_calendar(database.sessions, load_calendar_file(moved), dry_run=True, **AS_RECORD)
    with database.session() as session:
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "group_changed")).all() == []
    for _ in range(2):  # importing the same file again tells nobody twice
        import_calendar(database.sessions, load_calendar_file(moved), dry_run=False, **AS_RECORD)
    with database.session() as session:
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "group_changed")).all()
        kent_dcs = session.scalar(select(Person.id).where(Person.email == "grace.albury@kent.example"))
    assert told and {r.payload["group_name"] for r in told} == {"Triad 2"}
    assert kent_dcs in {r.recipient_person_id for r in told}
    assert "moved from 24 Feb 2023 to 10 Mar 2023" in told[0].payload["changes"][0]


def test_two_planners_on_postgresql_plan_once(postgres_database):
    """Two processes' planners at the same moment: the advisory lock makes the second wait, and it finds nothing to write."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.support.databases import _empty

    _empty(postgres_database)
    import_calendar(postgres_database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)

    def planner(_):
        with postgres_database.session() as session:
            return run_planning(session, nine(date(2022, 10, 24)), LONDON)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(planner, range(2)))
    with postgres_database.session() as session:
        written = session.scalars(select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.like("reminder/%") | OutboxMessage.idempotency_key.like("invite/%"))).all()
    writes = sorted(r.queued + r.missed for r in results)
    assert writes[0] == 0 and writes[1] == len(written) > 0
    _empty(postgres_database)


def test_note_follow_ups_across_the_march_clock_change(database_with_cycle):
    """Notes sent on Friday 17 March 2023: the first follow-up is before the clocks go forward (26 March), the second after."""
    from storage.calendar import NoteAgreement

    database = database_with_cycle
    with database.session() as session:
        cycle = session.scalar(select(Cycle))
        group = session.scalar(select(Group).where(Group.key == "2"))
        session.add(NoteAgreement(cycle_id=cycle.id, group_id=group.id, authority_id=authority_id(session, "kent"), link="https://n.example/2",
                                  sent_on=date(2023, 3, 17)))
        session.commit()
    seen = replay(database, date(2023, 3, 20), date(2023, 4, 12))
    grace = ids(database, "grace.albury@kent.example")[0]
    first, second = (f"reminder/2022-23/note_follow_up/{n}/v1/kent/{grace}" for n in (1, 2))
    assert seen[first] == date(2023, 3, 24) and seen[second] == date(2023, 3, 31)
    with database.session() as session:
        due = {r.idempotency_key: r.due_at for r in session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.in_([first, second])))}
    assert due[first] == datetime(2023, 3, 24, 9, tzinfo=UTC) and due[second] == datetime(2023, 3, 31, 8, tzinfo=UTC)
    escalation = [k for k in seen if "/note_escalation/v1/kent/" in k]
    assert escalation and all(seen[k] == date(2023, 4, 11) for k in escalation)  # 15 working days, over Easter


def test_a_reminder_not_yet_sent_stops_when_its_condition_is_met_and_comes_back_if_undone(database_with_cycle):
    database = database_with_cycle
    harriet = ids(database, "harriet.quillfeather@wokingham.example")[0]
    key = f"reminder/2022-23/moderation_opens/wokingham/{harriet}"
    with database.session() as session:
        run_planning(session, nine(date(2022, 10, 24)), LONDON)  # written; the dispatcher has not sent it yet
        cycle = session.scalar(select(Cycle))
        enquiry = Enquiry(cycle_id=cycle.id, authority_id=authority_id(session, "wokingham"), support="universal", conclusion="c", work=[],
                          expertise=[], estimated_days=3, report_needed_by=date(2022, 12, 9), contact_name="H",
                          contact_email="h@wokingham.example", submitted_by_person_id=harriet, form_token="e-stop")
        session.add(enquiry)
        session.commit()
        run_planning(session, nine(date(2022, 10, 24)) + timedelta(minutes=15), LONDON)
        assert session.scalar(select(OutboxMessage.status).where(OutboxMessage.idempotency_key == key)) == "cancelled"
        enquiry.stage = "withdrawn"
        session.commit()
        run_planning(session, nine(date(2022, 10, 24)) + timedelta(minutes=30), LONDON)
        assert session.scalar(select(OutboxMessage.status).where(OutboxMessage.idempotency_key == key)) == "pending"


def test_a_reminder_written_but_not_sent_moves_with_its_challenge_date(database_with_cycle):
    database = database_with_cycle
    with database.session() as session:
        run_planning(session, nine(date(2022, 12, 2)), LONDON)  # Triad 2's window opens: written, not yet sent
        pending = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("reminder/%/moderation_opens/kent/%"),
                                                              OutboxMessage.status == "pending")).all()
        assert pending
        triad2 = session.scalar(select(Group).where(Group.key == "2"))
        triad2.challenge_date = date(2023, 3, 24)  # four weeks later
        session.commit()
        run_planning(session, nine(date(2022, 12, 2)) + timedelta(hours=1), LONDON)  # the next round, before the dispatcher sent them
        moved = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("reminder/%/moderation_opens/kent/%"))).all()
        due = {r.due_at if r.due_at.tzinfo else r.due_at.replace(tzinfo=UTC) for r in moved}
        assert due == {nine(date(2022, 12, 30))}  # twelve weeks before the new date, not at once
        assert all(r.payload["challenge_date"] == "2023-03-24" for r in moved)


def test_the_moderation_window_is_one_rule_the_reminder_status_and_digest_give_the_same_days(database):
    """Triad 2 moved to Monday 20 March 2023: twelve weeks before is Boxing Day, and the 27th is a
    bank holiday too, so the window opens on Wednesday 28 December; eight weeks before is Monday
    23 January, a working day."""
    from programme.calendar.file import parse_calendar
    from programme.digest.weekly import build_digest
    from programme.people.profile import load_profile

    moved = EXAMPLE.read_text(encoding="utf-8").replace("date: 2023-02-24", "date: 2023-03-20")
    import_calendar(database.sessions, parse_calendar(moved, source="moved.yaml"), dry_run=False, **AS_RECORD)
    with database.session() as session:
        person = session.scalar(select(Person).where(Person.email == "daniel.ferrowby@west-sussex.example"))  # West Sussex's DCS
        planned = {p.rule: p.on for p in planned_reminders(session, LONDON)
                   if p.person.id == person.id and p.rule.startswith("moderation")}
        shown = {d.what: d.on for a in load_profile(session, person, date(2022, 12, 1)).authorities for d in a.key_dates}
        coming = {d.what: d.on for d in build_digest(session, datetime(2022, 12, 19, 8, tzinfo=UTC), LONDON).coming_dates}

    assert planned == {"moderation_opens": date(2022, 12, 28), "moderation_closing": date(2023, 1, 23)}
    assert shown["Moderation window opens: the time to seek moderation"] == date(2022, 12, 28)  # `status`, as the reminder
    assert shown["Moderation window closes"] == date(2023, 1, 23)
    assert coming["Triad 2: the moderation window opens"] == date(2022, 12, 28)  # the digest, as the reminder
