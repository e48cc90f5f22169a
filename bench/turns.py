"""Turns per second and latency of our `help` turn on both SDK hosts, against the ceilings and each SDK's echo sample.

    .venv/bin/python -m bench.turns                      # all variants at 1, 10 and 50 clients
    .venv/bin/python -m bench.turns --variants help,echo --clients 10 --duration 3
    .venv/bin/python -m bench.turns --variants help,agents-help --clients 10 --profile pyinstrument
    .venv/bin/python -m bench.turns --variants echo,agents-echo,help,agents-help,nominate,agents-nominate --clients 10,50

Variants (each server in its own process; the Bot Connector stand-in in another; the load
generator and the local identity provider in this one):

  bare          aiohttp handler: parse the activity JSON, answer 201 (ceiling, turn without a reply)
  bare-reply    the same plus one reply POSTed to the activity's serviceUrl with a shared
                aiohttp.ClientSession (ceiling, turn with one reply)
  echo          the Bot Framework SDK (botbuilder 4.17) sample echo bot:
                CloudAdapter(ConfigurationBotFrameworkAuthentication(config)),
                ActivityHandler.on_message_activity sends the text back, adapter.process(request, bot)
  agents-echo   the Microsoft 365 Agents SDK (1.9) echo agent as its samples write it:
                AgentApplication[TurnState](storage=MemoryStorage(), adapter=CloudAdapter(...)),
                @app.activity("message") sends the text back with context.send_activity, served by
                start_agent_process(request, app, adapter) behind jwt_authorization_middleware with
                app["agent_configuration"] = AgentAuthConfiguration(...)
  help          our app, create_app(settings) with BOT_HOST=botbuilder: `help` from a registered Teams
                user (SQLite in a temp dir)
  help-unknown  the same from a Teams user who is not registered (their roster entry is looked up)
  nominate      our app (BOT_HOST=botbuilder): the `nomination.submit` Action.Execute card action (an
                `adaptiveCard/action` invoke) from a registered DCS (help's client 0, DCS of bench0), each
                request with its own form token and its own nominee (bench-N@council.example), so every
                request writes one nomination, its form submission and its outbox rows (two coordinators,
                the nominee, the nominator). The answer is the invoke's HTTP body (200 with the card); a
                non-200 or a body without "Nomination received" is an error. Nothing is sent to the Bot
                Connector stand-in.
  agents-help, agents-help-unknown, agents-nominate
                the same traffic to our app built with BOT_HOST=agents (bot/hosts/agents.py)

Our app (help, help-unknown, nominate and their agents- twins) runs with DISPATCHER=off: no outbox
dispatcher in the server process competes with the turns (the outbox rows nominate writes stay pending).

Every variant but bare and bare-reply runs with authentication on, the same way: an app id, RS256 tokens
from the local identity provider (tests/support/auth.py) checked against its keys, and outbound calls
carrying a static bearer token instead of one from MSAL. How each server gets there:

- echo and our app on botbuilder: the SDK's ConfigurationBotFrameworkAuthentication (ours through
  bot/hosts/botbuilder.py) reads the provider's OpenID metadata (ToBotFromChannelOpenIdMetadataUrl,
  ToBotFromChannelTokenIssuer); outbound via tests/support/auth.py's StaticCredentialsFactory.
- our app on agents: bot/hosts/agents.py's ChannelTokens reads the same metadata settings; outbound via
  `static_credentials(app_id, host="agents")` (an async callable giving the static token).
- agents-echo: the Agents SDK's own JwtTokenValidator, unchanged, behind jwt_authorization_middleware. It
  takes the signing keys of the issuer "https://api.botframework.com" from a URL fixed in the SDK
  (microsoft_agents.hosting.core.authorization._entra_issuers.BOTFRAMEWORK_JWKS_URIS), which is not
  reachable here. So the agents-echo child process, and only it, points that one dict entry at the local
  provider's keys URL before serving (`_point_agents_sdk_at_local_keys`); no other process, and no other
  part of the SDK's validator, is changed. Outbound: the sample's CloudAdapter(connection_manager=...)
  with the SDK's own ConnectionManager, whose token provider (`_StaticTokenProvider`) answers
  get_access_token with the static token instead of asking MSAL; the SDK's RestChannelServiceClientFactory
  and TeamsConnectorClient send the reply as they would in service.

Every socket is confined to 127.0.0.1 (see `confine_to_loopback`); every measurement is bounded
in time and in requests, and every child process ends when this one closes its stdin or after
`--child-lifetime` seconds. Nothing here asserts on timings: it measures and reports.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
APP_ID = "0b5e7a00-0000-4000-8000-00000000be7c"
REGISTERED_AAD = "00000000-0000-4000-a000-{:012d}"
UNKNOWN_AAD = "00000000-0000-4000-b000-{:012d}"
ID_PLACEHOLDER = "__BENCH_ACTIVITY_ID__"
CLK_TCK = os.sysconf("SC_CLK_TCK")

NO_AUTH = "none: no token sent or checked"
SDK_AUTH = (
    "on: RS256 JWT checked by the SDK (ConfigurationBotFrameworkAuthentication) against the local OpenID "
    "metadata; outbound calls via StaticCredentialsFactory"
)
AGENTS_SDK_AUTH = (
    "on: RS256 JWT checked by the Agents SDK's JwtTokenValidator (jwt_authorization_middleware, the sample's "
    "AgentAuthConfiguration), keys from the local provider (this child alone repoints the SDK's fixed Bot "
    "Framework keys URL); outbound via the SDK's ConnectionManager with a static-token provider (no MSAL)"
)
OUR_AUTH = (
    "on: RS256 JWT checked in full by the SDK (CachingBotFrameworkAuthentication over it), then trusted for the "
    "same channel and service URL until it expires (bot/host.py VerifiedTokens), same metadata; outbound via StaticCredentialsFactory"
)
OUR_AGENTS_AUTH = (
    "on: RS256 JWT checked in full (bot/hosts/agents.py ChannelTokens: signature, issuer, audience, lifetime, "
    "endorsement, serviceurl), then trusted for the same channel and service URL until it expires (bot/host.py "
    "VerifiedTokens), same metadata; outbound via static_credentials(host='agents')"
)


@dataclass(frozen=True)
class Variant:
    name: str
    what: str
    auth: str
    authenticated: bool
    registered: bool = False
    invoke: bool = False  # answers in the HTTP body and sends no reply to the Bot Connector stand-in
    coordinators: int = 0  # regional coordinators seeded besides the registered people
    host: str = "botbuilder"  # the SDK it runs on (our app: BOT_HOST); "" for the bare aiohttp variants

    @property
    def ours(self) -> bool:  # create_app(settings): run with DISPATCHER=off
        return self.name.removeprefix("agents-") in ("help", "help-unknown", "nominate")


NOMINATE_WHAT = ("our app: `nomination.submit` card action (adaptiveCard/action invoke) from a registered DCS, "
                 "a fresh form token and nominee each time")
VARIANTS = {
    v.name: v
    for v in (
        Variant("bare", "aiohttp handler: parse the activity JSON, answer 201", NO_AUTH, False, host=""),
        Variant("bare-reply", "aiohttp handler + one reply POST (shared ClientSession)", NO_AUTH, False, host=""),
        Variant("echo", "botbuilder echo bot (CloudAdapter.process + ActivityHandler)", SDK_AUTH, True),
        Variant("agents-echo", "Agents SDK echo agent (AgentApplication[TurnState] + start_agent_process)",
                AGENTS_SDK_AUTH, True, host="agents"),
        Variant("help", "our app on botbuilder: `help` from a registered Teams user", OUR_AUTH, True, registered=True),
        Variant("agents-help", "our app on agents: `help` from a registered Teams user", OUR_AGENTS_AUTH, True,
                registered=True, host="agents"),
        Variant("help-unknown", "our app on botbuilder: `help` from an unregistered Teams user", OUR_AUTH, True),
        Variant("agents-help-unknown", "our app on agents: `help` from an unregistered Teams user", OUR_AGENTS_AUTH,
                True, host="agents"),
        Variant("nominate", NOMINATE_WHAT.replace("our app:", "our app on botbuilder:"), OUR_AUTH, True,
                registered=True, invoke=True, coordinators=2),
        Variant("agents-nominate", NOMINATE_WHAT.replace("our app:", "our app on agents:"), OUR_AGENTS_AUTH, True,
                registered=True, invoke=True, coordinators=2, host="agents"),
    )
}
NOMINATION_KINDS = ("nomination_confirmation", "nomination_received", "panel_invitation")  # what a nomination enqueues
NOMINATOR = 0  # the registered person every nominate client writes as: help's client 0, DCS of bench0
NOMINATED = b"Nomination received"

CEILING = "bare-reply"
ECHO = "echo"
AGENTS_ECHO = "agents-echo"
ECHO_OF_HOST = {"botbuilder": ECHO, "agents": AGENTS_ECHO}  # what /echo divides by, per host
# Our help turn on botbuilder as docs/benchmarks.md has it (req/s, p99 ms), before the hosts were split:
# the agents work must leave it no slower.
DOCUMENTED_HELP = {10: (243.8, 78.4), 50: (247.2, 252.9)}
# ...and, from the same table, the yardsticks measured beside it (req/s), so that a machine slower or faster
# than that one can still be compared: help's share of bare-reply's and its ratio to the echo bot.
DOCUMENTED_YARDSTICKS = {CEILING: {10: 4691.8, 50: 5956.2}, ECHO: {10: 124.2, 50: 122.0}}
NAME_WIDTH = 19


# --- every process: loopback only -----------------------------------------------------------


class NotLoopback(ConnectionRefusedError):
    pass


def confine_to_loopback() -> None:
    """Refuse, in this process, any name lookup or connection to anything but 127.0.0.1."""

    def allowed_host(host) -> bool:
        if isinstance(host, bytes):
            host = host.decode()
        return host in (None, "", LOOPBACK)

    original_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if not allowed_host(host):
            raise NotLoopback(f"bench: refusing to resolve {host!r}: only {LOOPBACK} is allowed")
        return original_getaddrinfo(host, *args, **kwargs)

    def refuse_lookup(host, *args, **kwargs):
        raise NotLoopback(f"bench: refusing to resolve {host!r}: only {LOOPBACK} is allowed")

    def check(sock: socket.socket, address) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] != LOOPBACK:
            raise NotLoopback(f"bench: refusing to connect to {address[0]!r}: only {LOOPBACK} is allowed")

    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_sendto = socket.socket.sendto

    def connect(self, address):
        check(self, address)
        return original_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return original_connect_ex(self, address)

    def sendto(self, data, *args):
        check(self, args[-1])
        return original_sendto(self, data, *args)

    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = refuse_lookup
    socket.gethostbyname_ex = refuse_lookup
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.socket.sendto = sendto


# --- child processes: the servers -------------------------------------------------------------


def _bare_app():
    from aiohttp import web

    async def messages(request: web.Request) -> web.Response:
        activity = await request.json()
        if not activity.get("type"):
            return web.json_response({"error": "no type"}, status=400)
        return web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


def _bare_reply_app():
    import aiohttp
    from aiohttp import web

    session_key = web.AppKey("session", aiohttp.ClientSession)

    async def client_session(app: web.Application):
        app[session_key] = aiohttp.ClientSession()
        yield
        await app[session_key].close()

    async def messages(request: web.Request) -> web.Response:
        activity = await request.json()
        if not activity.get("type"):
            return web.json_response({"error": "no type"}, status=400)
        conversation = activity["conversation"]
        url = f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{quote(conversation['id'], safe='')}/activities"
        reply = {
            "type": "message",
            "text": f"Echo: {activity.get('text', '')}",
            "from": activity.get("recipient"),
            "recipient": activity.get("from"),
            "conversation": conversation,
            "replyToId": activity.get("id"),
            "channelId": activity.get("channelId"),
            "serviceUrl": activity["serviceUrl"],
        }
        async with request.app[session_key].post(url, json=reply) as response:
            await response.read()
            if response.status >= 300:
                return web.json_response({"error": "reply failed"}, status=502)
        return web.Response(status=201)

    app = web.Application()
    app.cleanup_ctx.append(client_session)
    app.router.add_post("/api/messages", messages)
    return app


def _echo_app(spec: dict):
    """The SDK's echo sample (02.echo-bot), with the configuration pointed at the local identity provider."""
    from aiohttp import web
    from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
    from botbuilder.core.integration import aiohttp_error_middleware
    from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

    from tests.support.auth import StaticCredentialsFactory

    values = spec["auth_values"]

    class DefaultConfig:
        APP_ID = values.get("MicrosoftAppId", "")
        APP_PASSWORD = values.get("MicrosoftAppPassword", "")
        APP_TYPE = values.get("MicrosoftAppType", "MultiTenant")
        APP_TENANTID = values.get("MicrosoftAppTenantId", "")
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = values["ToBotFromChannelOpenIdMetadataUrl"]
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = values["ToBotFromChannelTokenIssuer"]

    config = DefaultConfig()
    adapter = CloudAdapter(
        ConfigurationBotFrameworkAuthentication(config, credentials_factory=StaticCredentialsFactory(config.APP_ID))
    )

    async def on_error(context: TurnContext, error: Exception):
        logging.getLogger("bench.echo").error("turn failed: %s", type(error).__name__)
        await context.send_activity("The bot encountered an error or bug.")

    adapter.on_turn_error = on_error

    class EchoBot(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContext):
            return await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))

    bot = EchoBot()

    async def messages(req: web.Request) -> web.Response:
        return await adapter.process(req, bot)

    app = web.Application(middlewares=[aiohttp_error_middleware])
    app.router.add_post("/api/messages", messages)
    return app


