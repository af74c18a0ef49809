"""A bounded, rate-limited queue for outgoing messages (mostly DMs), with no Discord import.

Discord allows 50 requests per second per bot across all routes. Scheduled DMs arrive in bursts
(everyone's 09:00 check-in), so they go through one token bucket that uses that whole budget:
49 requests/s plus a burst of 1, so no one-second window can exceed 50. A DM costs 1 request when
its channel id is known (bot.delivery.dm keeps them); opening a channel is one more request, which
the sender takes from the same bucket (`take`).

Workers are sized so a request's latency never limits throughput: each worker waits for its own
request, so `rate x latency` of them must be busy at once. The queue starts with a few and adds one
whenever a token was left unused while items were waiting (the workers, not the limit, were the
bottleneck), up to DEFAULT_WORKERS, which covers a full second per DM. Idle sleeping workers cost
asyncio nothing, but a simulator that inspects every task on every turn pays for each one.
When Discord answers 429 anyway, `drain(retry_after)` holds the whole bucket for that long and
pushes every reserved slot back by the same amount, so no burst follows the pause.

The queue is opaque: it never logs or inspects items, only counts them and records how long each
waited between submit and send (p50/p99, in seconds). A failing `send` is counted, not raised, and
never retried here (discord.py retries rate-limited requests itself; the outbox retries the rest).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_RATE = 49.0
DEFAULT_BURST = 1.0
# Seconds of request latency (per DM, both requests when its channel must be opened) the workers absorb.
LATENCY_ALLOWANCE = 1.0
DEFAULT_WORKERS = math.ceil(DEFAULT_RATE * LATENCY_ALLOWANCE)
# Workers a queue starts with; more are added while tokens go unused (see the module docstring).
FIRST_WORKERS = 2
# Lateness samples kept for the percentiles: enough for stable p99, bounded memory.
SAMPLE_WINDOW = 10_000
_EPSILON = 1e-9


@dataclass(frozen=True)
class DeliveryStats:
    """Counts and lateness (seconds from submit to sent) for monitoring; no content."""

    submitted: int
    sent: int
    failed: int
    dropped: int
    queued: int
    p50: float | None
    p99: float | None


class TokenBucket:
    """Tokens refill at `rate` per second up to `capacity`; `acquire(cost)` waits for enough; `drain` holds it."""

    def __init__(
        self,
        rate: float,
        capacity: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._sleep = sleep
        self._tokens = capacity
        self._updated = clock()
        # Nothing refills before this (a 429's retry_after); and the seconds every reserved slot was pushed back.
        self._held_until = float("-inf")
        self._pushed = 0.0

    def _refill(self) -> None:
        now = self._clock()
        # min(..., now): the clock may be the bot's wall clock, which can step back (NTP).
        start = max(min(self._updated, now), self._held_until)
        if now > start:
            self._tokens = min(self.capacity, self._tokens + (now - start) * self.rate)
        self._updated = now

    async def acquire(self, cost: float = 1.0) -> bool:
        """Wait until `cost` tokens are available, then take them; True if the caller had to wait.

        Each caller reserves its tokens at once (the balance may go below zero) and sleeps until the
        refill covers them: callers keep their order without a lock, and every waiter is a plain
        sleep, which simulators such as SimCord recognise as idle and move through in virtual time.
        A `drain` while the caller sleeps pushes its slot back by the same amount.
        """
        if cost > self.capacity:
            raise ValueError(f"a cost of {cost} can never fit a bucket of {self.capacity}")
        self._refill()
        self._tokens -= cost
        pushed = self._pushed
        delay = max(0.0, self._held_until - self._clock()) + max(0.0, -self._tokens) / self.rate
        # The tolerance absorbs float rounding, which could otherwise ask for a sleep too short to matter.
        waited = delay > _EPSILON
        while delay > _EPSILON:
            await self._sleep(delay)
            delay, pushed = self._pushed - pushed, self._pushed
        return waited

    def drain(self, seconds: float) -> None:
        """Send nothing for `seconds` (Discord said so with a 429), then carry on at the same rate.

        Idempotent over overlapping holds: several requests caught by one global limit all report it.
        """
        now = self._clock()
        until = now + max(0.0, seconds)
        if until <= self._held_until:
            return
        self._refill()
        self._pushed += until - max(self._held_until, now)
        self._held_until = until
        self._tokens = min(self._tokens, 0.0)  # no saved-up burst right after the pause


class DeliveryQueue(Generic[T]):
    """Workers take items off a bounded queue and pass them to `send`, within the rate limit."""

    def __init__(
        self,
        send: Callable[[T], Awaitable[None]],
        *,
        rate: float = DEFAULT_RATE,
        burst: float = DEFAULT_BURST,
        maxsize: int = 10_000,
        workers: int = DEFAULT_WORKERS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        linger: bool = True,
        self_paced: bool = False,
    ) -> None:
        # linger=False: workers leave once the queue is empty, and `ensure_workers` brings them back.
        self._linger = linger
        # self_paced=True: `send` takes a token (`take`) right before each request it makes, instead of the
        # worker taking the item's cost before calling it; no await then comes between a token and its request.
        self._self_paced = self_paced
        self._send = send
        self._bucket = TokenBucket(rate, burst, clock=clock, sleep=sleep)
        self._clock = clock
        self._queue: asyncio.Queue[tuple[T, float, float]] = asyncio.Queue(maxsize)
        self._worker_count = workers
        # A token was taken without waiting since the last check: the limit is not what holds items back.
        self._spare = False
        self._workers: list[asyncio.Task[None]] = []
        self._lateness: deque[float] = deque(maxlen=SAMPLE_WINDOW)
        self._submitted = self._sent = self._failed = self._dropped = 0

    def _check_cost(self, cost: float) -> None:
        if not 0 < cost <= self._bucket.capacity:
            raise ValueError(f"cost must be between 0 and the burst size {self._bucket.capacity}")

    async def submit(self, item: T, *, cost: float = 1.0) -> None:
        """Queue `item`, waiting for room if the queue is full (back-pressure on the producer).

        `cost` is the number of API requests sending it takes: 2 for a DM to a member whose DM
        channel is not cached, else 1.
        """
        self._check_cost(cost)
        await self._queue.put((item, cost, self._clock()))
        self._submitted += 1

    def submit_nowait(self, item: T, *, cost: float = 1.0) -> bool:
        """Queue `item` if there is room; otherwise count it as dropped and return False."""
        self._check_cost(cost)
        try:
            self._queue.put_nowait((item, cost, self._clock()))
        except asyncio.QueueFull:
            self._dropped += 1
            return False
        self._submitted += 1
        return True

    async def _work(self) -> None:
        while True:
            if self._linger:
                item, cost, submitted_at = await self._queue.get()
            else:
                try:
                    item, cost, submitted_at = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    return  # no await between the check and leaving, so `ensure_workers` sees it gone
            try:
                if not self._self_paced:
                    await self.take(cost)
                await self._send(item)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._failed += 1
                # The type only: error messages from the send path can quote what was sent.
                log.warning("delivery failed: %s", type(error).__name__)
            else:
                self._sent += 1
                self._lateness.append(self._clock() - submitted_at)
            finally:
                self._queue.task_done()
            self._grow_if_short()

    def start(self) -> None:
        """Start the workers (inside the running event loop)."""
        if self._workers:
            raise RuntimeError("the delivery queue is already running")
        self.ensure_workers()

    def ensure_workers(self) -> None:
        """Start the first few workers (for a queue whose workers leave when it is empty); more come as needed."""
        self._workers = [w for w in self._workers if not w.done()]
        for _ in range(len(self._workers), min(FIRST_WORKERS, self._worker_count)):
            self._add_worker()

    def _add_worker(self) -> None:
        self._workers.append(asyncio.create_task(self._work(), name=f"delivery-{len(self._workers)}"))

    def _grow_if_short(self) -> None:
        # Items wait while tokens go unused: each worker is busy with a slow request. One more, up to the cap.
        if self._spare and not self._queue.empty():
            self._workers = [w for w in self._workers if not w.done()]
            if len(self._workers) < self._worker_count:
                self._add_worker()
        self._spare = False

    async def take(self, cost: float = 1.0) -> None:
        """Wait for `cost` tokens for one request (a self-paced `send` calls this before each of its requests)."""
        if not await self._bucket.acquire(cost):
            self._spare = True

    def drain(self, seconds: float) -> None:
        """Hold every send for `seconds` (a 429's retry_after), pushing reserved slots back by as much."""
        self._bucket.drain(seconds)

    def idle(self) -> bool:
        """Nothing is waiting to be sent (in-flight sends may still be finishing)."""
        return self._queue.empty()

    async def join(self) -> None:
        """Wait until everything submitted so far has been sent or has failed."""
        await self._queue.join()

    async def stop(self) -> None:
        """Stop the workers; items still queued are abandoned (they are counted in `queued`)."""
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    def waiting(self) -> int:
        """Items queued and not yet taken by a worker."""
        return self._queue.qsize()

    def stats(self) -> DeliveryStats:
        """Counts and lateness percentiles, in seconds."""
        samples = sorted(self._lateness)
        p50 = p99 = None
        if len(samples) == 1:
            p50 = p99 = samples[0]
        elif samples:
            cuts = statistics.quantiles(samples, n=100, method="inclusive")
            p50, p99 = cuts[49], cuts[98]
        return DeliveryStats(self._submitted, self._sent, self._failed, self._dropped, self._queue.qsize(), p50, p99)
