"""Email through Microsoft Graph: `POST /users/{mailbox}/sendMail` with an app-only token.

Graph answers 202 when it has taken the message. Throttling (429) and outages (502, 503, 504 and
other 5xx, timeouts, refused connections) are temporary, with Graph's Retry-After passed on to the
dispatcher. A 401 means the token expired early or was revoked: the sender gets a fresh one and
tries once more straight away. Any other 4xx is permanent (no Mail.Send consent, a mailbox outside
the application access policy, an unknown mailbox, a message Graph will not take).

Reasons and log lines carry the outbox id, status codes and Graph's error code, never the
addresses, the subject or the body.
"""

from __future__ import annotations

import base64
import email.utils
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import quote

import aiohttp

from notify.email_build import subject_line
from notify.message import EmailMessage, PermanentFailure, TemporaryFailure

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 30.0  # seconds for one sendMail call, connection included
_SAFE_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_SECONDS = re.compile(r"\d{1,7}(\.\d+)?")


class TokenProvider(Protocol):
    async def token(self) -> str: ...

    async def renew(self, rejected: str) -> str: ...

    async def close(self) -> None: ...


def default_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))


class GraphEmailSender:
    def __init__(
        self,
        tokens: TokenProvider,
        base_url: str,
        mailbox: str,
        reply_to: str,
        session_factory: Callable[[], aiohttp.ClientSession] = default_session,
    ):
        self._tokens = tokens
        self._url = f"{base_url.rstrip('/')}/users/{quote(mailbox, safe='@')}/sendMail"
        self._reply_to = reply_to
        self._session_factory = session_factory
        self._session: aiohttp.ClientSession | None = None

    async def send_email(self, message: EmailMessage) -> None:
        payload = self.payload(message)
        token = await self._tokens.token()
        status, headers, body = await self._post(payload, token, message.message_id)
        if status == 401:
            log.info("Graph refused the token for message %s; renewing it and trying again", message.message_id)
            token = await self._tokens.renew(token)
            status, headers, body = await self._post(payload, token, message.message_id)
            if status == 401:
                raise TemporaryFailure("Graph refused a freshly issued token (401)")
        self._check(status, headers, body, message.message_id)

    async def close(self) -> None:
        session, self._session = self._session, None
        try:
            if session is not None:
                await session.close()
        finally:
            await self._tokens.close()

    def payload(self, message: EmailMessage) -> dict[str, Any]:
        rendered = message.rendered
        body = (
            {"contentType": "HTML", "content": rendered.html}
            if rendered.html
            else {"contentType": "Text", "content": rendered.text}
        )
        mail: dict[str, Any] = {
            "subject": subject_line(rendered.subject, rendered.reference_code),
            "body": body,
            "toRecipients": [{"emailAddress": {"address": message.to}}],
            "replyTo": [{"emailAddress": {"address": self._reply_to}}],
        }
        if rendered.calendar:  # an invitation: the .ics as a file the recipient's calendar opens
            mail["attachments"] = [{"@odata.type": "#microsoft.graph.fileAttachment", "name": "invite.ics", "contentType": "text/calendar",
                                    "contentBytes": base64.b64encode(rendered.calendar.encode("utf-8")).decode("ascii")}]
        return {"message": mail, "saveToSentItems": True}

    async def _post(self, payload: dict[str, Any], token: str, message_id: int) -> tuple[int, dict[str, str], bytes]:
        if self._session is None or self._session.closed:
            self._session = self._session_factory()
        try:
            async with self._session.post(
                self._url, json=payload, headers={"Authorization": f"Bearer {token}"}
            ) as response:
                headers = {name.lower(): value for name, value in response.headers.items()}
                return response.status, headers, await response.read()
        except TimeoutError:
            log.warning("Graph sendMail timed out for message %s", message_id)
            raise TemporaryFailure("Graph sendMail timed out") from None
        except aiohttp.ClientError as error:
            log.warning("Graph sendMail failed for message %s: %s", message_id, type(error).__name__)
            raise TemporaryFailure(f"Graph sendMail failed ({type(error).__name__})") from None

    def _check(self, status: int, headers: dict[str, str], body: bytes, message_id: int) -> None:
        request_id = headers.get("request-id", "-")
        if 200 <= status < 300:
            log.info("Graph accepted message %s (%s, request-id %s)", message_id, status, request_id)
            return
        code = graph_error_code(body)
        detail = f"{status} {code}" if code else str(status)
        log.warning("Graph refused message %s: %s (request-id %s)", message_id, detail, request_id)
        if status in (408, 429) or status >= 500:
            raise TemporaryFailure(f"Graph sendMail answered {detail}", retry_after=retry_after(headers))
        raise PermanentFailure(f"Graph sendMail answered {detail}")


def graph_error_code(body: bytes) -> str:
    """Graph's `error.code` (e.g. ErrorAccessDenied); its `message` may quote addresses, so it is left out."""
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return ""
    return code if isinstance(code, str) and _SAFE_CODE.fullmatch(code) else ""


def retry_after(headers: dict[str, str], now: Callable[[], float] = time.time) -> float | None:
    """Seconds from a Retry-After header, given as seconds or as an HTTP date."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), "").strip()
    if not value:
        return None
    if _SECONDS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now())
