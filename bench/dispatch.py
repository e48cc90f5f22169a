"""The dispatcher's throughput: Teams against Teams' limits, and email into a local SMTP server.

    .venv/bin/python -m bench.dispatch                    # 1,000 Teams messages, then 1,000 emails
    .venv/bin/python -m bench.dispatch --people 200 --emails 200
    .venv/bin/python -m bench.dispatch --share 0.5        # this process's half of the tenant budget
    .venv/bin/python -m bench.dispatch --host agents      # Teams through the Microsoft 365 Agents SDK
    .venv/bin/python -m bench.dispatch --latency 0.05     # the stand-in answers after 50 ms
    .venv/bin/python -m bench.dispatch --database-url postgresql+psycopg://...@127.0.0.1/empty_db
    .venv/bin/python -m bench.dispatch --people 0 --emails 600 --busy 120   # email beside one busy conversation

Teams: `--people` people, each with an active Teams conversation reference in one tenant and one
`delivery_test` notification due, in a temporary SQLite database (or an EMPTY database at
`--database-url`). One Dispatcher (notify/dispatcher.py, its default batch size and concurrency
unless told otherwise) sends them through TeamsProactiveSender (notify/teams.py): the real
CloudAdapter and the SDK's HTTP client, outbound calls authorised by StaticCredentialsFactory.
The Bot Connector stand-in (tests/support/teams_connector.py) runs in a child process, enforces
Teams' limits (7/s and 60/30 s per conversation, 50/s per tenant) on its own clock and answers 429
to anything over them. The bench prints the time taken, the least time the limits allow, their
ratio, what was lost or duplicated (per conversation at the stand-in, and the rows' statuses) and
the stand-in's count of limit violations.

Email: `--emails` rows for addresses (channel email), sent by the same Dispatcher with
SmtpEmailSender (notify/email_smtp.py, no TLS, no login) into an aiosmtpd server in a child
process that counts each Message-ID; then the same number again straight through the sender
(`--concurrency` at a time), to show what the dispatcher's bookkeeping costs.

Beside a busy conversation (`--busy N`): the same `--emails` rows again, with N Teams messages for
one person queued before them (older, so claimed first), both through one Dispatcher running as in
service (`run`), Teams against the stand-in. It reports when the last email was accepted, against
the emails alone, and when the busy conversation's last message went, against the least its limits
allow: one conversation's rate limit must not hold up other recipients or other channels.

Every socket is confined to 127.0.0.1 (bench.turns.confine_to_loopback); each phase is bounded by
`--time-limit`, and each child process ends when this one closes its stdin (or after its own
lifetime). Nothing here asserts on timings: it measures and reports.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.turns import LOOPBACK, confine_to_loopback

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "0b5e7a00-0000-4000-8000-00000000d15b"
TENANT = "0b5e7a00-0000-4000-8000-00000000te4a"
MESSAGE_ID = re.compile(rb"^Message-ID:\s*<outbox-(\d+)@", re.MULTILINE | re.IGNORECASE)


# --- child processes ------------------------------------------------------------------------


class Child:
    """A server in a child process: prints one line (its address) when ready; ends when stdin closes."""

    def __init__(self, args: list[str], log: Path, startup_timeout: float = 60.0):
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log
        )
        ready: list[str] = []
        reader = threading.Thread(target=lambda: ready.append(self.process.stdout.readline().decode()), daemon=True)
        reader.start()
        reader.join(startup_timeout)
        if not ready or not ready[0].strip():
            self.stop()
            raise RuntimeError(f"child {args} did not start; see {log}")
        self.address = ready[0].strip()

    def stop(self, timeout: float = 10.0) -> str:
        """Close stdin, and return what the child printed after that."""
        out = ""
        try:
            if self.process.stdin and not self.process.stdin.closed:
                self.process.stdin.close()
            out = self.process.stdout.read().decode() if self.process.stdout else ""
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        finally:
            self._log.close()
        return out


def smtp_sink_main(lifetime: float) -> None:
    """Child: an aiosmtpd server on 127.0.0.1 that counts Message-IDs; prints them on stdin close."""
    from aiosmtpd.controller import Controller

    counts: Counter = Counter()
    lock = threading.Lock()
    times: list[float] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            found = MESSAGE_ID.search(envelope.original_content or envelope.content or b"")
            with lock:
                counts[int(found.group(1)) if found else -1] += 1
                times.append(time.monotonic())
            return "250 Message accepted"

    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname=LOOPBACK, port=port)
    controller.start()
    print(f"{LOOPBACK}:{port}", flush=True)
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait(lifetime)
    controller.stop()
    with lock:
        print(json.dumps({"counts": {str(k): v for k, v in counts.items()}, "received": sum(counts.values())}), flush=True)


# --- the database -----------------------------------------------------------------------------


def prepare(database_url: str):
    from storage.database import Database
    from storage.outbox import OutboxMessage
    from storage.people import Person

    database = Database(database_url)
    database.upgrade()
    with database.session() as session:
        if session.query(OutboxMessage).count() or session.query(Person).count():
            database.dispose()
            raise SystemExit("bench: the database must be empty (no people, no outbox rows): it counts every row")
    return database


def seed_teams(database, service_url: str, people: int) -> None:
    from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

    from storage.conversations import ConversationReferenceRecord
    from storage.outbox import enqueue
    from storage.people import Person

    due = datetime.now(UTC) - timedelta(minutes=1)
    with database.session() as session:
        for n in range(people):
            person = Person(email=f"teams{n:05d}@bench.example", name=f"Bench Person {n:05d}")
            session.add(person)
            session.flush()
            conversation_id = f"a:bench-{n:05d}"
            reference = ConversationReference(
                activity_id=f"17000000{n:05d}",
                user=ChannelAccount(id=f"29:bench-{n:05d}"),
                bot=ChannelAccount(id=f"28:{APP_ID}"),
                conversation=ConversationAccount(id=conversation_id, tenant_id=TENANT, conversation_type="personal"),
                channel_id="msteams",
                service_url=service_url,
            )
            session.add(
                ConversationReferenceRecord(
                    person_id=person.id, channel_id="msteams", user_id=f"29:bench-{n:05d}", tenant_id=TENANT,
                    conversation_id=conversation_id, service_url=service_url, reference=reference.serialize(),
                )
            )
            enqueue(
                session, key=f"bench/teams/{n}", kind="delivery_test", payload={"person_name": person.name},
                due_at=due, recipient_person_id=person.id, channel="teams",
            )
        session.commit()


def seed_emails(database, count: int) -> list[int]:
    from sqlalchemy import select

    from storage.outbox import OutboxMessage, enqueue

    due = datetime.now(UTC) - timedelta(minutes=1)
    with database.session() as session:
        for n in range(count):
            enqueue(
                session, key=f"bench/email/{n}", kind="delivery_test", payload={"person_name": f"Reader {n:05d}"},
                due_at=due, recipient_address=f"reader{n:05d}@bench.example", channel="email",
            )
        session.commit()
        return list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.idempotency_key.like("bench/email/%"))))


def statuses(database, prefix: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from storage.outbox import OutboxMessage

    with database.session() as session:
        return dict(
            session.execute(
                select(OutboxMessage.status, func.count())
                .where(OutboxMessage.idempotency_key.like(f"{prefix}%"))
                .group_by(OutboxMessage.status)
            ).all()
        )


# --- the phases -------------------------------------------------------------------------------


class NoEmail:
    async def send_email(self, message) -> None:
        from notify.message import PermanentFailure

        raise PermanentFailure("the Teams bench sends no email")

    async def close(self) -> None:
        return None


@dataclass
class TeamsResult:
    people: int
    seconds: float
    minimum: float
    strict_minimum: float
    binding: str
    delivered: int
    lost: int
    duplicated: int
    violations: int
    statuses_at_connector: dict
    rows: dict
    first_to_last: float | None


def least_time(per_conversation: Counter, tenant_per_second: float) -> tuple[float, float, str]:
    """The least time the limits allow: (messages over the binding sustained rate, as 1,000 at
    50/s = 20 s; the same less the first window's burst, which a sliding window lets through at
    once, as (1,000 - 50) / 50 = 19 s; which limit binds). The binding limit is the tenant's, or one
    conversation's (7/s; 60 per 30 s, i.e. 2/s, beyond its first 60)."""
    total = sum(per_conversation.values())
    burst = tenant_per_second  # the tenant window is one second
    candidates = [(total / tenant_per_second, max(total - burst, 0) / tenant_per_second,
                   f"tenant: {total} at {tenant_per_second:g}/s")]
    busiest = max(per_conversation.values(), default=0)
    if busiest > 7:
        if busiest <= 60:
            candidates.append((busiest / 7, (busiest - 7) / 7, f"one conversation: {busiest} at 7/s"))
        else:
            candidates.append((busiest / 2, (busiest - 60) / 2, f"one conversation: {busiest} at 60 per 30 s"))
    return max(candidates)