def _point_agents_sdk_at_local_keys(keys_url: str) -> None:
    """In the agents-echo child only: the Agents SDK's JwtTokenValidator fetches the keys of the issuer
    "https://api.botframework.com" from a URL fixed in the SDK (login.botframework.com), which this
    machine cannot reach. Repoint that one entry of its table at the local identity provider's keys;
    the validator's code, and every other process of the bench, are left as they are."""
    from microsoft_agents.hosting.core.authorization import _entra_issuers
    from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

    from tests.support.auth import BOT_FRAMEWORK_ISSUER

    table = _entra_issuers.BOTFRAMEWORK_JWKS_URIS
    if jwt_token_validator.BOTFRAMEWORK_JWKS_URIS is not table or BOT_FRAMEWORK_ISSUER not in table:
        raise SystemExit("bench: the Agents SDK no longer routes the Bot Framework issuer through BOTFRAMEWORK_JWKS_URIS")
    SERVER_INFO["jwks"] = f"{table[BOT_FRAMEWORK_ISSUER]} -> {keys_url}"
    table[BOT_FRAMEWORK_ISSUER] = keys_url


class _StaticTokenProvider:
    """The Agents SDK's AccessTokenProviderBase with a fixed token: what MSAL would fetch, without asking anyone."""

    def __init__(self, configuration, token: str):
        self._configuration = configuration
        self._token = token

    @property
    def configuration(self):
        return self._configuration

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        return self._token

    def get_token_credential(self):
        raise NotImplementedError("the benchmark's static token has no azure-core credential")


