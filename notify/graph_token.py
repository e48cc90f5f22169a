"""App-only tokens for Microsoft Graph, from MSAL's client-credentials flow.

One `msal.ConfidentialClientApplication` per provider, built on first use. MSAL keeps the token
in its own cache and serves it until it nears expiry, so most calls never leave the process.
MSAL is blocking (`requests`), so every call into it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, cast

import msal
import requests

from notify.message import PermanentFailure, TemporaryFailure

log = logging.getLogger(__name__)

GRAPH_SCOPES = ["https://graph.microsoft.com/.default"]
TOKEN_TIMEOUT = 30.0  # seconds, for each of MSAL's own requests in production
# OAuth error codes that another attempt will not cure: wrong secret, unknown app or tenant, no consent.
REFUSED = frozenset(
    {"invalid_client", "unauthorized_client", "invalid_request", "invalid_scope", "invalid_grant",
     "unsupported_grant_type", "access_denied"}
)
_AADSTS = re.compile(r"\bAADSTS\d{4,8}\b")
_SAFE_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class GraphTokenProvider:
    """`await token()` gives a bearer token for Graph, or raises Temporary/PermanentFailure.

    `http_client` (a `requests.Session`) and `instance_discovery=False` are for tests that point
    MSAL at a local authority; production leaves both to MSAL.
    """

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        authority_host: str = "https://login.microsoftonline.com",
        http_client: requests.Session | None = None,
        instance_discovery: bool | None = None,
        timeout: float = TOKEN_TIMEOUT,
    ):
        self.authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self._client_id = client_id
        self._client_secret = client_secret
        self._http_client = http_client
        self._instance_discovery = instance_discovery
        self._timeout = timeout
        self._app: msal.ConfidentialClientApplication | None = None
        # One caller at a time asks MSAL: concurrent sends on a cold cache then share one token request.
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:
            app = await self._application()
            return await asyncio.to_thread(self._acquire, app, None)

    async def renew(self, rejected: str) -> str:
        """A token other than `rejected`, which Graph refused (expired early, or revoked).

        Only that token leaves MSAL's cache, so when several sends are refused at once the first
        one fetches a fresh token and the others are served it.
        """
        async with self._lock:
            app = await self._application()
            return await asyncio.to_thread(self._acquire, app, rejected)

    async def close(self) -> None:
        """Closes the HTTP session MSAL opened for itself; an injected one belongs to its owner."""
        app, self._app = self._app, None
        if app is not None and self._http_client is None:
            app.http_client.close()

    # -- in the worker thread --------------------------------------------------------------------

    async def _application(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            # Building the app fetches the authority's OpenID configuration: blocking, and it can fail.
            self._app = await asyncio.to_thread(self._build)
        return self._app

    def _build(self) -> msal.ConfidentialClientApplication:
        options: dict[str, Any] = {}
        if self._http_client is not None:
            options["http_client"] = self._http_client
        else:
            options["timeout"] = self._timeout
        if self._instance_discovery is not None:
            options["instance_discovery"] = self._instance_discovery
        try:
            return msal.ConfidentialClientApplication(
                self._client_id,
                client_credential=self._client_secret,
                authority=self.authority,
                **options,
            )
        except requests.RequestException as error:
            raise TemporaryFailure(f"Graph sign-in authority unreachable ({type(error).__name__})") from None
        except msal.exceptions.MsalServiceError:  # the authority answered 5xx
            raise TemporaryFailure("Graph sign-in authority unavailable (5xx)") from None
        except ValueError:  # the authority answered 4xx or not JSON: usually an unknown tenant
            raise PermanentFailure(
                "Graph sign-in authority has no configuration for this tenant: check GRAPH_TENANT_ID"
            ) from None

    def _acquire(self, app: msal.ConfidentialClientApplication, rejected: str | None) -> str:
        if rejected is not None:
            cache = app.token_cache
            for entry in list(cache.search(cache.CredentialType.ACCESS_TOKEN)):
                if entry.get("secret") == rejected:
                    cache.remove_at(entry)
        try:
            result = app.acquire_token_for_client(scopes=GRAPH_SCOPES)
        except requests.RequestException as error:
            raise TemporaryFailure(f"Graph token request failed ({type(error).__name__})") from None
        except msal.exceptions.MsalServiceError:
            raise TemporaryFailure("Graph token endpoint unavailable (5xx)") from None
        except ValueError:  # an answer that is not JSON, e.g. a proxy's or a throttling page
            raise TemporaryFailure("Graph token endpoint gave an unreadable answer") from None
        if result and "access_token" in result:
            return cast(str, result["access_token"])  # msal's answers are untyped JSON
        raise _failure(result or {})


def _failure(result: dict[str, Any]) -> TemporaryFailure | PermanentFailure:
    """The token endpoint's error as a failure whose reason holds only codes, never its description."""
    error = str(result.get("error") or "no_token")
    error = error if _SAFE_CODE.fullmatch(error) else "unrecognised_error"
    found = _AADSTS.search(str(result.get("error_description") or ""))
    detail = f"{error} {found.group(0)}" if found else error
    log.warning(
        "Graph token request refused: %s (correlation id %s)", detail, result.get("correlation_id", "-")
    )
    if error in REFUSED:
        return PermanentFailure(
            f"Graph token request refused ({detail}): check GRAPH_TENANT_ID, GRAPH_CLIENT_ID, "
            "GRAPH_CLIENT_SECRET and the app's Mail.Send consent"
        )
    return TemporaryFailure(f"Graph token request failed ({detail})")
