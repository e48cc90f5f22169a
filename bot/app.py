"""The aiohttp application: POST /api/messages, GET /healthz (alive), GET /readyz (database reachable,
migrations applied) and the export download links.

Built by the composition root (`service.bootstrap.create_app`) from parts made there; what runs
beside the web service (the dispatcher, the programme's clock) comes as cleanup contexts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.assistant import Assistant
from bot.export_links import ExportLinks
from bot.host import Host
from bot.messages import make_messages_handler
from storage.base import Clock
from storage.database import Database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from programme.people.profile import Profile

DATABASE = web.AppKey("database", Database)
LINKS = web.AppKey("links", ExportLinks)
CLOCK = web.AppKey[Clock]("clock")  # a callable is no class to pass as the type: aiohttp reads it from the subscript
ZONE = web.AppKey("zone", ZoneInfo)
NO_LONGER = "This link was made for a coordinator who no longer is one."


def web_application(
    *,
    database: Database,
    host: Host,
    assistant: Assistant,
    links: ExportLinks,
    clock: Clock,
    zone: ZoneInfo,
    background: Sequence[Callable[[web.Application], AsyncIterator[None]]] = (),
) -> web.Application:
    app = web.Application()
    app[DATABASE] = database
    app[LINKS] = links
    app[CLOCK] = clock
    app[ZONE] = zone

    async def close_database(_app: web.Application) -> AsyncIterator[None]:
        yield
        database.dispose()

    async def close_host(_app: web.Application) -> AsyncIterator[None]:
        yield
        await host.close()

    app.cleanup_ctx.append(close_database)
    app.cleanup_ctx.append(close_host)
    app.cleanup_ctx.extend(background)  # stopped first, so they never outlive the database
    messages = make_messages_handler(host, assistant.on_activity, concurrent_turns=max(1, database.max_connections // 2))
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/exports/{token}", download_export)
    return app


async def healthz(request: web.Request) -> web.Response:
    if request.app[DATABASE].healthy():
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "database unavailable"}, status=503)


async def readyz(request: web.Request) -> web.Response:
    """For a load balancer: ready when the database answers and its migrations are applied."""
    database = request.app[DATABASE]
    if not await asyncio.to_thread(database.healthy):
        return web.json_response({"status": "database unavailable"}, status=503)
    if await asyncio.to_thread(database.pending_migrations):
        return web.json_response({"status": "migrations not applied: run peer-challenge db upgrade"}, status=503)
    return web.json_response({"status": "ready"})


async def download_export(request: web.Request) -> web.Response:
    """A signed export link from a card: the CSV, if the link is genuine, in date and its coordinator still one."""
    from bot.export_links import BadLink, read
    from bot.exports_csv import csv_bytes
    from programme.coordination.exports import export
    from programme.errors import NotAllowed, ProgrammeError
    from programme.people.profile import load_profile
    from storage.people import Person

    now = request.app[CLOCK]()
    try:
        what, person_id = read(request.app[LINKS].key, request.match_info["token"], now)
    except BadLink as error:
        return web.Response(status=403, text=str(error))
    database = request.app[DATABASE]
    today = now.astimezone(request.app[ZONE]).date()
    with database.session() as session:
        person = session.get(Person, person_id)
        profile = load_profile(session, person, today, detail=False) if person is not None and person.active else None
        if profile is None:
            return web.Response(status=403, text=NO_LONGER)
        try:
            if what.startswith("person:"):
                return _person_file(session, profile, what, now, person_id)
            if what == f"ics:{person_id}":  # a person's own dates: theirs whatever their roles
                return _calendar_file(session, person_id, now, request.app[ZONE])
            name, header, rows = export(session, profile, what, today, person_id=person_id, channel="link")
        except NotAllowed:
            return web.Response(status=403, text=NO_LONGER)
        except ProgrammeError as error:
            return web.Response(status=404, text=str(error))
    return web.Response(body=csv_bytes(header, rows), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _calendar_file(session: Session, person_id: int, now: datetime, zone: ZoneInfo) -> web.Response:
    from notify.ics import calendar_file
    from programme.calendar.invitations import events_of

    body = calendar_file(events_of(session, person_id, now, zone), zone, now).encode("utf-8")
    return web.Response(body=body, content_type="text/calendar", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="peer-challenge.ics"', "Cache-Control": "no-store"})


def _person_file(session: Session, profile: Profile, what: str, now: datetime, person_id: int) -> web.Response:
    """A subject access export from its link: `person:ID:json` or `person:ID:html` (bot/dialogs/personal_data.py)."""
    from bot.exports_person import file_names, html_bytes, json_bytes
    from programme.people.subject_access import subject_access
    from storage.people import Person

    _, subject_id, form = (what.split(":") + ["", ""])[:3]
    subject = session.get(Person, int(subject_id)) if subject_id.isascii() and subject_id.isdigit() else None
    if subject is None or form not in ("json", "html"):
        return web.Response(status=404, text="There is nothing at this link any more.")
    found = subject_access(session, profile, subject.email, now, channel="link")
    json_name, html_name = file_names(found)
    body, name, kind = (json_bytes(found), json_name, "application/json") if form == "json" else (html_bytes(found), html_name, "text/html")
    return web.Response(body=body, content_type=kind, charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