def _agents_echo_app(spec: dict):
    """The Agents SDK's echo agent as its samples (quickstart, empty agent) write it, with the token
    provider swapped for a static one and the Bot Framework keys URL pointed at the local provider."""
    from aiohttp import web
    from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware, start_agent_process
    from microsoft_agents.hosting.core import AgentApplication, AgentAuthConfiguration, AuthTypes, ConnectionManager, MemoryStorage, TurnContext, TurnState

    from tests.support.auth import OUTBOUND_TOKEN

    values = spec["auth_values"]
    _point_agents_sdk_at_local_keys(spec["keys_url"])
    # The sample's SERVICE_CONNECTION: a client secret for the app id (the sample's env: CONNECTIONS__SERVICE_CONNECTION__SETTINGS__...).
    configuration = AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=values["MicrosoftAppId"],
        tenant_id="botframework.com",
        client_secret=values["MicrosoftAppPassword"],
        connection_name="SERVICE_CONNECTION",
    )
    connection_manager = ConnectionManager(
        lambda config: _StaticTokenProvider(config, OUTBOUND_TOKEN),
        connections_configurations={"SERVICE_CONNECTION": configuration},
    )
    adapter = CloudAdapter(connection_manager=connection_manager)
    agent_app = AgentApplication[TurnState](storage=MemoryStorage(), adapter=adapter, connection_manager=connection_manager)

    @agent_app.activity("message")
    async def on_message(context: TurnContext, _state: TurnState):
        await context.send_activity(f"Echo: {context.activity.text}")

    async def messages(request: web.Request) -> web.Response:
        return await start_agent_process(request, agent_app, adapter)

    app = web.Application(middlewares=[jwt_authorization_middleware])
    app.router.add_post("/api/messages", messages)
    app["agent_configuration"] = configuration
    app["agent_app"] = agent_app
    app["adapter"] = adapter
    return app


def seed_people(database_url: str, count: int, coordinators: int = 0) -> None:
    """`count` registered people (DCSs and participants of three authorities in one triad), each with
    the Entra object id the load generator's client of the same number writes with; and
    `coordinators` regional coordinators (told of every nomination), whom no client writes as."""
    from datetime import date, timedelta

    from programme.people.roles import REGION_SCOPE, Role, authority_scope
    from storage.calendar import Cycle, Group, GroupMember
    from storage.database import Database
    from storage.people import Authority, Person, RoleAssignment

    today = date.today()
    database = Database(database_url)
    database.upgrade()
    try:
        with database.session() as session:
            authorities = [Authority(code=f"bench{k}", name=f"Bench Authority {k}") for k in range(3)]
            cycle = Cycle(name="bench", starts_on=today - timedelta(days=100), ends_on=today + timedelta(days=265), settings={})
            group = Group(
                cycle=cycle,
                key="1",
                name="Bench triad",
                kind="triad",
                challenge_date=today + timedelta(days=60),
                format="virtual",
                location="",
            )
            session.add_all([*authorities, cycle, group])
            for k, authority in enumerate(authorities):
                session.add(GroupMember(group=group, authority=authority, reviews=authorities[(k + 1) % 3], position=k))
            for i in range(count):
                authority = authorities[i % 3]
                person = Person(email=f"person{i}@bench.example", name=f"Bench Person {i}", aad_object_id=REGISTERED_AAD.format(i))
                role = Role.DCS if i < 3 else Role.PARTICIPANT
                session.add(person)
                session.add(
                    RoleAssignment(person=person, role=role.value, scope=authority_scope(authority.code), authority=authority)
                )
            for i in range(coordinators):
                person = Person(email=f"coordinator{i}@bench.example", name=f"Bench Coordinator {i}")
                session.add(person)
                session.add(RoleAssignment(person=person, role=Role.COORDINATOR.value, scope=REGION_SCOPE))
            session.commit()
    finally:
        database.dispose()


def _help_app(spec: dict):
    from service.bootstrap import create_app
    from service.settings import settings_from
    from tests.support.auth import static_credentials

    settings = settings_from(spec["auth_values"])
    if settings.bot_host != spec["host"]:  # run_variant says BOT_HOST; the settings must have read it
        raise SystemExit(f"bench: {spec['role']} must run on {spec['host']}, the settings say {settings.bot_host}")
    SERVER_INFO["host"] = settings.bot_host
    if settings.dispatcher_enabled:  # run_variant sets DISPATCHER=off; a dispatcher would compete with the turns
        raise SystemExit("bench: our app must run with DISPATCHER=off")
    SERVER_INFO["dispatcher"] = "on" if settings.dispatcher_enabled else "off"
    if spec.get("people") or spec.get("coordinators"):
        seed_people(settings.database_url, spec.get("people", 0), spec.get("coordinators", 0))
    # As `peer-challenge serve` does (service/cli.py): INFO log lines for every turn, here into a file.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Outbound: the static token, as the host takes it (botbuilder: a credentials factory; agents: an async callable).
    return create_app(settings, outbound_credentials=static_credentials(settings.app_id, host=settings.bot_host))


REPLIES: Counter[str] = Counter()  # in the connector stand-in's process: replies received, by kind
REPLY_KINDS = ("card", "other")  # REPLIES also counts "bearer": replies that carried the static outbound token
SERVER_INFO: dict = {}  # in a server's process: reported beside its port when it starts


def _connector_app():
    from aiohttp import web

    from tests.support.auth import OUTBOUND_TOKEN
    from tests.support.connector import ConnectorStandIn

    class BenchConnector(ConnectorStandIn):
        """Keeps nothing (a run sends tens of thousands of replies) but counts them, and knows every
        member's email (a roster lookup finds the person in the chat; the bot may still not know them)."""

        async def _send(self, request: web.Request) -> web.Response:
            body = await request.read()
            REPLIES["card" if b"application/vnd.microsoft.card.adaptive" in body else "other"] += 1
            if request.headers.get("Authorization") == f"Bearer {OUTBOUND_TOKEN}":
                REPLIES["bearer"] += 1
            return web.json_response({"id": f"bench-{REPLIES['card'] + REPLIES['other']}"})

        async def _member(self, request: web.Request) -> web.Response:
            member = request.match_info["member"]
            visitor = member.replace(":", "-")
            return web.json_response(
                {"id": member, "name": "Visitor", "email": f"{visitor}@elsewhere.example",
                 "userPrincipalName": f"{visitor}@elsewhere.example"}
            )

    return BenchConnector().app()


class _Profiling:
    """Started and stopped on the event loop's thread, by commands on stdin."""

    def __init__(self):
        self._kind = None
        self._profiler = None

    def start(self, kind: str) -> str:
        self._kind = kind
        if kind == "pyinstrument":
            from pyinstrument import Profiler

            self._profiler = Profiler(interval=0.0005, async_mode="disabled")
            self._profiler.start()
        else:
            import cProfile

            self._profiler = cProfile.Profile()
            self._profiler.enable()
        return "ok"

    def stop(self) -> str:
        """Stop sampling at the window's end; writing (slow for pyinstrument) waits for `write`,
        after the load has stopped, so that it delays no measured request."""
        if self._profiler is not None:
            if self._kind == "pyinstrument":
                self._profiler.stop()
            else:
                self._profiler.disable()
        return "ok"

    def write(self, prefix: str) -> str:
        if self._profiler is None:
            return "ok"
        if self._kind == "pyinstrument":
            Path(prefix + ".txt").write_text(
                self._profiler.output_text(unicode=False, color=False, show_all=False), encoding="utf-8"
            )
            Path(prefix + ".html").write_text(self._profiler.output_html(), encoding="utf-8")
            self._profiler.last_session.save(prefix + ".pyisession")  # `pyinstrument --load FILE -r text --show-all`
        else:
            import io
            import pstats

            self._profiler.dump_stats(prefix + ".pstats")
            out = io.StringIO()
            stats = pstats.Stats(self._profiler, stream=out)
            stats.sort_stats("tottime").print_stats(40)
            stats.sort_stats("cumulative").print_stats(60)
            Path(prefix + ".txt").write_text(out.getvalue(), encoding="utf-8")
        self._profiler = None
        return "ok"


