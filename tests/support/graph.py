"""Microsoft Graph mail without the internet: a local sign-in authority and a sendMail stand-in.

One HTTPS server (a throwaway self-signed certificate for 127.0.0.1) serves:
- `GET /{tenant}/v2.0/.well-known/openid-configuration` and `POST /{tenant}/oauth2/v2.0/token`,
  so the real MSAL runs its client-credentials flow against it (MSAL insists on https);
- `POST /v1.0/users/{mailbox}/sendMail`, which accepts only tokens it issued and that have not
  expired, records what it accepted, and can be told to fail the next calls.

It serves from the test's own event loop: MSAL's blocking requests run in a worker thread
(`asyncio.to_thread`), so the loop is free to answer them. A sender that called MSAL on the loop
itself would stall it, and the requests session's timeout would turn that into a failed test.
"""

from __future__ import annotations

import base64
import functools
import secrets
import ssl
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Self
from urllib.parse import unquote, unquote_plus

import aiohttp
import requests
from aiohttp import web

from notify.email_graph import GraphEmailSender
from notify.graph_token import GraphTokenProvider
from tests.support.tls import write_certificate

TENANT = "00000000-0000-4000-8000-00000000c0de"
CLIENT_ID = "11111111-2222-4333-8444-555555555555"
CLIENT_SECRET = "local-graph-secret-Xy9~not-for-production"
MAILBOX = "peer-challenge@assistant.example"
REPLY_TO = "assistant-inbox@assistant.example"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
GRAPH_ERROR_CODES = {
    400: "ErrorInvalidRecipients", 401: "InvalidAuthenticationToken", 403: "ErrorAccessDenied",
    404: "ErrorInvalidUser", 429: "ApplicationThrottled", 500: "ErrorInternalServerError",
    502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout",
}


@dataclass(frozen=True)
class Delivery:
    mailbox: str
    payload: dict
    token: str


@dataclass
class _Scripted:
    status: int
    remaining: int
    retry_after: str | None = None
    error: str | None = None


