"""Several dispatcher processes, and dispatchers killed mid-send: nothing lost, nothing twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.outbox import OutboxMessage, enqueue

ROOT = Path(__file__).resolve().parents[2]
PAST = datetime.now(UTC) - timedelta(minutes=1)


def _fill(database, count: int) -> None:
    with database.session() as session:
        for n in range(count):
            enqueue(session, key=f"bulk/{n}", kind="delivery_test", payload={"person_name": f"P{n}"}, due_at=PAST, recipient_address=f"p{n}@council.example")
        session.commit()


def _worker(database, log: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.dispatch_worker", database.url, str(log), *extra],
        cwd=ROOT,
        start_new_session=True,
    )


def _sent_ids(log: Path) -> Counter:
    return Counter(int(line) for line in log.read_text().split())


def _statuses(database) -> dict:
    with database.session() as session:
        return dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())


@pytest.mark.postgres
def test_two_dispatchers_on_postgresql_send_each_of_1000_rows_exactly_once(postgres_database, tmp_path):
    database = postgres_database
    with database.engine.begin() as connection:
        connection.execute(OutboxMessage.__table__.delete())
    _fill(database, 1000)
    log = tmp_path / "sent.log"
    workers = [_worker(database, log, "--delay", "0.002") for _ in range(2)]
    for worker in workers:
        assert worker.wait(timeout=120) == 0
    sent = _sent_ids(log)
    assert len(sent) == 1000 and set(sent.values()) == {1}
    assert _statuses(database) == {"sent": 1000}


def test_a_dispatcher_killed_at_random_points_loses_nothing(database, tmp_path):
    _fill(database, 300)
    log = tmp_path / "sent.log"
    rng = random.Random(7)
    kills = 0
    for _ in range(4):
        worker = _worker(database, log, "--delay", "0.01", "--claim", "1")
        time.sleep(rng.uniform(0.8, 1.6))
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
            kills += 1
    time.sleep(1.1)  # let the dead workers' claims expire
    final = _worker(database, log, "--claim", "1", "--idle", "2")
    assert final.wait(timeout=120) == 0
    sent = _sent_ids(log)
    assert set(sent) == set(range(min(sent), min(sent) + 300))  # every row reached the sender
    assert _statuses(database) == {"sent": 300}
    # A row repeats only if its process died between sending and recording: at most the rows a
    # killed process had in flight (its concurrency, 10) each time it was killed.
    assert sum(count - 1 for count in sent.values()) <= 10 * kills
