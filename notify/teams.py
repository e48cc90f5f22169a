"""Proactive Teams messages: our one retry policy and Teams' rate limits, over whichever SDK hosts us.

What the SDK does (open a turn on a stored conversation, post or replace a card, open a one-to-one
chat) is a `TeamsConnector`, one per host (`bot/hosts/botbuilder.py`, `bot/hosts/agents.py`); what
a failure means, how long to wait and how often to try again is decided here, the same on both:

- An exception inside an SDK's proactive callback would go to its `on_turn_error`, never to the
  caller (which would log it, try to apologise and report success). So each connector's callback
  catches everything and hands it back, and this module decides what it means.
- Neither SDK's own retries run (msrest's are switched off on the Bot Framework's connector client;
  the Agents SDK has none): Retry-After honoured, exponential backoff with full jitter, every
  attempt inside the rate limits.
- The HTTP timeout is ours, on both.

Without an app id (local development against the Agents Playground) no Authorization header is
sent: proactive messages work unauthenticated, as the Playground expects.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Literal, Protocol

from notify.message import ConversationGone, PermanentFailure, TeamsMessage, TemporaryFailure
from notify.rate_limit import TeamsLimits

log = logging.getLogger(__name__)

TEAMS_CHANNEL = "msteams"
RETRIED_STATUSES = {408, 412, 429, 500, 502, 503, 504}
GONE_REASONS = {
    403: "Teams 403: app removed or blocked",
    404: "Teams 404: conversation not found",
}
STATUS_NAMES = {
    400: "bad request",
    401: "the bot's credentials were refused",
    408: "request timeout",
    412: "precondition failed",
    413: "message too large",
    429: "throttled",
    500: "internal server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}


@dataclass(frozen=True)
class _Outcome:
    """What one attempt came to, when it was not a success."""

    reason: str
    retry: bool
    retry_after: float | None = None
    gone: bool = False


def retry_after_seconds(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """A Retry-After header, in seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - now(), 0.0)


@dataclass(frozen=True)
class ConnectorFailure:
    """What a connector's error was, as the SDK raised it: an HTTP status (with its Retry-After),
    or a request that got no answer."""

    kind: Literal["status", "timeout", "connection", "request"]
    status: int = 0
    retry_after: str | None = None
    detail: str = ""  # the exception's type, for a reason: never its text


class TeamsConnector(Protocol):
    """One SDK's way to Teams: what `TeamsProactiveSender` retries and paces."""

    async def post(self, reference: dict[str, Any], card: dict[str, Any], summary: str, replaces: str | None) -> str | None:
        """Posts the card into the referenced conversation (or replaces the activity `replaces`);
        returns the id Teams gave it."""
        ...

    async def open_personal(self, service_url: str, tenant_id: str, user_id: str, bot_id: str) -> str:
        """Opens (or finds) the one-to-one chat with `user_id`; returns its conversation id."""
        ...

    def failure(self, error: BaseException) -> ConnectorFailure | None:
        """What `error`, raised by `post` or `open_personal`, was; None if it is not the connector's."""
        ...

    def set_timeout(self, seconds: float) -> None: ...


def classify(failure: ConnectorFailure | None) -> _Outcome | None:
    """The outcome of a connector's failure, or None if we do not know it.

    Reasons name the status and what it means, never the response text (which can quote the message).
    """
    if failure is None:
        return None
    if failure.kind == "status":
        status = failure.status
        retry_after = retry_after_seconds(failure.retry_after)
        reason = f"Teams {status}: {STATUS_NAMES.get(status, 'error')}"
        if status in GONE_REASONS:
            return _Outcome(GONE_REASONS[status], retry=False, gone=True)
        if status in RETRIED_STATUSES or (status >= 500 and status not in (501, 505)):
            return _Outcome(reason, retry=True, retry_after=retry_after)
        return _Outcome(reason, retry=False)
    if failure.kind == "timeout":
        return _Outcome("Teams: request timed out", retry=True)
    if failure.kind == "connection":
        return _Outcome(f"Teams: connection failed ({failure.detail})", retry=True)
    return _Outcome(f"Teams: request failed ({failure.detail})", retry=True)


def with_both_tenant_spellings(reference: dict[str, Any]) -> dict[str, Any]:
    """A stored reference, readable by either SDK: botbuilder (msrest) writes and reads the
    conversation's `tenantID`, the Agents SDK and Teams itself `tenantId`."""
    conversation = reference.get("conversation")
    if not isinstance(conversation, dict):
        return reference
    tenant = conversation.get("tenantId") or conversation.get("tenantID")
    if not tenant:
        return reference
    return {**reference, "conversation": {**conversation, "tenantId": tenant, "tenantID": tenant}}


