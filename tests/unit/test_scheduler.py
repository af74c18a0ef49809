"""Scheduler and schedules repository on a real database (SQLite file and PostgreSQL) with a FakeClock;
nothing sleeps."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock, to_timestamp
from bot.db import apply_migrations, open_database
from bot.db.connection import Database
from bot.scheduling.recurrence import Recurrence
from bot.scheduling.repository import CLAIM_DUE_SQL, EARLIEST_DUE_SQL, ScheduleRepository
from bot.scheduling.scheduler import Firing, Scheduler, Wakeup, wait_for_event

START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # a Monday
DAILY_9 = Recurrence.daily((9, 0), "UTC")
GUILD = 1


async def add_guild(db: Database, guild_id: int) -> None:
    # Test setup only; the bot creates guild rows through its own repository.
    await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, 0)", (guild_id,))


@pytest.fixture
async def db(database_target: str) -> AsyncIterator[Database]:
    # A file with the production pragmas (WAL), as the bot runs, not an in-memory database; or PostgreSQL.
    database = await open_database(database_target)
    await apply_migrations(database)
    await add_guild(database, GUILD)
    await add_guild(database, 2)
    yield database
    await database.close()


class Recorder:
    """A handler that remembers each firing."""

    def __init__(self) -> None:
        self.firings: list[Firing] = []

    async def __call__(self, firing: Firing) -> None:
        self.firings.append(firing)


def make(db: Database, clock: FakeClock, **kwargs: object) -> tuple[Scheduler, Recorder]:
    scheduler = Scheduler(db, clock, **kwargs)  # type: ignore[arg-type]
    recorder = Recorder()
    scheduler.register("prompt", recorder, feature="reflection")
    return scheduler, recorder


# -- firing rules -------------------------------------------------------------------------------


async def test_fires_on_time_once_and_advances(db: Database) -> None:
    clock = FakeClock(START)
    scheduler, recorder = make(db, clock)
    row = await scheduler.add(GUILD, "prompt", DAILY_9, target={"channel": 5})
    assert row.next_run_at == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert await scheduler.run_due() == 0
    clock.set(datetime(2026, 6, 1, 9, 0, 10, tzinfo=UTC))
    assert await scheduler.run_due() == 1
    assert await scheduler.run_due() == 0
    (firing,) = recorder.firings
    assert (firing.late, firing.missed, firing.row.target) == (False, 0, {"channel": 5})
    assert firing.due_at == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    stored = await scheduler.repository.get(row.id)
    assert stored is not None and stored.next_run_at == datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
    assert stored.last_run_at == datetime(2026, 6, 1, 9, 0, 10, tzinfo=UTC)


@pytest.mark.parametrize(("wake_at", "fired"), [(timedelta(minutes=30), 1), (timedelta(hours=3), 0)])
async def test_three_days_down_gives_one_late_firing_or_a_skip_never_three(
    db: Database, wake_at: timedelta, fired: int
) -> None:
    clock = FakeClock(START)
    scheduler, recorder = make(db, clock)
    row = await scheduler.add(GUILD, "prompt", DAILY_9)
    # Down from before the 1st's 09:00 until the 4th: occurrences on the 1st, 2nd, 3rd and 4th passed.
    clock.set(datetime(2026, 6, 4, 9, 0, tzinfo=UTC) + wake_at)
    assert await scheduler.run_due() == fired
    assert await scheduler.run_due() == 0
    assert len(recorder.firings) == fired
    if fired:
        (firing,) = recorder.firings
        assert firing.late and firing.missed == 3
        assert firing.due_at == datetime(2026, 6, 4, 9, 0, tzinfo=UTC)
    stored = await scheduler.repository.get(row.id)
    assert stored is not None and stored.next_run_at is not None
    assert stored.next_run_at > clock.now()
    assert stored.next_run_at == datetime(2026, 6, 5, 9, 0, tzinfo=UTC)


async def test_crash_between_claim_and_post_never_fires_twice(db: Database) -> None:
    clock = FakeClock(START)
    scheduler, _ = make(db, clock)
    await scheduler.add(GUILD, "prompt", DAILY_9)
    clock.set(datetime(2026, 6, 1, 9, 0, 5, tzinfo=UTC))
    # The process dies right after the claim commits: nothing was posted.
    claims = await ScheduleRepository(db).claim_due(clock.now())
    assert len(claims) == 1
    # A fresh scheduler (the restarted bot) must not post that occurrence.
    restarted, recorder = make(db, clock)
    clock.advance(timedelta(seconds=5))
    assert await restarted.run_due() == 0
    assert recorder.firings == []


async def test_a_handler_that_raises_is_not_retried(db: Database) -> None:
    clock = FakeClock(START)
    scheduler = Scheduler(db, clock)
    calls = 0

    async def crashing(firing: Firing) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("post failed")

    scheduler.register("prompt", crashing)
    await scheduler.add(GUILD, "prompt", DAILY_9)
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    assert await scheduler.run_due() == 0
    clock.advance(timedelta(minutes=1))
    assert await scheduler.run_due() == 0
    assert calls == 1


async def test_restart_over_the_same_file_resumes(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    clock = FakeClock(START)
    first = await open_database(path)
    await apply_migrations(first)
    await add_guild(first, GUILD)
    scheduler, _ = make(first, clock)
    row = await scheduler.add(GUILD, "prompt", DAILY_9)
    await first.close()

    second = await open_database(path)
    try:
        await apply_migrations(second)
        restarted, recorder = make(second, clock)
        assert await restarted.run_due() == 0
        clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
        assert await restarted.run_due() == 1
        assert recorder.firings[0].row.id == row.id
    finally:
        await second.close()


async def test_disabled_feature_skips_but_still_advances(db: Database) -> None:
    async def is_enabled(guild_id: int, feature: str) -> bool:
        assert feature == "reflection"
        return guild_id != GUILD

    clock = FakeClock(START)
    scheduler, recorder = make(db, clock, is_enabled=is_enabled)
    off = await scheduler.add(GUILD, "prompt", DAILY_9)
    on = await scheduler.add(2, "prompt", DAILY_9)
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    assert await scheduler.run_due() == 1
    assert [f.row.id for f in recorder.firings] == [on.id]
    stored = await scheduler.repository.get(off.id)
    assert stored is not None and stored.next_run_at == datetime(2026, 6, 2, 9, 0, tzinfo=UTC)


async def test_failing_handler_does_not_stop_others_and_logs_no_payload(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(START)
    scheduler, recorder = make(db, clock)

    async def broken(firing: Firing) -> None:
        raise ValueError(f"could not post {firing.row.target['text']}")

    scheduler.register("reminder", broken)
    bad = await scheduler.add(GUILD, "reminder", DAILY_9, target={"text": "my private note"})
    good = await scheduler.add(GUILD, "prompt", DAILY_9)
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    with caplog.at_level(logging.DEBUG):
        assert await scheduler.run_due() == 1
    assert [f.row.id for f in recorder.firings] == [good.id]
    assert f"schedule {bad.id}" in caplog.text
    assert "my private note" not in caplog.text


async def test_unregistered_kind_and_failing_feature_check_are_skipped(db: Database) -> None:
    async def is_enabled(guild_id: int, feature: str) -> bool:
        raise ConnectionError("settings unavailable")

    clock = FakeClock(START)
    scheduler, recorder = make(db, clock, is_enabled=is_enabled)
    await scheduler.add(GUILD, "prompt", DAILY_9)
    # A row whose kind no cog registers any more (e.g. a removed feature).
    await ScheduleRepository(db).add(GUILD, "retired", DAILY_9, now=START)
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    assert await scheduler.run_due() == 0
    assert recorder.firings == []
    assert await scheduler.repository.earliest_due() == datetime(2026, 6, 2, 9, 0, tzinfo=UTC)


async def test_once_schedule_is_spent_after_firing(db: Database) -> None:
    clock = FakeClock(START)
    scheduler, _ = make(db, clock)
    row = await scheduler.add(GUILD, "prompt", Recurrence.once(date(2026, 6, 1), (10, 0), "UTC"))
    clock.set(datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    assert await scheduler.run_due() == 1
    stored = await scheduler.repository.get(row.id)
    assert stored is not None and stored.spent and stored.next_run_at is None
    assert await scheduler.repository.earliest_due() is None


async def test_add_refuses_unknown_kinds_and_too_frequent_rules(db: Database) -> None:
    scheduler, _ = make(db, FakeClock(START))
    with pytest.raises(ValueError):
        await scheduler.add(GUILD, "nope", DAILY_9)
    with pytest.raises(ValueError):
        await scheduler.add(GUILD, "prompt", DAILY_9, min_interval=timedelta(days=2))
    with pytest.raises(ValueError):
        scheduler.register("prompt", Recorder())


# -- repository ---------------------------------------------------------------------------------


async def test_repository_crud(db: Database) -> None:
    repo = ScheduleRepository(db)
    now = START
    mine = await repo.add(GUILD, "reminder", DAILY_9, now=now, target={"s": 1}, owner_id=42)
    await repo.add(GUILD, "prompt", DAILY_9, now=now)
    await repo.add(2, "reminder", DAILY_9, now=now, owner_id=42)
    assert await repo.count(GUILD, "reminder") == 1
    assert [r.kind for r in await repo.list_by_guild(GUILD)] == ["reminder", "prompt"]
    assert len(await repo.list_by_guild(GUILD, "prompt")) == 1
    assert len(await repo.list_by_owner(42)) == 2
    assert len(await repo.list_by_owner(42, guild_id=2)) == 1

    weekly = Recurrence.on_weekdays((2,), (18, 0), "UTC")
    updated = await repo.update(mine.id, now=now, recurrence=weekly, target={"s": 2})
    assert updated is not None and updated.target == {"s": 2}
    assert updated.next_run_at == datetime(2026, 6, 3, 18, 0, tzinfo=UTC)

    assert await repo.pause(mine.id)
    paused = await repo.get(mine.id)
    assert paused is not None and paused.paused and paused.next_run_at is None and not paused.spent
    resumed = await repo.resume(mine.id, now=datetime(2026, 6, 10, tzinfo=UTC))
    assert resumed is not None and resumed.next_run_at == datetime(2026, 6, 10, 18, 0, tzinfo=UTC)

    assert await repo.earliest_due() == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert await repo.delete_by_owner(42, ("prompt",)) == 0  # another kind: kept
    assert await repo.delete_by_owner(42, ("reminder",), guild_id=2) == 1
    assert await repo.delete_by_owner(42, ("reminder",)) == 1
    assert await repo.delete(mine.id) is False
    assert await repo.update(mine.id, now=now) is None


async def test_leaving_a_guild_deletes_its_schedules(db: Database) -> None:
    repo = ScheduleRepository(db)
    await repo.add(GUILD, "prompt", DAILY_9, now=START)
    await db.execute("DELETE FROM guilds WHERE guild_id = $1", (GUILD,))
    assert await repo.list_by_guild(GUILD) == []


async def test_unreadable_recurrence_is_parked_not_retried(db: Database) -> None:
    repo = ScheduleRepository(db)
    row = await repo.add(GUILD, "prompt", DAILY_9, now=START)
    await db.execute("UPDATE schedules SET recurrence = 'garbage' WHERE id = $1", (row.id,))
    assert await repo.claim_due(datetime(2026, 6, 2, tzinfo=UTC)) == []
    assert await repo.earliest_due() is None


async def test_claim_handles_more_rows_than_one_batch(db: Database) -> None:
    clock = FakeClock(START)
    scheduler, recorder = make(db, clock, batch_size=3)
    for _ in range(7):
        await scheduler.add(GUILD, "prompt", DAILY_9)
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    assert await scheduler.run_due() == 7
    assert len({f.row.id for f in recorder.firings}) == 7


async def test_two_claimers_on_one_database_take_each_due_row_exactly_once(database_target: str) -> None:
    """Two connections (two processes sharing the file, or PostgreSQL) claim batches at once: every due row
    is taken by exactly one of them, and one UPDATE per batch advanced it past now for both."""
    first, second = await open_database(database_target), await open_database(database_target)
    try:
        await apply_migrations(first)
        await add_guild(first, GUILD)
        repo = ScheduleRepository(first)
        ids = {(await repo.add(GUILD, "prompt", DAILY_9, now=START)).id for _ in range(250)}
        now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
        rounds = [
            await asyncio.gather(
                ScheduleRepository(first).claim_due(now, 40), ScheduleRepository(second).claim_due(now, 40)
            )
            for _ in range(5)
        ]
        taken = [c.row.id for pair in rounds for batch in pair for c in batch]
        assert sorted(taken) == sorted(ids)  # each once: no row twice, none left out
        assert await ScheduleRepository(second).claim_due(now) == []
        upcoming = await first.fetchval("SELECT count(*) FROM schedules WHERE next_run_at > $1", (to_timestamp(now),))
        assert upcoming == len(ids)
    finally:
        await first.close()
        await second.close()


@pytest.mark.sqlite_only  # SQLite's query planner (tests/meta/test_query_plans.py covers the rest)
@pytest.mark.parametrize("sql", [EARLIEST_DUE_SQL, CLAIM_DUE_SQL.format(scope="", lock="")])
async def test_dispatcher_queries_use_the_index(db: Database, sql: str) -> None:
    repo = ScheduleRepository(db)
    for n in range(50):
        await repo.add(GUILD, "prompt", Recurrence.daily((n % 24, 0), "UTC"), now=START)
    params = () if "$1" not in sql else (to_timestamp(START), 10)
    plan = " | ".join(row[3] for row in await db.fetchall("EXPLAIN QUERY PLAN " + sql, params))
    assert "USING INDEX schedules_due" in plan or "USING COVERING INDEX schedules_due" in plan, plan
    assert "SCAN schedules" not in plan, plan


# -- the dispatcher loop ------------------------------------------------------------------------


class SteppedWait:
    """Stands in for the timed wait: reports each requested delay and returns only when woken.

    The test plays the part of time passing by advancing the FakeClock and calling wake().
    """

    def __init__(self) -> None:
        self.requested: asyncio.Queue[float] = asyncio.Queue()

    async def __call__(self, event: asyncio.Event, seconds: float) -> None:
        await self.requested.put(seconds)
        await event.wait()

    async def next(self) -> float:
        # A hang guard only: the loop answers within a few event-loop turns.
        return await asyncio.wait_for(self.requested.get(), timeout=5)


async def test_loop_waits_for_the_earliest_and_is_woken_by_add(db: Database) -> None:
    clock = FakeClock(START)
    stepper = SteppedWait()
    scheduler, recorder = make(db, clock, wait=stepper)
    scheduler.start()
    try:
        assert await stepper.next() == 300  # nothing scheduled: re-check after the cap
        await scheduler.add(GUILD, "prompt", DAILY_9)  # due in an hour
        assert await stepper.next() == 300  # capped, so wall-clock jumps are noticed
        await scheduler.add(GUILD, "prompt", Recurrence.once(date(2026, 6, 1), (8, 2), "UTC"))
        assert await stepper.next() == 120  # the earlier schedule shortened the wait
        assert recorder.firings == []
        clock.advance(120)
        scheduler.wake()  # the wait "times out"
        assert await stepper.next() == 300  # next is 09:00, 58 minutes away: capped again
        assert [f.due_at for f in recorder.firings] == [datetime(2026, 6, 1, 8, 2, tzinfo=UTC)]
        assert scheduler.running
    finally:
        await scheduler.stop()
    assert not scheduler.running
    await scheduler.stop()  # idempotent


async def test_wait_for_event_returns_when_set_or_at_zero_timeout() -> None:
    loop = asyncio.get_running_loop()
    event = asyncio.Event()
    started = loop.time()
    # The outer timeouts are hang guards: each call should return within a loop turn.
    await asyncio.wait_for(wait_for_event(event, 0), timeout=5)  # times out at once
    assert not event.is_set() and loop.time() - started < 1
    event.set()
    await asyncio.wait_for(wait_for_event(event, 3600), timeout=5)  # returns at once: the event is set
    assert event.is_set() and loop.time() - started < 1


async def test_wakeup_cuts_a_sleep_short() -> None:
    wake = Wakeup()
    sleeper = asyncio.ensure_future(wait_for_event(wake, 3600))
    await asyncio.sleep(0)
    assert not sleeper.done()
    wake.set()
    await asyncio.wait_for(sleeper, timeout=5)  # a hang guard; it returns within a loop turn
    wake.clear()
    await asyncio.wait_for(wait_for_event(wake, 0), timeout=5)  # and an unset one just times out


async def test_added_row_equals_the_stored_row(db: Database) -> None:
    from bot.scheduling.repository import ScheduleRepository

    repo = ScheduleRepository(db)
    added = await repo.add(
        GUILD,
        "prompt",
        DAILY_9,
        now=START,
        target={"channel": 5, "b": [1, 2]},
        owner_id=42,
        expires_at=START + timedelta(days=30),
    )
    assert added == await repo.get(added.id)


# -- a member's own schedules, and kinds that come and go with their feature ------------------------


async def test_owned_by_and_remove_owned_touch_only_that_member_and_those_kinds(db: Database) -> None:
    clock = FakeClock(START)
    scheduler, _ = make(db, clock)
    scheduler.register("reminder", Recorder())
    mine = await scheduler.add(GUILD, "reminder", DAILY_9, owner_id=42)
    elsewhere = await scheduler.add(2, "reminder", DAILY_9, owner_id=42)
    other_kind = await scheduler.add(GUILD, "prompt", DAILY_9, owner_id=42)
    someone_else = await scheduler.add(GUILD, "reminder", DAILY_9, owner_id=43)

    assert [r.id for r in await scheduler.owned_by(42, ("reminder",))] == [mine.id, elsewhere.id]
    assert [r.id for r in await scheduler.owned_by(42, ("reminder",), guild_id=2)] == [elsewhere.id]
    assert await scheduler.remove_owned(42, ("reminder",), guild_id=2) == 1
    assert await scheduler.remove_owned(42, ("reminder",)) == 1
    assert await scheduler.owned_by(42, ("reminder",)) == []
    # The other kind and the other member's schedule are untouched.
    kept = [await scheduler.repository.get(r.id) for r in (other_kind, someone_else)]
    assert all(row is not None for row in kept)
    assert await scheduler.remove_owned(42, ("reminder",)) == 0


async def test_an_unregistered_kind_is_not_run_and_can_be_registered_again(db: Database) -> None:
    clock = FakeClock(START)
    scheduler, recorder = make(db, clock)
    await scheduler.add(GUILD, "prompt", DAILY_9)
    scheduler.unregister("prompt")
    assert scheduler.kind("prompt") is None
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    await scheduler.run_due()
    assert recorder.firings == []  # skipped while its feature is unloaded
    again = Recorder()
    scheduler.register("prompt", again, feature="reflection")  # a reload registers without error
    clock.set(datetime(2026, 6, 2, 9, 0, tzinfo=UTC))
    await scheduler.run_due()
    assert len(again.firings) == 1


@pytest.mark.parametrize("bad_position", [0, 2, 4])
async def test_one_unreadable_schedule_does_not_cut_its_batch_short(db: Database, bad_position: int) -> None:
    clock = FakeClock(START)
    scheduler, recorder = make(db, clock, batch_size=5)
    rows = [await scheduler.add(GUILD, "prompt", DAILY_9) for _ in range(5)]
    bad = rows[bad_position].id
    await db.execute("UPDATE schedules SET recurrence = 'garbage' WHERE id = $1", (bad,))
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    assert await scheduler.run_due() == 4
    assert sorted(f.row.id for f in recorder.firings) == sorted(r.id for r in rows if r.id != bad)
    # The unreadable one is parked, the others wait for tomorrow.
    assert await scheduler.repository.earliest_due() == datetime(2026, 6, 2, 9, 0, tzinfo=UTC)


async def test_a_schedule_added_inside_a_transaction_wakes_the_dispatcher_after_the_commit(db: Database) -> None:
    # On PostgreSQL the dispatcher reads on a connection of its own: woken before the commit, it would
    # not see the new row and would sleep up to max_wait, so a reminder due soon would come late.
    clock = FakeClock()
    scheduler, _ = make(db, clock)
    scheduler._wake.clear()
    async with db.transaction():
        await scheduler.add(GUILD, "prompt", DAILY_9)
        assert not scheduler._wake.is_set()
    assert scheduler._wake.is_set()
    scheduler._wake.clear()
    await scheduler.add(GUILD, "prompt", DAILY_9)  # outside a transaction: at once
    assert scheduler._wake.is_set()
