"""The coordinators' digest on the example cycle: each section from a realistic state of the records,
the weekly rows (Teams and email, once a week) and the clock that queues them. (The command line and
the `digest` command: tests/e2e/test_digest_app.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from notify.render import Renderer
from programme.calendar.importer import import_calendar, load_calendar_file
from programme.digest.weekly import (
    ComingDate,
    Count,
    FailedDelivery,
    InWindow,
    MissedReminder,
    NewItem,
    NewNomination,
    NoteWaiting,
    SelfAssessmentDue,
    SuggestedMatch,
    build_digest,
    digest_payload,
    queue_weekly_digest,
)
from programme.reminders.planning import run_planning
from storage.calendar import Cycle, Group, NoteAgreement, SelfAssessment
from storage.conversations import ConversationReferenceRecord
from storage.feedback import Feedback
from storage.moderation import Enquiry, EnquiryEvent
from storage.outbox import OutboxMessage
from storage.panel import Nomination
from storage.people import Authority, Person, RoleAssignment
from storage.support import SupportItem
from tests.support.calendars import AS_RECORD

LONDON = ZoneInfo("Europe/London")  # the programme's local time in these tests

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "south-east-2022-23.yaml"
# Two Monday mornings (08:00 in London is 08:00 UTC in winter): before Christmas, inside the last
# moderation windows; and at the end of January, after the first challenge days.
DECEMBER = datetime(2022, 12, 19, 8, 0, tzinfo=UTC)
JANUARY = datetime(2023, 1, 30, 8, 0, tzinfo=UTC)


def utc(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


class Records:
    """The example cycle's ids, and rows added as the programme would add them."""

    def __init__(self, session):
        self.session = session
        self.cycle = session.scalar(select(Cycle))
        self.people = {p.email.split("@")[0]: p.id for p in session.scalars(select(Person))}
        self.authorities = {a.code: a.id for a in session.scalars(select(Authority))}
        self.groups = {g.key: g.id for g in session.scalars(select(Group))}

    def person(self, name: str) -> int:
        return self.people[name]

    def nomination(self, nominee, code, *, areas, covers, status, at):
        self.session.add(Nomination(
            authority_id=self.authorities[code], nominee_person_id=self.person(nominee), job_title="Head of Service",
            service_area="Children's social care", covers=covers, areas=areas, nominated_by_person_id=self.person("harriet.quillfeather"),
            status=status, form_token=f"n-{nominee}", created_at=at,
        ))

    def enquiry(self, code, stage, *, at, report_needed_by=date(2023, 2, 10), report_due=None, changed_at=None) -> Enquiry:
        enquiry = Enquiry(
            cycle_id=self.cycle.id, authority_id=self.authorities[code], support="universal", conclusion="A key conclusion.",
            work=[], expertise=[], estimated_days=3, report_needed_by=report_needed_by, report_due=report_due, contact_name="C",
            contact_email=f"c@{code}.example", stage=stage, submitted_by_person_id=self.person("harriet.quillfeather"),
            form_token=f"e-{code}", created_at=at,
        )
        self.session.add(enquiry)
        self.session.flush()
        if changed_at:
            self.session.add(EnquiryEvent(enquiry_id=enquiry.id, from_stage="received", to_stage=stage, at=changed_at))
        return enquiry

    def self_assessment(self, code, *, received_on=None, sent=False):
        self.session.add(SelfAssessment(
            cycle_id=self.cycle.id, authority_id=self.authorities[code], received_on=received_on,
            link="https://sharepoint.example/sa" if sent else "",
        ))

    def note(self, group, code, *, sent_on, status="sent", version=1):
        self.session.add(NoteAgreement(
            cycle_id=self.cycle.id, group_id=self.groups[group], authority_id=self.authorities[code], link="https://sharepoint.example/notes",
            version=version, sent_on=sent_on, status=status,
            agreed_on=sent_on + timedelta(days=3) if status == "agreed" else None,
        ))

    def item(self, code, kind, theme, title, description, *, at, status="active"):
        self.session.add(SupportItem(
            cycle_id=self.cycle.id, authority_id=self.authorities[code], kind=kind, theme=theme, title=title, description=description,
            route="bilateral", contact_name="C", contact_email=f"c@{code}.example", status=status,
            submitted_by_person_id=self.person("harriet.quillfeather"), form_token=f"s-{code}-{kind}-{title[:10]}", created_at=at,
        ))

    def outbox(self, key, kind, status, *, person=None, address=None, error=None, payload=None, due_at=JANUARY, updated_at=None):
        row = OutboxMessage(
            idempotency_key=key, kind=kind, status=status, recipient_person_id=self.person(person) if person else None,
            recipient_address=address, channel="email" if address else "best", payload=payload or {}, due_at=due_at, last_error=error,
        )
        if updated_at:
            row.updated_at = updated_at
        self.session.add(row)


