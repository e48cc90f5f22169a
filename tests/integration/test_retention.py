"""Retention: notification bodies and held codes go once kept long enough, the rows that stop a
notification going twice stay, each run is in the audit trail, and the clock runs it every night."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from programme.retention import apply_retention
from storage.audit import AuditEntry
from storage.handled_activities import HandledActivity
from storage.held_codes import HeldCode
from storage.outbox import OutboxMessage, enqueue

NOW = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)


def _outbox(session, key: str, status: str, done: datetime, payload: dict | None = None) -> None:
    enqueue(session, key=key, kind="delivery_test", payload=payload or {"person_name": "Sam Example", "text": "a body"}, due_at=done,
            recipient_address="sam.example@kent.example")
    session.flush()
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    row.status, row.updated_at = status, done


def test_bodies_and_codes_kept_long_enough_go_and_what_stops_a_second_send_stays(database):
    old, recent = NOW - timedelta(days=91), NOW - timedelta(days=30)
    with database.session() as session:
        _outbox(session, "sent/old", "sent", old)
        _outbox(session, "missed/old", "missed", old)
        _outbox(session, "sent/recent", "sent", recent)
        _outbox(session, "failed/old", "failed", old)  # waiting for an operator: kept whole
        _outbox(session, "pending/old", "pending", old)  # not yet sent: kept whole
        session.add_all([
            HeldCode(code="C-OLDUSED", address="a@kent.example", purpose="card", record={"x": 1}, expires_at=NOW, used_at=old),
            HeldCode(code="C-OLDEXP", address="a@kent.example", purpose="card", record={"x": 1}, expires_at=old),
            HeldCode(code="C-LIVE", address="a@kent.example", purpose="card", record={"x": 1}, expires_at=NOW + timedelta(days=5)),
            HandledActivity(key="a" * 64, handled_at=NOW - timedelta(days=8)),
            HandledActivity(key="b" * 64, handled_at=NOW - timedelta(hours=1)),
        ])
        session.commit()

        run = apply_retention(session, NOW, 90)
        assert (run.bodies, run.codes, run.activities) == (2, 2, 1)
        payloads = {r.idempotency_key: r.payload for r in session.scalars(select(OutboxMessage))}
        assert payloads["sent/old"] == {} and payloads["missed/old"] == {}
        assert payloads["sent/recent"] and payloads["failed/old"] and payloads["pending/old"]
        assert set(session.scalars(select(HeldCode.code))) == {"C-LIVE"}
        assert list(session.scalars(select(HandledActivity.key))) == ["b" * 64]
        updated = session.scalar(select(OutboxMessage.updated_at).where(OutboxMessage.idempotency_key == "missed/old"))
        assert updated == old  # still says when it was done with

        # The key stays: the same notification can never be queued again.
        assert enqueue(session, key="sent/old", kind="delivery_test", payload={"person_name": "Sam"}, due_at=NOW,
                       recipient_address="sam.example@kent.example") is False
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "retention"))
        assert entry is not None and entry.channel == "clock" and entry.subject == "days=90 bodies=2 codes=2 activities=1"
        assert "Sam" not in entry.subject

        again = apply_retention(session, NOW + timedelta(days=1), 90)
        assert (again.bodies, again.codes, again.activities) == (0, 0, 0)  # each is removed once


def test_the_clock_runs_retention_every_night_with_the_configured_days():
    from apscheduler.triggers.cron import CronTrigger

    from scheduler.clock import build_scheduler

    scheduler = build_scheduler(database=None, clock=lambda: NOW, zone=ZoneInfo("Europe/London"), retention_days=30)
    job = scheduler.get_job("retention")
    assert job is not None and isinstance(job.trigger, CronTrigger) and job.coalesce and job.args[2] == 30
    assert job.trigger.get_next_fire_time(None, datetime(2026, 12, 7, 12, 0, tzinfo=UTC)) == datetime(2026, 12, 8, 2, 30, tzinfo=UTC)


def test_coordinators_see_each_retention_run_in_the_audit_trail(database):
    from programme.audit import entries

    with database.session() as session:
        apply_retention(session, NOW, 90)
        listed = entries(session, None)
    assert [(e.who, e.channel, e.action) for e in listed] == [("the programme's clock", "clock", "retention")]