class TeamsProactiveSender:
    """Sends a rendered notification as an Adaptive Card into a stored Teams conversation."""

    def __init__(
        self,
        connector: TeamsConnector,
        app_id: str,
        *,
        limits: TeamsLimits,
        max_retries: int = 5,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        timeout: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[float, float], float] = random.uniform,
    ):
        self._connector = connector
        self._app_id = app_id or ""
        self._limits = limits
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._sleep = sleep
        self._jitter = jitter
        connector.set_timeout(timeout)

    # -- sending --------------------------------------------------------------------------

    def expected_wait(self, conversation_id: str, tenant_id: str | None) -> float:
        return self._limits.wait_for(conversation_id, tenant_id)

    async def send_teams(self, message: TeamsMessage) -> str | None:
        """Posts the message; returns the id Teams gave it, so it can be updated later."""
        return await self._post(message, None)

    async def update_teams(self, message: TeamsMessage, activity_id: str) -> None:
        """Replaces a card we posted earlier with this one, in place."""
        await self._post(message, activity_id)

    async def _post(self, message: TeamsMessage, replaces: str | None) -> str | None:
        stored = message.reference.get("conversation")
        conversation: dict[str, Any] = stored if isinstance(stored, dict) else {}
        conversation_id = message.conversation_id or str(conversation.get("id") or "")
        tenant_id = message.tenant_id or conversation.get("tenantId") or conversation.get("tenantID") or None
        posted: list[str | None] = []

        async def attempt() -> None:
            # What Teams shows in the notification and where a card cannot be drawn: the text, as the summary.
            posted.append(await self._connector.post(message.reference, message.rendered.card, message.rendered.text, replaces))

        await self._with_retries(attempt, conversation_id, tenant_id, message.message_id)
        return posted[-1] if posted else None

    # -- creating a personal conversation -------------------------------------------------------

    async def create_personal_conversation(
        self, service_url: str, tenant_id: str, user_id: str, *, bot_id: str | None = None
    ) -> dict[str, Any]:
        """Opens (or finds: Teams returns the existing one) the one-to-one chat with a person who has
        the app but has never written to it. Returns a conversation reference (the Bot Framework's JSON)."""
        bot = bot_id or (f"28:{self._app_id}" if self._app_id else "bot")
        created: list[str] = []

        async def attempt() -> None:
            created.append(await self._connector.open_personal(service_url, tenant_id, user_id, bot))

        await self._with_retries(attempt, None, tenant_id, None)
        return {
            "user": {"id": user_id},
            "bot": {"id": bot},
            "conversation": {"id": created[-1], "tenantId": tenant_id, "conversationType": "personal", "isGroup": False},
            "channelId": TEAMS_CHANNEL,
            "serviceUrl": service_url,
        }

    # -- retries ---------------------------------------------------------------------------------

    async def _with_retries(
        self,
        attempt: Callable[[], Awaitable[None]],
        conversation_id: str | None,
        tenant_id: str | None,
        message_id: int | None,
    ) -> None:
        retries = 0
        while True:
            permit = await self._limits.acquire(conversation_id, tenant_id)
            try:
                await attempt()
                return
            except Exception as error:
                outcome = classify(self._connector.failure(error))
                if outcome is None:
                    raise
            finally:
                permit.release()
            if outcome.gone:
                raise ConversationGone(outcome.reason)
            if not outcome.retry:
                raise PermanentFailure(outcome.reason)
            retries += 1
            if retries > self._max_retries or (outcome.retry_after or 0) > self._backoff_cap:
                # A long Retry-After is the dispatcher's to wait out: it frees this send slot.
                raise TemporaryFailure(outcome.reason, outcome.retry_after)
            delay = self._backoff(retries, outcome.retry_after)
            log.info(
                "outbox %s: %s; attempt %s of %s in %.2f s",
                message_id, outcome.reason, retries + 1, self._max_retries + 1, delay,
            )
            await self._sleep(delay)

    def _backoff(self, retries: int, retry_after: float | None) -> float:
        ceiling = min(self._backoff_cap, self._backoff_base * 2 ** (retries - 1))
        return max(self._jitter(0.0, ceiling), retry_after or 0.0)
