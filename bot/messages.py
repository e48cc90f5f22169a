"""POST /api/messages, on either host: authenticate, run the turn, write the HTTP answer ourselves.

Both SDKs' own `process` get things wrong for us: botbuilder's answers 500 for some authentication
failures (an expired token, a missing one when the metadata URL is overridden) and fails to
serialize an Adaptive Card invoke response; the Agents SDK's answers an invoke with whatever the
turn left and sends the exception's text to the user when a turn fails. Here every authentication
failure is 401 with no side effect, a failed turn is logged by type and apologised for, and the
invoke body is written as it is.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import traceback
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.cards.programme_cards import message_card
from bot.host import Host, Inbound, InvokeAnswer, Reply, TurnIO, TurnLogic

log = logging.getLogger(__name__)
APOLOGY = "Sorry, something went wrong on our side. Please try again in a few minutes."


def make_messages_handler(host: Host, logic: TurnLogic, *, concurrent_turns: int) -> Callable[[web.Request], Awaitable[web.Response]]:
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
            activity = host.parse(body)
        except (json.JSONDecodeError, TypeError, ValueError, AttributeError, RecursionError, UnicodeDecodeError):
            return web.json_response({"error": "the body is not a Bot Framework activity"}, status=400)
        inbound = Inbound.from_json(body)
        if not inbound.type:
            return web.json_response({"error": "the activity has no type"}, status=400)
        if inbound.type == "invoke" and inbound.name == "adaptiveCard/action" and not _is_card_action(inbound.value):
            return web.json_response({"error": "an adaptiveCard/action invoke's value must be {action: {verb, data}}"}, status=400)

        try:
            authenticated = await host.authenticate(activity, request.headers.get("Authorization"))
        except Exception as error:  # noqa: BLE001 - any failure to authenticate is a 401
            log.warning("rejected activity %s on %s: %s", inbound.id, inbound.channel, type(error).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)

        started = time.monotonic()
        async with turns:
            answer = await host.run(authenticated, activity, inbound, _guarded(logic))
        status = 201 if answer is None else answer.status
        duration = round((time.monotonic() - started) * 1000)
        # One line per turn, for an operator's log: ids and outcome only (LOG_FORMAT=json makes its fields a JSON object).
        log.info("turn %s (%s on %s): %s in %s ms", inbound.id, inbound.type, inbound.channel, status, duration,
                 extra={"activity": inbound.id, "outcome": status, "duration_ms": duration})
        if answer is None:
            return web.Response(status=201)
        if answer.body is None:
            return web.Response(status=answer.status)
        return web.json_response(answer.body, status=answer.status)

    return messages


def _guarded(logic: TurnLogic) -> TurnLogic:
    """The turn, with its failure logged (its type and where, never its text: the message can carry
    personal data, SQL parameters, card values) and apologised for."""

    async def turn(inbound: Inbound, io: TurnIO) -> InvokeAnswer | None:
        try:
            return await logic(inbound, io)
        except Exception as error:  # noqa: BLE001 - every failure of a turn ends here, on both hosts
            log.error("turn failed: activity %s (%s on %s): %s at\n%s", inbound.id, inbound.type, inbound.channel, type(error).__name__,
                      "".join(traceback.format_list(traceback.extract_tb(error.__traceback__))))
            if inbound.type == "message" and not io.responded:
                try:
                    await io.send(Reply(text=APOLOGY))
                except Exception:
                    log.exception("could not send the apology for activity %s", inbound.id)
            return InvokeAnswer.card(message_card("Sorry", APOLOGY, attention=True)) if inbound.type == "invoke" else None

    return turn


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