# Where a profiled turn's time goes: each pyinstrument sample is put in the category of the innermost frame
# on its stack that names one (a frame that names none, a C function say, takes its caller's); below a
# token check everything is the token check's. Markers are matched against "<file path>:<Class.function>".
TOKEN_CHECK = "token validation (PyJWT, RSA, the host's or SDK's checks)"
EVENT_LOOP = "event loop and socket I/O (asyncio, send/recv/close)"
PROFILE_CATEGORIES = (
    (TOKEN_CHECK, ("/site-packages/jwt/", "/cryptography/", "/authorization/jwt/", "/botframework/connector/auth/",
                   ":ChannelTokens.", ":AgentsHost.authenticate", ":BotbuilderHost.authenticate",
                   ":CachingBotFrameworkAuthentication.authenticate", ":JwtTokenValidator.")),
    ("pydantic (Agents SDK activities: parse, validate, dump)", ("/pydantic/", "/pydantic_core/")),
    ("msrest (botbuilder models: (de)serialise)", ("/msrest/",)),
    ("SQLAlchemy and SQLite", ("/sqlalchemy/", "/sqlite3/")),
    ("HTTP client (the reply POST, roster GET: aiohttp client, requests)",
     ("/aiohttp/client", "/aiohttp/connector.py", "/aiohttp/cookiejar.py", "/aiohttp/helpers.py:TimerContext",
      "/requests/", "/urllib3/", f"{ROOT}/bench/turns.py:socket.", f"{ROOT}/bench/turns.py:getaddrinfo")),
    ("aiohttp server (request in, response out)", ("/aiohttp/",)),
    ("JSON", ("/json/",)),
    ("logging", ("/logging/",)),
    ("SDK turn machinery (TurnContext, adapter, middleware, state)", ("/microsoft_agents/", "/botbuilder/", "/botframework/")),
    ("our code (bot/, programme/, storage/, notify/), or the sample's handler", (f"{ROOT}/bot/", f"{ROOT}/programme/",
                                                                               f"{ROOT}/storage/", f"{ROOT}/notify/",
                                                                               f"{ROOT}/service/", f"{ROOT}/bench/")),
    (EVENT_LOOP, ("/asyncio/", "/selectors.py")),
)
IDLE = "idle: waiting in epoll (nothing to run)"
OTHER = "other"


def _frame_category(frame, inherited: str) -> str:
    if inherited == TOKEN_CHECK:
        return TOKEN_CHECK
    where = f"{frame.file_path or ''}:{frame.class_name + '.' if frame.class_name else ''}{frame.function}"
    if frame.function in ("poll", "select") and inherited == EVENT_LOOP:
        return IDLE
    for label, markers in PROFILE_CATEGORIES:
        if any(marker in where for marker in markers):
            return label
    return inherited


def profile_summary(session_path: str, turns: int, threads_ms_per_turn: float) -> str:
    """Milliseconds per turn by category, from a pyinstrument session of one measured window
    (the event loop's thread; `threads_ms_per_turn` is the CPU the profile cannot see)."""
    from pyinstrument.session import Session

    session = Session.load(session_path)
    totals: Counter[str] = Counter()
    stack = [(session.root_frame(), OTHER)]
    while stack:
        frame, inherited = stack.pop()
        if frame is None:
            continue
        category = _frame_category(frame, inherited)
        children = frame.children
        totals[category] += max(0.0, frame.time - sum(child.time for child in children))
        stack.extend((child, category) for child in children)
    busy = sum(seconds for label, seconds in totals.items() if label != IDLE)
    lines = [f"Where a turn's time goes ({turns} turns in the {session.duration:.2f} s window, event loop's thread; "
             f"pyinstrument, wall time, so slower than unprofiled):",
             f"  {'ms/turn':>8} {'% busy':>7}  category"]
    for label, seconds in totals.most_common():
        if label == IDLE:
            continue
        per_turn = 1000 * seconds / turns if turns else 0.0
        lines.append(f"  {per_turn:>8.2f} {100 * seconds / busy if busy else 0:>6.1f}%  {label}")
    lines.append(f"  {1000 * busy / turns if turns else 0:>8.2f} {100.0:>6.1f}%  busy in all")
    if totals.get(IDLE):
        lines.append(f"  {1000 * totals[IDLE] / turns if turns else 0:>8.2f} {'':>7}  ({IDLE})")
    if threads_ms_per_turn:
        lines.append(f"  and {threads_ms_per_turn:.2f} ms/turn of CPU in other threads, which the profile does not see "
                     "(botbuilder sends its replies with `requests` in the default executor)")
    return "\n".join(lines)


async def _serve_child(spec: dict) -> None:
    from aiohttp import web

    role = spec["role"]
    if role == "connector":
        app = _connector_app()
    elif role == "bare":
        app = _bare_app()
    elif role == "bare-reply":
        app = _bare_reply_app()
    elif role == "echo":
        app = _echo_app(spec)
    elif role == "agents-echo":
        app = _agents_echo_app(spec)
    else:
        app = _help_app(spec)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, LOOPBACK, 0, backlog=1024)
    await site.start()
    port = runner.addresses[0][1]
    print(json.dumps({"port": port, "pid": os.getpid(), **SERVER_INFO}), flush=True)

    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[str | None] = asyncio.Queue()

    def read_stdin() -> None:  # a thread of its own: the default executor is the SDK's, leave it alone
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, line.strip())
        loop.call_soon_threadsafe(commands.put_nowait, None)

    threading.Thread(target=read_stdin, name="bench-control", daemon=True).start()
    profiling = _Profiling()
    deadline = loop.time() + spec["lifetime"]
    try:
        while True:
            try:
                command = await asyncio.wait_for(commands.get(), timeout=max(0.0, deadline - loop.time()))
            except TimeoutError:
                print("bench child: lifetime over, stopping", file=sys.stderr)
                break
            if command is None or command == "exit":
                break
            word, _, argument = command.partition(" ")
            if word == "profile-start":
                reply = profiling.start(argument)
            elif word == "profile-stop":
                reply = profiling.stop()
            elif word == "profile-write":
                reply = profiling.write(argument)
            elif word == "counts":
                reply = json.dumps(REPLIES)
            else:
                reply = f"unknown command {word}"
            print(reply, flush=True)
    finally:
        await runner.cleanup()


def child_main(spec_json: str) -> int:
    confine_to_loopback()
    spec = json.loads(spec_json)
    asyncio.run(_serve_child(spec))
    return 0


# --- this process: children, load, measurements ---------------------------------------------


class ChildFailed(RuntimeError):
    pass


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process
    log_path: Path
    port: int = 0
    info: dict = field(default_factory=dict)  # what the server reported when it started

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @classmethod
    async def start(cls, name: str, spec: dict, workdir: Path, *, startup_timeout: float = 60.0) -> Child:
        log_path = workdir / f"{name}.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.turns", "_child", json.dumps(spec),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=log, cwd=ROOT,
            )
        child = cls(name, process, log_path)
        try:
            line = await asyncio.wait_for(process.stdout.readline(), timeout=startup_timeout)
        except TimeoutError:
            line = b""
        if not line:
            await child.stop()
            raise ChildFailed(f"{name} did not start:\n{child.log_tail()}")
        child.info = json.loads(line)
        child.port = child.info["port"]
        return child

    async def command(self, text: str, timeout: float = 60.0) -> str:
        self.process.stdin.write(text.encode() + b"\n")
        await self.process.stdin.drain()
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout=timeout)
        return line.decode().strip()

    def cpu(self) -> tuple[float, float]:
        return thread_cpu_seconds(self.process.pid)

    async def stop(self) -> None:
        if self.process.returncode is None:
            try:
                self.process.stdin.close()
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                await asyncio.wait_for(self.process.wait(), timeout=10)
            except TimeoutError:
                self.process.terminate()
                try:
                    await asyncio.wait_for(self.process.wait(), timeout=5)
                except TimeoutError:
                    self.process.kill()
                    await self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def thread_cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) of a process's main thread and of all its other threads."""
    main = other = 0.0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0, 0.0
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14 and 15)
        if int(tid) == pid:
            main += seconds
        else:
            other += seconds
    return main, other


