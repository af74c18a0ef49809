"""DeliveryQueue and TokenBucket with a modelled clock: no test waits on real time."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.delivery.queue import DeliveryQueue, TokenBucket


class ModelTime:
    """A monotonic clock that only advances when something 'sleeps' on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds
        await asyncio.sleep(0)  # let other tasks run, as a real sleep would


async def test_thousand_messages_at_49_per_second_take_about_20_seconds() -> None:
    model = ModelTime()
    sent: list[int] = []

    async def send(item: int) -> None:
        sent.append(item)

    queue: DeliveryQueue[int] = DeliveryQueue(send, maxsize=2000, clock=model.clock, sleep=model.sleep)
    for n in range(1000):
        await queue.submit(n)
    queue.start()
    await asyncio.wait_for(queue.join(), timeout=10)  # hang guard only
    await queue.stop()
    assert sorted(sent) == list(range(1000))
    assert 20.0 <= model.now <= 20.8  # 999 requests after the burst of 1, at 49/s: 20.4 s
    stats = queue.stats()
    assert (stats.submitted, stats.sent, stats.failed, stats.queued) == (1000, 1000, 0, 0)
    assert stats.p50 is not None and stats.p99 is not None
    assert 9.5 <= stats.p50 <= 11.5 and 19.5 <= stats.p99 <= 20.8


async def test_cost_two_halves_the_message_rate() -> None:
    model = ModelTime()

    async def send(item: str) -> None:
        return None

    queue: DeliveryQueue[str] = DeliveryQueue(send, burst=2, clock=model.clock, sleep=model.sleep)
    for _ in range(450):
        await queue.submit("dm", cost=2)
    queue.start()
    await asyncio.wait_for(queue.join(), timeout=10)
    await queue.stop()
    assert 17.9 <= model.now <= 18.7  # 900 requests at 49/s, minus the initial burst of 2


async def test_send_errors_are_counted_not_raised_and_content_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = ModelTime()

    async def send(item: str) -> None:
        if item.startswith("bad"):
            raise RuntimeError(f"cannot send {item}")

    queue: DeliveryQueue[str] = DeliveryQueue(send, clock=model.clock, sleep=model.sleep)
    for item in ["ok 1", "bad secret", "ok 2", "bad secret 2"]:
        await queue.submit(item)
    queue.start()
    with caplog.at_level(logging.DEBUG):
        await asyncio.wait_for(queue.join(), timeout=10)
    await queue.stop()
    stats = queue.stats()
    assert (stats.sent, stats.failed) == (2, 2)
    assert "secret" not in caplog.text
    assert "RuntimeError" in caplog.text


async def test_bounded_queue_drops_with_submit_nowait() -> None:
    async def send(item: int) -> None:
        return None

    queue: DeliveryQueue[int] = DeliveryQueue(send, maxsize=2)
    assert queue.submit_nowait(1) and queue.submit_nowait(2)
    assert not queue.submit_nowait(3)
    stats = queue.stats()
    assert (stats.submitted, stats.dropped, stats.queued, stats.p50) == (2, 1, 2, None)


async def test_invalid_costs_and_double_start_are_refused() -> None:
    async def send(item: int) -> None:
        return None

    queue: DeliveryQueue[int] = DeliveryQueue(send)
    with pytest.raises(ValueError):
        await queue.submit(1, cost=6)
    with pytest.raises(ValueError):
        queue.submit_nowait(1, cost=0)
    queue.start()
    with pytest.raises(RuntimeError):
        queue.start()
    await queue.stop()


async def test_token_bucket_never_exceeds_rate_plus_burst() -> None:
    model = ModelTime()
    bucket = TokenBucket(45, 5, clock=model.clock, sleep=model.sleep)
    stamps = []
    for _ in range(200):
        await bucket.acquire()
        stamps.append(model.now)
    # In any one-second window at most burst + rate requests go out: under Discord's 50/s.
    for i, start in enumerate(stamps):
        in_window = sum(1 for t in stamps[i:] if t < start + 1.0)
        assert in_window <= 50
    with pytest.raises(ValueError):
        await bucket.acquire(6)
