"""A bounded, rate-limited queue for outgoing messages (mostly DMs), with no Discord import.

Discord allows about 50 requests per second per bot across all routes. Scheduled DMs arrive in
bursts (everyone's 09:00 check-in), so they go through one token bucket kept below that limit
(45/s by default). A DM costs 2 requests when the DM channel is not yet cached (open the channel,
then post), so callers pass a `cost`. The bucket's capacity (`burst`, default 5) is what may go out
at once; keeping burst + rate <= 50 means no one-second window can exceed the global limit.

The queue is opaque: it never logs or inspects items, only counts them and records how long each
waited between submit and send (p50/p99, in seconds). A failing `send` is counted, not raised, and
never retried here (discord.py already retries rate-limited requests itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_RATE = 45.0
DEFAULT_BURST = 5.0
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
    """Tokens refill at `rate` per second up to `capacity`; `acquire(cost)` waits for enough."""

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

    def _refill(self) -> None:
        now = self._clock()
        # max(0, ...): the clock may be the bot's wall clock, which can step back (NTP).
        self._tokens = min(self.capacity, self._tokens + max(0.0, now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self, cost: float = 1.0) -> None:
        """Wait until `cost` tokens are available, then take them.

        Each caller reserves its tokens at once (the balance may go below zero) and sleeps until the
        refill covers them: callers keep their order without a lock, and every waiter is a plain
        sleep, which simulators such as SimCord recognise as idle and move through in virtual time.
        """
        if cost > self.capacity:
            raise ValueError(f"a cost of {cost} can never fit a bucket of {self.capacity}")
        self._refill()
        self._tokens -= cost
        # The tolerance absorbs float rounding, which could otherwise ask for a sleep too short to matter.
        if self._tokens < -_EPSILON:
            await self._sleep(-self._tokens / self.rate)


class DeliveryQueue(Generic[T]):
    """Workers take items off a bounded queue and pass them to `send`, within the rate limit."""

    def __init__(
        self,
        send: Callable[[T], Awaitable[None]],
        *,
        rate: float = DEFAULT_RATE,
        burst: float = DEFAULT_BURST,
        maxsize: int = 10_000,
        workers: int = 4,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        linger: bool = True,
    ) -> None:
        # linger=False: workers leave once the queue is empty, and `ensure_workers` brings them back.
        self._linger = linger
        self._send = send
        self._bucket = TokenBucket(rate, burst, clock=clock, sleep=sleep)
        self._clock = clock
        self._queue: asyncio.Queue[tuple[T, float, float]] = asyncio.Queue(maxsize)
        self._worker_count = workers
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
                await self._bucket.acquire(cost)
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

    def start(self) -> None:
        """Start the workers (inside the running event loop)."""
        if self._workers:
            raise RuntimeError("the delivery queue is already running")
        self._workers = [asyncio.create_task(self._work(), name=f"delivery-{n}") for n in range(self._worker_count)]

    def ensure_workers(self) -> None:
        """Start workers up to the configured number (for a queue whose workers leave when it is empty)."""
        self._workers = [w for w in self._workers if not w.done()]
        for n in range(len(self._workers), self._worker_count):
            self._workers.append(asyncio.create_task(self._work(), name=f"delivery-{n}"))

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
