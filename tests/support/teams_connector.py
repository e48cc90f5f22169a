"""A local Bot Connector stand-in that holds the bot to Teams' limits, as Teams does.

Per conversation 7 requests a second and 60 per 30 seconds, per tenant 50 a second, counted over
sliding windows at the moment each request arrives (this process's monotonic clock). A request
that would exceed a limit is answered 429 with a Retry-After (whole seconds, as Teams sends it)
and counted in `violations`; it does not occupy the windows. Every other request does, whatever
it is answered (a scripted 503 still used the budget).

The tenant of a conversation is the one it was registered with (`register`, or created with
`POST /v3/conversations`), else the `conversation.tenantId` of the activity (`tenantID` as the
Python SDK writes it), else the
`channelData.tenant.id`, else "".

Delivered activities are kept in `delivered`, in arrival order. To count deliveries per outbox
message, tests put a marker in the rendered text, which the sender puts in the activity's
`summary`: `outbox_counts()` reads `[outbox 17]` markers (see `outbox_marker`). Nothing the
production code sends carries a test-only field.

Scripting: `fail_conversation(id, status, times=None)` answers that status for a conversation
(for ever, or `times` times); `fail_next(n, status)` answers the next n requests, whatever they
are; `stall_next(n, seconds)` holds the next n requests that long and then drops them undelivered
with 504 (a gateway that timed out); `require_token` answers 401 to a request without that bearer
token.

Run it alone for a benchmark: `python -m tests.support.teams_connector --port 0` prints its URL,
then serves until stdin closes; `GET /_stats` answers the counts as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import sys
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

CONVERSATION_LIMITS = ((7, 1.0), (60, 30.0))
TENANT_LIMITS = ((50, 1.0),)
OUTBOX_MARKER = re.compile(r"\[outbox (\d+)\]")


def outbox_marker(message_id: int) -> str:
    return f"[outbox {message_id}]"


@dataclass
class Delivered:
    conversation_id: str
    tenant_id: str
    summary: str | None
    text: str | None
    cards: list[dict]
    at: float
    authorization: str | None
    activity: dict


@dataclass
class _Script:
    status: int
    remaining: int | None  # None: for ever
    retry_after: str | None = None


class _Windows:
    """Arrival times accepted in one scope; `over(now)` says which limit one more would break."""

    def __init__(self, limits: tuple[tuple[int, float], ...]):
        self.limits = limits
        self.arrivals: deque[float] = deque()
        self.longest = max(seconds for _, seconds in limits)

    def over(self, now: float) -> float | None:
        """None if one more arrival now is within every limit, else seconds until it would be."""
        while self.arrivals and self.arrivals[0] <= now - self.longest:
            self.arrivals.popleft()
        wait = None
        for count, seconds in self.limits:
            inside = [t for t in self.arrivals if t > now - seconds]
            if len(inside) >= count:
                free_at = inside[len(inside) - count] + seconds
                wait = max(wait or 0.0, free_at - now)
        return wait


@dataclass
class TeamsConnectorStandIn:
    conversation_limits: tuple[tuple[int, float], ...] = CONVERSATION_LIMITS
    tenant_limits: tuple[tuple[int, float], ...] = TENANT_LIMITS
    require_token: str | None = None
    strict: bool = False  # unknown conversations answer 404
    latency: float = 0.0  # seconds before each answer, after arrival is counted
    clock: Callable[[], float] = time.monotonic
    delivered: list[Delivered] = field(default_factory=list)
    violations: int = 0
    statuses: Counter = field(default_factory=Counter)
    created: list[dict] = field(default_factory=list)
    _tenants: dict[str, str] = field(default_factory=dict)
    _windows: dict[tuple[str, str], _Windows] = field(default_factory=dict)
    _by_conversation: dict[str, _Script] = field(default_factory=dict)
    _next: deque = field(default_factory=deque)
    _stalls: deque = field(default_factory=deque)
    _personal: dict[tuple[str, str], str] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    url: str = ""

    # -- set-up ------------------------------------------------------------------------------

    def register(self, conversation_id: str, tenant_id: str) -> None:
        self._tenants[conversation_id] = tenant_id

    def fail_conversation(
        self, conversation_id: str, status: int, *, times: int | None = None, retry_after: str | None = None
    ) -> None:
        self._by_conversation[conversation_id] = _Script(status, times, retry_after)

    def fail_next(self, n: int, status: int, *, retry_after: str | None = None) -> None:
        for _ in range(n):
            self._next.append(_Script(status, 1, retry_after))

    def stall_next(self, n: int, seconds: float) -> None:
        self._stalls.extend([seconds] * n)

    # -- serving -----------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._send)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_get("/_stats", self._stats)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.url = f"http://{bound_host}:{bound_port}/"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TeamsConnectorStandIn:
        await self.start()
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.close()

    # -- what arrived ------------------------------------------------------------------------

    def outbox_counts(self) -> Counter:
        """How many times each `[outbox N]` marker was delivered (from the activity's summary)."""
        counts: Counter = Counter()
        for delivery in self.delivered:
            for found in OUTBOX_MARKER.findall(delivery.summary or ""):
                counts[int(found)] += 1
        return counts

    def stats(self) -> dict:
        return {
            "delivered": len(self.delivered),
            "violations": self.violations,
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "per_conversation": dict(Counter(d.conversation_id for d in self.delivered)),
            "outbox": {str(k): v for k, v in self.outbox_counts().items()},
            "first_at": min((d.at for d in self.delivered), default=None),
            "last_at": max((d.at for d in self.delivered), default=None),
        }

    # -- handlers ----------------------------------------------------------------------------

    def _answer(self, status: int, body: dict | None = None, retry_after: str | None = None) -> web.Response:
        self.statuses[status] += 1
        headers = {"Retry-After": retry_after} if retry_after is not None else None
        return web.json_response(body or {"error": {"code": f"Status{status}"}}, status=status, headers=headers)

    def _admit(self, now: float, scopes: list[tuple[str, str]]) -> float | None:
        """None if the request fits every window (and then it is counted), else the wait for one."""
        waits = []
        for key in scopes:
            limits = self.tenant_limits if key[0] == "tenant" else self.conversation_limits
            windows = self._windows.setdefault(key, _Windows(limits))
            wait = windows.over(now)
            if wait is not None:
                waits.append(wait)
        if waits:
            self.violations += 1
            return max(waits)
        for key in scopes:
            self._windows[key].arrivals.append(now)
        return None

    def _scripted(self, conversation_id: str | None) -> _Script | None:
        if self._next:
            return self._next.popleft()
        script = self._by_conversation.get(conversation_id) if conversation_id else None
        if script is None:
            return None
        if script.remaining is not None:
            script.remaining -= 1
            if script.remaining <= 0:
                del self._by_conversation[conversation_id]
        return script

    async def _gate(self, request: web.Request, conversation_id: str | None, tenant_id: str) -> web.Response | None:
        """Everything before delivery: token, limits, scripts, stalls. None means deliver."""
        now = self.clock()
        if self.require_token and request.headers.get("Authorization") != f"Bearer {self.require_token}":
            return self._answer(401)
        scopes = [("tenant", tenant_id)]
        if conversation_id is not None:
            scopes.insert(0, ("conversation", conversation_id))
        wait = self._admit(now, scopes)
        if wait is not None:
            return self._answer(429, retry_after=str(max(1, math.ceil(wait))))
        if self.latency:
            await asyncio.sleep(self.latency)
        script = self._scripted(conversation_id)
        if script is not None:
            return self._answer(script.status, retry_after=script.retry_after)
        if self._stalls:
            await asyncio.sleep(self._stalls.popleft())
            return self._answer(504)
        return None

    async def _send(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation"]
        activity = await request.json()
        if any(value is None for value in activity.values()):
            return self._answer(400)  # as the Agents Playground answers a field sent as null
        known = conversation_id in self._tenants
        tenant_id = self._tenants.get(conversation_id) or _tenant_of(activity)
        refused = await self._gate(request, conversation_id, tenant_id)
        if refused is not None:
            return refused
        if self.strict and not known:
            return self._answer(404, {"error": {"code": "ConversationNotFound"}})
        self.delivered.append(
            Delivered(
                conversation_id=conversation_id,
                tenant_id=tenant_id,
                summary=activity.get("summary"),
                text=activity.get("text"),
                cards=[
                    attachment.get("content")
                    for attachment in activity.get("attachments") or []
                    if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
                ],
                at=self.clock(),
                authorization=request.headers.get("Authorization"),
                activity=activity,
            )
        )
        return self._answer(201, {"id": uuid.uuid4().hex})

    async def _create(self, request: web.Request) -> web.Response:
        parameters = await request.json()
        tenant_id = parameters.get("tenantId") or parameters.get("tenantID") or _channel_data_tenant(parameters)
        refused = await self._gate(request, None, tenant_id)
        if refused is not None:
            return refused
        members = parameters.get("members") or []
        if len(members) != 1 or not members[0].get("id"):
            return self._answer(400, {"error": {"code": "BadArgument"}})
        key = (tenant_id, members[0]["id"])
        conversation_id = self._personal.get(key)
        if conversation_id is None:  # Teams answers the existing one-to-one chat if there is one
            conversation_id = self._personal[key] = f"a:{uuid.uuid4().hex}"
            self.register(conversation_id, tenant_id)
        self.created.append(parameters)
        return self._answer(201, {"id": conversation_id, "activityId": uuid.uuid4().hex})

    async def _stats(self, _request: web.Request) -> web.Response:
        return web.json_response(self.stats())


def _tenant_of(activity: dict) -> str:
    # The Python SDK writes `tenantID`; Teams and the other SDKs write `tenantId`.
    conversation = activity.get("conversation") or {}
    return conversation.get("tenantId") or conversation.get("tenantID") or _channel_data_tenant(activity)


def _channel_data_tenant(body: dict) -> str:
    return ((body.get("channelData") or {}).get("tenant") or {}).get("id") or ""


async def _serve(port: int, latency: float, lifetime: float) -> None:
    stand_in = TeamsConnectorStandIn(latency=latency)
    url = await stand_in.start("127.0.0.1", port)
    print(url, flush=True)
    loop = asyncio.get_running_loop()
    # Ends when the parent closes our stdin (or dies), or after `lifetime` seconds whatever happens.
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)
    try:
        await asyncio.wait_for(asyncio.shield(stdin_closed), timeout=lifetime)
    except TimeoutError:
        pass
    await stand_in.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--lifetime", type=float, default=900.0, help="stop after this many seconds")
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.port, args.latency, args.lifetime))
    os._exit(0)  # the thread still reading stdin (after a lifetime timeout) must not hold the exit


if __name__ == "__main__":
    main()
