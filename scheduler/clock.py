"""The programme's clock: APScheduler asks "what is due now?" and the answer comes from the database.

Reminders live in the database (programme/reminders/planning.py), never inside APScheduler: its jobs are
added at start with fixed ids and `replace_existing`, so a restart never doubles them. `coalesce`
runs a job once however many runs were missed, and a generous `misfire_grace_time` lets a run
that was due while the process was busy or down still happen on return; planning itself decides
what is late enough to be marked missed instead of sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from programme.digest.weekly import queue_weekly_digest
from programme.reminders.planning import run_planning
from programme.retention import DEFAULT_DAYS, apply_retention
from storage.base import Clock, utcnow
from storage.database import Database

log = logging.getLogger(__name__)
PLAN_EVERY = timedelta(minutes=15)
GRACE_SECONDS = 6 * 3600
DIGEST_GRACE_SECONDS = 2 * 24 * 3600  # a Monday digest held up (a busy or suspended process) still goes by Wednesday

T = TypeVar("T")


class InFlight:
    """The jobs' work under way in threads, so that stopping waits for it: a round stopped halfway
    would leave a database connection behind."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[Any]] = set()

    async def run(self, work: Callable[..., T], *args: object) -> T:
        task = asyncio.ensure_future(asyncio.to_thread(work, *args))
        self._tasks.add(task)
        try:
            return await asyncio.shield(task)
        finally:
            self._tasks.discard(task)

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def plan_once(database: Database, clock: Clock, zone: ZoneInfo, organizer: str = "") -> None:
    started = time.monotonic()
    with database.session() as session:
        done = run_planning(session, clock(), zone, organizer=organizer)
    log.info("planning round: %s queued, %s missed", done.queued, done.missed,
             extra={"job": "plan", "outcome": "ok", "duration_ms": round((time.monotonic() - started) * 1000)})


async def planning_job(database: Database, clock: Clock, zone: ZoneInfo, in_flight: InFlight, organizer: str = "") -> None:
    try:
        # The planner's queries are synchronous: off the event loop, so turns are not held up.
        await in_flight.run(plan_once, database, clock, zone, organizer)
    except Exception:
        log.exception("planning failed; the next round will try again")


def digest_once(database: Database, clock: Clock, zone: ZoneInfo) -> int:
    with database.session() as session:
        return queue_weekly_digest(session, clock(), zone)


async def digest_job(database: Database, clock: Clock, zone: ZoneInfo, in_flight: InFlight) -> None:
    try:
        # Keyed by the ISO week: a run repeated after a restart or by a second scheduler queues nothing new.
        await in_flight.run(digest_once, database, clock, zone)
    except Exception:
        log.exception("queueing the weekly digest failed")


async def digest_on_return(database: Database, clock: Clock, zone: ZoneInfo, in_flight: InFlight) -> None:
    """At start: this week's digest, if its Monday 08:00 has passed (it was missed while down)."""
    local = clock().astimezone(zone)
    monday_eight = (local - timedelta(days=local.weekday())).replace(hour=8, minute=0, second=0, microsecond=0)
    if local >= monday_eight:
        await digest_job(database, clock, zone, in_flight)


def retention_once(database: Database, clock: Clock, days: int) -> str:
    with database.session() as session:
        return str(apply_retention(session, clock(), days))


async def retention_job(database: Database, clock: Clock, days: int, in_flight: InFlight) -> None:
    try:
        await in_flight.run(retention_once, database, clock, days)
    except Exception:
        log.exception("the retention run failed; tomorrow's will try again")


def build_scheduler(database: Database, clock: Clock, *, zone: ZoneInfo, in_flight: InFlight | None = None,
                    retention_days: int = DEFAULT_DAYS, organizer: str = "", plan_every: timedelta = PLAN_EVERY) -> AsyncIOScheduler:
    """The clock's jobs, at the programme's local times; whoever stops it awaits `in_flight.drain()` after `shutdown`."""
    in_flight = in_flight or InFlight()
    scheduler = AsyncIOScheduler(timezone=zone)
    jobs = (database, clock, zone, in_flight)
    # APScheduler's triggers run on the machine's time (utcnow); what is due then is asked of `clock`.
    scheduler.add_job(
        planning_job, IntervalTrigger(seconds=plan_every.total_seconds(), timezone=zone), args=(*jobs, organizer),
        id="plan", name="plan reminders", replace_existing=True, coalesce=True, max_instances=1,
        misfire_grace_time=GRACE_SECONDS, next_run_time=utcnow(),
    )
    scheduler.add_job(
        digest_job, CronTrigger(day_of_week="mon", hour=8, minute=0, timezone=zone), args=jobs,
        id="digest", name="queue the coordinators' weekly digest", replace_existing=True, coalesce=True, max_instances=1,
        misfire_grace_time=DIGEST_GRACE_SECONDS,
    )
    # Every night: notification bodies and held codes kept long enough are removed (programme/retention.py).
    scheduler.add_job(
        retention_job, CronTrigger(hour=2, minute=30, timezone=zone), args=(database, clock, retention_days, in_flight),
        id="retention", name="remove what has been kept long enough", replace_existing=True, coalesce=True, max_instances=1,
        misfire_grace_time=DIGEST_GRACE_SECONDS,
    )
    # A Monday missed while the process was down: this week's digest, on return (keyed by week, so never twice).
    scheduler.add_job(
        digest_on_return, args=jobs, id="digest-on-return", name="this week's digest if it is not out",
        replace_existing=True, misfire_grace_time=GRACE_SECONDS, next_run_time=utcnow(),
    )
    return scheduler
