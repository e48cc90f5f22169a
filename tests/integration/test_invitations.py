"""Calendar invitations: parsed back with `icalendar` field by field; a moved date is one update with
the same UID and a higher SEQUENCE; someone who leaves is sent a CANCEL; planning again, or by a
second planner, writes nothing twice; the email carries the invitation as Outlook expects."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from notify.email_build import build_mime
from notify.message import EmailMessage
from notify.render import Renderer
from programme.calendar.file import parse_calendar
from programme.calendar.importer import import_calendar
from programme.reminders.planning import run_planning
from storage.outbox import OutboxMessage
from storage.people import Person
from tests.support.calendars import AS_RECORD, EXAMPLE

LONDON = ZoneInfo("Europe/London")
DECEMBER = datetime(2022, 12, 1, 9, 0, tzinfo=UTC)
ASSISTANT = "peer-challenge@assistant.example"
HARRIET = "harriet.quillfeather@wokingham.example"


def _import(database, text: str) -> None:
    import_calendar(database.sessions, parse_calendar(text, source="calendar.yaml"), dry_run=False, **AS_RECORD)


def _plan(database, now=DECEMBER) -> int:
    with database.session() as session:
        return run_planning(session, now, LONDON, organizer=ASSISTANT).queued


def _invitations(database, email: str) -> list[OutboxMessage]:
    with database.session() as session:
        person = session.scalar(select(Person.id).where(Person.email == email))
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "calendar_invitation",
                                                                 OutboxMessage.recipient_person_id == person).order_by(OutboxMessage.id)))


def _event(row: OutboxMessage):
    ics = Renderer(zone=LONDON).render("calendar_invitation", row.payload).calendar
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def _of(rows: list[OutboxMessage], uid_start: str) -> list[OutboxMessage]:
    return [r for r in rows if r.payload.get("uid", "").startswith(uid_start)]


def test_each_person_is_invited_to_their_dates_field_by_field(database):
    _import(database, EXAMPLE.read_text(encoding="utf-8"))
    _plan(database, datetime(2022, 10, 3, 9, 0, tzinfo=UTC))  # before Triad 1's moderation window opens
    rows = _invitations(database, HARRIET)  # Wokingham's DCS, in Triad 1 (Monday 16 January 2023, London)
    (day,) = _of(rows, "challenge-day-2022-23-1-")
    calendar, event = _event(day)
    assert str(calendar["method"]) == "REQUEST" and str(calendar["version"]) == "2.0"
    assert str(event["uid"]).startswith("challenge-day-2022-23-1-") and int(event["sequence"]) == 0
    assert event.decoded("dtstart") == datetime(2023, 1, 16, 10, 0, tzinfo=LONDON)
    assert event.decoded("dtend") == datetime(2023, 1, 16, 17, 35, tzinfo=LONDON)
    assert str(event["summary"]) == "Peer challenge day: Triad 1" and str(event["location"]) == "London"
    assert "East Sussex is Lead Reviewer for Wokingham" in str(event["description"])
    assert str(event["organizer"]) == f"mailto:{ASSISTANT}" and str(event["attendee"]) == f"mailto:{HARRIET}"
    assert calendar.walk("VTIMEZONE")  # the zone travels with the hours

    (deadline,) = _of(rows, "self-assessment-2022-23-wokingham-")
    _, event = _event(deadline)
    assert event.decoded("dtstart") == date(2023, 1, 2) and event.decoded("dtend") == date(2023, 1, 3)  # all day
    (window,) = _of(rows, "moderation-window-2022-23-wokingham-")
    _, event = _event(window)
    assert event.decoded("dtstart") == date(2022, 10, 24) and event.decoded("dtend") == date(2022, 11, 22)  # to the 21st, inclusive
    assert all(r.channel == "email" for r in rows) and len(rows) == 3

    mime = build_mime(EmailMessage(to=HARRIET, rendered=Renderer(zone=LONDON).render("calendar_invitation", day.payload), message_id=day.id),
                      mail_from=ASSISTANT, reply_to=ASSISTANT)
    parts = {part.get_content_type(): part for part in mime.walk()}
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    assert any(part.get_filename() == "invite.ics" for part in mime.walk())
    assert "In your calendar: Peer challenge day: Triad 1" in mime["Subject"]


def test_a_moved_date_is_one_update_a_person_who_leaves_is_cancelled_and_nothing_goes_twice(database):
    text = EXAMPLE.read_text(encoding="utf-8")
    _import(database, text)
    first = _plan(database)
    assert first > 0 and _plan(database) == 0  # planning again writes nothing

    # Triad 1 moves to Tuesday 17 January; Maya Okafield (East Sussex, a participant) leaves.
    moved = text.replace("date: 2023-01-16", "date: 2023-01-17").replace(
        "  - name: Maya Okafield\n    email: maya.okafield@east-sussex.example\n    roles: [{role: participant, authority: east-sussex}]\n", "")
    _import(database, moved)
    assert _plan(database, DECEMBER + timedelta(minutes=15)) > 0
    assert _plan(database, DECEMBER + timedelta(minutes=30)) == 0

    days = _of(_invitations(database, HARRIET), "challenge-day-2022-23-1-")
    assert [r.payload["sequence"] for r in days] == [0, 1]  # one update, once
    (_, before), (_, after) = _event(days[0]), _event(days[1])
    assert after["uid"] == before["uid"] and int(after["sequence"]) > int(before["sequence"])
    assert after.decoded("dtstart") == datetime(2023, 1, 17, 10, 0, tzinfo=LONDON)
    assert "Updated: Peer challenge day: Triad 1" in Renderer(zone=LONDON).render("calendar_invitation", days[1].payload).subject

    maya = _invitations(database, "maya.okafield@east-sussex.example")
    (cancel,) = [r for r in maya if r.payload["method"] == "CANCEL"]
    calendar, event = _event(cancel)
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert event["uid"] == _event(_of(maya, "challenge-day-")[0])[1]["uid"] and int(event["sequence"]) == 1


def test_dates_already_past_are_not_sent(database):
    _import(database, EXAMPLE.read_text(encoding="utf-8"))
    _plan(database, datetime(2023, 1, 20, 9, 0, tzinfo=UTC))  # after Triad 1's day and its deadline
    rows = _invitations(database, HARRIET)
    assert not _of(rows, "challenge-day-2022-23-1-") and not _of(rows, "self-assessment-2022-23-wokingham-")
