"""Teams' proactive-messaging limits, kept on our side so the service never has to say 429.

Teams allows, per bot: 7 messages a second and 60 per 30 seconds in one conversation, and 50 a
second in one tenant. The tenant budget is shared by every dispatcher process, so each takes its
configured `share` of it (0.5 with two dispatchers).

The limits are counted where Teams counts them: on the server, at arrival. We cannot see arrival,
but we know it falls between the moment a request started and the moment its answer came back.
So a request occupies its windows from its start until `window` after its *end* (while it is in
flight it occupies them for certain). A new request starts only if, in every window, fewer than
`count` earlier requests may still be inside it. Whatever the network, the thread pool that
msrest sends from or the event loop do to delays, no `count + 1` requests can then arrive within
one window on the server. A small `margin` on each window covers differences between clocks and
in how the server cuts its windows. The cost is one round trip per window: about 50 messages in
`1 s + margin + latency` for a tenant.

Waiting is fair and cheap: one FIFO lock per conversation and one per tenant, so only the first
waiter of each conversation competes for the tenant, and each waiter sleeps until the moment its
window frees (or until an answer comes back and frees one sooner). Idle conversations are
forgotten, so memory stays bounded by the conversations in use.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: float


CONVERSATION_LIMITS = (Limit(7, 1.0), Limit(60, 30.0))
TENANT_PER_SECOND = 50


def tenant_share_limits(share: float = 1.0, per_second: int = TENANT_PER_SECOND) -> tuple[Limit, ...]:
    """This process's part of the tenant budget: a smaller count in the same window, never a longer
    window (50 per 2 s would let two processes send 100 in one second)."""
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    return (Limit(max(1, math.floor(per_second * share + 1e-9)), 1.0),)


class _Request:
    """One request's stay in its windows: from `start` until `end` (None while in flight)."""

    __slots__ = ("end", "expires", "start")

    def __init__(self, start: float, expires: float):
        self.start = start
        self.end: float | None = None
        self.expires = expires

    def until(self) -> float:
        """When it may last have reached the server; a request never answered counts until it expires."""
        return self.end if self.end is not None else self.expires


class _Scope:
    """The windows of one conversation or one tenant."""

    __slots__ = ("changed", "limits", "lock", "requests", "users")

    def __init__(self, limits: tuple[Limit, ...]):
        self.limits = limits
        self.requests: deque[_Request] = deque()
        self.lock = asyncio.Lock()
        self.changed = asyncio.Event()
        self.users = 0  # acquirers waiting on or holding this scope

    def forget_old(self, now: float, margin: float) -> None:
        horizon = now - max(limit.seconds for limit in self.limits) - margin
        requests = self.requests
        while requests and requests[0].end is not None and requests[0].end <= horizon:
            requests.popleft()
        # Requests end out of order: a slow one at the left keeps later, finished ones; drop those
        # too once the deque grows past what the windows can ever hold.
        if len(requests) > 2 * max(limit.count for limit in self.limits):
            self.requests = deque(r for r in requests if r.end is None or r.end > horizon)

    def wait_for(self, now: float, margin: float) -> float:
        """Seconds until a new request may start here (0: now)."""
        wait = 0.0
        for limit in self.limits:
            horizon = now - limit.seconds - margin
            inside = sorted(r.until() for r in self.requests if r.end is None or r.end > horizon)
            excess = len(inside) - limit.count + 1
            if excess > 0:
                # Once the `excess` earliest of them have left the window, there is room.
                wait = max(wait, inside[excess - 1] + limit.seconds + margin - now)
        return max(wait, 0.0)

    def busy(self) -> bool:
        return bool(self.users) or self.lock.locked() or any(r.end is None for r in self.requests)

    def idle(self, now: float, margin: float) -> bool:
        if self.users or self.lock.locked():
            return False
        horizon = now - max(limit.seconds for limit in self.limits) - margin
        return all(r.end is not None and r.end <= horizon for r in self.requests)


class Permit:
    """Leave to send one request; call `release()` as soon as its answer (or error) is back."""

    __slots__ = ("_limiter", "_request", "_scopes")

    def __init__(self, limiter: TeamsLimits, request: _Request, scopes: tuple[_Scope, ...]):
        self._limiter = limiter
        self._request = request
        self._scopes = scopes

    def release(self) -> None:
        if self._request.end is not None:
            return
        self._request.end = min(self._limiter._clock(), self._request.expires)
        for scope in self._scopes:
            scope.changed.set()