class Traffic:
    """What one client (worker) sends: a Teams `help` message from its own user, a fresh activity id
    each time; or, for an invoke variant (nominate), the `nomination.submit` card action from the
    registered DCS `NOMINATOR`, with a fresh activity id, form token and nominee each time."""

    def __init__(self, service_url: str, *, registered: bool, invoke: bool = False):
        import itertools

        from tests.support.activities import card_action, teams_message

        self._templates: dict[int, tuple[bytes, bytes]] = {}
        self._service_url = service_url
        self._registered = registered
        self._invoke = invoke
        self._teams_message = teams_message
        self._card_action = card_action
        self._nominees = itertools.count(1)  # one process, one event loop: no lock needed
        self._nomination: bytes | None = None

    def check(self, status: int, body: bytes) -> str:
        """Why this answer is not a good turn ("" if it is)."""
        if self._invoke:
            if status != 200:
                return f"HTTP {status}"
            return "" if NOMINATED in body else "200 without 'Nomination received'"
        return "" if 200 <= status < 300 else f"HTTP {status}"  # the Agents SDK answers a message 202

    def _nomination_body(self) -> bytes:
        if self._nomination is None:
            user_id, aad = self.user(NOMINATOR)
            data = {
                "token": "__BENCH_TOKEN__",
                "authority": f"bench{NOMINATOR % 3}",
                "nominee_name": "Bench Nominee __BENCH_N__",
                "nominee_email": "bench-__BENCH_N__@council.example",
                "job_title": "Head of Quality Assurance",
                "service_area": "Children's social care",
                "covers": "both",
                "areas": "send,fostering",
                "agreed": "true",
            }
            activity = self._card_action(self._service_url, "nomination.submit", data, user_id=user_id, aad_object_id=aad)
            activity["id"] = ID_PLACEHOLDER
            self._nomination = json.dumps(activity).encode()
        n = str(next(self._nominees)).encode()
        return (
            self._nomination.replace(ID_PLACEHOLDER.encode(), uuid.uuid4().hex.encode())
            .replace(b"__BENCH_TOKEN__", uuid.uuid4().hex.encode())
            .replace(b"__BENCH_N__", n)
        )

    def user(self, worker: int) -> tuple[str, str]:
        aad = (REGISTERED_AAD if self._registered else UNKNOWN_AAD).format(worker)
        return f"29:bench-user-{worker}", aad

    def body(self, worker: int) -> bytes:
        if self._invoke:
            return self._nomination_body()
        template = self._templates.get(worker)
        if template is None:
            user_id, aad = self.user(worker)
            activity = self._teams_message(self._service_url, "help", user_id=user_id, aad_object_id=aad, name=f"Bench {worker}")
            activity["id"] = ID_PLACEHOLDER
            head, tail = json.dumps(activity).encode().split(ID_PLACEHOLDER.encode())
            template = self._templates[worker] = (head, tail)
        head, tail = template
        return head + uuid.uuid4().hex.encode() + tail


@dataclass
class Measurement:
    variant: str
    clients: int
    duration: float
    ok: int = 0
    all_ok: int = 0  # 2xx answers, warm-up included
    rate: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    errors: int = 0
    error_kinds: dict = field(default_factory=dict)
    server_cpu_main_s: float = 0.0
    server_cpu_threads_s: float = 0.0
    generator_cpu_s: float = 0.0
    profiled: str = ""

    @property
    def server_cpu_ms_per_turn(self) -> float:
        total = self.server_cpu_main_s + self.server_cpu_threads_s
        return 1000 * total / self.ok if self.ok else 0.0

    @property
    def server_threads_ms_per_turn(self) -> float:
        return 1000 * self.server_cpu_threads_s / self.ok if self.ok else 0.0

    @property
    def server_cpu_percent(self) -> float:
        return 100 * (self.server_cpu_main_s + self.server_cpu_threads_s) / self.duration

    @property
    def generator_cpu_percent(self) -> float:
        return 100 * self.generator_cpu_s / self.duration


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest rank."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def post_once(session, url: str, body: bytes, headers: dict) -> int:
    return (await post(session, url, body, headers))[0]


