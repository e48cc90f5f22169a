"""Proactive Teams messages through the Bot Framework SDK's CloudAdapter.

Three things the SDK would otherwise decide for us:

- An exception inside a `continue_conversation` callback goes to `adapter.on_turn_error`, never to
  the caller (which would log it, try to apologise and report success). So the callback catches
  everything, hands it back, and this module decides what it means.
- msrest retries on its own, blocking one of the event loop's executor threads while it sleeps
  (three connection retries, backoff 0.8 s), and does not honour Retry-After on a POST. We switch
  that off on the connector client so there is one retry policy, ours: Retry-After honoured,
  exponential backoff with full jitter, every attempt inside the rate limits.
- The HTTP timeout is msrest's 100 s; we set our own.

Without an app id (local development against the Agents Playground) the SDK's credentials are
empty and it sends no Authorization header: proactive messages work unauthenticated, as the
Playground expects. Pass `app_id=""`.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any, cast

import requests
from botbuilder.core import BotAdapter, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationParameters, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError

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


def classify(error: BaseException) -> _Outcome | None:
    """The outcome of an error raised while talking to the connector, or None if we do not know it.

    Reasons name the status and what it means, never the response text (which can quote the message).
    """
    if isinstance(error, HttpOperationError) and getattr(error, "response", None) is not None:
        status = getattr(error.response, "status_code", None)
        if isinstance(status, int):
            headers = getattr(error.response, "headers", None) or {}
            retry_after = retry_after_seconds(headers.get("Retry-After"))
            reason = f"Teams {status}: {STATUS_NAMES.get(status, 'error')}"
            if status in GONE_REASONS:
                return _Outcome(GONE_REASONS[status], retry=False, gone=True)
            if status in RETRIED_STATUSES or (status >= 500 and status not in (501, 505)):
                return _Outcome(reason, retry=True, retry_after=retry_after)
            return _Outcome(reason, retry=False)
    inner = error.inner_exception if isinstance(error, ClientRequestError) else error
    if isinstance(inner, (requests.Timeout, asyncio.TimeoutError, TimeoutError)):
        return _Outcome("Teams: request timed out", retry=True)
    if isinstance(inner, (requests.ConnectionError, ConnectionError)):
        return _Outcome(f"Teams: connection failed ({type(inner).__name__})", retry=True)
    if isinstance(error, ClientRequestError):
        return _Outcome(f"Teams: request failed ({type(inner).__name__})", retry=True)
    return None


class TeamsProactiveSender:
    """Sends a rendered notification as an Adaptive Card into a stored Teams conversation."""

    def __init__(
        self,
        adapter: BotAdapter,
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
        self._adapter = adapter
        self._app_id = app_id or ""
        self._limits = limits
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._timeout = timeout
        self._sleep = sleep
        self._jitter = jitter
        self._tuned: weakref.WeakSet[object] = weakref.WeakSet()  # connector clients already tuned

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
        reference = ConversationReference().deserialize(message.reference)
        conversation = reference.conversation
        conversation_id = message.conversation_id or (conversation.id if conversation else "")
        tenant_id = message.tenant_id or (conversation.tenant_id if conversation else None)
        activity = self._activity(message)
        posted: list[str | None] = []

        async def attempt() -> None:
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

            await self._adapter.continue_conversation(reference, callback, self._app_id)
            if problems:
                raise problems[0]

        await self._with_retries(attempt, conversation_id, tenant_id, message.message_id)
        return posted[-1] if posted else None

    def _activity(self, message: TeamsMessage) -> Activity:
        rendered = message.rendered
        activity = MessageFactory.attachment(CardFactory.adaptive_card(rendered.card))
        # What Teams shows in the notification and where a card cannot be drawn.
        activity.summary = rendered.text
        return activity

    # -- creating a personal conversation -------------------------------------------------------

    async def create_personal_conversation(
        self, service_url: str, tenant_id: str, user_id: str, *, bot_id: str | None = None
    ) -> dict[str, Any]:
        """Opens (or finds: Teams returns the existing one) the one-to-one chat with a person who has
        the app but has never written to it. Returns a serialized ConversationReference."""
        bot = ChannelAccount(id=bot_id or (f"28:{self._app_id}" if self._app_id else "bot"))
        parameters = ConversationParameters(
            is_group=False,
            bot=bot,
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}},
        )
        created: list[ConversationReference] = []

        async def attempt() -> None:
            problems: list[BaseException] = []

            async def callback(context: TurnContext) -> None:
                try:
                    created.append(TurnContext.get_conversation_reference(context.activity))
                except Exception as error:  # noqa: BLE001 - handed to the caller
                    problems.append(error)

            await self._adapter.create_conversation(
                self._app_id, callback, parameters, TEAMS_CHANNEL, service_url, None
            )
            if problems:
                raise problems[0]

        await self._with_retries(attempt, None, tenant_id, None)
        reference = created[-1]
        reference.activity_id = None
        reference.user = ChannelAccount(id=user_id)
        reference.bot = bot
        reference.conversation = ConversationAccount(
            id=reference.conversation.id, tenant_id=tenant_id, conversation_type="personal", is_group=False
        )
        return cast(dict[str, Any], reference.serialize())  # msrest is untyped

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
                outcome = classify(error)
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