async def teams_phase(args, workdir: Path) -> TeamsResult:
    from notify.dispatcher import Dispatcher
    from notify.rate_limit import TeamsLimits
    from notify.render import Renderer
    from notify.teams import TeamsProactiveSender
    from service.bootstrap import build_host
    from service.settings import settings_from
    from storage.base import utcnow
    from tests.support.auth import static_credentials

    database_url = args.database_url or f"sqlite:///{workdir / 'teams.sqlite3'}"
    database = prepare(database_url)
    connector = Child(
        ["-m", "tests.support.teams_connector", "--port", "0", "--latency", str(args.latency),
         "--lifetime", str(args.time_limit + 60)],
        workdir / "teams-connector.log",
    )
    try:
        service_url = connector.address
        seed_teams(database, service_url, args.people)
        settings = settings_from({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "bench-secret", "BOT_HOST": args.host})
        bot_host = build_host(settings, static_credentials(APP_ID, host=args.host))
        limits = TeamsLimits(share=args.share)
        sender = TeamsProactiveSender(bot_host.connector(), APP_ID, limits=limits)
        dispatcher = Dispatcher(
            database, renderer=Renderer(), email=NoEmail(), teams=sender, name="bench-teams", clock=utcnow,
            **dispatcher_options(args),
        )
        started = time.monotonic()
        await asyncio.wait_for(dispatcher.drain(), timeout=args.time_limit)
        seconds = time.monotonic() - started
        await dispatcher.close()
        await bot_host.close()
        stats = await asyncio.to_thread(_get_json, f"{service_url}_stats")
    finally:
        connector.stop()
    per_conversation = Counter({f"a:bench-{n:05d}": 0 for n in range(args.people)})
    per_conversation.update(stats["per_conversation"])
    tenant_rate = limits.tenant_limits[0].count / limits.tenant_limits[0].seconds
    minimum, strict_minimum, binding = least_time(Counter(dict.fromkeys(per_conversation, 1)), tenant_rate)
    rows = statuses(database, "bench/teams/")
    database.dispose()
    first, last = stats["first_at"], stats["last_at"]
    return TeamsResult(
        people=args.people,
        seconds=seconds,
        minimum=minimum,
        strict_minimum=strict_minimum,
        binding=binding,
        delivered=stats["delivered"],
        lost=sum(1 for v in per_conversation.values() if v == 0),
        duplicated=sum(v - 1 for v in per_conversation.values() if v > 1),
        violations=stats["violations"],
        statuses_at_connector=stats["statuses"],
        rows=rows,
        first_to_last=(last - first) if first is not None and last is not None else None,
    )


