"""The programme's clock: APScheduler asks "what is due now?" and the answer comes from the database.

Reminders live in the database (programme/reminder_job.py), never inside APScheduler: its jobs are
added at start with fixed ids and `replace_existing`, so a restart never doubles them. `coalesce`
runs a job once however many runs were missed, and a generous `misfire_grace_time` lets a run
that was due while the process was busy or down still happen on return; planning itself decides
what is late enough to be marked missed instead of sent.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from programme.reminder_job import run_planning
from storage.database import Database

log = logging.getLogger(__name__)
PLAN_EVERY = timedelta(minutes=15)
GRACE_SECONDS = 6 * 3600


def plan_once(database: Database, clock: Callable[[], datetime]) -> None:
    with database.session() as session:
        run_planning(session, clock())


async def planning_job(database: Database, clock: Callable[[], datetime]) -> None:
    try:
        # The planner's queries are synchronous: off the event loop, so turns are not held up.
        await asyncio.to_thread(plan_once, database, clock)
    except Exception:  # noqa: BLE001 - a failed round is logged and the next one tries again
        log.exception("planning failed; the next round will try again")


def build_scheduler(database: Database, clock: Callable[[], datetime], *, timezone: str = "Europe/London") -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=timezone)
    scheduler.add_job(
        planning_job, IntervalTrigger(seconds=PLAN_EVERY.total_seconds(), timezone=timezone), args=(database, clock),
        id="plan", name="plan reminders", replace_existing=True, coalesce=True, max_instances=1,
        misfire_grace_time=GRACE_SECONDS, next_run_time=datetime.now().astimezone(),
    )
    return scheduler