@pytest.fixture
def cycle_database(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    return database


@pytest.fixture
def programme(cycle_database):
    """A year's records: the panel, enquiries, self-assessments, notes, asks and offers, deliveries."""
    with cycle_database.session() as session:
        records = Records(session)
        records.nomination("nina.oseiwood", "kent", areas=["send", "fostering"], covers="both", status="joined", at=utc(2022, 11, 14))
        records.nomination("tom.radleigh", "oxfordshire", areas=["open"], covers="universal", status="nominated", at=utc(2022, 12, 16))
        records.nomination("maya.okafield", "east-sussex", areas=["send"], covers="both", status="withdrawn", at=utc(2022, 11, 1))

        records.enquiry("wokingham", "in_progress", at=utc(2022, 11, 1), report_needed_by=date(2022, 12, 9), report_due=date(2023, 1, 6),
                        changed_at=utc(2022, 11, 21, 9))
        records.enquiry("kent", "discussion_arranged", at=utc(2022, 12, 5), changed_at=utc(2022, 12, 8))
        records.enquiry("oxfordshire", "received", at=utc(2022, 12, 15, 12))
        records.enquiry("hampshire", "withdrawn", at=utc(2022, 12, 1))
        records.enquiry("slough", "closed", at=utc(2022, 10, 3))

        records.self_assessment("surrey", received_on=date(2022, 12, 15))
        records.self_assessment("buckinghamshire", sent=True)
        records.self_assessment("medway", received_on=date(2023, 1, 10))
        records.self_assessment("bracknell-forest", sent=True)
        records.self_assessment("kent", received_on=date(2023, 1, 20))

        records.note("6", "slough", sent_on=date(2023, 1, 6))
        records.note("6", "buckinghamshire", sent_on=date(2023, 1, 6), status="agreed")
        records.note("6", "southampton", sent_on=date(2023, 1, 12), status="amendments_requested", version=2)
        records.note("1", "wokingham", sent_on=date(2023, 1, 18))

        records.item("wokingham", "ask", "send", "Preparing for adulthood", "Transitions for young people with SEND into adult services.",
                     at=utc(2023, 1, 25))
        records.item("surrey", "offer", "send", "Transitions to adult services", "A joint transitions team with adult social care.",
                     at=utc(2023, 1, 26))
        records.item("brighton-and-hove", "networking", "other", "Data leads network", "Performance analysts meeting each term.",
                     at=utc(2023, 1, 27))
        records.item("east-sussex", "offer", "fostering", "Foster carer campaigns", "Campaigns that brought in foster carers.", at=utc(2023, 1, 10))
        records.item("slough", "ask", "workforce", "Keeping social workers", "Retention of experienced social workers.", at=utc(2023, 1, 9))
        records.item("reading", "offer", "send", "Withdrawn offer", "Never mind.", at=utc(2023, 1, 27), status="withdrawn")

        records.outbox("reminder/2022-23/moderation_closing/kent/x", "reminder_moderation", "failed", person="grace.albury",
                       error="SMTP 550 5.1.1 mailbox unavailable")
        records.outbox("enquiry/1/received/mailbox", "enquiry_received", "failed", address="sectorled@hampshire.example",
                       error="Graph 403 ErrorAccessDenied")
        records.outbox("team/1/added", "team_member_added", "sent", person="leo.brandwick")
        records.outbox("team/2/added", "team_member_added", "cancelled", person="leo.brandwick", error="SMTP 451")
        payload = {"authority_name": "Kent"}
        records.outbox(f"reminder/2022-23/self_assessment_due/2/kent/{records.person('grace.albury')}", "reminder_self_assessment", "missed",
                       person="grace.albury", payload=payload, due_at=utc(2023, 1, 20, 9))
        records.outbox(f"reminder/2022-23/self_assessment_due/2/kent/{records.person('rosa.inglebrook')}", "reminder_self_assessment",
                       "missed", person="rosa.inglebrook", payload=payload, due_at=utc(2023, 1, 20, 9))
        records.outbox(f"reminder/2022-23/note_follow_up/1/v1/slough/{records.person('yusuf.carrowmore')}", "note_agreement", "missed",
                       person="yusuf.carrowmore", payload={"authority_name": "Slough"}, due_at=utc(2023, 1, 13, 9))
        # Marked missed before the last digest: it was listed then.
        records.outbox(f"reminder/2022-23/moderation_opens/reading/{records.person('farida.okonbury')}", "reminder_moderation", "missed",
                       person="farida.okonbury", payload={"authority_name": "Reading"}, due_at=utc(2022, 11, 24, 9), updated_at=utc(2023, 1, 2))
        session.commit()
    return cycle_database


def digest_at(database, now):
    with database.session() as session:
        return build_digest(session, now, LONDON)


def test_nominations_and_the_panel_by_area(programme):
    digest = digest_at(programme, DECEMBER)

    assert digest.new_nominations == (NewNomination("Tom Radleigh", "Oxfordshire", "Universal moderation", ("Open",), "nominated"),)
    assert (digest.panel_size, digest.panel_joined) == (2, 1)  # the withdrawn nomination is not on the panel
    counts = {c.label: c.count for c in digest.panel_by_area}
    assert counts["SEND"] == 1 and counts["Fostering"] == 1 and counts["Open"] == 1
    assert counts["Workforce"] == 0 and len(counts) == 11  # every area shows, so the gaps do


def test_enquiries_by_stage_and_those_waiting_longest(programme):
    digest = digest_at(programme, DECEMBER)

    assert digest.enquiries_by_stage == (Count("Received", 1), Count("Discussion arranged", 1), Count("In progress", 1))
    assert digest.new_enquiries == 1
    assert [(w.authority, w.stage, w.since, w.days) for w in digest.enquiries_waiting] == [
        ("Wokingham", "In progress", date(2022, 11, 21), 27),
        ("Kent", "Discussion arranged", date(2022, 12, 8), 10),
        ("Oxfordshire", "Received", date(2022, 12, 15), 3),
    ]


def test_authorities_inside_the_moderation_window_without_an_enquiry(programme):
    digest = digest_at(programme, DECEMBER)

    # Quartet 3 (16 Feb) and Triad 2 (24 Feb) are inside their windows; Oxfordshire and Kent have asked,
    # Hampshire withdrew its enquiry, so it is listed again.
    assert digest.moderation_window == (
        InWindow("Hampshire", "Quartet 3", date(2023, 2, 16), date(2022, 12, 22), True),
        InWindow("Isle of Wight", "Quartet 3", date(2023, 2, 16), date(2022, 12, 22), True),
        InWindow("Reading", "Quartet 3", date(2023, 2, 16), date(2022, 12, 22), True),
        InWindow("Portsmouth", "Triad 2", date(2023, 2, 24), date(2022, 12, 30), False),
        InWindow("West Sussex", "Triad 2", date(2023, 2, 24), date(2022, 12, 30), False),
    )
    assert digest_at(programme, JANUARY).moderation_window == ()


def test_self_assessments_due_within_two_weeks_or_overdue_before_the_day(programme):
    december = digest_at(programme, DECEMBER)
    january = digest_at(programme, JANUARY)

    assert december.self_assessments == (
        SelfAssessmentDue("Buckinghamshire", "Triad 6", date(2022, 12, 22), False, True),
        SelfAssessmentDue("Slough", "Triad 6", date(2022, 12, 22), False, False),
        SelfAssessmentDue("Southampton", "Triad 6", date(2022, 12, 22), False, False),
        SelfAssessmentDue("East Sussex", "Triad 1", date(2023, 1, 2), False, False),
        SelfAssessmentDue("Wokingham", "Triad 1", date(2023, 1, 2), False, False),
    )
    # Triads 4 and 5 were due on 17 January and meet on the 31st; Quartet 3 and Triad 2 are due within two weeks.
    overdue = [(s.authority, s.sent) for s in january.self_assessments if s.overdue]
    due = [s.authority for s in january.self_assessments if not s.overdue]
    assert overdue == [("Bracknell Forest", True), ("Milton Keynes", False), ("Brighton and Hove", False), ("West Berkshire", False),
                       ("Windsor and Maidenhead", False)]
    assert due == ["Hampshire", "Isle of Wight", "Oxfordshire", "Reading", "Portsmouth", "West Sussex"]
    assert "Wokingham" not in [s.authority for s in january.self_assessments]  # its day has passed


def test_notes_not_yet_agreed_with_the_working_days_they_have_waited(programme):
    digest = digest_at(programme, JANUARY)

    assert digest.notes_not_agreed == (
        NoteWaiting("Slough", "Triad 6", 1, date(2023, 1, 6), "sent", 16, True),
        NoteWaiting("Southampton", "Triad 6", 2, date(2023, 1, 12), "amendments_requested", 12, False),
        NoteWaiting("Wokingham", "Triad 1", 1, date(2023, 1, 18), "sent", 8, False),
    )


def test_new_asks_offers_and_suggestions_with_their_suggested_matches(programme):
    digest = digest_at(programme, JANUARY)

    assert digest.new_items == (
        NewItem("ask", "Wokingham", "SEND", "Preparing for adulthood"),
        NewItem("networking group", "Brighton and Hove", "Other", "Data leads network"),
        NewItem("offer", "Surrey", "SEND", "Transitions to adult services"),
    )
    assert len(digest.suggestions) == 1
    assert digest.suggestions == (SuggestedMatch(
        "Preparing for adulthood", "Wokingham", "Transitions to adult services", "Surrey", "Same theme (SEND); both mention transitions and adult.",
    ),)
    assert digest.suggestions_total == 1


def test_failed_deliveries_and_reminders_missed_since_the_last_digest(programme):
    digest = digest_at(programme, JANUARY)

    assert digest.failed_total == 2
    assert {(f.kind, f.recipient, f.channel, f.error) for f in digest.failed_deliveries} == {
        ("reminder_moderation", "Grace Albury", "best", "SMTP 550 5.1.1 mailbox unavailable"),
        ("enquiry_received", "sectorled@hampshire.example", "email", "Graph 403 ErrorAccessDenied"),
    }
    assert all(isinstance(f, FailedDelivery) for f in digest.failed_deliveries)
    assert digest.missed_reminders == (
        MissedReminder("Note agreement follow-up", "Slough", date(2023, 1, 13), 1),
        MissedReminder("Self-assessment due", "Kent", date(2023, 1, 20), 2),
    )


def test_reminders_the_planner_marks_missed_are_in_the_next_digest(cycle_database):
    with cycle_database.session() as session:
        run_planning(session, JANUARY, LONDON)  # the cycle imported late: everything older than two working days is missed
        digest = build_digest(session, JANUARY, LONDON)

    assert MissedReminder("Moderation window opens", "Wokingham", date(2022, 10, 24), 2) in digest.missed_reminders
    assert MissedReminder("Self-assessment overdue", "Surrey", date(2023, 1, 3), 3) in digest.missed_reminders  # the DCS and two coordinators


def test_the_next_four_weeks_dates(programme):
    digest = digest_at(programme, DECEMBER)

    assert digest.coming_dates == (
        ComingDate(date(2022, 12, 22), "Quartet 3: the moderation window closes"),
        ComingDate(date(2022, 12, 22), "Triad 6: self-assessments due for dissemination"),
        ComingDate(date(2022, 12, 30), "Triad 2: the moderation window closes"),
        ComingDate(date(2023, 1, 2), "Triad 1: self-assessments due for dissemination"),
        ComingDate(date(2023, 1, 5), "Triad 6: challenge day"),
        ComingDate(date(2023, 1, 6), f"Enquiry {_enquiry_id(programme, 'wokingham')}, Wokingham: report due"),
    )  # Triad 1's day, 16 January, is four weeks away: the next digest lists it


def _enquiry_id(database, code) -> int:
    with database.session() as session:
        return session.scalar(select(Enquiry.id).join(Authority, Authority.id == Enquiry.authority_id).where(Authority.code == code))


def test_the_digest_reads_the_same_in_email_and_teams(programme):
    with programme.session() as session:
        payload = digest_payload(build_digest(session, DECEMBER, LONDON))
    rendered = Renderer().render("digest", payload)
    text = " ".join(rendered.text.split())

    assert rendered.subject == "Peer challenge digest: week of Mon 19 Dec 2022"
    assert "The panel has 2 members (1 joined, 1 yet to answer)." in text
    assert "New: Tom Radleigh, Oxfordshire: Universal moderation; Open (nominated)" in text
    assert "3 open, 1 new since Mon 12 Dec 2022." in text
    assert "Wokingham: In progress since Mon 21 Nov 2022 (27 days)" in text
    assert "Hampshire (Quartet 3, challenge day Thu 16 Feb 2023): the window closes Thu 22 Dec 2022, this week" in text
    assert "Buckinghamshire (Triad 6): due Thu 22 Dec 2022; sent, to be marked received" in text
    assert "reminder_moderation to Grace Albury by Teams or email" in text
    assert "enquiry_received to sectorled@hampshire.example by email" in text
    assert "Thu 22 Dec 2022: Quartet 3: the moderation window closes" in text
    assert "peer-challenge " not in text and "deliveries" in text  # nothing a coordinator reads needs a shell
    card_text = " ".join(block.get("text", "") for block in rendered.card["body"])
    assert "Hampshire (Quartet 3, challenge day Thu 16 Feb 2023)" in card_text


def _coordinator_ids(database) -> dict[str, int]:
    with database.session() as session:
        return {email.split("@")[0]: pid for pid, email in session.execute(
            select(Person.id, Person.email).where(Person.email.in_(
                ["jo.carverley@seslip.example", "sam.whitlockes@seslip.example", "robin.ashcombe@hampshire.example",
                 "harriet.quillfeather@wokingham.example"])))}


def test_the_weekly_digest_goes_to_each_coordinator_by_email_and_in_teams_once_a_week(programme):
    ids = _coordinator_ids(programme)
    with programme.session() as session:
        for name, active in (("jo.carverley", True), ("sam.whitlockes", False)):
            session.add(ConversationReferenceRecord(
                person_id=ids[name], channel_id="msteams", user_id=f"29:{name}", conversation_id=f"a:{name}",
                service_url="https://smba.example/", reference={}, active=active,
            ))
        # A coordinator role that has ended sends nothing.
        session.add(RoleAssignment(person_id=ids["harriet.quillfeather"], role="coordinator", scope="region", active=False))
        session.commit()

        assert queue_weekly_digest(session, DECEMBER, LONDON) == 4
        assert queue_weekly_digest(session, DECEMBER + timedelta(hours=3), LONDON) == 0  # a restarted scheduler, the same week
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")).all()
        assert sorted((r.idempotency_key, r.channel, r.recipient_person_id) for r in rows) == sorted([
            (f"digest/2022-W51/{ids['jo.carverley']}/teams", "teams", ids["jo.carverley"]),
            (f"digest/2022-W51/{ids['jo.carverley']}/email", "email", ids["jo.carverley"]),
            (f"digest/2022-W51/{ids['sam.whitlockes']}/email", "email", ids["sam.whitlockes"]),
            (f"digest/2022-W51/{ids['robin.ashcombe']}/email", "email", ids["robin.ashcombe"]),
        ])
        assert {r.status for r in rows} == {"pending"} and {r.due_at for r in rows} == {DECEMBER}
        stored = session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "teams", OutboxMessage.kind == "digest")).payload
        assert Renderer().render("digest", stored).subject == "Peer challenge digest: week of Mon 19 Dec 2022"

        assert queue_weekly_digest(session, DECEMBER + timedelta(days=7), LONDON) == 4  # next week's
        assert session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.idempotency_key.like("digest/2022-W52/%"))) == 4