def dispatcher_options(args) -> dict:
    options = {"claim_seconds": 60.0}
    if args.batch_size:
        options["batch_size"] = args.batch_size
    if args.concurrency:
        options["concurrency"] = args.concurrency
    return options


def _get_json(url: str) -> dict:
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=30) as response:
        return json.loads(response.read())


@dataclass
class EmailResult:
    emails: int
    dispatcher_seconds: float
    dispatcher_received: int
    dispatcher_lost: int
    dispatcher_duplicated: int
    rows: dict
    direct_seconds: float
    direct_received: int
    concurrency: int


async def email_phase(args, workdir: Path) -> EmailResult:
    from notify.dispatcher import Dispatcher
    from notify.email_smtp import SmtpEmailSender
    from notify.message import EmailMessage
    from notify.render import Renderer
    from service.bootstrap import build_email_sender
    from service.settings import settings_from
    from storage.base import utcnow

    database = prepare(f"sqlite:///{workdir / 'email.sqlite3'}")
    ids = seed_emails(database, args.emails)

    def sender(host_port: str) -> SmtpEmailSender:
        host, port = host_port.rsplit(":", 1)
        settings = settings_from({"MAIL_BACKEND": "smtp", "SMTP_HOST": host, "SMTP_PORT": port, "SMTP_SECURITY": "none",
                                  "MAIL_FROM": "assistant@bench.example", "ASSISTANT_MAILBOX": "assistant@bench.example"})
        built = build_email_sender(settings)
        assert isinstance(built, SmtpEmailSender)
        return built

    # Through the dispatcher.
    sink = Child(["-m", "bench.dispatch", "--smtp-sink", "--lifetime", str(args.time_limit + 60)], workdir / "smtp-1.log")
    try:
        dispatcher = Dispatcher(
            database, renderer=Renderer(), email=sender(sink.address), name="bench-email", clock=utcnow, **dispatcher_options(args)
        )
        started = time.monotonic()
        await asyncio.wait_for(dispatcher.drain(), timeout=args.time_limit)
        dispatcher_seconds = time.monotonic() - started
        await dispatcher.close()
    finally:
        received = json.loads(sink.stop().strip().splitlines()[-1])
    counts = Counter({int(k): v for k, v in received["counts"].items()})
    rows = statuses(database, "bench/email/")
    database.dispose()

    # Straight through the sender, the same messages, `concurrency` at a time.
    rendered = Renderer().render("delivery_test", {"person_name": "Reader"})
    concurrency = args.concurrency or 16
    sink = Child(["-m", "bench.dispatch", "--smtp-sink", "--lifetime", str(args.time_limit + 60)], workdir / "smtp-2.log")
    try:
        direct = sender(sink.address)
        gate = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            async with gate:
                await direct.send_email(EmailMessage(to=f"reader{n:05d}@bench.example", rendered=rendered, message_id=n))

        started = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(args.emails))), timeout=args.time_limit)
        direct_seconds = time.monotonic() - started
    finally:
        direct_received = json.loads(sink.stop().strip().splitlines()[-1])["received"]

    return EmailResult(
        emails=args.emails,
        dispatcher_seconds=dispatcher_seconds,
        dispatcher_received=sum(counts.values()),
        dispatcher_lost=sum(1 for i in ids if counts[i] == 0),
        dispatcher_duplicated=sum(v - 1 for i, v in counts.items() if v > 1),
        rows=rows,
        direct_seconds=direct_seconds,
        direct_received=direct_received,
        concurrency=concurrency,
    )


