"""The Bot Framework adapter and authentication, built from the bot registration's values.

Authentication is the SDK's own (`ConfigurationBotFrameworkAuthentication`); on top of it we keep
the connector and user-token clients for reuse across turns. The SDK builds both anew for every
turn, and building each costs milliseconds of CPU (msrest's retry policy set-up), which caps a bot
near 60 turns a second. The cache changes nothing about what is checked: every request is still
authenticated in full before a cached client is handed out.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import TypeVar, cast

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on our side. Please try again in a few minutes."

_Key = tuple[object, ...]  # hashable: who (and for connectors, which service) a cached client was made for
_Client = TypeVar("_Client")


def _identity_key(claims_identity: ClaimsIdentity) -> _Key:
    claims = claims_identity.claims or {}
    return (claims.get("aud"), claims.get("appid") or claims.get("azp"), claims_identity.is_authenticated)


# The SDK ships no type information, so its classes are Any to mypy and subclassing one is refused under strict
# (which the programme/storage override turns on for every module: mypy issue 11401). Where strict stays per module, the
# ignore is not needed: hence unused-ignore too.
class _CachedConnectorFactory(ConnectorFactory):  # type: ignore[misc, unused-ignore]
    def __init__(self, inner: ConnectorFactory, cache: dict[_Key, ConnectorClient], identity: _Key):
        self._inner = inner
        self._cache = cache
        self._identity = identity

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (self._identity, service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            self._cache[key] = client
        return client


class CachingBotFrameworkAuthentication(BotFrameworkAuthentication):  # type: ignore[misc, unused-ignore]  # Any, as above
    def __init__(self, inner: BotFrameworkAuthentication, max_clients: int = 256):
        self._inner = inner
        self._connectors: dict[_Key, ConnectorClient] = {}
        self._token_clients: dict[_Key, UserTokenClient] = {}
        self._max_clients = max_clients

    def _bounded(self, cache: dict[_Key, _Client]) -> dict[_Key, _Client]:
        if len(cache) >= self._max_clients:
            cache.clear()
        return cache

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _CachedConnectorFactory(
                result.connector_factory,
                self._bounded(self._connectors),
                _identity_key(result.claims_identity),
            )
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _CachedConnectorFactory(
            self._inner.create_connector_factory(claims_identity),
            self._bounded(self._connectors),
            _identity_key(claims_identity),
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = _identity_key(claims_identity)
        client = self._token_clients.get(key)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._bounded(self._token_clients)[key] = client
        return client

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return cast(str, self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)


def build_authentication(
    sdk_configuration: object, credentials_factory: ServiceClientCredentialsFactory | None = None
) -> CachingBotFrameworkAuthentication:
    """`sdk_configuration` has the attribute names the SDK's configuration reads (APP_ID, APP_TYPE, ...)."""
    return CachingBotFrameworkAuthentication(
        ConfigurationBotFrameworkAuthentication(sdk_configuration, credentials_factory=credentials_factory)
    )


def build_adapter(authentication: BotFrameworkAuthentication) -> CloudAdapter:
    adapter = CloudAdapter(authentication)
    adapter.on_turn_error = _on_turn_error
    return adapter


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    activity = context.activity
    # The exception's message can carry personal data (SQL parameters, card values): log its type
    # and where it happened, never its text.
    log.error(
        "turn failed: activity %s (%s on %s): %s at\n%s",
        activity.id,
        activity.type,
        activity.channel_id,
        type(error).__name__,
        "".join(traceback.format_list(traceback.extract_tb(error.__traceback__))),
    )
    if activity.type == ActivityTypes.message and not context.responded:
        try:
            await context.send_activity(APOLOGY)
        except Exception:
            log.exception("could not send the apology for activity %s", activity.id)


TurnLogic = Callable[[TurnContext], object]
