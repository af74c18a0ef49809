"""DM fan-out at Discord's limit (issue 14), on a virtual clock: pacing, latency, 429s, the model.

Each test runs on bench.dm_fanout.VirtualTimeLoop, whose clock jumps to the next timer when nothing
is ready: every sleep is exact and free, so these measure the queue's own timing and nothing else.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, cast

import discord
import discord.http

from bench.dm_fanout import BusyDatabase, FakeDiscord, VirtualTimeLoop, busiest_second, model_wave, run_virtual
from bot.db import apply_migrations, open_database
from bot.db.connection import Database
from bot.delivery.dm import DmSender, OutgoingDM, RateLimitWatch
from bot.delivery.queue import DEFAULT_WORKERS, DeliveryQueue, TokenBucket
from bot.delivery.repository import DmChannelRepository


def test_a_429_holds_every_request_for_retry_after_and_no_burst_follows():
    async def scenario() -> list[float]:
        loop = asyncio.get_running_loop()
        bucket = TokenBucket(49, 1, clock=loop.time)
        stamps: list[float] = []

        async def one() -> None:
            await bucket.acquire()
            stamps.append(loop.time())

        loop.call_later(0.5, bucket.drain, 2.0)
        loop.call_later(0.6, bucket.drain, 1.0)  # a second report of the same pause changes nothing
        await asyncio.gather(*(one() for _ in range(100)))
        return stamps

    stamps = run_virtual(scenario)
    assert not [t for t in stamps if 0.5 < t < 2.5], "nothing goes out while Discord said to wait"
    assert busiest_second(stamps) <= 50
    assert abs(max(stamps) - (99 / 49 + 2.0)) < 0.05  # the pause adds its length, once


def test_workers_are_enough_that_200_ms_per_request_does_not_slow_the_queue():
    async def scenario(workers: int) -> float:
        loop = asyncio.get_running_loop()

        async def send(item: int) -> None:
            await asyncio.sleep(0.2)

        queue: DeliveryQueue[int] = DeliveryQueue(send, maxsize=1000, workers=workers, clock=loop.time)
        for n in range(1000):
            queue.submit_nowait(n)
        started = loop.time()
        queue.start()
        await queue.join()
        await queue.stop()
        return loop.time() - started

    default = run_virtual(lambda: scenario(DEFAULT_WORKERS))
    # At the limit from the first second: the workers grow from two to what 200 ms needs within it.
    assert 999 / 49 + 0.2 <= default <= 999 / 49 + 0.2 + 0.5
    assert run_virtual(lambda: scenario(4)) >= 49  # four workers: latency, not the limit, set the pace


def test_the_model_sends_1000_known_channels_in_one_request_each_at_the_limit():
    for latency in (0.0, 0.1, 0.2):
        result = run_virtual(lambda lat=latency: model_wave(1000, lat, known=True))
        assert result["per_dm"] == 1.0
        assert result["busiest"] <= 50
        assert result["total"] <= 999 / 49 + latency + 0.5  # the workers' growth costs under half a second
    first = run_virtual(lambda: model_wave(1000, 0.2, known=False))
    assert first["per_dm"] == 2.0 and first["busiest"] <= 50


class LimitedOnce(FakeDiscord):
    """Answers the first post with a 429 that discord.py gave up waiting for."""

    async def send(self, content: str, **options: Any) -> object:
        if not self.stamps:
            self.stamps.append(asyncio.get_running_loop().time())
            raise discord.RateLimited(3.0)
        return await super().send(content, **options)


def test_a_429_that_reaches_the_sender_holds_the_queue(tmp_path):
    async def closed() -> None:
        return None

    async def scenario() -> list[float]:
        loop = asyncio.get_running_loop()
        db = await open_database(tmp_path / "x.db")
        try:
            await apply_migrations(db)
            await db.executemany(
                "INSERT INTO dm_channels (user_id, channel_id, created_at, used_at, expires_at) VALUES (?, ?, 0, 0, ?)",
                [(uid, uid + 1, 2**31) for uid in (1, 2, 3)],
            )
            fake = LimitedOnce(0.0)
            channels = DmChannelRepository(cast(Database, BusyDatabase(db, cast(VirtualTimeLoop, loop))))
            sender = DmSender(cast(discord.Client, fake), channels=channels, clock=loop.time)
            for uid in (1, 2, 3):
                await sender.submit(OutgoingDM(uid, "hello", None, closed))
            await sender.queue.join()
            await sender.stop()
        finally:
            await db.close()
        return fake.stamps

    stamps = run_virtual(scenario)
    assert len(stamps) == 3  # the limited one is not retried here: its outbox row is, later
    assert stamps[1] - stamps[0] >= 3.0  # the other two waited out the 429


def test_the_global_rate_limit_in_discord_py_s_log_holds_the_queue():
    held: list[float] = []
    watch = RateLimitWatch(held.append)
    logger = logging.getLogger("discord.http")
    logger.addHandler(watch)
    try:
        logger.warning("Global rate limit has been hit. Retrying in %.2f seconds.", 2.5)
        logger.warning(
            "We are being rate limited. %s %s responded with 429. Retrying in %.2f seconds.", "POST", "/x", 1
        )
        logger.warning("something else")
    finally:
        logger.removeHandler(watch)
    assert held == [2.5]
    # The words the watch listens for are discord.py's own: a new version that changes them fails here.
    assert "Global rate limit has been hit. Retrying in %.2f seconds." in inspect.getsource(discord.http)