@dataclass
class MixedResult:
    emails: int
    busy: int
    emails_seconds: float  # until the last email was accepted
    busy_seconds: float | None  # until the busy conversation's last message was sent (None: not within the time limit)
    busy_minimum: float
    busy_strict_minimum: float
    emails_lost: int
    emails_duplicated: int
    busy_delivered: int
    busy_duplicated: int
    violations: int


def seed_busy(database, service_url: str, count: int) -> None:
    """One person with a Teams conversation and `count` messages due for them, older than the emails."""
    from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

    from storage.conversations import ConversationReferenceRecord
    from storage.outbox import enqueue
    from storage.people import Person

    due = datetime.now(UTC) - timedelta(minutes=5)
    with database.session() as session:
        person = Person(email="busy@bench.example", name="Busy Person")
        session.add(person)
        session.flush()
        reference = ConversationReference(
            activity_id="1700000099999", user=ChannelAccount(id="29:bench-busy"), bot=ChannelAccount(id=f"28:{APP_ID}"),
            conversation=ConversationAccount(id="a:bench-busy", tenant_id=TENANT, conversation_type="personal"),
            channel_id="msteams", service_url=service_url,
        )
        session.add(ConversationReferenceRecord(
            person_id=person.id, channel_id="msteams", user_id="29:bench-busy", tenant_id=TENANT, conversation_id="a:bench-busy",
            service_url=service_url, reference=reference.serialize(),
        ))
        for n in range(count):
            enqueue(session, key=f"bench/busy/{n}", kind="delivery_test", payload={"person_name": person.name},
                    due_at=due + timedelta(milliseconds=n), recipient_person_id=person.id, channel="teams")
        session.commit()