class LocalGraph:
    def __init__(
        self,
        directory: Path,
        *,
        tenant: str = TENANT,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
    ):
        self.tenant = tenant
        self.client_id = client_id
        self.client_secret = client_secret
        self.cert_path, self._key_path = write_certificate(directory)
        self.token_lifetime = 3600  # the expires_in of the next tokens issued
        self.discovery_requests = 0
        self.token_requests = 0
        self.sendmail_requests = 0
        self.sent: list[Delivery] = []
        self.issued: dict[str, float] = {}  # token -> when Graph stops accepting it
        self._token_script: deque[_Scripted] = deque()
        self._sendmail_script: deque[_Scripted] = deque()
        self._runner: web.AppRunner | None = None
        self._requests_sessions: list[requests.Session] = []
        self.base_url = ""

    # -- serving ---------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._openid_configuration)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_post("/v1.0/users/{mailbox}/sendMail", self._send_mail)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_path, self._key_path)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        self.base_url = f"https://127.0.0.1:{self._runner.addresses[0][1]}"

    async def close(self) -> None:
        for session in self._requests_sessions:
            session.close()
        self._requests_sessions.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.close()

    @property
    def graph_base_url(self) -> str:
        return f"{self.base_url}/v1.0"

    # -- scripting -------------------------------------------------------------------------------

    def fail_sendmail(self, status: int, *, times: int = 1, retry_after: str | None = None) -> None:
        """The next `times` sendMail calls that carry a good token answer `status`."""
        self._sendmail_script.append(_Scripted(status, times, retry_after))

    def fail_token_requests(self, status: int, *, times: int = 1, error: str | None = None) -> None:
        """The next `times` token requests answer `status`, with an OAuth `error` body if given."""
        self._token_script.append(_Scripted(status, times, error=error))

    def expire_tokens(self) -> None:
        """Graph stops accepting every token issued so far (expired early, or revoked)."""
        now = time.time()
        self.issued = {token: min(expiry, now) for token, expiry in self.issued.items()}

    # -- clients ---------------------------------------------------------------------------------

    def requests_session(self, timeout: float = 10.0) -> requests.Session:
        """For MSAL: trusts this server's certificate only, ignores REQUESTS_CA_BUNDLE and proxies."""
        session = requests.Session()
        session.trust_env = False
        session.verify = str(self.cert_path)
        session.request = functools.partial(session.request, timeout=timeout)
        self._requests_sessions.append(session)
        return session

    def client_session(self) -> aiohttp.ClientSession:
        context = ssl.create_default_context(cafile=str(self.cert_path))
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=context), timeout=aiohttp.ClientTimeout(total=10)
        )

    def token_provider(self, *, client_secret: str | None = None) -> GraphTokenProvider:
        return GraphTokenProvider(
            tenant_id=self.tenant,
            client_id=self.client_id,
            client_secret=self.client_secret if client_secret is None else client_secret,
            authority_host=self.base_url,
            http_client=self.requests_session(),
            instance_discovery=False,
        )

    def sender(
        self,
        *,
        client_secret: str | None = None,
        base_url: str | None = None,
        mailbox: str = MAILBOX,
        reply_to: str = REPLY_TO,
    ) -> GraphEmailSender:
        return GraphEmailSender(
            self.token_provider(client_secret=client_secret),
            base_url=self.graph_base_url if base_url is None else base_url,
            mailbox=mailbox,
            reply_to=reply_to,
            session_factory=self.client_session,
        )

    # -- handlers --------------------------------------------------------------------------------

    async def _openid_configuration(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        if tenant != self.tenant:
            return web.json_response({"error": "invalid_tenant"}, status=400)
        self.discovery_requests += 1
        root = f"{self.base_url}/{tenant}"
        return web.json_response(
            {
                "issuer": f"{root}/v2.0",
                "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                "token_endpoint": f"{root}/oauth2/v2.0/token",
                "jwks_uri": f"{root}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "token"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        scripted = _take(self._token_script)
        if scripted is not None:
            if scripted.error:
                return _oauth_error(scripted.status, scripted.error)
            return web.Response(status=scripted.status, text="Service unavailable")
        client_id, client_secret = _client_credentials(request, form)
        if request.match_info["tenant"] != self.tenant:
            return _oauth_error(400, "invalid_request", "AADSTS90002: Tenant not found.")
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type")
        if client_id != self.client_id or client_secret != self.client_secret:
            return _oauth_error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        if GRAPH_SCOPE not in str(form.get("scope", "")).split():
            return _oauth_error(400, "invalid_scope")
        token = f"graph-{secrets.token_urlsafe(24)}"
        self.issued[token] = time.time() + self.token_lifetime
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": token,
            }
        )

    async def _send_mail(self, request: web.Request) -> web.Response:
        self.sendmail_requests += 1
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or self.issued.get(token, 0) <= time.time():
            return _graph_error(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
        scripted = _take(self._sendmail_script)
        if scripted is not None:
            headers = {"Retry-After": scripted.retry_after} if scripted.retry_after else {}
            return _graph_error(scripted.status, GRAPH_ERROR_CODES.get(scripted.status, "UnknownError"),
                                f"Scripted failure for {unquote(request.match_info['mailbox'])}", headers)
        try:
            payload = await request.json()
            payload["message"]["toRecipients"][0]["emailAddress"]["address"]
        except (ValueError, KeyError, IndexError, TypeError):
            return _graph_error(400, "ErrorInvalidRequest", "The request is malformed.")
        self.sent.append(Delivery(unquote(request.match_info["mailbox"]), payload, token))
        return web.Response(status=202, headers={"request-id": secrets.token_hex(8)})


def _take(script: deque[_Scripted]) -> _Scripted | None:
    if not script:
        return None
    scripted = script[0]
    scripted.remaining -= 1
    if scripted.remaining <= 0:
        script.popleft()
    return scripted


def _client_credentials(request: web.Request, form) -> tuple[str, str]:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Basic":
        user, _, password = base64.b64decode(value).decode().partition(":")
        return unquote_plus(user), unquote_plus(password)
    return str(form.get("client_id", "")), str(form.get("client_secret", ""))


def _oauth_error(status: int, error: str, description: str = "") -> web.Response:
    return web.json_response(
        {
            "error": error,
            "error_description": f"{description} Trace ID: {secrets.token_hex(8)}",
            "error_codes": [],
            "correlation_id": secrets.token_hex(8),
        },
        status=status,
    )


def _graph_error(status: int, code: str, message: str, headers: dict | None = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)
