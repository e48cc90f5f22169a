"""Authentication end to end: the real app, the SDK's own token checks, a local identity provider
and a local Bot Connector. A request the channel did not sign is refused with 401 and leaves no
trace: nothing stored, nothing sent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

import bot.dialogs.greeting
from bot.cards.programme_cards import unknown_person_card
from bot.messages import APOLOGY
from service.settings import SettingsError, settings_from
from storage.bot_state import BotStateRecord
from storage.conversations import ConversationReferenceRecord
from storage.models import Base
from tests.support.activities import card_action, teams_message
from tests.support.auth import OUTBOUND_TOKEN, LocalIdentityProvider, bearer, running_app, static_credentials
from tests.support.connector import ConnectorStandIn

APP_ID = "6f1c2a9e-5b7d-4c3e-9a0b-1d2e3f4a5b6c"
USER_ID = "29:1a2b3c-local-user"
CARD_RESPONSE = "application/vnd.microsoft.card.adaptive"


@dataclass
class LocalConnector:
    stand_in: ConnectorStandIn
    service_url: str = ""
    authorizations: list[str | None] = field(default_factory=list)  # one per request received


@pytest.fixture
async def provider():
    async with LocalIdentityProvider(APP_ID) as provider:
        yield provider


@pytest.fixture
async def connector():
    connector = LocalConnector(ConnectorStandIn())

    @web.middleware
    async def record_authorization(request: web.Request, handler):
        connector.authorizations.append(request.headers.get("Authorization"))
        return await handler(request)

    app = connector.stand_in.app()
    app.middlewares.append(record_authorization)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    connector.service_url = str(server.make_url("/"))
    yield connector
    await server.close()


@pytest.fixture
async def client(provider, connector, database):
    settings = settings_from(provider.settings_values(database.url))
    async with running_app(settings, database=database, credentials=static_credentials(APP_ID)) as client:
        yield client


def stored_rows(database) -> dict[str, int]:
    """Rows in every table of the schema; conversation references and bot state among them."""
    with database.sessions() as session:
        counts = {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }
    assert ConversationReferenceRecord.__tablename__ in counts and BotStateRecord.__tablename__ in counts
    return counts


def nothing_stored(database) -> bool:
    return not any(stored_rows(database).values())


async def test_a_signed_message_is_answered_through_the_connector(client, provider, connector, database):
    activity = teams_message(connector.service_url, "help", user_id=USER_ID)
    token = provider.token(service_url=connector.service_url)

    response = await client.post("/api/messages", json=activity, headers=bearer(token))

    assert response.status in (200, 201)
    assert len(connector.stand_in.sent) == 1
    reply = connector.stand_in.sent[0]
    assert reply["_conversation"] == activity["conversation"]["id"]
    assert reply["replyToId"] == activity["id"]
    assert "What I can do" in connector.stand_in.texts_of_cards()
    # Every call the bot made to the connector (the roster look-up, the reply) carried our credentials.
    assert connector.authorizations and set(connector.authorizations) == {f"Bearer {OUTBOUND_TOKEN}"}
    assert stored_rows(database)[ConversationReferenceRecord.__tablename__] == 1


def _no_header(_provider: LocalIdentityProvider, _url: str) -> dict:
    return {}


def _header(make_token: Callable[[LocalIdentityProvider, str], str]) -> Callable[[LocalIdentityProvider, str], dict]:
    return lambda provider, url: bearer(make_token(provider, url))


REJECTED = {
    "no token": _no_header,
    "forged signature": _header(lambda p, url: p.forged_token(service_url=url)),
    "expired": _header(lambda p, url: p.token(service_url=url, expires_in=-3600)),
    "not yet valid": _header(lambda p, url: p.token(service_url=url, not_before_offset=3600)),
    "wrong audience": _header(lambda p, url: p.token(service_url=url, audience="another-bot")),
    "wrong issuer": _header(lambda p, url: p.token(service_url=url, issuer="https://login.example.net")),
    "other serviceurl": _header(lambda p, _url: p.token(service_url="https://smba.trafficmanager.net/emea/")),
    "malformed": lambda _p, _url: {"Authorization": "Bearer abc"},
    "not a bearer token": lambda p, url: {"Authorization": f"Basic {p.token(service_url=url)}"},
    "empty bearer": lambda _p, _url: {"Authorization": "Bearer "},
    "unsigned (alg none)": lambda p, url: bearer(_unsigned(p, url)),
    "a channel the key is not endorsed for": lambda p, url: {**bearer(p.token(service_url=url)), CHANNEL_HEADER: "kik"},
}
CHANNEL_HEADER = "X-Test-Channel"  # read by the test, never sent: the activity's channel for that case


def _unsigned(provider: LocalIdentityProvider, url: str) -> str:
    """The provider's claims, with `alg: none` and no signature."""
    import jwt

    claims = jwt.decode(provider.token(service_url=url), options={"verify_signature": False})
    return jwt.encode(claims, None, algorithm="none", headers={"kid": provider.key_id})