async def mixed_phase(args, workdir: Path) -> MixedResult:
    from notify.dispatcher import Dispatcher
    from notify.rate_limit import TeamsLimits
    from notify.render import Renderer
    from notify.teams import TeamsProactiveSender
    from service.bootstrap import build_email_sender, build_host
    from service.settings import settings_from
    from storage.base import utcnow
    from tests.support.auth import static_credentials

    database = prepare(f"sqlite:///{workdir / 'mixed.sqlite3'}")
    connector = Child(["-m", "tests.support.teams_connector", "--port", "0", "--latency", str(args.latency),
                       "--lifetime", str(args.time_limit + 60)], workdir / "teams-connector-mixed.log")
    sink = Child(["-m", "bench.dispatch", "--smtp-sink", "--lifetime", str(args.time_limit + 60)], workdir / "smtp-mixed.log")
    try:
        seed_busy(database, connector.address, args.busy)
        ids = seed_emails(database, args.emails)
        host, port = sink.address.rsplit(":", 1)
        email = build_email_sender(settings_from({
            "MAIL_BACKEND": "smtp", "SMTP_HOST": host, "SMTP_PORT": port, "SMTP_SECURITY": "none",
            "MAIL_FROM": "assistant@bench.example", "ASSISTANT_MAILBOX": "assistant@bench.example"}))
        settings = settings_from({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "bench-secret", "BOT_HOST": args.host})
        bot_host = build_host(settings, static_credentials(APP_ID, host=args.host))
        teams = TeamsProactiveSender(bot_host.connector(), APP_ID, limits=TeamsLimits(share=args.share))
        dispatcher = Dispatcher(database, renderer=Renderer(), email=email, teams=teams, name="bench-mixed", clock=utcnow,
                                **dispatcher_options(args))
        stop = asyncio.Event()
        started = time.monotonic()
        running = asyncio.create_task(dispatcher.run(stop, idle_seconds=0.05))
        emails_seconds = busy_seconds = None
        while time.monotonic() - started < args.time_limit and busy_seconds is None:
            await asyncio.sleep(0.05)
            if emails_seconds is None and statuses(database, "bench/email/").get("sent", 0) == args.emails:
                emails_seconds = time.monotonic() - started
            if statuses(database, "bench/busy/").get("sent", 0) == args.busy:
                busy_seconds = time.monotonic() - started
        stop.set()
        await running
        await dispatcher.close()
        await bot_host.close()
        stats = await asyncio.to_thread(_get_json, f"{connector.address}_stats")
    finally:
        connector.stop()
        received = json.loads(sink.stop().strip().splitlines()[-1])
    database.dispose()
    counts = Counter({int(k): v for k, v in received["counts"].items()})
    busy_count = stats["per_conversation"].get("a:bench-busy", 0)
    minimum, strict_minimum, _ = least_time(Counter({"a:bench-busy": args.busy}), 50.0)
    return MixedResult(
        emails=args.emails, busy=args.busy,
        emails_seconds=emails_seconds if emails_seconds is not None else float("nan"), busy_seconds=busy_seconds,
        busy_minimum=minimum, busy_strict_minimum=strict_minimum, emails_lost=sum(1 for i in ids if counts[i] == 0),
        emails_duplicated=sum(v - 1 for i, v in counts.items() if v > 1),
        busy_delivered=busy_count, busy_duplicated=max(busy_count - args.busy, 0), violations=stats["violations"],
    )


# --- report -------------------------------------------------------------------------------------


def report_mixed(result: MixedResult, alone: float | None) -> str:
    against = f"   (alone: {alone:.2f} s)" if alone is not None else ""
    busy = f"{result.busy_seconds:8.2f} s" if result.busy_seconds is not None else "   not done"
    return "\n".join([
        f"Beside a busy conversation: {result.emails} emails with {result.busy} Teams messages for one person queued before them",
        f"  last email accepted   {result.emails_seconds:8.2f} s{against}",
        f"  busy conversation done{busy}   (least its limits allow: {result.busy_minimum:.2f} s at the sustained "
        f"rate, {result.busy_strict_minimum:.2f} s less the first window's burst)",
        f"  emails lost {result.emails_lost}, duplicated {result.emails_duplicated}; busy delivered {result.busy_delivered}, "
        f"duplicated {result.busy_duplicated}; limit violations {result.violations}",
    ])




