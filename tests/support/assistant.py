"""The real app, unauthenticated as in local development, with the example calendar imported and a
local Bot Connector stand-in to receive replies."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from programme.calendar.importer import import_calendar, load_calendar_file
from service.bootstrap import create_app
from service.settings import settings_from
from storage.database import Database
from tests.support.calendars import AS_RECORD, EXAMPLE
from tests.support.connector import ConnectorStandIn
from tests.support.hosts import with_host

__all__ = ["EXAMPLE", "EXAMPLE_NOW", "RunningAssistant", "start_assistant"]
# A day in the 2022-23 cycle before any group's moderation window has opened.
EXAMPLE_NOW = datetime(2022, 9, 1, 10, 0, tzinfo=UTC)


@dataclass
class RunningAssistant:
    client: TestClient
    connector: ConnectorStandIn
    service_url: str
    database: Database
    mail_dir: Path  # where the file mail backend writes (a fresh temporary folder, never the project's var/)

    async def post(self, activity: dict):
        return await self.client.post("/api/messages", json=activity)


async def start_assistant(
    database: Database, *, now: datetime = EXAMPLE_NOW, settings: dict | None = None
) -> tuple[RunningAssistant, TestServer]:
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    connector = ConnectorStandIn()
    connector_server = TestServer(connector.app())
    await connector_server.start_server()
    mail_dir = Path(tempfile.mkdtemp(prefix="assistant-mail-"))
    values = with_host({"DATABASE_URL": database.url, "DISPATCHER": "off", "SCHEDULER": "off", "MAIL_DIR": str(mail_dir), **(settings or {})})
    app = create_app(settings_from(values), database=database, clock=lambda: now)
    client = TestClient(TestServer(app))
    await client.start_server()
    service_url = str(connector_server.make_url("/"))
    return RunningAssistant(client, connector, service_url, database, Path(values["MAIL_DIR"])), connector_server
