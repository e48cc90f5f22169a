"""The agents host: the Microsoft 365 Agents SDK (microsoft-agents-* 1.9) behind the seam of bot/host.py.

BOT_HOST=agents. The SDK's CloudAdapter runs each turn and proactive message and its pydantic
activities carry them; around it, what the SDK would otherwise decide for us (docs/hosts.md has
the whole list):

- **Inbound tokens are checked here, as strictly as botbuilder does.** The SDK's validator takes
  its signing keys from a fixed address per issuer, checks the issuer only when asked
  (VALIDATE_ISSUER), and checks neither the key's endorsement for the channel nor the token's
  `serviceurl` against the activity's. `ChannelTokens` reads the Bot Framework's OpenID metadata
  (or `ToBotFromChannelOpenIdMetadataUrl`), fetches its keys with aiohttp (never blocking the event
  loop) and checks signature, issuer, audience, lifetime, endorsement and service URL.
- **One HTTP client per Bot Connector, kept.** The SDK makes (and closes) a new aiohttp session for
  the connector and another for the user-token service on every turn: a new TCP connection per
  reply and a token request for a service this assistant never uses. `_Clients` keeps one
  connector client per service URL and token, and a single idle user-token client.
- **Outbound credentials** come from the standard settings (MicrosoftAppId, MicrosoftAppPassword,
  MicrosoftAppType, MicrosoftAppTenantId, or the SDK's CONNECTIONS__SERVICE_CONNECTION__SETTINGS__...
  names), mapped onto an `AgentAuthConfiguration` for the SDK's MSAL provider.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
from microsoft_agents.activity import Activity, Attachment, ConversationParameters, ConversationReference
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ChannelServiceClientFactoryBase, TurnContext
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.host import Inbound, InvokeAnswer, Reply, TurnLogic, VerifiedTokens
from notify.teams import TEAMS_CHANNEL, ConnectorFailure, with_both_tenant_spellings

log = logging.getLogger(__name__)

BOT_FRAMEWORK_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
USER_TOKEN_SERVICE = "https://api.botframework.com"
CLOCK_SKEW = 300  # seconds either side of a token's lifetime, as the Bot Framework allows
KEYS_REFRESH = 24 * 3600  # the channel's signing keys are read again after a day, or when a token names a key not seen
KEY_MISS_PAUSE = 300  # ...but not more often than this for unknown keys


class Unauthorized(Exception):
    """The request's token was missing, malformed, or not the channel's for this assistant."""


AccessToken = Callable[[], Awaitable[str]]  # the bearer token for calls to the Bot Connector ("" for none)


# -- inbound ---------------------------------------------------------------------------------------


@dataclass
class _Key:
    key: Any  # a PyJWK
    endorsements: frozenset[str]


class ChannelTokens:
    """Checks the Bot Framework channel's token on an incoming request, as botbuilder's
    `JwtTokenValidation` does: the SDK's own validator leaves some of this out (see the module)."""

    def __init__(self, app_id: str, *, metadata_url: str = "", issuer: str = "", session: Callable[[], aiohttp.ClientSession]):
        self._app_id = app_id
        self._metadata_url = metadata_url or BOT_FRAMEWORK_METADATA
        self._issuer = issuer or BOT_FRAMEWORK_ISSUER
        self._session = session
        self._keys: dict[str, _Key] = {}
        self._read_at = -float(KEYS_REFRESH)  # never read
        self._lock = asyncio.Lock()
        self._verified = VerifiedTokens(skew=CLOCK_SKEW)

    async def check(self, authorization: str | None, activity: Activity) -> ClaimsIdentity:
        if not self._app_id:
            # Local development: no app id, so no token is expected and none is checked (bot/hosts/botbuilder.py does the same).
            return ClaimsIdentity({}, authentication_type="anonymous")
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("no bearer token")
        token = token.strip()
        channel = str(activity.channel_id or "")
        service_url = str(activity.service_url or "")
        known = self._verified.get(token, channel, service_url)
        if isinstance(known, ClaimsIdentity):
            return known
        claims = await self._verify(token, channel, service_url)
        identity = ClaimsIdentity(claims, authentication_type="Bearer", security_token=token)
        self._verified.put(token, channel, service_url, claims.get("exp"), identity)
        return identity

    async def _verify(self, token: str, channel: str, service_url: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise Unauthorized("malformed") from error
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise Unauthorized("not an RS256 token with a key id")
        key = await self._key(header["kid"])
        if key is None:
            raise Unauthorized("signed with a key the channel does not publish")
        if channel and channel not in key.endorsements:
            raise Unauthorized("the key is not endorsed for this channel")
        try:
            claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=self._app_id, issuer=self._issuer, leeway=CLOCK_SKEW,
                                options={"require": ["exp", "iss", "aud"]})
        except jwt.PyJWTError as error:
            raise Unauthorized(type(error).__name__) from error
        if str(claims.get("serviceurl") or "") != service_url:
            raise Unauthorized("the token was issued for another service URL")
        return claims

    async def _key(self, kid: str) -> _Key | None:
        """The channel's key `kid`: read again after a day, or when a token names one not seen (at most every few minutes)."""
        if kid in self._keys and time.monotonic() - self._read_at < KEYS_REFRESH:
            return self._keys[kid]
        async with self._lock:
            since = time.monotonic() - self._read_at
            if since >= KEYS_REFRESH or (kid not in self._keys and since >= KEY_MISS_PAUSE):
                await self._read_keys()
        return self._keys.get(kid)

    async def _read_keys(self) -> None:
        session = self._session()
        timeout = aiohttp.ClientTimeout(total=10)
        async with session.get(self._metadata_url, timeout=timeout) as response:
            response.raise_for_status()
            metadata = await response.json(content_type=None)
        async with session.get(str(metadata["jwks_uri"]), timeout=timeout) as response:
            response.raise_for_status()
            document = await response.json(content_type=None)
        keys: dict[str, _Key] = {}
        for item in document.get("keys") or []:
            if isinstance(item, dict) and isinstance(item.get("kid"), str):
                try:
                    keys[item["kid"]] = _Key(jwt.PyJWK(item), frozenset(str(e) for e in item.get("endorsements") or []))
                except jwt.PyJWTError:
                    continue  # a key of a kind we cannot use signs nothing we accept
        self._keys = keys
        self._read_at = time.monotonic()


