"""The dispatcher against the real database, with recording senders (interfaces we own)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from notify.dispatcher import Dispatcher
from notify.message import ConversationGone, PermanentFailure, TemporaryFailure
from storage.conversations import ConversationReferenceRecord
from storage.outbox import OutboxError, OutboxMessage, cancel_message, enqueue, retry_message
from storage.people import Person
from tests.support.fakes import PlainRenderer, RecordingSender

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


def _person(session, email="sam.example@kent.example", *, teams=False):
    person = Person(email=email, name="Sam Example")
    session.add(person)
    session.flush()
    if teams:
        session.add(
            ConversationReferenceRecord(
                person_id=person.id, channel_id="msteams", user_id=f"29:{person.id}", tenant_id="t1",
                conversation_id=f"a:{person.id}", service_url="http://127.0.0.1:1/", reference={"conversation": {"id": f"a:{person.id}"}},
            )
        )
    return person


def _enqueue(session, person_id, key="k1", channel="best", due=NOW):
    return enqueue(session, key=key, kind="delivery_test", payload={"person_name": "Sam"}, due_at=due, recipient_person_id=person_id, channel=channel)


def _dispatcher(database, sender, clock, **kwargs):
    return Dispatcher(database, renderer=PlainRenderer(), email=sender, teams=sender, clock=clock, backoff_base=60, **kwargs)


def _row(database, key="k1") -> OutboxMessage:
    with database.session() as session:
        return session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


async def test_the_same_key_twice_is_one_row(database):
    with database.session() as session:
        person = _person(session)
        assert _enqueue(session, person.id) is True
        assert _enqueue(session, person.id) is False
        session.commit()
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


async def test_teams_when_there_is_a_conversation_email_otherwise(database):
    sender, clock = RecordingSender(), Clock()
    with database.session() as session:
        in_teams = _person(session, "a@kent.example", teams=True)
        by_email = _person(session, "b@kent.example")
        _enqueue(session, in_teams.id, "t")
        _enqueue(session, by_email.id, "e")
        enqueue(session, key="m", kind="delivery_test", payload={"person_name": "Team"}, due_at=NOW, recipient_address="moderation@hampshire.example")
        session.commit()
    assert await _dispatcher(database, sender, clock).drain() == 3
    assert [m.message_id for m in sender.teams] == [_row(database, "t").id]
    assert sorted(m.to for m in sender.emails) == ["b@kent.example", "moderation@hampshire.example"]
    assert _row(database, "t").delivered_channel == "teams" and _row(database, "e").delivered_channel == "email"
    assert await _dispatcher(database, sender, clock).drain() == 0  # nothing sent twice


async def test_not_before_it_is_due(database):
    sender, clock = RecordingSender(), Clock()
    with database.session() as session:
        _enqueue(session, _person(session).id, due=NOW + timedelta(hours=1))
        session.commit()
    assert await _dispatcher(database, sender, clock).drain() == 0
    clock.now += timedelta(hours=1)
    assert await _dispatcher(database, sender, clock).drain() == 1


async def test_a_temporary_failure_is_retried_later_then_sent_once(database):
    sender, clock = RecordingSender(failures=[TemporaryFailure("SMTP 451", retry_after=120)]), Clock()
    with database.session() as session:
        _enqueue(session, _person(session).id)
        session.commit()
    dispatcher = _dispatcher(database, sender, clock)
    await dispatcher.drain()
    row = _row(database)
    assert row.status == "pending" and row.attempts == 1 and row.last_error == "SMTP 451"
    assert row.next_attempt_at >= NOW + timedelta(seconds=120)
    assert await dispatcher.drain() == 0  # not yet
    clock.now = row.next_attempt_at
    await dispatcher.drain()
    assert _row(database).status == "sent" and len(sender.emails) == 1


async def test_a_permanent_failure_is_recorded_at_once_and_can_be_retried_by_an_operator(database):
    sender, clock = RecordingSender(failures=[PermanentFailure("SMTP 550 recipient refused")]), Clock()
    with database.session() as session:
        _enqueue(session, _person(session).id)
        session.commit()
    await _dispatcher(database, sender, clock).drain()
    row = _row(database)
    assert row.status == "failed" and row.last_error == "SMTP 550 recipient refused" and "@" not in row.last_error
    with database.session() as session:
        with pytest.raises(OutboxError):
            cancel_message(session, 9999)
        retry_message(session, row.id, clock())
        session.commit()  # in the caller's transaction, as the programme's deliveries service does
    await _dispatcher(database, sender, clock).drain()
    assert _row(database).status == "sent"


async def test_too_many_temporary_failures_end_as_failed(database):
    sender, clock = RecordingSender(failures=[TemporaryFailure("SMTP connection lost")] * 3), Clock()
    with database.session() as session:
        _enqueue(session, _person(session).id)
        session.commit()
    dispatcher = _dispatcher(database, sender, clock, max_attempts=3)
    for _ in range(3):
        await dispatcher.drain()
        clock.now += timedelta(days=1)
    assert _row(database).status == "failed" and _row(database).attempts == 3


async def test_teams_gone_marks_the_conversation_inactive_and_falls_back_to_email(database):
    sender, clock = RecordingSender(failures=[ConversationGone("Teams 403: app removed or blocked")]), Clock()
    with database.session() as session:
        _enqueue(session, _person(session, teams=True).id)
        session.commit()
    await _dispatcher(database, sender, clock).drain()
    assert _row(database).delivered_channel == "email" and len(sender.emails) == 1 and not sender.teams
    with database.session() as session:
        assert session.scalar(select(ConversationReferenceRecord.active)) is False


async def test_a_claim_abandoned_by_a_dead_process_is_taken_over_after_it_expires(database):
    sender, clock = RecordingSender(), Clock()
    with database.session() as session:
        _enqueue(session, _person(session).id)
        session.commit()
    dead = _dispatcher(database, sender, clock, claim_seconds=60)
    _token, claimed = dead.claim()  # claimed, then the process "dies" before sending
    assert len(claimed) == 1 and _row(database).status == "sending"
    other = _dispatcher(database, sender, clock, claim_seconds=60)
    assert await other.drain() == 0
    clock.now += timedelta(seconds=61)
    assert await other.drain() == 1
    assert _row(database).status == "sent" and len(sender.emails) == 1


async def test_a_slow_send_renews_its_claim(database):
    sender, clock = RecordingSender(delay=0.3), Clock()
    with database.session() as session:
        _enqueue(session, _person(session).id)
        session.commit()
    dispatcher = _dispatcher(database, sender, clock, claim_seconds=0.1)
    import asyncio

    sending = asyncio.create_task(dispatcher.drain())
    await asyncio.sleep(0.15)
    clock.now += timedelta(seconds=0.05)  # past the first claim, but the renewal moved it on
    await asyncio.sleep(0.05)
    assert await _dispatcher(database, sender, clock).run_once() == 0
    await sending
    assert len(sender.emails) == 1


async def test_cancel_stops_a_pending_notification(database):
    sender, clock = RecordingSender(), Clock()
    with database.session() as session:
        _enqueue(session, _person(session).id)
        session.commit()
        cancel_message(session, _row(database).id)
        session.commit()
    assert await _dispatcher(database, sender, clock).drain() == 0 and not sender.emails


async def test_a_newer_version_of_a_teams_card_replaces_it_in_place_and_an_email_is_left_alone(database):
    sender, clock = RecordingSender(), Clock()
    with database.session() as session:
        in_teams = _person(session, "a@kent.example", teams=True)
        by_email = _person(session, "b@kent.example")
        _enqueue(session, in_teams.id, "card/t")
        _enqueue(session, by_email.id, "card/e")
        session.commit()
    await _dispatcher(database, sender, clock).drain()
    posted = _row(database, "card/t").teams_activity_id
    assert posted == "activity-1" and _row(database, "card/e").teams_activity_id is None

    with database.session() as session:
        for key, person in (("card/t", in_teams), ("card/e", by_email)):
            enqueue(session, key=f"{key}/update", kind="delivery_test", payload={"person_name": "Sam", "replaces": key},
                    due_at=NOW, recipient_person_id=person.id, channel="teams")
        session.commit()
    await _dispatcher(database, sender, clock).drain()

    assert [activity_id for activity_id, _ in sender.updates] == [posted]
    assert len(sender.teams) == 1 and len(sender.emails) == 1  # nothing posted anew
    assert _row(database, "card/t/update").status == "sent" and _row(database, "card/t/update").delivered_channel == "teams"
    assert _row(database, "card/e/update").status == "sent" and _row(database, "card/e/update").delivered_channel == "none"


class StallingSender(RecordingSender):
    """Sends to one Teams conversation hang, as when Teams makes it wait out a Retry-After, until `go` is set."""

    def __init__(self, stalled: str):
        super().__init__()
        self.stalled = stalled
        self.go = asyncio.Event()
        self.in_flight: dict[str, int] = {}
        self.most_in_flight: dict[str, int] = {}

    async def send_teams(self, message):
        key = message.conversation_id
        self.in_flight[key] = self.in_flight.get(key, 0) + 1
        self.most_in_flight[key] = max(self.most_in_flight.get(key, 0), self.in_flight[key])
        try:
            if key == self.stalled:
                await self.go.wait()
            return await super().send_teams(message)
        finally:
            self.in_flight[key] -= 1


async def _until(predicate, seconds=20.0):
    """Waits for what the test is about to happen, or fails saying it did not."""
    async with asyncio.timeout(seconds):
        while not predicate():
            await asyncio.sleep(0.01)


async def test_a_stalled_teams_conversation_holds_up_no_other_recipient_and_no_email(database):
    clock = Clock()
    with database.session() as session:
        busy = _person(session, "busy@kent.example", teams=True)
        others = [_person(session, f"teams{n}@kent.example", teams=True) for n in range(30)]
        for n in range(40):  # older than everything else: claimed first
            _enqueue(session, busy.id, f"busy/{n}", channel="teams", due=NOW - timedelta(minutes=5))
        for n, person in enumerate(others):
            _enqueue(session, person.id, f"teams/{n}", channel="teams")
        for n in range(200):
            enqueue(session, key=f"email/{n}", kind="delivery_test", payload={"person_name": "R"}, due_at=NOW,
                    recipient_address=f"reader{n}@surrey.example", channel="email")
        session.commit()
    sender = StallingSender(f"a:{busy.id}")
    dispatcher = _dispatcher(database, sender, clock, batch_size=20, concurrency=4)
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop, idle_seconds=0.05))

    # Everyone else is served while the busy conversation's first message hangs.
    await _until(lambda: len(sender.emails) == 200 and len(sender.teams) == 30)
    assert sender.most_in_flight[f"a:{busy.id}"] == 1  # one at a time per conversation
    with database.session() as session:
        waiting = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("busy/"))).all()
        assert all(row.status in ("pending", "sending") for row in waiting) and all(row.attempts == 0 for row in waiting)
        assert sum(row.status == "sending" for row in waiting) <= 1 + 7  # the rest went back to the outbox
        assert all(row.next_attempt_at is not None for row in waiting if row.status == "pending")

    # The conversation frees: every message of it is sent, once, as the clock reaches each put back.
    sender.go.set()

    async def advancing():
        while True:
            clock.now += timedelta(seconds=1)
            await asyncio.sleep(0.02)

    ticking = asyncio.create_task(advancing())
    await _until(lambda: len(sender.teams) == 70)
    ticking.cancel()
    stop.set()
    await running
    sent = [m.message_id for m in sender.teams]
    assert len(sent) == len(set(sent)) == 70
    with database.session() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}
        assert set(session.scalars(select(OutboxMessage.attempts))) == {0}  # a row put back is not an attempt


async def test_a_conversation_that_would_wait_long_for_the_rate_limits_is_put_back_not_waited_for(database):
    sender, clock = RecordingSender(), Clock()
    with database.session() as session:
        limited = _person(session, "limited@kent.example", teams=True)
        free = _person(session, "free@kent.example", teams=True)
        _enqueue(session, limited.id, "limited", channel="teams")
        _enqueue(session, free.id, "free", channel="teams")
        session.commit()
    sender.waits[f"a:{limited.id}"] = 25.0  # its 60 per 30 seconds are used up

    assert await _dispatcher(database, sender, clock).drain() == 2
    assert [m.conversation_id for m in sender.teams] == [f"a:{free.id}"]
    row = _row(database, "limited")
    assert (row.status, row.attempts, row.next_attempt_at.replace(tzinfo=UTC)) == ("pending", 0, NOW + timedelta(seconds=25))

    sender.waits.clear()
    clock.now += timedelta(seconds=25)
    assert await _dispatcher(database, sender, clock).drain() == 1
    assert _row(database, "limited").status == "sent"
