"""The botbuilder host: the Bot Framework SDK (botbuilder 4.17) behind the seam of bot/host.py.

The adapter and authentication are built from the bot registration's values.

Authentication is the SDK's own (`ConfigurationBotFrameworkAuthentication`); on top of it we keep
the connector and user-token clients for reuse across turns. The SDK builds both anew for every
turn, and building each costs milliseconds of CPU (msrest's retry policy set-up), which caps a bot
near 60 turns a second. The cache changes nothing about what is checked: every request is still
authenticated in full before a cached client is handed out.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import weakref
from typing import Any, TypeVar, cast

import requests
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters, ConversationReference
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
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.host import CARD_CONTENT_TYPE, Inbound, InvokeAnswer, Reply, TurnLogic, VerifiedTokens
from notify.teams import TEAMS_CHANNEL, ConnectorFailure, with_both_tenant_spellings

log = logging.getLogger(__name__)

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
        self._verified = VerifiedTokens()

    def _bounded(self, cache: dict[_Key, _Client]) -> dict[_Key, _Client]:
        if len(cache) >= self._max_clients:
            cache.clear()
        return cache

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        # A token seen before, for the same channel and service URL, was checked in full then (bot/host.py's VerifiedTokens).
        channel, service_url = str(activity.channel_id or ""), str(activity.service_url or "")
        result = self._verified.get(auth_header, channel, service_url) if auth_header else None
        if not isinstance(result, AuthenticateRequestResult):
            result = await self._inner.authenticate_request(activity, auth_header)
            if auth_header and result.claims_identity is not None and result.claims_identity.is_authenticated:
                self._verified.put(auth_header, channel, service_url, (result.claims_identity.claims or {}).get("exp"), result)
        result = copy.copy(result)  # the factory below is this request's
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
    # Turns catch their own failures (bot/messages.py); this is only reached by the SDK's own
    # failures around them. Its type, never its text (which can carry personal data).
    log.error("turn failed in the SDK: activity %s: %s", context.activity.id, type(error).__name__)


class _Logging(logging.Filter):
    """Teams sends fields the SDK's msrest models do not declare (an invoke's `trigger`, channel
    data's `source`); msrest warns of each on every turn, and ignores them, as we do. Those warnings
    only are dropped: any other msrest warning still shows."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "is not a known attribute of class" not in str(record.msg)


logging.getLogger("msrest.serialization").addFilter(_Logging())


class _IO:
    """A turn's replies, as the Bot Framework's activities through its turn context."""

    def __init__(self, context: TurnContext):
        self._context = context
        self.responded = False

    async def send(self, reply: Reply) -> None:
        activity = Activity(type="message", text=reply.text or None, summary=reply.summary or None, channel_data=reply.channel_data,
                            attachments=[_attachment(item) for item in reply.attachments()] or None)
        await self._context.send_activity(activity)
        self.responded = True

    async def roster_email(self) -> str | None:
        member = await TeamsInfo.get_member(self._context, self._context.activity.from_property.id)
        return (getattr(member, "email", None) or getattr(member, "user_principal_name", None) or "").lower() or None


def _attachment(item: dict[str, Any]) -> Any:
    from botbuilder.schema import Attachment

    return Attachment(content_type=item["contentType"], content=item.get("content"), name=item.get("name"), content_url=item.get("contentUrl"))


class BotbuilderHost:
    """The Bot Framework SDK's CloudAdapter and authentication, behind bot/host.py's `Host`."""

    name = "botbuilder"

    def __init__(self, authentication: CachingBotFrameworkAuthentication, adapter: CloudAdapter, app_id: str):
        self.authentication = authentication
        self.adapter = adapter
        self.app_id = app_id

    def parse(self, body: dict[str, Any]) -> Activity:
        from azure.core.exceptions import DeserializationError  # what msrest raises: msrest.exceptions only re-imports it

        try:
            return Activity().deserialize(body)
        except (DeserializationError, AttributeError) as error:
            raise ValueError("not a Bot Framework activity") from error

    async def authenticate(self, activity: object, authorization: str | None) -> AuthenticateRequestResult:
        return await self.authentication.authenticate_request(activity, authorization or "")

    async def run(self, authenticated: object, activity: object, inbound: Inbound, logic: TurnLogic) -> InvokeAnswer | None:
        answer: list[InvokeAnswer | None] = []

        async def turn(context: TurnContext) -> None:
            answer.append(await logic(inbound, _IO(context)))

        await self.adapter.process_activity(authenticated, activity, turn)
        return answer[-1] if answer else None

    def connector(self) -> BotbuilderConnector:
        return BotbuilderConnector(self.adapter, self.app_id)

    async def close(self) -> None:
        return None


