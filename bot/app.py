"""The composition root: everything the service needs is built here, from the settings."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timezone
from typing import Callable

from aiohttp import web
from botbuilder.core import ConversationState
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.adapter import build_adapter, build_authentication
from bot.assistant import Assistant
from bot.config import Settings
from bot.export_links import ExportLinks
from bot.messages import make_messages_handler
from storage.bot_state import DatabaseStorage
from storage.database import Database

log = logging.getLogger(__name__)

DATABASE = web.AppKey("database", Database)
SETTINGS = web.AppKey("settings", Settings)
LINKS = web.AppKey("links", ExportLinks)
CLOCK = web.AppKey("clock", object)


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class MigrationsPending(RuntimeError):
    pass


def prepare_database(settings: Settings) -> Database:
    """Open the database; on SQLite apply pending migrations, elsewhere insist they were applied."""
    database = Database(settings.database_url)
    if database.is_sqlite:
        database.upgrade()
    elif database.pending_migrations():
        database.dispose()
        raise MigrationsPending(
            "The database schema is not up to date: run `peer-challenge db upgrade` once, then start again."
        )
    return database


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
    clock: Callable[[], datetime] = system_clock,
) -> web.Application:
    if not settings.authenticated:
        log.warning(
            "MicrosoftAppId is not set: accepting UNAUTHENTICATED local traffic (Agents Playground, "
            "tests). Never run like this where the service is reachable from outside."
        )
    app = web.Application()
    app[SETTINGS] = settings
    database = database or prepare_database(settings)
    app[DATABASE] = database

    authentication = build_authentication(settings, credentials_factory)
    adapter = build_adapter(authentication)
    conversation_state = ConversationState(DatabaseStorage(database.sessions))
    links = ExportLinks(settings.export_link_key.encode() or secrets.token_bytes(32), settings.public_url or f"http://localhost:{settings.port}")
    app[LINKS] = links
    app[CLOCK] = clock
    assistant = Assistant(database, conversation_state, clock, settings.tz, moderation_mailbox=settings.moderation_mailbox,
                          library_url=settings.library_url, links=links)

    async def close_database(_app: web.Application):
        yield
        database.dispose()

    app.cleanup_ctx.append(close_database)
    if settings.dispatcher_enabled:
        from bot.delivery import build_dispatcher, dispatcher_context

        app.cleanup_ctx.append(dispatcher_context(build_dispatcher(settings, database, adapter, clock)))
    if settings.scheduler_enabled:
        app.cleanup_ctx.append(scheduler_context(database, clock, settings.timezone))
    messages = make_messages_handler(
        adapter, authentication, assistant, concurrent_turns=max(1, database.max_connections // 2)
    )
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/exports/{token}", download_export)
    return app


def scheduler_context(database: Database, clock: Callable[[], datetime], timezone: str):
    """Run the programme's clock beside the web service (SCHEDULER=off leaves it to `peer-challenge scheduler`)."""
    from scheduler.clock import InFlight, build_scheduler

    async def run_scheduler(_app: web.Application):
        in_flight = InFlight()
        scheduler = build_scheduler(database, clock, timezone=timezone, in_flight=in_flight)
        scheduler.start()
        yield
        scheduler.shutdown(wait=False)
        await in_flight.drain()  # before the database closes

    return run_scheduler


async def healthz(request: web.Request) -> web.Response:
    if request.app[DATABASE].healthy():
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "database unavailable"}, status=503)


async def download_export(request: web.Request) -> web.Response:
    """A signed export link from a card: the CSV, if the link is genuine, in date and its coordinator still one."""
    from bot.export_links import BadLink, read
    from bot.exports_csv import csv_bytes
    from programme.errors import ProgrammeError
    from programme.coordination.exports import export
    from programme.people.profile import load_profile
    from storage.people import Person

    now = request.app[CLOCK]()
    try:
        what, person_id = read(request.app[LINKS].key, request.match_info["token"], now)
    except BadLink as error:
        return web.Response(status=403, text=str(error))
    database = request.app[DATABASE]
    today = now.astimezone(request.app[SETTINGS].tz).date()
    with database.session() as session:
        person = session.get(Person, person_id)
        profile = load_profile(session, person, today, detail=False) if person is not None and person.active else None
        if profile is None or not profile.is_coordinator:
            return web.Response(status=403, text="This link was made for a coordinator who no longer is one.")
        try:
            name, header, rows = export(session, profile, what, today, person_id=person_id, channel="link")
        except ProgrammeError as error:
            return web.Response(status=404, text=str(error))
    return web.Response(body=csv_bytes(header, rows), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
