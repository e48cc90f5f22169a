"""The composition root: every part of the service is built here, from the settings, and nowhere else.

`serve`, every command of the command line, the scheduler and dispatcher processes and the
benchmarks all start here. Parts below get plain values (an address, a port, a key, a time zone)
or small interfaces (a clock, a sender), never the settings object.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.utils import formataddr
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import web

from service.settings import Settings
from storage.base import Clock, utcnow
from storage.database import Database

if TYPE_CHECKING:
    from bot.hosts.agents import AgentsHost
    from bot.hosts.botbuilder import BotbuilderHost
    from notify.dispatcher import Dispatcher
    from notify.message import EmailSender
    from notify.render import Renderer
    from notify.teams import TeamsProactiveSender

log = logging.getLogger(__name__)

# What load_settings() fills in for MAIL_DIR; here for Settings built by hand, as tests do.
CleanupContext = Callable[[web.Application], AsyncIterator[None]]


class MigrationsPending(RuntimeError):
    pass


def open_database(settings: Settings, *, migrate: bool = False) -> Database:
    """The database. With `migrate`, pending migrations are applied on SQLite and refused elsewhere
    (several processes must never migrate a shared database at once: `peer-challenge db upgrade`)."""
    database = Database(settings.database_url)
    if migrate and database.is_sqlite:
        database.upgrade()
    elif migrate and database.pending_migrations():
        database.dispose()
        raise MigrationsPending(
            "The database schema is not up to date: run `peer-challenge db upgrade` once, then start again."
        )
    return database


def zone_of(settings: Settings) -> ZoneInfo:
    """The programme's local time, which every date people see is in."""
    return ZoneInfo(settings.timezone)


@contextmanager
def command_database(settings: Settings, *, migrate: bool = False) -> Iterator[Database]:
    """The database for one command of the command line, closed when it is done."""
    database = open_database(settings, migrate=migrate)
    try:
        yield database
    finally:
        database.dispose()


# -- delivery ------------------------------------------------------------------------------------


def build_email_sender(settings: Settings) -> EmailSender:
    if settings.mail_backend == "smtp":
        from notify.email_smtp import SmtpEmailSender

        return SmtpEmailSender(
            settings.smtp_host,
            settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
            mail_from=_from_line(settings),
            reply_to=settings.assistant_mailbox,
            timeout=settings.smtp_timeout,
        )
    if settings.mail_backend == "graph":
        # Imported here: the Graph sender brings MSAL and an HTTP session that file and SMTP users never need.
        from notify.email_graph import GraphEmailSender
        from notify.graph_token import GraphTokenProvider

        tokens = GraphTokenProvider(
            tenant_id=settings.graph_tenant_id,
            client_id=settings.graph_client_id,
            client_secret=settings.graph_client_secret,
            authority_host=settings.graph_authority_host,
        )
        return GraphEmailSender(tokens, base_url=settings.graph_base_url, mailbox=settings.graph_mailbox,
                                reply_to=settings.assistant_mailbox)
    from notify.email_file import FileEmailSender

    return FileEmailSender(
        Path(settings.mail_dir) if settings.mail_dir else Path.cwd() / "var" / "mail",
        mail_from=_from_line(settings),
        reply_to=settings.assistant_mailbox,
    )


def build_host(settings: Settings, outbound_credentials: object | None = None) -> BotbuilderHost | AgentsHost:
    """The SDK the assistant runs on (BOT_HOST), with the bot registration's settings.

    `outbound_credentials` replaces what signs calls to the Bot Connector (tests, benchmarks): for
    botbuilder a ServiceClientCredentialsFactory, for agents an async callable giving the bearer token.
    """
    if settings.bot_host == "agents":
        return _agents_host(settings, outbound_credentials)
    from bot.hosts.botbuilder import BotbuilderHost, build_adapter, build_authentication

    authentication = build_authentication(settings.sdk_configuration(), outbound_credentials)
    return BotbuilderHost(authentication, build_adapter(authentication), settings.app_id)


def _agents_host(settings: Settings, outbound_credentials: object | None) -> AgentsHost:
    from bot.hosts.agents import BOT_FRAMEWORK_SCOPE, AgentsHost

    token = outbound_credentials
    if token is None and settings.authenticated:
        from microsoft_agents.authentication.msal import MsalAuth
        from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, AuthTypes

        # The standard names, onto the SDK's connection settings: a client secret (single-tenant with
        # its tenant, multi-tenant through botframework.com, as the Bot Framework has it) or a managed identity.
        managed = settings.app_type == "UserAssignedMSI"
        msal = MsalAuth(AgentAuthConfiguration(
            auth_type=AuthTypes.user_managed_identity if managed else AuthTypes.client_secret,
            client_id=settings.app_id,
            tenant_id=settings.app_tenant_id if settings.app_type == "SingleTenant" or managed else "botframework.com",
            client_secret=None if managed else settings.app_password,
            authority=settings.sdk_overrides.get("ToChannelFromBotLoginUrl") or None,
        ))
        scope = settings.sdk_overrides.get("ToChannelFromBotOAuthScope") or BOT_FRAMEWORK_SCOPE
        scope = scope if scope.endswith("/.default") else scope.rstrip("/") + "/.default"

        async def msal_token() -> str:
            return await msal.get_access_token(scope.removesuffix("/.default"), [scope])

        token = msal_token
    if token is None:
        async def no_token() -> str:
            return ""  # local development: calls to the Playground's connector carry no Authorization

        token = no_token
    return AgentsHost(settings.app_id, token,  # type: ignore[arg-type]
                      metadata_url=settings.sdk_overrides.get("ToBotFromChannelOpenIdMetadataUrl", ""),
                      issuer=settings.sdk_overrides.get("ToBotFromChannelTokenIssuer", ""))