def test_the_clock_queues_the_digest_on_monday_mornings():
    from apscheduler.triggers.cron import CronTrigger

    from scheduler.clock import build_scheduler

    scheduler = build_scheduler(database=None, clock=lambda: DECEMBER, zone=LONDON)
    job = scheduler.get_job("digest")
    assert job is not None and isinstance(job.trigger, CronTrigger) and job.coalesce
    assert job.misfire_grace_time >= 24 * 3600
    after_sunday = datetime(2022, 12, 18, 12, 0, tzinfo=UTC)
    assert job.trigger.get_next_fire_time(None, after_sunday) == datetime(2022, 12, 19, 8, 0, tzinfo=UTC)
    summer_sunday = datetime(2023, 6, 4, 12, 0, tzinfo=UTC)
    assert job.trigger.get_next_fire_time(None, summer_sunday) == datetime(2023, 6, 5, 7, 0, tzinfo=UTC)  # 08:00 BST


def test_feedback_received_since_the_last_digest_with_the_longest_cut_and_a_pointer_to_it_whole(programme):
    before = " ".join(Renderer().render("digest", digest_payload(digest_at(programme, DECEMBER))).text.split())
    assert "No feedback since Mon 12 Dec 2022." in before
    long_text = "The moderation reminder came at a good time. " * 20  # 900 characters
    with programme.session() as session:
        records = Records(session)
        session.add_all([
            Feedback(person_id=records.person("grace.albury"), channel_id="email", text="Old news.", created_at=utc(2023, 1, 20)),
            Feedback(person_id=records.person("grace.albury"), channel_id="msteams", text="The “asks” form was quick.",
                     created_at=utc(2023, 1, 24)),
            Feedback(person_id=None, channel_id="email", text=long_text, created_at=utc(2023, 1, 27)),
        ])
        session.commit()
        digest = build_digest(session, JANUARY, LONDON)

    assert [(f.from_name, f.on, f.channel, f.cut) for f in digest.new_feedback] == [
        ("Grace Albury", date(2023, 1, 24), "Teams", False),
        ("Someone not in the calendar", date(2023, 1, 27), "email", True),
    ]  # the piece of the week before was in last week's digest
    assert digest.new_feedback[0].text == "The “asks” form was quick."
    assert long_text.startswith(digest.new_feedback[1].text.rstrip("…")) and len(digest.new_feedback[1].text) <= 401

    rendered = Renderer().render("digest", digest_payload(digest))
    text = " ".join(rendered.text.split())
    assert "Grace Albury, Tue 24 Jan 2023, by Teams: “The “asks” form was quick.”" in text
    assert "lists every piece whole" in text and "Old news." not in text
    card_text = " ".join(block.get("text", "") for block in rendered.card["body"])
    assert "The “asks” form was quick." in card_text
