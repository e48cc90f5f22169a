"""Planning, as the clock runs it: write the reminders that are due to the outbox, once.

Each reminder's key names it, so planning again (or from a second process) writes nothing new; on
PostgreSQL an advisory lock makes a second planner wait for the first. A reminder due more than the
cycle's late limit (2 working days by default) ago is not sent late: it is written as missed, for
the digest, so importing a cycle part-way through or coming back from an outage sends nothing stale.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from programme.calendar.invitations import plan_invitations
from programme.errors import Invalid, NotAllowed
from programme.held_codes import for_person
from programme.people.profile import Profile
from programme.reminders.facts import load_facts
from programme.reminders.plan import Planned, due, plan
from programme.unit_of_work import unit_of_work
from storage.calendar import Cycle
from storage.outbox import OutboxMessage, OutboxStatus, enqueue

log = logging.getLogger(__name__)
LOCK_ID = 7_346_201  # the planners' advisory lock on PostgreSQL


@dataclass(frozen=True)
class Planning:
    queued: int
    missed: int


def planned_reminders(session: Session, zone: ZoneInfo) -> list[Planned]:
    """Every reminder of every active cycle, as the rules stand now."""
    reminders: list[Planned] = []
    for cycle in session.scalars(select(Cycle).where(Cycle.active.is_(True)).order_by(Cycle.starts_on)):
        reminders += plan(load_facts(session, cycle, zone))
    return reminders


def reminders_between(session: Session, start: date, end: date, zone: ZoneInfo) -> list[Planned]:
    """The reminders due from `start` to `end` (local days, both included), as the rules stand now."""
    return [r for r in planned_reminders(session, zone) if start <= r.on <= end]


TIMELINE_DAYS = 28  # how far ahead `timeline` looks when no end is named
TIMELINE_MAX_DAYS = 366
_DATES = re.compile(r"(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Timeline:
    start: date
    end: date
    reminders: list[Planned]


def timeline(session: Session, profile: Profile, asked: str, today: date, zone: ZoneInfo) -> Timeline:
    """For coordinators, the reminders that will go out in a period: `timeline`, `timeline 2022-11-01`
    or `timeline 2022-11-01 2022-12-31` (four weeks from today, or from the first date, by default)."""
    if not profile.is_coordinator:
        raise NotAllowed("Only the programme coordinators see the reminders timeline.")
    found = _DATES.findall(asked)
    try:
        start = date.fromisoformat(found[0]) if found else today
        end = date.fromisoformat(found[1]) if len(found) > 1 else start + timedelta(days=TIMELINE_DAYS)
    except ValueError:
        raise Invalid({"period": "Write the dates as YYYY-MM-DD, for example `timeline 2022-11-01 2022-12-31`."}) from None
    if end < start:
        raise Invalid({"period": "The second date must not be before the first."})
    if (end - start).days > TIMELINE_MAX_DAYS:
        raise Invalid({"period": f"Ask for at most {TIMELINE_MAX_DAYS} days at a time."})
    return Timeline(start, end, reminders_between(session, start, end, zone))


@unit_of_work
def run_planning(session: Session, now: datetime, zone: ZoneInfo, *, organizer: str = "") -> Planning:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})  # another planner waits here
    queued = missed = 0
    for cycle in session.scalars(select(Cycle).where(Cycle.active.is_(True)).order_by(Cycle.starts_on)):
        facts = load_facts(session, cycle, zone)
        planned = plan(facts)
        _stop_met(session, cycle.name, {p.key for p in planned}, now)
        _move_unsent(session, cycle.name, planned, now)
        result = due(planned, now, facts.settings.late_limit_working_days, zone)
        # Most of what is due was written by an earlier round: one read instead of one insert each.
        written = set(session.scalars(select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.like(f"reminder/{cycle.name}/%"))))
        for reminder in result.to_send:
            if reminder.key not in written:
                queued += _write(session, reminder, OutboxStatus.PENDING, now)
        for reminder in result.missed:
            if reminder.key not in written:
                missed += _write(session, reminder, OutboxStatus.MISSED, now)
        # The calendar invitations, their updates and cancellations (programme/calendar/invitations.py).
        queued += plan_invitations(session, facts, now, organizer)
    if queued or missed:
        log.info("planning: %s reminders queued, %s missed", queued, missed)
    return Planning(queued, missed)


CONDITION_MET = "condition met before sending"


def _stop_met(session: Session, cycle: str, planned: set[str], now: datetime) -> None:
    """A reminder written but not yet sent whose condition is now met is cancelled; one cancelled so
    whose condition is undone (an enquiry withdrawn, say) comes back."""
    prefix = f"reminder/{cycle}/"
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.idempotency_key, OutboxMessage.status, OutboxMessage.last_error)
        .where(OutboxMessage.idempotency_key.like(prefix + "%"), OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.CANCELLED)))
    ).all()
    stop = [row_id for row_id, key, status, _ in rows if status == OutboxStatus.PENDING and key not in planned]
    revive = [row_id for row_id, key, status, error in rows
              if status == OutboxStatus.CANCELLED and error == CONDITION_MET and key in planned]
    if stop:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(stop), OutboxMessage.status == OutboxStatus.PENDING)
                        .values(status=OutboxStatus.CANCELLED, last_error=CONDITION_MET, updated_at=now))
    if revive:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(revive)).values(status=OutboxStatus.PENDING, last_error=None, updated_at=now))


def _move_unsent(session: Session, cycle: str, planned: list[Planned], now: datetime) -> None:
    """A reminder written but not yet sent follows its plan: when a challenge date moves, its due time
    and what it says (the date) move with it, so it is not sent at the old time with the old date."""
    by_key = {p.key: p for p in planned}
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.idempotency_key, OutboxMessage.due_at, OutboxMessage.payload)
        .where(OutboxMessage.idempotency_key.like(f"reminder/{cycle}/%"), OutboxMessage.status == OutboxStatus.PENDING)
    ).all()
    for row_id, key, due_at, payload in rows:
        reminder = by_key.get(key)
        if reminder is None or _same_moment(due_at, reminder.due_at):
            continue
        kept = {name: value for name, value in (payload or {}).items() if name == "reference_code"}  # its code still answers
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.PENDING)
                        .values(due_at=reminder.due_at, payload={**reminder.payload, **kept}, updated_at=now))


def _same_moment(stored: datetime, planned: datetime) -> bool:
    stored = stored if stored.tzinfo else stored.replace(tzinfo=UTC)  # SQLite keeps no zone
    return stored == planned


def _write(session: Session, reminder: Planned, status: str, now: datetime) -> bool:
    payload = reminder.payload
    if reminder.answers is not None:
        purpose, record = reminder.answers
        payload = {**payload, **for_person(session, reminder.person.id, purpose, record, now)}
    return enqueue(session, key=reminder.key, kind=reminder.kind, payload=payload, due_at=reminder.due_at,
                   recipient_person_id=reminder.person.id, status=status)