class TeamsLimits:
    """`permit = await limits.acquire(conversation_id, tenant_id)`, send, `permit.release()`;
    or `async with limits.reserve(conversation_id, tenant_id): send`.

    `conversation_id=None` takes from the tenant budget only (creating a conversation).
    `max_in_flight` bounds how long a request never released is counted as still under way; keep
    it above the HTTP timeout.
    """

    def __init__(
        self,
        *,
        share: float = 1.0,
        conversation_limits: tuple[Limit, ...] = CONVERSATION_LIMITS,
        tenant_limits: tuple[Limit, ...] | None = None,
        margin: float = 0.05,
        max_in_flight: float = 300.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ):
        self.conversation_limits = conversation_limits
        self.tenant_limits = tenant_limits or tenant_share_limits(share)
        self.margin = margin
        self.max_in_flight = max_in_flight
        self._clock = clock
        self._sleep = sleep
        self._conversations: OrderedDict[str, _Scope] = OrderedDict()
        self._tenants: OrderedDict[str, _Scope] = OrderedDict()

    @property
    def tracked_conversations(self) -> int:
        return len(self._conversations)

    def wait_for(self, conversation_id: str | None, tenant_id: str | None) -> float:
        """Seconds until a request to this conversation could start, as the windows stand now, not
        counting requests still waiting: for the dispatcher to put off a send that would wait long,
        instead of holding a send slot meanwhile. Never blocks, creates nothing."""
        now = self._clock()
        scopes = [self._tenants.get(tenant_id or "")]
        if conversation_id is not None:
            scopes.append(self._conversations.get(conversation_id))
        return max((scope.wait_for(now, self.margin) for scope in scopes if scope is not None), default=0.0)

    @asynccontextmanager
    async def reserve(self, conversation_id: str | None, tenant_id: str | None) -> AsyncIterator[None]:
        permit = await self.acquire(conversation_id, tenant_id)
        try:
            yield
        finally:
            permit.release()

    async def acquire(self, conversation_id: str | None, tenant_id: str | None) -> Permit:
        tenant = self._scope(self._tenants, tenant_id or "", self.tenant_limits)
        conversation = (
            self._scope(self._conversations, conversation_id, self.conversation_limits)
            if conversation_id is not None
            else None
        )
        scopes = (conversation, tenant) if conversation is not None else (tenant,)
        for scope in scopes:
            scope.users += 1
        try:
            # Always the conversation first, then the tenant: one order, so no deadlock. While
            # we hold a conversation's lock its windows only free up, so they stay satisfied.
            if conversation is None:
                async with tenant.lock:
                    await self._room_in(tenant)
                    return self._start(scopes)
            async with conversation.lock:
                await self._room_in(conversation)
                async with tenant.lock:
                    await self._room_in(tenant)
                    return self._start(scopes)
        finally:
            for scope in scopes:
                scope.users -= 1

    def _start(self, scopes: tuple[_Scope, ...]) -> Permit:
        now = self._clock()
        request = _Request(now, now + self.max_in_flight)
        for scope in scopes:
            scope.requests.append(request)
        return Permit(self, request, scopes)

    async def _room_in(self, scope: _Scope) -> None:
        while True:
            now = self._clock()
            scope.forget_old(now, self.margin)
            wait = scope.wait_for(now, self.margin)
            if wait <= 0:
                return
            # Wake at the moment the window frees, or sooner if an answer comes back meanwhile.
            scope.changed.clear()
            sleeper = asyncio.ensure_future(self._sleep(wait))
            released = asyncio.ensure_future(scope.changed.wait())
            try:
                await asyncio.wait((sleeper, released), return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                released.cancel()

    def _scope(self, scopes: OrderedDict[str, _Scope], key: str, limits: tuple[Limit, ...]) -> _Scope:
        scope = scopes.get(key)
        if scope is None:
            self._forget_idle(scopes)
            scope = scopes[key] = _Scope(limits)
        else:
            scopes.move_to_end(key)
        return scope

    def _forget_idle(self, scopes: OrderedDict[str, _Scope], look_at: int = 4) -> None:
        """Drop idle scopes from the least recently used end; a few per new scope keeps it bounded."""
        now = self._clock()
        for _ in range(min(look_at, len(scopes))):
            key, scope = next(iter(scopes.items()))
            if scope.idle(now, self.margin):
                del scopes[key]
            elif scope.busy():
                scopes.move_to_end(key)  # in use: as good as recently used
            else:
                return  # used recently, and everything behind it more recently still