# -- the SDK's clients ------------------------------------------------------------------------------


class _KeptConnector(TeamsConnectorClient):
    """A connector client the SDK may "close" after every turn: it stays open until the host closes."""

    async def close(self) -> None:
        return None

    async def really_close(self) -> None:
        await super().close()


class _IdleUserTokens(UserTokenClient):
    async def close(self) -> None:
        return None


class _Clients(ChannelServiceClientFactoryBase):
    """The SDK's client factory, keeping one connector client per service URL and token."""

    def __init__(self, app_id: str, token: AccessToken, timeout: Callable[[], float]):
        self._app_id = app_id
        self._token = token
        self._timeout = timeout
        self._connectors: dict[tuple[str, str], _KeptConnector] = {}
        self._user_tokens: _IdleUserTokens | None = None  # made in the event loop, as aiohttp sessions must be

    async def create_connector_client(self, context: Any, claims_identity: Any, service_url: str, audience: str,
                                      scopes: list[str] | None = None, use_anonymous: bool = False) -> ConnectorClientBase:
        token = await self._token()
        key = (service_url, token)
        client = self._connectors.get(key)
        if client is None:
            if len(self._connectors) >= 64:  # old tokens' clients: closed as new ones come
                for old in list(self._connectors.values()):
                    await old.really_close()
                self._connectors.clear()
            endpoint = service_url if service_url.endswith("/") else service_url + "/"
            session = aiohttp.ClientSession(base_url=endpoint, timeout=aiohttp.ClientTimeout(total=self._timeout()))
            client = _KeptConnector(endpoint=endpoint, token=token, session=session)
            self._connectors[key] = client
        return client

    async def create_user_token_client(self, context: Any, claims_identity: Any, use_anonymous: bool = False) -> UserTokenClient:
        if self._user_tokens is None:
            # No sign-in flows here: the client is never called, so it holds no token.
            self._user_tokens = _IdleUserTokens(endpoint=USER_TOKEN_SERVICE, token="", app_id=self._app_id or "local")
        return self._user_tokens

    async def close(self) -> None:
        for client in self._connectors.values():
            await client.really_close()
        self._connectors.clear()
        if self._user_tokens is not None:
            await UserTokenClient.close(self._user_tokens)
            self._user_tokens = None