def report_teams(result: TeamsResult, args) -> str:
    ratio = result.seconds / result.minimum if result.minimum else float("nan")
    strict = result.seconds / result.strict_minimum if result.strict_minimum else float("nan")
    spread = f"{result.first_to_last:.2f} s" if result.first_to_last is not None else "-"
    lines = [
        f"Teams: {result.people} notifications to {result.people} people (one conversation each, one tenant)",
        f"  time taken            {result.seconds:8.2f} s   (first to last delivery at the connector: {spread})",
        f"  least the limits allow{result.minimum:8.2f} s   ({result.binding}; share {args.share:g})",
        f"  ratio                 {ratio:8.3f}     (aim: at most 1.1)",
        f"  strict least          {result.strict_minimum:8.2f} s   (less the first second's burst), ratio {strict:.3f}",
        f"  delivered             {result.delivered:8d}",
        f"  lost                  {result.lost:8d}",
        f"  duplicated            {result.duplicated:8d}",
        f"  limit violations      {result.violations:8d}     (requests the stand-in answered 429)",
        f"  connector statuses    {result.statuses_at_connector}",
        f"  outbox rows           {result.rows}",
    ]
    return "\n".join(lines)


def report_email(result: EmailResult) -> str:
    return "\n".join(
        [
            f"Email: {result.emails} messages into a local aiosmtpd server (SmtpEmailSender, no TLS, a connection per message)",
            f"  through the dispatcher {result.dispatcher_seconds:7.2f} s  = {result.emails / result.dispatcher_seconds:7.1f} messages/s",
            (
                f"    received {result.dispatcher_received}, lost {result.dispatcher_lost}, "
                f"duplicated {result.dispatcher_duplicated}; outbox rows {result.rows}"
            ),
            (
                f"  sender alone ({result.concurrency} at a time) {result.direct_seconds:7.2f} s  = "
                f"{result.emails / result.direct_seconds:7.1f} messages/s (received {result.direct_received})"
            ),
        ]
    )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--people", type=int, default=1000, help="Teams notifications, one per person (1000)")
    p.add_argument("--emails", type=int, default=1000, help="emails (1000); 0 skips the email phase")
    p.add_argument("--busy", type=int, default=0, help="Teams messages for one person, sent beside the emails (0: no such phase)")
    p.add_argument("--share", type=float, default=1.0, help="this dispatcher's share of the tenant budget (1.0)")
    p.add_argument("--host", choices=("botbuilder", "agents"), default="botbuilder", help="the SDK that sends to Teams (BOT_HOST)")
    p.add_argument("--latency", type=float, default=0.0, help="seconds the Teams stand-in takes to answer (0)")
    p.add_argument("--batch-size", type=int, default=0, help="dispatcher batch size (its default)")
    p.add_argument("--concurrency", type=int, default=0, help="dispatcher concurrency (its default)")
    p.add_argument("--database-url", default="", help="an EMPTY database for the Teams phase (default: temp SQLite)")
    p.add_argument("--time-limit", type=float, default=300.0, help="the most seconds one phase may take (300)")
    p.add_argument("--keep-files", action="store_true", help="keep the databases and the children's logs")
    p.add_argument("--smtp-sink", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--lifetime", type=float, default=900.0, help=argparse.SUPPRESS)
    return p


async def amain(args) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-dispatch-"))
    try:
        if args.people:
            result = await teams_phase(args, workdir)
            print(report_teams(result, args), flush=True)
        alone = None
        if args.emails:
            email_result = await email_phase(args, workdir)
            alone = email_result.dispatcher_seconds
            print(report_email(email_result), flush=True)
        if args.busy:
            print(report_mixed(await mixed_phase(args, workdir), alone), flush=True)
    except BaseException:
        print(f"bench.dispatch: failed; the databases and the child processes' logs are in {workdir}", flush=True)
        raise
    if args.keep_files:
        print(f"bench.dispatch: the databases and logs are in {workdir}", flush=True)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.smtp_sink:
        confine_to_loopback()
        smtp_sink_main(args.lifetime)
        return 0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    confine_to_loopback()
    return asyncio.run(amain(args))


if __name__ == "__main__":
    sys.exit(main())