def build_teams_sender(settings: Settings, host: BotbuilderHost | AgentsHost) -> TeamsProactiveSender:
    """The one Teams sender of a process, with its share of Teams' rate limits."""
    from notify.rate_limit import TeamsLimits
    from notify.teams import TeamsProactiveSender

    return TeamsProactiveSender(host.connector(), settings.app_id, limits=TeamsLimits(share=settings.teams_tenant_share))


def build_dispatcher(settings: Settings, database: Database, host: BotbuilderHost | AgentsHost, clock: Clock,
                     renderer: Renderer | None = None, teams: TeamsProactiveSender | None = None) -> Dispatcher:
    from notify.dispatcher import Dispatcher
    from notify.render import Renderer

    teams = teams or build_teams_sender(settings, host)
    return Dispatcher(
        database,
        renderer=renderer or Renderer(zone=zone_of(settings), library_url=settings.library_url, benchmarking_url=settings.benchmarking_url),
        email=build_email_sender(settings),
        teams=teams,
        name=settings.dispatcher_name or None,
        clock=clock,
    )


async def run_dispatcher(dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    await dispatcher.run(stop)
    await dispatcher.close()


def dispatcher_context(dispatcher: Dispatcher) -> CleanupContext:
    """Run the dispatcher beside the web service (DISPATCHER=off leaves it to `peer-challenge dispatcher`)."""

    async def running(_app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(run_dispatcher(dispatcher, stop))
        yield
        stop.set()
        await task

    return running


# -- the programme's clock -----------------------------------------------------------------------


def scheduler_context(database: Database, clock: Clock, zone: ZoneInfo, retention_days: int, organizer: str = "",
                      plan_every_seconds: int = 900) -> CleanupContext:
    """Run the programme's clock beside the web service (SCHEDULER=off leaves it to `peer-challenge scheduler`)."""
    from scheduler.clock import InFlight, build_scheduler

    async def running(_app: web.Application) -> AsyncIterator[None]:
        in_flight = InFlight()
        scheduler = build_scheduler(database, clock, zone=zone, in_flight=in_flight, retention_days=retention_days, organizer=organizer,
                                    plan_every=timedelta(seconds=plan_every_seconds))
        scheduler.start()
        yield
        scheduler.shutdown(wait=False)
        await in_flight.drain()  # before the database closes

    return running


async def run_scheduler(database: Database, clock: Clock, zone: ZoneInfo, stop: asyncio.Event, retention_days: int,
                        organizer: str = "", plan_every_seconds: int = 900) -> None:
    """The clock alone, until `stop` is set: `peer-challenge scheduler`."""
    from scheduler.clock import InFlight, build_scheduler

    in_flight = InFlight()
    scheduler = build_scheduler(database, clock, zone=zone, in_flight=in_flight, retention_days=retention_days, organizer=organizer,
                                plan_every=timedelta(seconds=plan_every_seconds))
    scheduler.start()
    log.info("scheduler started")
    await stop.wait()
    scheduler.shutdown(wait=False)
    await in_flight.drain()


# -- the web service -----------------------------------------------------------------------------


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    outbound_credentials: object | None = None,
    clock: Clock = utcnow,
) -> web.Application:
    """The web service with everything it runs: the assistant, and the dispatcher and the clock
    unless the settings leave them to processes of their own."""
    from bot.app import web_application
    from bot.assistant import Assistant
    from bot.export_links import ExportLinks
    from bot.private import PrivateReplies
    from notify.render import Renderer
    from programme.links import ProgrammeLinks

    if not settings.authenticated:
        log.warning(
            "MicrosoftAppId is not set: accepting UNAUTHENTICATED local traffic (Agents Playground, "
            "tests). Never run like this where the service is reachable from outside."
        )
    database = database or open_database(settings, migrate=True)
    zone = zone_of(settings)
    host = build_host(settings, outbound_credentials)
    log.info("hosted on %s (BOT_HOST)", "the Microsoft 365 Agents SDK" if host.name == "agents" else "the Bot Framework SDK")
    links = ExportLinks(settings.export_link_key.encode() or secrets.token_bytes(32),
                        settings.public_url or f"http://localhost:{settings.port}")
    # The notifications' templates: the dispatcher's, and the digest card's; with the region's links.
    renderer = Renderer(zone=zone, library_url=settings.library_url, benchmarking_url=settings.benchmarking_url)
    teams = build_teams_sender(settings, host)  # shared by the dispatcher and private answers: one count of the limits
    assistant = Assistant(
        database, clock, zone,
        moderation_mailbox=settings.moderation_mailbox, coordinators_email=settings.coordinators_email,
        programme_links=ProgrammeLinks(settings.library_url, settings.benchmarking_url), links=links, renderer=renderer,
        private=PrivateReplies(teams, build_email_sender(settings)),
    )
    background: list[CleanupContext] = []
    if settings.dispatcher_enabled:
        background.append(dispatcher_context(build_dispatcher(settings, database, host, clock, renderer, teams)))
    if settings.scheduler_enabled:
        background.append(scheduler_context(database, clock, zone, settings.retention_days, settings.mail_from, settings.plan_every_seconds))
    return web_application(
        database=database, host=host, assistant=assistant, links=links,
        clock=clock, zone=zone, background=background,
    )


def _from_line(settings: Settings) -> str:
    """The From line: the address with its display name ("Peer Challenge Assistant <...>")."""
    return formataddr((settings.mail_from_name, settings.mail_from)) if settings.mail_from_name else settings.mail_from
