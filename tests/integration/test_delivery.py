"""Delivery end to end: the dispatcher with the real senders, over the wire to a real SMTP server and
a Bot Connector stand-in that enforces Teams' limits. (A team change through the running app
reaching the new participant's inbox: tests/e2e/test_delivery_app.py.)"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from notify.dispatcher import Dispatcher
from notify.email_smtp import SmtpEmailSender
from notify.rate_limit import TeamsLimits
from notify.render import Renderer
from notify.teams import TeamsProactiveSender
from service.bootstrap import build_host
from service.settings import settings_from
from storage.conversations import ConversationReferenceRecord
from storage.outbox import OutboxMessage, enqueue
from storage.people import Person
from tests.support.auth import static_credentials
from tests.support.fakes import RecordingSender
from tests.support.hosts import with_host
from tests.support.smtp import SmtpServer
from tests.support.teams_connector import TeamsConnectorStandIn
from tests.support.teams_references import APP_ID, TENANT, reference

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ASSISTANT = "peer-challenge@assistant.example"


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


def _smtp_sender(server: SmtpServer) -> SmtpEmailSender:
    return SmtpEmailSender(
        server.host, server.port, security="none", username="", password="",
        mail_from="peer-challenge@assistant.example", reply_to=ASSISTANT, timeout=5,
    )


def _fill(database, count: int, *, teams_url: str | None = None) -> list[int]:
    ids = []
    with database.session() as session:
        for n in range(count):
            person = Person(email=f"person{n}@council.example", name=f"Person {n}")
            session.add(person)
            session.flush()
            if teams_url:
                conversation = f"a:conversation-{n}"
                session.add(
                    ConversationReferenceRecord(
                        person_id=person.id, channel_id="msteams", user_id=f"29:{n}", tenant_id=TENANT,
                        conversation_id=conversation, service_url=teams_url, reference=reference(teams_url, conversation),
                    )
                )
            enqueue(session, key=f"test/{n}", kind="delivery_test", payload={"person_name": person.name}, due_at=NOW, recipient_person_id=person.id)
            ids.append(person.id)
        session.commit()
    return ids


def _rows(database) -> dict[str, OutboxMessage]:
    with database.session() as session:
        return {row.idempotency_key: row for row in session.scalars(select(OutboxMessage))}


async def _drain_until_settled(dispatcher: Dispatcher, clock: Clock, database, rounds: int = 12) -> None:
    for _ in range(rounds):
        await dispatcher.drain()
        if all(row.status in ("sent", "failed") for row in _rows(database).values()):
            return
        clock.now += timedelta(hours=2)  # past any backoff


async def test_smtp_faults_are_retried_or_failed_as_they_deserve(database):
    clock = Clock()
    with SmtpServer() as server:
        _fill(database, 4)
        server.fail_next(421)  # message 0: closed with 421, retried, then delivered
        server.fail_next(451)  # message 1: 451, retried, then delivered
        server.fail_next(550, at="RCPT")  # message 2: refused for good
        dispatcher = Dispatcher(database, renderer=Renderer(), email=_smtp_sender(server), clock=clock, concurrency=1, batch_size=10)
        await _drain_until_settled(dispatcher, clock, database)
        await dispatcher.close()
        rows = _rows(database)
        delivered = Counter(r.rcpt_tos[0] for r in server.messages)
    statuses = {key: (row.status, row.attempts) for key, row in rows.items()}
    assert statuses["test/0"] == ("sent", 1) and statuses["test/1"] == ("sent", 1)
    assert statuses["test/2"] == ("failed", 1) and "550" in rows["test/2"].last_error
    assert statuses["test/3"] == ("sent", 0)
    assert delivered == {"person0@council.example": 1, "person1@council.example": 1, "person3@council.example": 1}
    assert all("@" not in (row.last_error or "") for row in rows.values())


async def test_a_connection_dropped_before_the_final_reply_is_retried(database):
    clock = Clock()
    with SmtpServer() as server:
        _fill(database, 1)
        server.drop_next()
        dispatcher = Dispatcher(database, renderer=Renderer(), email=_smtp_sender(server), clock=clock)
        await _drain_until_settled(dispatcher, clock, database)
        await dispatcher.close()
        copies = len(server.messages)
    assert _rows(database)["test/0"].status == "sent"
    # The server may have kept the first copy before the line dropped: at-least-once, as SMTP is.
    assert 1 <= copies <= 2


async def test_teams_within_limits_with_email_when_the_app_was_removed(database):
    clock = Clock()
    async with TeamsConnectorStandIn() as connector:
        _fill(database, 40, teams_url=connector.url)
        for n in range(40):
            connector.register(f"a:conversation-{n}", TENANT)
        connector.fail_conversation("a:conversation-7", 403)
        settings = settings_from(with_host({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "not-a-secret", "DATABASE_URL": database.url}))
        host = build_host(settings, static_credentials(APP_ID))
        email = RecordingSender()
        teams = TeamsProactiveSender(host.connector(), APP_ID, limits=TeamsLimits(), backoff_base=0.01, backoff_cap=1.0)
        dispatcher = Dispatcher(database, renderer=Renderer(), email=email, teams=teams, clock=clock)
        await _drain_until_settled(dispatcher, clock, database)
        await host.close()
        stats = connector.stats()
        delivered = [d.conversation_id for d in connector.delivered]
    rows = _rows(database)
    assert all(row.status == "sent" for row in rows.values())
    assert rows["test/7"].delivered_channel == "email" and [m.to for m in email.emails] == ["person7@council.example"]
    assert sorted(Counter(delivered).values()) == [1] * 39 and "a:conversation-7" not in delivered
    assert stats["violations"] == 0
    with database.session() as session:
        gone = session.scalar(select(ConversationReferenceRecord).where(ConversationReferenceRecord.conversation_id == "a:conversation-7"))
        assert gone.active is False


async def test_someone_known_only_from_a_team_channel_gets_a_personal_chat(database):
    clock = Clock()
    async with TeamsConnectorStandIn() as connector:
        _fill(database, 1, teams_url=connector.url)
        with database.session() as session:
            record = session.scalar(select(ConversationReferenceRecord))
            channel_reference = dict(record.reference)
            channel_reference["conversation"] = {"id": "19:general@thread.tacv2", "conversationType": "channel", "tenantId": TENANT}
            record.reference = channel_reference
            session.commit()
        settings = settings_from(with_host({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "not-a-secret", "DATABASE_URL": database.url}))
        host = build_host(settings, static_credentials(APP_ID))
        teams = TeamsProactiveSender(host.connector(), APP_ID, limits=TeamsLimits(), backoff_base=0.01, backoff_cap=1.0)
        dispatcher = Dispatcher(database, renderer=Renderer(), email=RecordingSender(), teams=teams, clock=clock)
        await _drain_until_settled(dispatcher, clock, database)
        await host.close()
        delivered = [d.conversation_id for d in connector.delivered]
    assert _rows(database)["test/0"].delivered_channel == "teams"
    with database.session() as session:
        record = session.scalar(select(ConversationReferenceRecord))
    assert record.reference["conversation"]["conversationType"] == "personal"
    assert delivered == [record.conversation_id] and record.conversation_id != "19:general@thread.tacv2"
