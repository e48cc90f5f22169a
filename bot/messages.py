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
        try:
            body = await request.json()
            activity = Activity().deserialize(body)
        except (json.JSONDecodeError, DeserializationError, TypeError, ValueError, AttributeError):
            return web.json_response({"error": "the body is not a Bot Framework activity"}, status=400)
        if not activity.type:
            return web.json_response({"error": "the activity has no type"}, status=400)

        try:
            authenticated = await authentication.authenticate_request(
                activity, request.headers.get("Authorization")
            )
        except Exception as error:  # noqa: BLE001 - any failure to authenticate is a 401
            log.warning(
                "rejected activity %s on %s: %s", activity.id, activity.channel_id, type(error).__name__
            )
            return web.json_response({"error": "unauthorized"}, status=401)

        async with turns:
            invoke_response = await adapter.process_activity(authenticated, activity, bot.on_turn)
        if invoke_response is None:
            return web.Response(status=201)
        return _invoke_body(invoke_response.status, invoke_response.body)

    return messages


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