# -- the turn -----------------------------------------------------------------------------------------


class _IO:
    """A turn's replies, as the Agents SDK's activities through its turn context."""

    def __init__(self, context: TurnContext, inbound: Inbound):
        self._context = context
        self._inbound = inbound
        self.responded = False

    async def send(self, reply: Reply) -> None:
        client = self._context.turn_state.get(CloudAdapter._AGENT_CONNECTOR_CLIENT_KEY)
        inbound = self._inbound
        if not isinstance(client, ConnectorClientBase) or not inbound.id or self._context.activity.delivery_mode == "expectReplies":
            await self._context.send_activity(_activity(reply))  # buffered replies, and anything unusual: the SDK's own path
        else:
            # A reply, addressed from the activity as the turn context would (it also deep-copies the
            # activity, card and all, and opens a telemetry span around each send: a tenth of a turn).
            reference = inbound.reference()
            addressed = {"channelId": reference.get("channelId"), "serviceUrl": reference.get("serviceUrl"),
                         "conversation": reference.get("conversation"), "from": reference.get("bot"), "recipient": reference.get("user"),
                         "locale": reference.get("locale"), "replyToId": inbound.id, "inputHint": "acceptingInput"}
            activity = _activity(reply, {key: value for key, value in addressed.items() if value is not None})
            await client.conversations.reply_to_activity(inbound.conversation_id, inbound.id, activity)
        self.responded = True

    async def roster_email(self) -> str | None:
        client = self._context.turn_state.get(CloudAdapter._AGENT_CONNECTOR_CLIENT_KEY)
        if not isinstance(client, TeamsConnectorClient):
            return None
        member = await client.get_conversation_member(self._inbound.conversation_id, self._inbound.sender_id)
        return (getattr(member, "email", None) or getattr(member, "user_principal_name", None) or "").lower() or None


def _activity(reply: Reply, addressed: dict[str, Any] | None = None) -> Activity:
    """The reply as the SDK's activity, with only the fields that have a value (none sent as null)."""
    attachments = [Attachment.model_validate(item) for item in reply.attachments()]
    values: dict[str, Any] = {**(addressed or {}), "type": "message"}
    if reply.text:
        values["text"] = reply.text
    if reply.summary:
        values["summary"] = reply.summary
    if reply.channel_data is not None:
        values["channel_data"] = reply.channel_data
    if attachments:
        values["attachments"] = attachments
    return Activity.model_validate(values)


class AgentsHost:
    """The Agents SDK's CloudAdapter, with our token check and kept clients, behind bot/host.py's `Host`."""

    name = "agents"

    def __init__(self, app_id: str, token: AccessToken, *, metadata_url: str = "", issuer: str = ""):
        self.app_id = app_id
        self._session: aiohttp.ClientSession | None = None
        self.timeout = 30.0
        self._clients = _Clients(app_id, token, lambda: self.timeout)
        self.adapter = CloudAdapter(channel_service_client_factory=self._clients)
        self.adapter.on_turn_error = _on_turn_error
        self.tokens = ChannelTokens(app_id, metadata_url=metadata_url, issuer=issuer, session=self._http)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(trust_env=False)
        return self._session

    def parse(self, body: dict[str, Any]) -> Activity:
        return Activity.model_validate(body)  # pydantic's ValidationError is a ValueError

    async def authenticate(self, activity: object, authorization: str | None) -> ClaimsIdentity:
        assert isinstance(activity, Activity)
        return await self.tokens.check(authorization, activity)

    async def run(self, authenticated: object, activity: object, inbound: Inbound, logic: TurnLogic) -> InvokeAnswer | None:
        answer: list[InvokeAnswer | None] = []

        async def turn(context: TurnContext) -> None:
            answer.append(await logic(inbound, _IO(context, inbound)))

        assert isinstance(authenticated, ClaimsIdentity) and isinstance(activity, Activity)  # what parse and authenticate made
        await self.adapter.process_activity(authenticated, activity, turn)
        return answer[-1] if answer else None

    def connector(self) -> AgentsConnector:
        return AgentsConnector(self)

    async def close(self) -> None:
        await self._clients.close()
        if self._session is not None:
            await self._session.close()


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    # The SDK's default sends the exception's text to the user and prints the traceback. Turns catch
    # their own failures (bot/messages.py); this is only reached by the SDK's own, logged by type.
    log.error("turn failed in the SDK: activity %s: %s", getattr(context.activity, "id", None), type(error).__name__)