@pytest.mark.parametrize("case", list(REJECTED), ids=list(REJECTED))
async def test_an_unsigned_or_misaddressed_message_is_refused_without_trace(
    case, client, provider, connector, database
):
    activity = teams_message(connector.service_url, "help", user_id=USER_ID)
    headers = REJECTED[case](provider, connector.service_url)
    activity["channelId"] = headers.pop(CHANNEL_HEADER, activity["channelId"])

    response = await client.post("/api/messages", json=activity, headers=headers)

    assert response.status == 401
    assert await response.json() == {"error": "unauthorized"}
    assert nothing_stored(database), stored_rows(database)
    assert connector.stand_in.sent == [] and connector.authorizations == []


async def test_a_forged_card_action_is_refused_without_trace(client, provider, connector, database):
    activity = card_action(connector.service_url, "status", {}, user_id=USER_ID)

    response = await client.post(
        "/api/messages", json=activity, headers=bearer(provider.forged_token(service_url=connector.service_url))
    )

    assert response.status == 401
    assert nothing_stored(database)
    assert connector.stand_in.sent == [] and connector.authorizations == []


async def test_a_signed_card_action_is_answered_with_the_card_in_the_body(client, provider, connector, database):
    activity = card_action(connector.service_url, "status", {}, user_id=USER_ID)
    token = provider.token(service_url=connector.service_url)

    response = await client.post("/api/messages", json=activity, headers=bearer(token))

    # botbuilder's own CloudAdapter.process would answer 500 here (msrest cannot serialize the card).
    assert response.status == 200
    assert response.content_type == "application/json"
    body = await response.json()
    assert body == {"statusCode": 200, "type": CARD_RESPONSE, "value": unknown_person_card()}
    assert "I don't know you yet" in str(body["value"])
    assert connector.stand_in.sent == []  # the answer is the invoke response, not a new message


async def test_without_an_app_id_unauthenticated_local_traffic_is_accepted(connector, database):
    settings = settings_from({"DATABASE_URL": database.url})
    assert not settings.authenticated
    activity = teams_message(connector.service_url, "help", user_id=USER_ID)

    async with running_app(settings, database=database) as client:
        response = await client.post("/api/messages", json=activity)

    assert response.status == 201
    assert len(connector.stand_in.sent) == 1
    assert set(connector.authorizations) == {None}  # and the bot sends no token either


def test_production_refuses_to_start_without_an_app_id(tmp_path):
    with pytest.raises(SettingsError, match="MicrosoftAppId"):
        settings_from({"APP_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})


async def test_a_failed_turn_apologises_and_logs_the_activity_id_but_not_the_text(
    client, provider, connector, database, monkeypatch, caplog
):
    private = "jane.doe@council.example"

    def broken_help_card(_profile):
        raise RuntimeError(f"card for {private} failed")

    monkeypatch.setattr(bot.dialogs.greeting, "help_card", broken_help_card)
    caplog.set_level(logging.INFO)
    activity = teams_message(connector.service_url, f"help with the nomination of {private}", user_id=USER_ID)
    token = provider.token(service_url=connector.service_url)

    response = await client.post("/api/messages", json=activity, headers=bearer(token))

    assert response.status == 201
    assert [sent.get("text") for sent in connector.stand_in.sent] == [APOLOGY]
    failures = [record for record in caplog.records if record.name == "bot.messages" and record.levelno == logging.ERROR]
    assert len(failures) == 1
    assert activity["id"] in failures[0].getMessage()
    assert "RuntimeError" in failures[0].getMessage()
    assert private not in caplog.text
    assert activity["text"] not in caplog.text