async def post(session, url: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    async with session.post(url, data=body, headers=headers) as response:
        return response.status, await response.read()


async def measure(
    variant: str,
    url: str,
    traffic: Traffic,
    headers: dict,
    clients: int,
    *,
    warmup: float,
    duration: float,
    timeout: float,
    max_requests: int,
    server: Child,
    on_window=None,
) -> Measurement:
    """`clients` workers, each one request at a time on its own keep-alive connection, for
    `warmup` + `duration` seconds; latencies and errors of every request that overlaps the window."""
    import aiohttp

    result = Measurement(variant, clients, duration)
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    started = 0
    ok_in_window = 0
    all_ok = 0
    connector = aiohttp.TCPConnector(limit=clients, limit_per_host=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        begin = time.perf_counter()
        window_start = begin + warmup
        window_end = window_start + duration

        async def worker(number: int) -> None:
            nonlocal started, ok_in_window, all_ok
            while started < max_requests:
                t0 = time.perf_counter()
                if t0 >= window_end:
                    return
                started += 1
                try:
                    status, answer = await post(session, url, traffic.body(number), headers)
                    kind = traffic.check(status, answer)
                except TimeoutError:
                    kind = "timeout"
                except aiohttp.ClientError as error:
                    kind = type(error).__name__
                t1 = time.perf_counter()
                good = not kind
                all_ok += good
                if t1 >= window_start:  # overlaps the window: a stall that began in the warm-up counts
                    latencies.append(t1 - t0)
                    if not good:
                        errors[kind] += 1
                if good and window_start <= t1 < window_end:
                    ok_in_window += 1

        async def window() -> tuple[tuple, tuple]:
            await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
            first = (server.cpu(), time.process_time())
            if on_window:
                await on_window("start")
            await asyncio.sleep(max(0.0, window_end - time.perf_counter()))
            last = (server.cpu(), time.process_time())
            if on_window:
                await on_window("stop")
            return first, last

        watcher = asyncio.ensure_future(window())
        workers = [asyncio.ensure_future(worker(n)) for n in range(clients)]
        _done, pending = await asyncio.wait(workers, timeout=warmup + duration + timeout + 5)
        for task in pending:  # cannot happen with the client timeout; bounded all the same
            task.cancel()
            errors["unfinished"] += 1
        first, last = await watcher
    latencies.sort()
    result.ok = ok_in_window
    result.all_ok = all_ok
    result.rate = ok_in_window / duration
    result.p50_ms = 1000 * percentile(latencies, 0.50)
    result.p99_ms = 1000 * percentile(latencies, 0.99)
    result.max_ms = 1000 * (latencies[-1] if latencies else 0.0)
    result.errors = sum(errors.values())
    result.error_kinds = dict(errors)
    result.server_cpu_main_s = last[0][0] - first[0][0]
    result.server_cpu_threads_s = last[0][1] - first[0][1]
    result.generator_cpu_s = last[1] - first[1]
    return result


@dataclass
class VariantRun:
    variant: Variant
    measurements: list[Measurement] = field(default_factory=list)
    auth_checks: dict = field(default_factory=dict)
    failure: str = ""
    profiles: list[str] = field(default_factory=list)
    summaries: dict = field(default_factory=dict)  # profile path -> where a turn's time goes (pyinstrument)
    answered: int = 0  # good turns (2xx; for nominate 200 with the card), priming and warm-ups included
    replies: dict = field(default_factory=dict)  # what the Bot Connector stand-in received meanwhile
    dispatcher: str = ""  # our app: DISPATCHER as the server's settings had it
    server_info: dict = field(default_factory=dict)  # what the server reported when it started (host, keys URL)
    written: dict = field(default_factory=dict)  # nominate: rows in the database after the run


def rows_written(database_path: Path) -> dict:
    """What the nominate variant left in its SQLite database (read after the server stopped)."""
    import sqlite3

    connection = sqlite3.connect(f"file:{database_path}?mode=ro", uri=True)
    def one(sql: str) -> int:
        return connection.execute(sql).fetchone()[0]

    try:
        return {
            "nominations": one("SELECT count(*) FROM nominations"),
            "form_submissions": one("SELECT count(*) FROM form_submissions"),
            "outbox": one("SELECT count(*) FROM outbox"),
            "outbox_by_kind": dict(connection.execute("SELECT kind, count(*) FROM outbox GROUP BY kind ORDER BY kind")),
        }
    finally:
        connection.close()


async def run_variant(variant: Variant, args, workdir: Path, connector: Child, provider) -> VariantRun:
    import aiohttp

    run = VariantRun(variant)
    spec = {"role": variant.name, "lifetime": args.child_lifetime}
    max_clients = max(args.clients)
    database_path = workdir / (variant.name + ".sqlite3")
    if variant.authenticated:
        spec["auth_values"] = provider.settings_values(f"sqlite:///{database_path}")
        spec["keys_url"] = provider.keys_url
        spec["host"] = variant.host
        if variant.ours:
            spec["auth_values"]["DISPATCHER"] = "off"  # said here, not left to the test helper's defaults
            spec["auth_values"]["BOT_HOST"] = variant.host  # the variant's host, whatever BOT_HOST this process has
        spec["people"] = max_clients if variant.registered else 0
        spec["coordinators"] = variant.coordinators
    try:
        server = await Child.start(variant.name, spec, workdir)
    except ChildFailed as error:
        run.failure = str(error)
        return run
    run.dispatcher = server.info.get("dispatcher", "")
    run.server_info = {key: value for key, value in server.info.items() if key not in ("port", "pid", "dispatcher")}
    url = f"{server.url}/api/messages"
    traffic = Traffic(connector.url, registered=variant.registered, invoke=variant.invoke)
    headers = {"Content-Type": "application/json"}
    if variant.authenticated:
        headers["Authorization"] = f"Bearer {provider.token(service_url=connector.url)}"
    replies_before: Counter[str] = Counter()
    try:
        replies_before.update(json.loads(await connector.command("counts")))
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            # First contact of every client's user (conversation references stored), and the first
            # fetch of the OpenID metadata, before anything is measured.
            for worker in range(max_clients):
                status, answer = await post(session, url, traffic.body(worker), headers)
                if kind := traffic.check(status, answer):
                    run.failure = f"priming request answered {kind}: {answer[:300]!r}\n{server.log_tail()}"
                    return run
                run.answered += 1
            if variant.authenticated:
                run.auth_checks = await check_auth(session, url, traffic, provider, connector.url)
        for clients in args.clients:
            on_window = None
            prefix = ""
            if args.profile:
                prefix = str(workdir / f"profile-{variant.name}-c{clients}")

                async def on_window(event: str) -> None:
                    await server.command(f"profile-start {args.profile}" if event == "start" else "profile-stop")

            measurement = await measure(
                variant.name, url, traffic, headers, clients,
                warmup=args.warmup, duration=args.duration, timeout=args.timeout,
                max_requests=args.max_requests, server=server, on_window=on_window,
            )
            if args.profile:
                await server.command(f"profile-write {prefix}", timeout=300)
                measurement.profiled = args.profile
                run.profiles.append(prefix + ".txt")
                if args.profile == "pyinstrument" and Path(prefix + ".pyisession").exists():
                    try:
                        summary = profile_summary(prefix + ".pyisession", measurement.ok, measurement.server_threads_ms_per_turn)
                    except Exception as error:  # noqa: BLE001 - a report, not a reason to lose the figures
                        summary = f"(no summary: {type(error).__name__}: {error})"
                    Path(prefix + ".summary.txt").write_text(summary + "\n", encoding="utf-8")
                    run.summaries[prefix + ".txt"] = summary
            run.measurements.append(measurement)
            run.answered += measurement.all_ok
            print(f"  {variant.name:<{NAME_WIDTH}} {clients:>3} clients: {measurement.rate:8.1f} req/s, "
                  f"p50 {measurement.p50_ms:7.1f} ms, p99 {measurement.p99_ms:7.1f} ms, "
                  f"max {measurement.max_ms:7.1f} ms, errors {measurement.errors}", flush=True)
    except (TimeoutError, ChildFailed, aiohttp.ClientError, OSError) as error:
        run.failure = f"{type(error).__name__}: {error}\n{server.log_tail()}"
    finally:
        await server.stop()
        try:
            run.replies = dict(Counter(json.loads(await connector.command("counts"))) - replies_before)
        except (TimeoutError, ChildFailed, OSError, ValueError):
            pass
        if variant.invoke and database_path.exists():
            try:
                run.written = rows_written(database_path)
            except Exception as error:  # noqa: BLE001 - a report line, not a reason to lose the figures
                run.written = {"error": f"{type(error).__name__}: {error}"}
    return run


async def check_auth(session, url: str, traffic: Traffic, provider, service_url: str) -> dict:
    """What the server answers without a token and with tokens that must not be accepted."""
    body = traffic.body(0)
    plain = {"Content-Type": "application/json"}
    checks = {
        "no token": plain,
        "token for another bot": {**plain, "Authorization": f"Bearer {provider.token(service_url=service_url, audience='another-bot')}"},
        "token for another serviceUrl": {
            **plain, "Authorization": f"Bearer {provider.token(service_url=f'http://{LOOPBACK}:9/other')}"
        },
        "forged signature": {**plain, "Authorization": f"Bearer {provider.forged_token(service_url=service_url)}"},
        "expired token": {**plain, "Authorization": f"Bearer {provider.token(service_url=service_url, expires_in=-900)}"},
    }
    return {name: await post_once(session, url, body, headers) for name, headers in checks.items()}


# --- report ------------------------------------------------------------------------------------


def ratio(value: float, reference: float | None) -> str:
    if not reference:
        return "-"
    return f"{value / reference:.2f}x" if value / reference < 10 else f"{value / reference:.1f}x"


def echo_of(variant: str) -> str:
    """The echo sample a variant's /echo column divides by: its own host's (bare variants: botbuilder's)."""
    return ECHO_OF_HOST.get(VARIANTS[variant].host, ECHO) if variant in VARIANTS else ECHO


def table(runs: list[VariantRun]) -> str:
    rates = {(m.variant, m.clients): m.rate for run in runs for m in run.measurements}
    header = (f"{'variant':<{NAME_WIDTH}} {'clients':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
              f"{'errors':>7} {'/1-reply':>9} {'/echo':>7} {'cpu ms/turn':>11} {'thr ms':>6} {'cpu %':>6} {'gen %':>6}")
    lines = [header, "-" * len(header)]
    for run in runs:
        for m in run.measurements:
            lines.append(
                f"{m.variant:<{NAME_WIDTH}} {m.clients:>7} {m.rate:>9.1f} {m.p50_ms:>8.1f} {m.p99_ms:>8.1f} {m.max_ms:>8.1f} "
                f"{m.errors:>7} {ratio(m.rate, rates.get((CEILING, m.clients))):>9} "
                f"{ratio(m.rate, rates.get((echo_of(m.variant), m.clients))):>7} {m.server_cpu_ms_per_turn:>11.2f} "
                f"{m.server_threads_ms_per_turn:>6.2f} "
                f"{m.server_cpu_percent:>6.0f} {m.generator_cpu_percent:>6.0f}"
            )
        if run.failure:
            lines.append(f"{run.variant.name:<{NAME_WIDTH}} FAILED: {run.failure.splitlines()[0]}")
    return "\n".join(lines)


def notes(runs: list[VariantRun], args) -> str:
    lines = ["", "Variants, and the authentication each used:"]
    for run in runs:
        lines.append(f"  {run.variant.name:<{NAME_WIDTH}} {run.variant.what}")
        lines.append(f"  {'':<{NAME_WIDTH}} auth {run.variant.auth}")
        if run.auth_checks:
            checks = ", ".join(f"{name} -> {status}" for name, status in run.auth_checks.items())
            accepted = [name for name, status in run.auth_checks.items() if 200 <= status < 300]
            verdict = f"ACCEPTED: {', '.join(accepted)}" if accepted else "none accepted"
            lines.append(f"  {'':<{NAME_WIDTH}} checked before measuring: {checks} ({verdict})")
        if run.server_info.get("host"):
            lines.append(f"  {'':<{NAME_WIDTH}} BOT_HOST={run.server_info['host']} as the server's settings read it")
        if run.server_info.get("jwks"):
            lines.append(f"  {'':<{NAME_WIDTH}} Bot Framework keys URL in this child only: {run.server_info['jwks']}")
        if run.dispatcher:
            lines.append(f"  {'':<{NAME_WIDTH}} DISPATCHER={run.dispatcher} in the server process (no outbox dispatcher competing with the turns)")
    lines += ["", "Replies the Bot Connector stand-in received, per variant (cards / other), against good turns answered:"]
    for run in runs:
        if run.variant.name == "bare":
            continue
        received = f"{run.replies.get('card', 0)} / {run.replies.get('other', 0)}"
        if run.variant.invoke:
            verdict = "as expected" if not sum(run.replies.get(k, 0) for k in REPLY_KINDS) else "UNEXPECTED: an invoke sends no reply"
            lines.append(f"  {run.variant.name:<{NAME_WIDTH}} {received} for {run.answered} turns: none expected, the invoke answers "
                         f"in its HTTP body, and {run.answered} answered 200 with 'Nomination received' in the body ({verdict})")
        else:
            accepted = sum(1 for status in run.auth_checks.values() if 200 <= status < 300)
            extra = f" (and {accepted} bad-token request{'s' * (accepted > 1)} the server accepted)" if accepted else ""
            line = f"  {run.variant.name:<{NAME_WIDTH}} {received} for {run.answered} turns{extra}"
            if run.variant.authenticated:
                sent = sum(run.replies.get(k, 0) for k in REPLY_KINDS)
                line += f"; {run.replies.get('bearer', 0)} of the {sent} with 'Authorization: Bearer <static outbound token>'"
            lines.append(line)
    for run in runs:
        if run.written:
            w = run.written
            if "error" in w:
                lines.append(f"  {run.variant.name:<{NAME_WIDTH}} database not read: {w['error']}")
                continue
            per = run.variant.coordinators + 2
            by_kind = w["outbox_by_kind"]
            kinds = ", ".join(f"{kind} {count}" for kind, count in by_kind.items() if kind in NOMINATION_KINDS)
            others = sum(count for kind, count in by_kind.items() if kind not in NOMINATION_KINDS)
            written = sum(count for kind, count in by_kind.items() if kind in NOMINATION_KINDS)
            met = (w["nominations"] >= run.answered and w["form_submissions"] == w["nominations"]
                   and written == per * w["nominations"])
            lines.append(
                f"  {run.variant.name:<{NAME_WIDTH}} database after the run: {w['nominations']} nominations, {w['form_submissions']} "
                f"form submissions, {written} nomination outbox rows ({kinds}) for {run.answered} good turns; expected one "
                f"nomination and {per} outbox rows per turn ({'met' if met else 'NOT met'})"
            )
            if others:
                lines.append(f"  {'':<{NAME_WIDTH}} and {others} other outbox rows: the server's scheduler planned the bench cycle's reminders")
    lines += [
        "",
        (
            f"Each measurement: {args.warmup:g} s warm-up, then {args.duration:g} s measured; every client one request at "
            "a time on its own keep-alive connection. req/s counts good answers completed in the window (2xx; for "
            "nominate, 200 with 'Nomination received' in the body); latencies and errors are of every request that "
            "overlaps it (errors: other answers, failed requests, and requests not answered within "
            f"{args.timeout:g} s)."
        ),
        ("/1-reply and /echo: req/s divided by bare-reply's and by the same host's echo sample's (echo for botbuilder "
         "and bare variants, agents-echo for agents- variants) at the same number of clients."),
        (
            "cpu ms/turn and cpu %: the server process's CPU (all its threads) over the window, per 2xx turn and as a "
            "share of one core; thr ms: the part of cpu ms/turn spent outside the event loop's thread (the SDK sends "
            "with `requests` in the default executor); gen %: this process's (the load generator's) share of one core. "
            f"The machine has {os.cpu_count()} cores for server, load generator and Bot Connector stand-in together."
        ),
    ]
    errors = [(m.variant, m.clients, m.error_kinds) for run in runs for m in run.measurements if m.error_kinds]
    for variant, clients, kinds in errors:
        lines.append(f"errors in {variant} at {clients} clients: {kinds}")
    if args.profile:
        lines.append(f"PROFILED RUN ({args.profile}): figures are slowed by the profiler; profiles:")
        lines += [f"  {path}" for run in runs for path in run.profiles]
    lines.append(aims(runs))
    return "\n".join(lines)


def aims(runs: list[VariantRun]) -> str:
    """The issues' aims for our help and nominate turns on each host, reported (never asserted)."""
    found = {(m.variant, m.clients): m for run in runs for m in run.measurements}
    lines = ["", "Aims for our help and nominate turns (reported, not asserted):"]

    def verdict(met: bool) -> str:
        return "met" if met else "NOT met"

    for prefix in ("", "agents-"):
        echo_name = AGENTS_ECHO if prefix else ECHO
        for name in (f"{prefix}help", f"{prefix}help-unknown"):
            for clients in (10, 50):
                ours, echo = found.get((name, clients)), found.get((echo_name, clients))
                if ours and echo and echo.rate:
                    times = ours.rate / echo.rate
                    if prefix:  # issue 19: on the agents host, at least the Agents SDK's own echo agent
                        lines.append(f"  {name} at {clients}: {ours.rate:.1f} req/s, {times:.2f}x {echo_name}'s "
                                     f"{echo.rate:.1f} (aim >= 1x): {verdict(times >= 1 and not ours.errors)}")
                    else:
                        lines.append(f"  {name} at {clients}: {times:.1f}x the echo bot (aim >= 20x): {verdict(times >= 20)}")
            ours = found.get((name, 10))
            if ours:
                limit = 50 if prefix else 100
                met = ours.ok and not ours.errors and ours.p99_ms < limit
                lines.append(f"  {name} at 10: p99 {ours.p99_ms:.1f} ms, {ours.errors} errors (aim < {limit} ms): {verdict(met)}")
            ours = found.get((name, 50))
            if ours:
                met = ours.ok and not ours.errors and ours.max_ms < 2000
                lines.append(f"  {name} at 50: max {ours.max_ms:.0f} ms, {ours.errors} errors (aim < 2000 ms): {verdict(met)}")
        # nominate: every request writes a nomination and its outbox rows (SQLite here), so no echo ratio.
        name = f"{prefix}nominate"
        ours = found.get((name, 10))
        if ours:
            met = ours.ok and not ours.errors and ours.p99_ms < 100
            lines.append(f"  {name} at 10: p99 {ours.p99_ms:.1f} ms, {ours.errors} errors (aim < 100 ms on SQLite): {verdict(met)}")
        ours = found.get((name, 50))
        if ours:
            met = ours.ok and not ours.errors and ours.max_ms < 2000
            lines.append(f"  {name} at 50: max {ours.max_ms:.0f} ms, {ours.errors} errors (no request over 2000 ms on SQLite): {verdict(met)}")
        for clients in sorted({m.clients for run in runs for m in run.measurements if m.variant == name}):
            ours, help_ = found.get((name, clients)), found.get((f"{prefix}help", clients))
            if ours and help_ and help_.rate and help_.p99_ms:
                lines.append(f"  {name} beside {prefix}help at {clients}: {ratio(ours.rate, help_.rate)} {prefix}help's req/s, "
                             f"p99 {ours.p99_ms:.1f} ms against {help_.p99_ms:.1f} ms")
    # issue 19: the botbuilder host no slower than before the hosts were split (docs/benchmarks.md).
    for clients, (rate, p99) in DOCUMENTED_HELP.items():
        ours = found.get(("help", clients))
        if ours:
            met = ours.rate >= rate and not ours.errors
            lines.append(f"  help at {clients} against docs/benchmarks.md: {ours.rate:.1f} req/s against {rate:.1f} "
                         f"({ratio(ours.rate, rate)}), p99 {ours.p99_ms:.1f} ms against {p99:.1f} ms (aim: no slower): "
                         f"{verdict(met)}")
            for yardstick, documented in DOCUMENTED_YARDSTICKS.items():
                now = found.get((yardstick, clients))
                if now and now.rate:
                    lines.append(f"  {'':<4}beside {yardstick}, measured in this run: help {ours.rate / now.rate:.3f}x {yardstick}'s "
                                 f"req/s, against {rate / documented[clients]:.3f}x in docs/benchmarks.md "
                                 f"({yardstick} itself {now.rate:.1f} req/s now, {documented[clients]:.1f} there)")
    for clients in sorted({m.clients for run in runs for m in run.measurements if m.variant == "agents-help"}):
        ours, other = found.get(("agents-help", clients)), found.get(("help", clients))
        if ours and other and other.rate:
            lines.append(f"  agents-help beside help at {clients}: {ratio(ours.rate, other.rate)} help's req/s, "
                         f"p99 {ours.p99_ms:.1f} ms against {other.p99_ms:.1f} ms, cpu {ours.server_cpu_ms_per_turn:.2f} "
                         f"against {other.server_cpu_ms_per_turn:.2f} ms/turn")
    return "\n".join(lines) if len(lines) > 2 else ""


# --- main --------------------------------------------------------------------------------------


def _clients(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or any(v < 1 or v > 500 for v in values):
        raise argparse.ArgumentTypeError("give client counts between 1 and 500, e.g. 1,10,50")
    return values


def _variants(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in VARIANTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown variant(s) {unknown}; choose from {', '.join(VARIANTS)}")
    return names


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.turns", description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=5.0, help="measured seconds per variant and client count (default 5)")
    p.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each measurement (default 1)")
    p.add_argument("--clients", type=_clients, default=[1, 10, 50], help="concurrent clients, comma-separated (default 1,10,50)")
    p.add_argument("--variants", type=_variants, default=list(VARIANTS), help=f"comma-separated, from {','.join(VARIANTS)} (default all)")
    p.add_argument("--timeout", type=float, default=10.0, help="per-request timeout in seconds; a timed-out request is an error")
    p.add_argument("--max-requests", type=int, default=200_000, help="cap on requests per measurement")
    p.add_argument("--profile", choices=("pyinstrument", "cprofile"), help="profile each server during its measured windows")
    p.add_argument("--keep", type=Path, help="keep logs, databases and profiles in this directory")
    p.add_argument("--json", type=Path, help="also write the results here as JSON")
    p.add_argument("--child-lifetime", type=float, default=900.0, help=argparse.SUPPRESS)
    return p


async def amain(args) -> int:
    if args.duration <= 0 or args.duration > 120 or args.warmup < 0 or args.warmup > 60:
        print("--duration must be in (0, 120] and --warmup in [0, 60] seconds", file=sys.stderr)
        return 2
    if args.profile == "pyinstrument":
        try:
            import pyinstrument  # noqa: F401
        except ImportError:
            print("pyinstrument is not installed here: `.venv/bin/pip install pyinstrument`, or use --profile cprofile",
                  file=sys.stderr)
            return 2
    variants = [VARIANTS[name] for name in args.variants]
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-turns-"))
    workdir.mkdir(parents=True, exist_ok=True)
    provider = None
    connector = None
    runs: list[VariantRun] = []
    try:
        connector = await Child.start("connector", {"role": "connector", "lifetime": args.child_lifetime}, workdir)
        if any(v.authenticated for v in variants):
            provider = await start_identity_provider()
        print(f"{os.cpu_count()} cores; {versions()}; Bot Connector stand-in at {connector.url}; "
              f"{args.warmup:g}+{args.duration:g} s per measurement; clients {','.join(map(str, args.clients))}",
              flush=True)
        for variant in variants:
            run = await run_variant(variant, args, workdir, connector, provider)
            if run.failure:
                print(f"  {variant.name}: FAILED\n{run.failure}", file=sys.stderr, flush=True)
            runs.append(run)
    finally:
        if connector is not None:
            await connector.stop()
        if provider is not None:
            await provider.close()
    print()
    print(table(runs))
    print(notes(runs, args))
    for path in (path for run in runs for path in run.profiles):
        text = Path(path).read_text(encoding="utf-8").splitlines() if Path(path).exists() else ["(not written)"]
        print(f"\n--- {path}" + (f" (first 80 of {len(text)} lines)" if len(text) > 80 else ""))
        print("\n".join(text[:80]))
        summary = next((run.summaries[path] for run in runs if path in run.summaries), "")
        if summary:
            print(f"\n--- {path.removesuffix('.txt')}: summary\n{summary}")
    if args.json:
        args.json.write_text(json.dumps(
            [{"variant": run.variant.name, "auth": run.variant.auth, "auth_checks": run.auth_checks,
              "failure": run.failure, "dispatcher": run.dispatcher, "replies": run.replies, "written": run.written,
              "server": run.server_info, "profile_summaries": run.summaries,
              "measurements": [asdict(m) for m in run.measurements]} for run in runs],
            indent=2,
        ), encoding="utf-8")
    if args.keep or args.profile:
        print(f"\nLogs{', databases' if provider else ''}{' and profiles' if args.profile else ''} kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if any(run.failure for run in runs) else 0


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = [f"Python {sys.version.split()[0]}"]
    for package in ("botbuilder-core", "msrest", "microsoft-agents-hosting-core", "pydantic", "aiohttp", "SQLAlchemy"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            pass
    return ", ".join(found)


async def start_identity_provider():
    from tests.support.auth import LocalIdentityProvider

    provider = LocalIdentityProvider(APP_ID)
    await provider.start()
    return provider


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_child"]:
        return child_main(argv[1])
    args = parser().parse_args(argv)
    confine_to_loopback()
    return asyncio.run(amain(args))


if __name__ == "__main__":
    sys.exit(main())
