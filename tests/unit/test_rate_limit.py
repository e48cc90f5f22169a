"""The Teams rate limits, on virtual time: no test here waits on the wall clock."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections import defaultdict

import pytest

from notify.rate_limit import Limit, TeamsLimits, tenant_share_limits


class VirtualTime:
    """A clock and a sleep for the limiter; `run` advances time to each next wake-up once every task
    is blocked, so concurrent sleepers share one timeline."""

    def __init__(self):
        self.now = 0.0
        self._timers: list = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + max(seconds, 0.0), next(self._order), future))
        await future

    async def _settle(self) -> None:
        """Let every task run until all are blocked (the loop has nothing ready but us)."""
        loop = asyncio.get_running_loop()
        ready = getattr(loop, "_ready", None)
        for _ in range(100_000):
            await asyncio.sleep(0)
            if ready is not None and len(ready) == 0:
                await asyncio.sleep(0)
                if len(ready) == 0:
                    return
        if ready is not None:
            raise AssertionError("tasks keep running without waiting: a busy loop?")

    async def run(self, *aws):
        everything = asyncio.gather(*aws)
        while not everything.done():
            await self._settle()
            if everything.done():
                break
            while self._timers and self._timers[0][2].done():
                heapq.heappop(self._timers)  # cancelled sleepers
            if not self._timers:
                raise AssertionError("every task is blocked and no timer is pending: deadlock")
            when, _, future = heapq.heappop(self._timers)
            self.now = max(self.now, when)
            future.set_result(None)
        return everything.result()


def limits(time: VirtualTime, **options) -> TeamsLimits:
    return TeamsLimits(clock=time.clock, sleep=time.sleep, **options)


def max_in_window(times: list[float], seconds: float) -> int:
    """The most arrivals in any window (t - seconds, t], as a server with a sliding window counts."""
    times = sorted(times)
    best, left = 0, 0
    for right, t in enumerate(times):
        while times[left] <= t - seconds:
            left += 1
        best = max(best, right - left + 1)
    return best


async def test_seven_at_once_then_the_eighth_waits_a_second_and_the_margin():
    time = VirtualTime()
    limiter = limits(time)
    starts = []

    async def send():
        async with limiter.reserve("conv", "tenant"):
            starts.append(time.now)

    await time.run(*(send() for _ in range(8)))

    assert starts[:7] == [0.0] * 7
    assert starts[7] == pytest.approx(1.05)


async def test_a_request_in_flight_holds_its_place_until_a_window_after_its_answer():
    time = VirtualTime()
    limiter = limits(time)
    permits = [await limiter.acquire("conv", "tenant") for _ in range(7)]
    admitted = []

    async def eighth():
        await limiter.acquire("conv", "tenant")
        admitted.append(time.now)

    async def answers_come_back():
        await time.sleep(5.0)  # long after the first second: still in flight, still counted
        assert not admitted
        permits[0].release()

    await time.run(eighth(), answers_come_back())

    assert admitted == [pytest.approx(5.0 + 1.05)]


async def test_sixty_per_thirty_seconds_in_one_conversation():
    time = VirtualTime()
    limiter = limits(time)
    starts = []

    async def send():
        async with limiter.reserve("conv", "tenant"):
            starts.append(time.now)

    await time.run(*(send() for _ in range(130)))

    assert max_in_window(starts, 1.0) <= 7
    assert max_in_window(starts, 30.0) <= 60
    assert starts[60] >= 30.0  # the 61st waits for the first to leave the 30-second window
    assert starts[120] >= 60.0


async def test_fifty_a_second_across_a_tenant_and_the_share_divides_it():
    time = VirtualTime()
    limiter = limits(time)
    starts = []

    async def send(n):
        async with limiter.reserve(f"conv-{n}", "tenant"):
            starts.append(time.now)

    await time.run(*(send(n) for n in range(200)))

    assert starts.count(0.0) == 50
    assert max_in_window(starts, 1.0) == 50
    assert max(starts) == pytest.approx(3 * 1.05)
    assert tenant_share_limits(0.5) == (Limit(25, 1.0),)
    assert tenant_share_limits(0.3) == (Limit(15, 1.0),)
    assert TeamsLimits(share=0.5).tenant_limits == (Limit(25, 1.0),)


async def test_tenants_are_counted_apart():
    time = VirtualTime()
    limiter = limits(time)
    starts = defaultdict(list)

    async def send(n, tenant):
        async with limiter.reserve(f"{tenant}-{n}", tenant):
            starts[tenant].append(time.now)

    await time.run(*(send(n, tenant) for n in range(50) for tenant in ("a", "b")))

    assert starts["a"] == [0.0] * 50 and starts["b"] == [0.0] * 50


async def test_creating_a_conversation_takes_from_the_tenant_only():
    time = VirtualTime()
    limiter = limits(time, tenant_limits=(Limit(2, 1.0),))
    for _ in range(2):
        (await limiter.acquire(None, "tenant")).release()
    admitted = []

    async def third():
        await limiter.acquire("conv", "tenant")
        admitted.append(time.now)

    await time.run(third())
    assert admitted == [pytest.approx(1.05)]


@pytest.mark.parametrize("margin", [0.05, 0.0])
async def test_whatever_the_network_delays_the_server_never_sees_too_many(margin):
    """Each request reaches the server at a random moment between its start and its answer; the
    server counts arrivals in sliding windows. No window ever holds too many, even with no margin."""
    time = VirtualTime()
    limiter = limits(time, margin=margin)
    rng = random.Random(7)
    arrivals = defaultdict(list)

    async def send(conversation, tenant):
        permit = await limiter.acquire(conversation, tenant)
        await time.sleep(rng.choice([0.0, 0.001, 0.2, 0.9, 2.5]))  # queueing, network
        arrivals[("conversation", conversation)].append(time.now)
        arrivals[("tenant", tenant)].append(time.now)
        await time.sleep(rng.choice([0.0, 0.01, 0.6]))  # the answer's way back
        permit.release()

    jobs = [send(f"conv-{rng.randrange(12)}", f"tenant-{rng.randrange(2)}") for _ in range(600)]
    await time.run(*jobs)

    for (kind, _key), times in arrivals.items():
        if kind == "conversation":
            assert max_in_window(times, 1.0) <= 7
            assert max_in_window(times, 30.0) <= 60
        else:
            assert max_in_window(times, 1.0) <= 50
    assert sum(len(t) for (kind, _), t in arrivals.items() if kind == "tenant") == 600


async def test_one_conversation_is_served_in_order():
    time = VirtualTime()
    limiter = limits(time)
    order = []

    async def send(n):
        async with limiter.reserve("conv", "tenant"):
            order.append(n)

    await time.run(*(send(n) for n in range(20)))
    assert order == list(range(20))


async def test_a_busy_conversation_does_not_hold_up_the_others():
    time = VirtualTime()
    limiter = limits(time)
    starts = {}

    async def send(conversation, n):
        async with limiter.reserve(conversation, "tenant"):
            starts[(conversation, n)] = time.now

    await time.run(*(send("busy", n) for n in range(30)), send("quiet", 0))
    assert starts[("quiet", 0)] == 0.0


async def test_idle_conversations_are_forgotten():
    time = VirtualTime()
    limiter = limits(time)
    for n in range(50):
        (await limiter.acquire(f"conv-{n}", "tenant")).release()
    assert limiter.tracked_conversations == 50

    async def later():
        await time.sleep(31.0)
        for n in range(1000):
            async with limiter.reserve(f"later-{n}", "tenant"):
                pass
            await time.sleep(0.1)

    await time.run(later())
    # Only those used in the last 30 s (and the margin) are still needed.
    assert limiter.tracked_conversations <= 310


async def test_a_cancelled_wait_leaves_nothing_behind():
    time = VirtualTime()
    limiter = limits(time)
    for _ in range(7):
        (await limiter.acquire("conv", "tenant")).release()
    waiting = asyncio.ensure_future(limiter.acquire("conv", "tenant"))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    admitted = []

    async def next_one():
        await limiter.acquire("conv", "tenant")
        admitted.append(time.now)

    await time.run(next_one())
    assert admitted == [pytest.approx(1.05)]


async def test_a_share_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError):
        TeamsLimits(share=0)
    with pytest.raises(ValueError):
        TeamsLimits(share=1.5)


async def test_the_expected_wait_is_how_long_the_next_request_would_wait_and_never_blocks():
    time = VirtualTime()
    limiter = limits(time)
    assert limiter.wait_for("conv", "tenant") == 0.0 and limiter.tracked_conversations == 0  # nothing created

    for _ in range(60):  # the 60 per 30 seconds used up, seven at a time
        permit = await limiter.acquire("conv", "tenant")
        permit.release()
        time.now += 0.2
    assert limiter.wait_for("conv", "tenant") == pytest.approx(30.05 - 12.0, abs=0.01)  # the first leaves its window at 30 s
    assert limiter.wait_for("other", "tenant") == 0.0  # another conversation of the tenant is free
    time.now += 18.1
    assert limiter.wait_for("conv", "tenant") == 0.0
