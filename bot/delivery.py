"""Builds the dispatcher and its senders from the settings (part of the composition root)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Callable

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter

from bot.config import Settings
from notify.dispatcher import Dispatcher, utc_now
from notify.email_senders import build_email_sender
from notify.rate_limit import TeamsLimits
from notify.render import Renderer
from notify.teams import TeamsProactiveSender
from storage.database import Database

log = logging.getLogger(__name__)


def build_dispatcher(
    settings: Settings, database: Database, adapter: CloudAdapter, clock: Callable[[], datetime] = utc_now
) -> Dispatcher:
    teams = TeamsProactiveSender(adapter, settings.app_id, limits=TeamsLimits(share=settings.teams_tenant_share))
    return Dispatcher(
        database,
        renderer=Renderer(),
        email=build_email_sender(settings),
        teams=teams,
        name=settings.dispatcher_name or None,
        clock=clock,
    )


def dispatcher_context(dispatcher: Dispatcher):
    """An aiohttp cleanup context that runs the dispatcher beside the web service."""

    async def run_dispatcher(_app: web.Application):
        stop = asyncio.Event()
        task = asyncio.create_task(dispatcher.run(stop))
        yield
        stop.set()
        await task
        await dispatcher.close()

    return run_dispatcher
