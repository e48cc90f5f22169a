"""POST /api/messages: authenticate, run the turn, write the invoke response ourselves.

The SDK's `CloudAdapter.process` answers 500 for some authentication failures (an expired token,
a missing one when the metadata URL is overridden) and fails to serialize an Adaptive Card invoke
response. Here every authentication failure is 401 with no side effect, and the invoke body is
written as it is.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from azure.core.exceptions import DeserializationError  # what msrest raises: msrest.exceptions only re-imports it
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse
from botframework.connector.auth import BotFrameworkAuthentication
from msrest.serialization import Model

log = logging.getLogger(__name__)


class _KnownExtraFields(logging.Filter):
    """Teams sends fields the SDK's msrest models do not declare (an invoke's `trigger`, channel
    data's `source`); msrest warns of each on every turn, and ignores them, as we do. Those warnings
    only are dropped: any other msrest warning still shows."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "is not a known attribute of class" not in str(record.msg)


logging.getLogger("msrest.serialization").addFilter(_KnownExtraFields())


def make_messages_handler(
    adapter: CloudAdapter, authentication: BotFrameworkAuthentication, bot: Bot, *, concurrent_turns: int
) -> Callable[[web.Request], Awaitable[web.Response]]:
    # Database access is synchronous: a turn that waited for a pooled connection would block the
    # event loop, and with it the turns holding connections. So no more turns run at once than
    # the pool can serve (each may use two connections: its own and the dialog state's).
    turns = asyncio.Semaphore(concurrent_turns)

    async def messages(request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "Content-Type must be application/json"}, status=415)
        if (request.content_length or 0) > MAX_BODY:
            return web.json_response({"error": f"the body is over {MAX_BODY} bytes"}, status=413)
        try:
            raw = await request.content.read(MAX_BODY + 1)
            if len(raw) > MAX_BODY:
                return web.json_response({"error": f"the body is over {MAX_BODY} bytes"}, status=413)
            body = cleaned(json.loads(raw))
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            activity = Activity().deserialize(body)
        except (json.JSONDecodeError, DeserializationError, TypeError, ValueError, AttributeError, RecursionError, UnicodeDecodeError):
            return web.json_response({"error": "the body is not a Bot Framework activity"}, status=400)
        if not activity.type:
            return web.json_response({"error": "the activity has no type"}, status=400)
        if activity.type == "invoke" and activity.name == "adaptiveCard/action" and not _is_card_action(activity.value):
            return web.json_response({"error": "an adaptiveCard/action invoke's value must be {action: {verb, data}}"}, status=400)

        try:
            authenticated = await authentication.authenticate_request(
                activity, request.headers.get("Authorization")
            )
        except Exception as error:  # noqa: BLE001 - any failure to authenticate is a 401
            log.warning(
                "rejected activity %s on %s: %s", activity.id, activity.channel_id, type(error).__name__
            )
            return web.json_response({"error": "unauthorized"}, status=401)

        started = time.monotonic()
        async with turns:
            invoke_response = await adapter.process_activity(authenticated, activity, bot.on_turn)
        status = 201 if invoke_response is None else invoke_response.status
        # One line per turn, for an operator's log: ids and outcome only (LOG_FORMAT=json makes its fields a JSON object).
        log.info("turn %s (%s on %s): %s in %.0f ms", activity.id, activity.type, activity.channel_id, status,
                 (time.monotonic() - started) * 1000,
                 extra={"activity": activity.id, "outcome": status, "duration_ms": round((time.monotonic() - started) * 1000)})
        if invoke_response is None:
            return web.Response(status=201)
        return _invoke_body(invoke_response.status, invoke_response.body)

    return messages


MAX_BODY = 512 * 1024  # an activity is a few kilobytes; an email with its HTML a few hundred at most
MAX_DEPTH = 32  # activities nest a few levels deep; JSON nested deeper is refused, not recursed into
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def cleaned(value: object, depth: int = 0) -> object:
    """The JSON body with every text made safe to store and show: lone surrogates (which no database
    or encoder takes) become U+FFFD, and NUL, other control characters and terminal escape sequences
    go (line breaks and tabs stay). Deeper than MAX_DEPTH is refused."""
    if depth > MAX_DEPTH:
        raise ValueError("nested too deeply")
    if isinstance(value, str):
        return _CONTROL.sub("", _SURROGATE.sub("\ufffd", value))
    if isinstance(value, dict):
        return {cleaned(k, depth + 1): cleaned(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [cleaned(v, depth + 1) for v in value]
    return value


def _is_card_action(value: object) -> bool:
    action = value.get("action") if isinstance(value, dict) else None
    return isinstance(action, dict) and isinstance(action.get("verb"), str) and isinstance(action.get("data", {}), dict)


def _invoke_body(status: int, body: object) -> web.Response:
    if body is None:
        return web.Response(status=status)
    if isinstance(body, AdaptiveCardInvokeResponse):
        # msrest cannot serialize a card held as a dict; the wire shape is simple enough to write.
        body = {"statusCode": body.status_code, "type": body.type, "value": body.value}
    elif isinstance(body, Model):
        serialize: Callable[[], dict[str, Any]] = body.serialize  # msrest's is unannotated: a JSON object
        body = serialize()
    return web.json_response(body, status=status)
