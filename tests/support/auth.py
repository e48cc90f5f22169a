"""Bot Framework authentication without the internet: a local identity provider that signs channel
tokens, outbound credentials that never reach MSAL, and a helper that runs the whole app.

The provider serves what the Bot Framework's login service serves (an OpenID metadata document and
its signing keys, each key endorsed for the channels it may sign for), so tokens are checked by the
SDK's own code, unchanged. Point the app at it with `settings_values()`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
import uuid
from collections.abc import Generator
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import RSAAlgorithm

from service.bootstrap import create_app
from service.settings import Settings
from storage.database import Database
from tests.support.hosts import current_host, with_host

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
OUTBOUND_TOKEN = "test-outbound-token"
APP_PASSWORD = "local-test-secret"
# The channels the Bot Framework's keys are endorsed for: the SDK refuses a token signed with a key
# whose endorsements do not name the activity's channel id.
ENDORSEMENTS = ["msteams", "email", "webchat", "directline", "emulator", "skype", "slack", "test"]
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/keys"


def _new_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class LocalIdentityProvider:
    """Signs Bot Framework channel tokens and serves the metadata and keys to check them.

    It serves from its own thread and event loop: the SDK fetches the metadata with a blocking
    `requests.get` from inside the bot's event loop, so a server on that same loop would never
    answer. Each provider's metadata URL is unique (a query string names the instance), because the
    SDK caches metadata per URL for the life of the process.
    """

    def __init__(self, app_id: str, *, issuer: str = BOT_FRAMEWORK_ISSUER):
        self.app_id = app_id
        self.issuer = issuer
        self.key_id = f"local-{uuid.uuid4().hex[:16]}"
        self.signing_key = _new_key()
        self._forger_key: RSAPrivateKey | None = None
        self._instance = uuid.uuid4().hex
        self._base_url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # -- serving ---------------------------------------------------------------------------------

    @property
    def metadata_url(self) -> str:
        if not self._base_url:
            raise RuntimeError("the identity provider is not started: await start() first")
        return f"{self._base_url}{METADATA_PATH}?instance={self._instance}"

    @property
    def keys_url(self) -> str:
        return f"{self._base_url}{KEYS_PATH}"

    async def start(self) -> None:
        if self._loop is not None:
            return
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name=f"identity-provider-{self._instance[:8]}", daemon=True
        )
        self._thread.start()
        port = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._serve(), self._loop))
        self._base_url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            if self._runner is not None:
                await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop))
        finally:
            loop.call_soon_threadsafe(loop.stop)
            await asyncio.to_thread(thread.join)
            loop.close()
            self._loop = self._thread = self._runner = None

    async def __aenter__(self) -> LocalIdentityProvider:
        await self.start()
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.close()

    async def _serve(self) -> int:
        app = web.Application()
        app.router.add_get(METADATA_PATH, self._metadata)
        app.router.add_get(KEYS_PATH, self._keys)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return self._runner.addresses[0][1]

    async def _metadata(self, _request: web.Request) -> web.Response:
        return web.json_response(self.metadata_document())

    async def _keys(self, _request: web.Request) -> web.Response:
        return web.json_response(self.jwks())

    def metadata_document(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": self.keys_url,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def jwks(self) -> dict:
        key = RSAAlgorithm.to_jwk(self.signing_key.public_key(), as_dict=True)
        key.update({"kid": self.key_id, "use": "sig", "alg": "RS256", "endorsements": list(ENDORSEMENTS)})
        return {"keys": [key]}

    # -- tokens ----------------------------------------------------------------------------------

    def token(
        self,
        *,
        service_url: str,
        audience: str | None = None,
        expires_in: int = 3600,
        signing_key: RSAPrivateKey | None = None,
        issuer: str | None = None,
        not_before_offset: int = 0,
    ) -> str:
        """A channel token as the Bot Framework sends it to the bot (RS256, with the key's kid)."""
        now = int(time.time())
        claims = {
            "iss": issuer or self.issuer,
            "aud": audience or self.app_id,
            "serviceurl": service_url,
            "nbf": now + not_before_offset,
            "iat": now + min(not_before_offset, 0),
            "exp": now + expires_in,
        }
        return jwt.encode(
            claims, signing_key or self.signing_key, algorithm="RS256", headers={"kid": self.key_id}
        )

    def forged_token(self, **claims: Any) -> str:
        """Looks like ours (same kid, same claims) but is signed with a key the provider never served."""
        if self._forger_key is None:
            self._forger_key = _new_key()
        return self.token(signing_key=self._forger_key, **claims)

    def settings_values(self, database_url: str) -> dict[str, str]:
        """The env-style values for `service.settings.settings_from`, pointing the app at this provider."""
        return with_host({
            "MicrosoftAppId": self.app_id,
            "MicrosoftAppPassword": APP_PASSWORD,
            "MicrosoftAppType": "MultiTenant",
            "ToBotFromChannelOpenIdMetadataUrl": self.metadata_url,
            "ToBotFromChannelTokenIssuer": self.issuer,
            "DATABASE_URL": database_url,
            "DISPATCHER": "off",
        })


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class StaticTokenCredentials(AppCredentials):
    """Outbound credentials with a fixed token: what MSAL would fetch, without asking anyone."""

    def __init__(self, app_id: str | None, token: str = OUTBOUND_TOKEN, oauth_scope: str | None = None):
        super().__init__(app_id=app_id, oauth_scope=oauth_scope)
        self.token = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self.token


class StaticCredentialsFactory(ServiceClientCredentialsFactory):
    """Checks app ids as the password factory does; signs outbound calls with a fixed bearer token."""

    def __init__(self, app_id: str, token: str = OUTBOUND_TOKEN):
        self.app_id = app_id
        self.token = token

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(self.app_id) and app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return not self.app_id

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        if await self.is_authentication_disabled():
            # No app id: the credentials set no Authorization header, as the SDK's empty ones.
            return StaticTokenCredentials(None, self.token, oauth_scope)
        if not await self.is_valid_app_id(app_id):
            raise PermissionError(f"Invalid app_id: {app_id}")
        return StaticTokenCredentials(app_id, self.token, oauth_scope)


def static_credentials(app_id: str, token: str = OUTBOUND_TOKEN, *, host: str | None = None) -> object:
    """Outbound credentials with a fixed token, for the test's host: botbuilder's credentials
    factory, or the Agents host's token source (an async callable)."""
    if (host or current_host()) == "agents":
        async def fixed() -> str:
            return token if app_id else ""

        return fixed
    return StaticCredentialsFactory(app_id, token)


class running_app:  # noqa: N801 - reads as a function: `async with running_app(...)` or `await running_app(...)`
    """The real app (create_app) served on 127.0.0.1, as a started aiohttp TestClient.

    `async with running_app(settings, database=db) as client:` closes it at the end;
    `client = await running_app(...)` leaves closing (`await client.close()`) to the caller.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        database: Database,
        credentials: object | None = None,
        **create_app_options: Any,
    ):
        # The test's host, unless the settings were made for another on purpose.
        settings = settings if settings.bot_host != "botbuilder" else dataclasses.replace(settings, bot_host=current_host())
        self._app = create_app(settings, database=database, outbound_credentials=credentials, **create_app_options)
        self._client: TestClient | None = None

    async def _start(self) -> TestClient:
        client = TestClient(TestServer(self._app, host="127.0.0.1"))
        await client.start_server()
        self._client = client
        return client

    def __await__(self) -> Generator[Any, None, TestClient]:
        return self._start().__await__()

    async def __aenter__(self) -> TestClient:
        return await self._start()

    async def __aexit__(self, *_exc) -> None:
        if self._client is not None:
            await self._client.close()