class BotbuilderConnector:
    """Proactive messages through the Bot Framework SDK's CloudAdapter (notify/teams.py's `TeamsConnector`).

    msrest retries on its own, blocking one of the event loop's executor threads while it sleeps
    (three connection retries, backoff 0.8 s), and does not honour Retry-After on a POST: that is
    switched off on the connector client, whose timeout (msrest's is 100 s) is set to ours.
    """

    def __init__(self, adapter: BotAdapter, app_id: str):
        self._adapter = adapter
        self._app_id = app_id or ""
        self._timeout = 30.0
        self._tuned: weakref.WeakSet[object] = weakref.WeakSet()  # connector clients already tuned

    def set_timeout(self, seconds: float) -> None:
        self._timeout = seconds

    async def post(self, reference: dict[str, Any], card: dict[str, Any], summary: str, replaces: str | None) -> str | None:
        activity = Activity(type="message", summary=summary, attachments=[_attachment({"contentType": CARD_CONTENT_TYPE, "content": card})])
        posted: list[str | None] = []
        problems: list[BaseException] = []

        async def callback(context: TurnContext) -> None:
            try:
                self._tune(context)
                if replaces:
                    activity.id = replaces
                    await context.update_activity(activity)
                    posted.append(replaces)
                else:
                    response = await context.send_activity(activity)
                    posted.append(getattr(response, "id", None))
            except Exception as error:  # noqa: BLE001 - handed to the caller, never to on_turn_error
                problems.append(error)

        await self._adapter.continue_conversation(ConversationReference().deserialize(with_both_tenant_spellings(reference)), callback, self._app_id)
        if problems:
            raise problems[0]
        return posted[-1] if posted else None

    async def open_personal(self, service_url: str, tenant_id: str, user_id: str, bot_id: str) -> str:
        parameters = ConversationParameters(is_group=False, bot=ChannelAccount(id=bot_id), members=[ChannelAccount(id=user_id)],
                                            tenant_id=tenant_id, channel_data={"tenant": {"id": tenant_id}})
        created: list[str] = []
        problems: list[BaseException] = []

        async def callback(context: TurnContext) -> None:
            try:
                created.append(context.activity.conversation.id)
            except Exception as error:  # noqa: BLE001 - handed to the caller
                problems.append(error)

        await self._adapter.create_conversation(self._app_id, callback, parameters, TEAMS_CHANNEL, service_url, None)
        if problems:
            raise problems[0]
        return created[-1]

    def failure(self, error: BaseException) -> ConnectorFailure | None:
        if isinstance(error, HttpOperationError) and getattr(error, "response", None) is not None:
            status = getattr(error.response, "status_code", None)
            if isinstance(status, int):
                headers = getattr(error.response, "headers", None) or {}
                return ConnectorFailure("status", status, headers.get("Retry-After"))
        inner = error.inner_exception if isinstance(error, ClientRequestError) else error
        if isinstance(inner, (requests.Timeout, asyncio.TimeoutError, TimeoutError)):
            return ConnectorFailure("timeout")
        if isinstance(inner, (requests.ConnectionError, ConnectionError)):
            return ConnectorFailure("connection", detail=type(inner).__name__)
        if isinstance(error, ClientRequestError):
            return ConnectorFailure("request", detail=type(inner).__name__)
        return None

    def _tune(self, context: TurnContext) -> None:
        """Our timeout, and no retries of msrest's own, on the (cached, shared) connector client."""
        client = context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
        if client is None or client in self._tuned:
            return
        config = getattr(client, "config", None)
        if config is not None and hasattr(config, "retry_policy") and hasattr(config, "connection"):
            config.retry_policy.retries = 0
            config.connection.timeout = self._timeout
        self._tuned.add(client)
