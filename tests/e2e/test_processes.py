"""Several processes for real, on PostgreSQL: two web processes, one dispatcher and one scheduler,
each `peer-challenge` as an operator starts it (docs/operating.md). Turns go through both web
processes, some delivered to both (a retry, a load balancer's second try): every feedback is kept
once, each coordinator is told of each once, and every notification is sent once."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from storage.feedback import Feedback
from storage.outbox import OutboxMessage
from tests.support.activities import email_message
from tests.support.calendars import EXAMPLE
from tests.support.connector import ConnectorStandIn
from tests.support.databases import _empty

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
DCS = "harriet.quillfeather@wokingham.example"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "service.cli", *args], cwd=ROOT, env=env, stdout=output,
                                stderr=subprocess.STDOUT, start_new_session=True)


async def _until_ready(port: int, process: subprocess.Popen, log: Path) -> None:
    async with aiohttp.ClientSession() as client:
        for _ in range(200):
            assert process.poll() is None, log.read_text(errors="replace")[-2000:]
            try:
                async with client.get(f"http://127.0.0.1:{port}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"the web process on {port} never became ready: {log.read_text(errors='replace')[-2000:]}")


async def test_two_web_processes_a_dispatcher_and_a_scheduler_lose_nothing_and_send_nothing_twice(postgres_database, tmp_path):
    database = postgres_database
    _empty(database)
    mail = tmp_path / "mail"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}, "DATABASE_URL": database.url, "MicrosoftAppId": "",
           "MicrosoftAppPassword": "", "MAIL_BACKEND": "file", "MAIL_DIR": str(mail), "HOST": "127.0.0.1", "LOG_LEVEL": "INFO"}
    assert subprocess.run([sys.executable, "-m", "service.cli", "import-calendar", str(EXAMPLE), "--past-cycle"], cwd=ROOT, env=env,
                          capture_output=True, check=False).returncode == 0
    connector = ConnectorStandIn()  # where the web processes' email replies go (the Bot Framework email channel)
    connector_server = TestServer(connector.app())
    await connector_server.start_server()
    service_url = str(connector_server.make_url("/"))
    ports = [_port(), _port()]
    processes = [
        *(_start(["serve", "--port", str(p)], {**env, "DISPATCHER": "off", "SCHEDULER": "off"}, tmp_path / f"web-{p}.log") for p in ports),
        _start(["dispatcher"], env, tmp_path / "dispatcher.log"),
        _start(["scheduler"], env, tmp_path / "scheduler.log"),
    ]
    try:
        for port, process in zip(ports, processes, strict=False):
            await _until_ready(port, process, tmp_path / f"web-{port}.log")
        async with aiohttp.ClientSession() as client:
            sent = []
            for n in range(20):
                activity = email_message(service_url, DCS, f"feedback Note number {n} from the day.")
                sent.append(activity)
                targets = ports if n % 4 == 0 else [ports[n % 2]]  # every fourth delivered to both processes at once
                answers = await asyncio.gather(*(client.post(f"http://127.0.0.1:{p}/api/messages", json=activity) for p in targets))
                assert all(a.status in (200, 201) for a in answers)
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(Feedback)) == 20  # each once, whichever process took it
            notices = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "feedback_received"))
        assert notices and notices % 20 == 0  # each coordinator, once per piece

        for _ in range(300):  # the dispatcher sends everything due, once
            with database.session() as session:
                waiting = session.scalar(select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.status.in_(["pending", "sending"]), OutboxMessage.due_at <= func.now()))
            if not waiting:
                break
            time.sleep(0.1)
        assert not waiting
        ids = Counter(email.message_from_bytes(p.read_bytes())["Message-ID"] for p in mail.glob("*.eml"))
        with database.session() as session:
            sent_rows = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent"))
            planned = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.idempotency_key.like("reminder/%")))
        assert sent_rows >= notices and len(ids) == sent_rows and set(ids.values()) == {1}  # every one sent, none twice
        assert planned, "the scheduler's first round planned nothing (for the past example cycle: reminders written as missed)"

        # Stopped as a service manager stops them: each finishes what it was doing and leaves nothing claimed.
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        codes = [process.wait(timeout=20) for process in processes]
        assert all(code in (0, -signal.SIGTERM, 128 + signal.SIGTERM) for code in codes), codes
        with database.session() as session:
            assert not session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sending"))
        for log in tmp_path.glob("*.log"):
            assert "Traceback" not in log.read_text(errors="replace"), log.name
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        await connector_server.close()
        _empty(database)


def _rounds(log: Path) -> int:
    return log.read_text(errors="replace").count("planning round:") if log.exists() else 0


async def test_a_second_scheduler_takes_over_when_the_first_is_killed(postgres_database, tmp_path):
    """Two schedulers on PostgreSQL: each round takes the planners' advisory lock, so they take turns.
    The first is killed (SIGKILL, perhaps mid-round, holding the lock): PostgreSQL frees the lock with
    its connection, and the second goes on planning."""
    database = postgres_database
    _empty(database)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}, "DATABASE_URL": database.url, "MicrosoftAppId": "",
           "MicrosoftAppPassword": "", "MAIL_DIR": str(tmp_path / "mail"), "LOG_LEVEL": "INFO", "PLAN_EVERY_SECONDS": "1"}
    assert subprocess.run([sys.executable, "-m", "service.cli", "import-calendar", str(EXAMPLE), "--past-cycle"], cwd=ROOT, env=env,
                          capture_output=True, check=False).returncode == 0
    first_log, second_log = tmp_path / "scheduler-1.log", tmp_path / "scheduler-2.log"
    first, second = _start(["scheduler"], env, first_log), _start(["scheduler"], env, second_log)
    try:
        for _ in range(300):
            if _rounds(first_log) >= 2 and _rounds(second_log) >= 2:
                break
            await asyncio.sleep(0.05)
        assert _rounds(first_log) >= 2 and _rounds(second_log) >= 2  # both plan, in turn
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        after = _rounds(second_log)
        for _ in range(200):
            if _rounds(second_log) >= after + 3:
                break
            await asyncio.sleep(0.05)
        assert _rounds(second_log) >= after + 3, second_log.read_text(errors="replace")[-1500:]
        with database.session() as session:
            keys = list(session.scalars(select(OutboxMessage.idempotency_key)))
        assert keys and len(keys) == len(set(keys))
    finally:
        for process in (first, second):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=15)
        _empty(database)