# -- proactive --------------------------------------------------------------------------------------


class AgentsConnector:
    """Proactive messages through the Agents SDK's CloudAdapter (notify/teams.py's `TeamsConnector`)."""

    def __init__(self, host: AgentsHost):
        self._host = host

    def set_timeout(self, seconds: float) -> None:
        self._host.timeout = seconds

    async def post(self, reference: dict[str, Any], card: dict[str, Any], summary: str, replaces: str | None) -> str | None:
        readable = with_both_tenant_spellings(reference)
        stored = ConversationReference.model_validate(readable)
        continuation = stored.get_continuation_activity()
        # Addressed from the reference as botbuilder does it, and sent to the conversation, not as a
        # reply: the turn context would make it a reply to the continuation activity, an id the SDK
        # made up that Teams has never seen. Built from JSON so that no field is sent as null (the
        # SDK's client sends whatever was set, and the Playground answers 400 to `"locale": null`).
        addressed = {"channelId": readable.get("channelId"), "serviceUrl": readable.get("serviceUrl"), "conversation": readable.get("conversation"),
                     "from": readable.get("bot"), "recipient": readable.get("user"), "locale": readable.get("locale")}
        activity = Activity.model_validate({**{k: v for k, v in addressed.items() if v is not None}, "type": "message", "summary": summary,
                                            "attachments": Reply(card=card).attachments()})
        conversation_id = str(stored.conversation.id)
        posted: list[str | None] = []
        problems: list[BaseException] = []

        async def callback(context: TurnContext) -> None:
            try:
                client = context.turn_state[CloudAdapter._AGENT_CONNECTOR_CLIENT_KEY]
                assert isinstance(client, ConnectorClientBase)  # set by the adapter for every proactive turn
                if replaces:
                    activity.id = replaces
                    await client.conversations.update_activity(conversation_id, replaces, activity)
                    posted.append(replaces)
                else:
                    response = await client.conversations.send_to_conversation(conversation_id, activity)
                    posted.append(getattr(response, "id", None))
            except Exception as error:  # noqa: BLE001 - handed to the caller, never to on_turn_error
                problems.append(error)

        await self._host.adapter.continue_conversation(self._host.app_id, continuation, callback)
        if problems:
            raise problems[0]
        return posted[-1] if posted else None

    async def open_personal(self, service_url: str, tenant_id: str, user_id: str, bot_id: str) -> str:
        parameters = ConversationParameters.model_validate({"isGroup": False, "bot": {"id": bot_id}, "members": [{"id": user_id}],
                                                            "tenantId": tenant_id, "channelData": {"tenant": {"id": tenant_id}}})
        created: list[str] = []
        problems: list[BaseException] = []

        async def callback(context: TurnContext) -> None:
            try:
                created.append(str(context.activity.conversation.id))
            except Exception as error:  # noqa: BLE001 - handed to the caller
                problems.append(error)

        await self._host.adapter.create_conversation(self._host.app_id, TEAMS_CHANNEL, service_url, BOT_FRAMEWORK_SCOPE, parameters, callback)
        if problems:
            raise problems[0]
        return created[-1]

    def failure(self, error: BaseException) -> ConnectorFailure | None:
        if isinstance(error, aiohttp.ClientResponseError):
            retry_after = error.headers.get("Retry-After") if error.headers else None
            return ConnectorFailure("status", error.status, retry_after)
        if isinstance(error, (asyncio.TimeoutError, TimeoutError)):
            return ConnectorFailure("timeout")
        if isinstance(error, (aiohttp.ClientConnectionError, ConnectionError)):
            return ConnectorFailure("connection", detail=type(error).__name__)
        if isinstance(error, aiohttp.ClientError):
            return ConnectorFailure("request", detail=type(error).__name__)
        return None
