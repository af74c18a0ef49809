"""The outbox's rules and the scheduler's use of it, on real aiosqlite with a FakeClock; nothing sleeps."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import discord
import pytest

from bot.clock import FakeClock
from bot.db import apply_migrations, open_database
from bot.db.connection import Database
from bot.delivery.outbox import MAX_BACKOFF, RetractedError, backoff, new_nonce, retry_after
from bot.scheduling.recurrence import Recurrence
from bot.scheduling.scheduler import Firing, Scheduler

START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
DAILY_9 = Recurrence.daily((9, 0), "UTC")


class Killed(BaseException):
    """The process dying: nothing in the bot catches it."""


def http_error(status: int, headers: dict[str, str] | None = None) -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="x", headers=headers or {})
    return discord.HTTPException(response, {"message": "x", "code": 0})  # type: ignore[arg-type]


def test_which_failures_are_tried_again() -> None:
    assert retry_after(http_error(503)) == 0.0
    assert retry_after(http_error(500)) == 0.0
    assert retry_after(http_error(429, {"Retry-After": "12.5"})) == 12.5
    assert retry_after(discord.RateLimited(7.0)) == 7.0
    assert retry_after(TimeoutError()) == 0.0
    assert retry_after(RetractedError(http_error(502))) == 0.0
    # Lasting failures are never retried: a missing channel, a refused permission, a bug.
    assert retry_after(http_error(404)) is None
    assert retry_after(http_error(403)) is None
    assert retry_after(ValueError()) is None


def test_backoff_doubles_with_jitter_up_to_a_ceiling_and_honours_retry_after() -> None:
    rng = random.Random(1)
    for attempt in range(12):
        ceiling = min(MAX_BACKOFF, 30.0 * 2**attempt)
        assert ceiling / 2 <= backoff(attempt, rng=rng) <= ceiling
    assert backoff(0, floor=120.0, rng=rng) == 120.0
    assert len({new_nonce() for _ in range(100)}) == 100
    assert all(len(new_nonce()) <= 25 for _ in range(100))


@pytest.fixture
async def db(database_target: str) -> AsyncIterator[Database]:
    database = await open_database(database_target)
    await apply_migrations(database)
    await database.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (1, 0)")
    yield database
    await database.close()


async def test_a_claimed_dm_is_owed_until_sent_and_survives_a_crash_before_it(db: Database) -> None:
    clock = FakeClock(START)
    first = Scheduler(db, clock)
    sent: list[Firing] = []

    async def crash(firing: Firing) -> None:
        raise Killed  # the process dies after the claim committed, before anything was sent

    first.register("checkin", crash, dm=True)
    await first.add(1, "checkin", DAILY_9, owner_id=7)
    clock.set(START + timedelta(hours=1))
    with pytest.raises(Killed):
        await first.run_due()
    assert await first.outbox.count() == 1

    async def send(firing: Firing) -> None:
        assert firing.receipt is not None and firing.nonce
        sent.append(firing)

    second = Scheduler(db, clock)  # a new process: a new lease
    second.register("checkin", send, dm=True)
    assert await second.seconds_until_due() == 0
    assert await second.run_due() == 1
    assert [f.due_at for f in sent] == [START + timedelta(hours=1)]
    assert await second.outbox.count() == 0
    assert await second.run_due() == 0  # once


async def test_a_passing_failure_is_retried_until_the_deadline_then_the_member_is_told_once(db: Database) -> None:
    clock = FakeClock(START)
    told: list[tuple[int, int, str]] = []

    async def tell(guild_id: int, user_id: int, kind: str) -> None:
        told.append((guild_id, user_id, kind))

    scheduler = Scheduler(db, clock, tell_member=tell)
    attempts: list[datetime] = []

    async def outage(firing: Firing) -> None:
        attempts.append(clock.now())
        raise http_error(503)

    scheduler.register("checkin", outage, dm=True)
    await scheduler.add(1, "checkin", DAILY_9, owner_id=7)
    clock.set(START + timedelta(hours=1))
    for _ in range(400):
        await scheduler.run_due()
        clock.advance(60)
    assert 5 <= len(attempts) <= 40  # 30 s doubling to 15 min, each jittered between half and whole
    assert attempts[-1] <= START + timedelta(hours=4)  # never after the 3-hour deadline
    assert told == [(1, 7, "checkin")]
    assert await scheduler.outbox.count() == 0
