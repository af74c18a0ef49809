"""The schedules repository on its own, on a database file: claims, their outbox rows, and every write.

Each erase, unlink or expiry test reads the file afterwards with a separate connection
(tests/dbfile.py), as an operator or a backup would see it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import to_timestamp
from bot.db import apply_migrations, open_database
from bot.db.connection import Database
from bot.scheduling import repository as schedules
from bot.scheduling.recurrence import Recurrence
from bot.scheduling.repository import (
    OUTBOX_KEEP_AFTER_DEADLINE,
    Claim,
    OutboxPlan,
    ScheduleRepository,
    ScheduleRow,
)
from tests.dbfile import rows

START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # a Monday
NINE = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
DAILY_9 = Recurrence.daily((9, 0), "UTC")
GUILD = 1


@pytest.fixture
def path(db_path: Path) -> Path:
    """The database the test reads on its own connection (a file, or a PostgreSQL stand-in)."""
    return db_path


@pytest.fixture
async def db(database_target: str) -> AsyncIterator[Database]:
    database = await open_database(database_target)
    await apply_migrations(database)
    for guild in (GUILD, 2):
        # Test setup only; the bot creates guild rows through its own repository.
        await database.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, 0)", (guild,))
    yield database
    await database.close()


def counter() -> Callable[[], str]:
    """Nonces n1, n2, ... in order, so a test can say which outbox row is which."""
    made = iter(range(1, 10_000))
    return lambda: f"n{next(made)}"


# -- claims -------------------------------------------------------------------------------------


async def test_a_claim_advances_the_row_and_stamps_its_last_run(db: Database, path: Path) -> None:
    repo = ScheduleRepository(db)
    row = await repo.add(GUILD, "prompt", DAILY_9, now=START)
    now = NINE + timedelta(seconds=30)
    [claim] = await repo.claim_due(now)
    tomorrow = NINE + timedelta(days=1)
    assert claim == Claim(
        ScheduleRow(row.id, GUILD, "prompt", None, {}, DAILY_9, tomorrow, False, START, now),
        NINE,
        0,
        None,
        None,
        0,
    )
    assert rows(path, "SELECT next_run_at, last_run_at FROM schedules") == [(to_timestamp(tomorrow), to_timestamp(now))]
    assert await repo.claim_due(now) == []


async def test_nothing_is_claimed_before_it_is_due_and_the_due_second_counts(db: Database) -> None:
    repo = ScheduleRepository(db)
    await repo.add(GUILD, "prompt", DAILY_9, now=START)
    assert await repo.claim_due(NINE - timedelta(seconds=1)) == []
    assert len(await repo.claim_due(NINE)) == 1


async def test_after_downtime_the_freshest_occurrence_is_due_and_the_older_ones_counted(db: Database) -> None:
    repo = ScheduleRepository(db)
    await repo.add(GUILD, "prompt", DAILY_9, now=START)
    [claim] = await repo.claim_due(datetime(2026, 6, 4, 10, 0, tzinfo=UTC))
    assert (claim.due_at, claim.missed) == (datetime(2026, 6, 4, 9, 0, tzinfo=UTC), 3)
    assert claim.row.next_run_at == datetime(2026, 6, 5, 9, 0, tzinfo=UTC)


async def test_down_exactly_one_period_the_occurrence_due_now_is_the_one_fired(db: Database) -> None:
    repo = ScheduleRepository(db)
    await repo.add(GUILD, "prompt", DAILY_9, now=START)
    [claim] = await repo.claim_due(NINE + timedelta(days=1))
    assert (claim.due_at, claim.missed) == (NINE + timedelta(days=1), 1)
    assert claim.row.next_run_at == NINE + timedelta(days=2)


async def test_a_claim_takes_at_most_the_limit_earliest_first(db: Database) -> None:
    repo = ScheduleRepository(db)
    late = await repo.add(GUILD, "prompt", Recurrence.daily((9, 30), "UTC"), now=START)
    early = await repo.add(GUILD, "prompt", DAILY_9, now=START)
    now = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert [c.row.id for c in await repo.claim_due(now, 1)] == [early.id]
    assert [c.row.id for c in await repo.claim_due(now, 1)] == [late.id]


async def test_a_row_advanced_by_someone_else_is_not_claimed_again(db: Database) -> None:
    repo = ScheduleRepository(db)
    row = await repo.add(GUILD, "prompt", DAILY_9, now=START)
    # Another process advanced it between this one's read and write: the guard on the old value refuses.
    taken = await schedules._advance_batch(db, [(row.id, 1, to_timestamp(NINE) + 1)], to_timestamp(NINE))
    assert taken == set()
    assert await schedules._advance_batch(db, [(row.id, 1, to_timestamp(NINE))], 7) == {row.id}
    stored = await db.fetchone("SELECT next_run_at, last_run_at FROM schedules")
    assert stored is not None and (stored[0], stored[1]) == (1, 7)


async def test_a_batch_larger_than_one_statement_is_claimed_whole(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedules, "CHUNK", 33)  # 11 moves and 3 outbox rows per statement
    repo = ScheduleRepository(db)
    ids = [(await repo.add(GUILD, "checkin", DAILY_9, now=START, owner_id=n)).id for n in range(25)]
    claims = await repo.claim_due(NINE, 100, outbox={"checkin": OutboxPlan(timedelta(hours=1), dm=True)})
    assert sorted(c.row.id for c in claims) == ids
    assert all(c.row.next_run_at == NINE + timedelta(days=1) for c in claims)
    outbox = await db.fetchall("SELECT id, schedule_id, nonce FROM outbox")
    assert len(outbox) == 25
    assert {c.row.id: (c.outbox_id, c.nonce) for c in claims} == {r[1]: (r[0], r[2]) for r in outbox}


async def test_unreadable_rules_are_parked_in_batches_and_logged_without_content(
    db: Database, path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(schedules, "CHUNK", 12)  # 12 parked per statement, 4 moves, 1 outbox row
    repo = ScheduleRepository(db)
    bad = [(await repo.add(GUILD, "prompt", DAILY_9, now=START)).id for _ in range(14)]
    good = await repo.add(GUILD, "prompt", DAILY_9, now=START)
    await db.execute("UPDATE schedules SET recurrence = 'garbage' WHERE id != $1", (good.id,))
    with caplog.at_level(logging.ERROR, logger="bot.scheduling.repository"):
        claims = await repo.claim_due(NINE)
    assert [c.row.id for c in claims] == [good.id]
    assert rows(path, "SELECT id FROM schedules WHERE next_run_at IS NULL ORDER BY id") == [(i,) for i in bad]
    assert [r.getMessage() for r in caplog.records] == [
        f"schedule {i} has an unreadable recurrence; it will not run" for i in bad
    ]


async def test_a_claim_takes_a_hundred_unless_told_otherwise(db: Database) -> None:
    repo = ScheduleRepository(db)
    for _ in range(101):
        await repo.add(GUILD, "prompt", DAILY_9, now=START)
    assert len(await repo.claim_due(NINE)) == 100
    assert len(await repo.claim_due(NINE)) == 1


# -- the outbox rows a claim writes ---------------------------------------------------------------


async def test_a_dm_firing_owes_an_outbox_row_addressed_to_the_member(db: Database, path: Path) -> None:
    repo = ScheduleRepository(db)
    row = await repo.add(GUILD, "checkin", DAILY_9, now=START, owner_id=42)
    await db.execute("UPDATE schedules SET failures = 2")
    now = NINE + timedelta(minutes=5)
    plans = {"checkin": OutboxPlan(timedelta(hours=2), dm=True)}
    [claim] = await repo.claim_due(now, outbox=plans, lease="me", nonce=counter())
    deadline = to_timestamp(NINE + timedelta(hours=2))
    [stored] = rows(
        path,
        "SELECT id, guild_id, schedule_id, kind, user_id, due_at, deadline_at, nonce, attempts, next_attempt_at,"
        " lease, created_at, expires_at FROM outbox",
    )
    assert stored[1:] == (
        GUILD,
        row.id,
        "checkin",
        42,
        to_timestamp(NINE),
        deadline,
        "n1",
        0,
        to_timestamp(now),
        "me",
        to_timestamp(now),
        deadline + OUTBOX_KEEP_AFTER_DEADLINE,
    )
    assert (claim.outbox_id, claim.nonce, claim.failures) == (stored[0], "n1", 2)
    assert OUTBOX_KEEP_AFTER_DEADLINE == 24 * 3600


async def test_a_channel_firing_owes_a_row_addressed_to_nobody(db: Database, path: Path) -> None:
    repo = ScheduleRepository(db)
    await repo.add(GUILD, "prompt", DAILY_9, now=START, owner_id=42)
    plans = {"prompt": OutboxPlan(timedelta(hours=1), dm=False)}
    await repo.claim_due(NINE, outbox=plans, lease="me")
    assert rows(path, "SELECT user_id, lease FROM outbox") == [(None, "me")]
    await repo.claim_due(NINE + timedelta(days=1), outbox=plans)  # no lease named: an empty one
    assert rows(path, "SELECT lease FROM outbox ORDER BY id") == [("me",), ("",)]


async def test_kinds_without_a_plan_owe_nothing_and_carry_no_failures(db: Database, path: Path) -> None:
    repo = ScheduleRepository(db)
    dm = await repo.add(GUILD, "checkin", DAILY_9, now=START, owner_id=42)
    chore = await repo.add(GUILD, "purge", DAILY_9, now=START)
    await db.execute("UPDATE schedules SET failures = 3")
    plans = {"checkin": OutboxPlan(timedelta(hours=1), dm=True)}
    claims = {c.row.id: c for c in await repo.claim_due(NINE, outbox=plans, nonce=counter())}
    assert (claims[chore.id].outbox_id, claims[chore.id].nonce, claims[chore.id].failures) == (None, None, 0)
    assert (claims[dm.id].nonce, claims[dm.id].failures) == ("n1", 3)
    assert rows(path, "SELECT schedule_id FROM outbox") == [(dm.id,)]
    assert len(await repo.claim_due(NINE + timedelta(days=1))) == 2  # no plans at all: still claimed


async def test_a_planless_kind_earlier_in_the_batch_does_not_stop_the_rows_after_it(db: Database, path: Path) -> None:
    repo = ScheduleRepository(db)
    chore = await repo.add(GUILD, "purge", Recurrence.daily((8, 30), "UTC"), now=START)  # claimed first
    dm = await repo.add(GUILD, "checkin", DAILY_9, now=START, owner_id=42)
    plans = {"checkin": OutboxPlan(timedelta(hours=1), dm=True)}
    claims = await repo.claim_due(NINE, outbox=plans, nonce=counter())
    assert [(c.row.id, c.nonce) for c in claims] == [(chore.id, None), (dm.id, "n1")]
    assert rows(path, "SELECT schedule_id, nonce FROM outbox") == [(dm.id, "n1")]


# -- the other writes ---------------------------------------------------------------------------


async def test_a_target_is_stored_compact_and_sorted_and_none_is_empty(db: Database, path: Path) -> None:
    repo = ScheduleRepository(db)
    a = await repo.add(GUILD, "prompt", DAILY_9, now=START, target={"b": 1, "a": [1, 2]})
    b = await repo.add(GUILD, "prompt", DAILY_9, now=START)
    assert rows(path, "SELECT target FROM schedules ORDER BY id") == [('{"a":[1,2],"b":1}',), ("{}",)]
    assert (a.target, b.target, b.owner_id, b.expires_at) == ({"b": 1, "a": [1, 2]}, {}, None, None)


async def test_update_of_the_target_alone_keeps_the_rule_and_time(db: Database) -> None:
    repo = ScheduleRepository(db)
    row = await repo.add(GUILD, "prompt", DAILY_9, now=START, target={"s": 1})
    updated = await repo.update(row.id, now=START + timedelta(days=3), target={"s": 2})
    assert updated is not None
    assert (updated.target, updated.recurrence, updated.next_run_at) == ({"s": 2}, DAILY_9, NINE)


async def test_a_new_rule_on_a_paused_schedule_stays_paused(db: Database) -> None:
    repo = ScheduleRepository(db)
    row = await repo.add(GUILD, "prompt", DAILY_9, now=START)
    assert await repo.pause(row.id)
    weekly = Recurrence.on_weekdays((2,), (18, 0), "UTC")
    updated = await repo.update(row.id, now=START, recurrence=weekly)
    assert updated is not None and updated.recurrence == weekly and updated.next_run_at is None and updated.paused
    resumed = await repo.resume(row.id, now=START)
    assert resumed is not None and not resumed.paused and resumed.next_run_at == datetime(2026, 6, 3, 18, tzinfo=UTC)


async def test_missing_schedules_are_reported_not_invented(db: Database) -> None:
    repo = ScheduleRepository(db)
    assert await repo.get(99) is None
    assert await repo.pause(99) is False
    assert await repo.resume(99, now=START) is None
    assert await repo.delete(99) is False
    assert await repo.set_expiry(99, START) is False
    assert await repo.count(GUILD, "prompt") == 0
    assert await repo.earliest_due() is None


async def test_delete_removes_the_row_from_the_file(db: Database, path: Path) -> None:
    repo = ScheduleRepository(db)
    row = await repo.add(GUILD, "reminder", DAILY_9, now=START, owner_id=42)
    kept = await repo.add(GUILD, "reminder", DAILY_9, now=START, owner_id=42)
    assert await repo.delete(row.id) is True
    assert rows(path, "SELECT id FROM schedules") == [(kept.id,)]


async def test_forgetting_a_member_erases_only_their_rows_of_those_kinds(db: Database, path: Path) -> None:
    repo = ScheduleRepository(db)
    mine = await repo.add(GUILD, "reminder", DAILY_9, now=START, owner_id=42)
    checkin = await repo.add(2, "checkin", DAILY_9, now=START, owner_id=42)
    other_kind = await repo.add(GUILD, "prompt", DAILY_9, now=START, owner_id=42)
    someone = await repo.add(GUILD, "reminder", DAILY_9, now=START, owner_id=43)
    assert await repo.delete_by_owner(42, ("reminder", "checkin"), guild_id=GUILD) == 1
    assert await repo.delete_by_owner(42, ("reminder", "checkin")) == 1
    left = [r[0] for r in rows(path, "SELECT id FROM schedules ORDER BY id")]
    assert left == [other_kind.id, someone.id]
    assert mine.id not in left and checkin.id not in left


async def test_unlinking_a_member_keeps_server_schedules_without_their_id(db: Database, path: Path) -> None:
    repo = ScheduleRepository(db)
    prompt = await repo.add(GUILD, "prompt", DAILY_9, now=START, owner_id=42)
    event = await repo.add(GUILD, "event", DAILY_9, now=START, owner_id=42)
    reminder = await repo.add(GUILD, "reminder", DAILY_9, now=START, owner_id=42)
    other = await repo.add(GUILD, "prompt", DAILY_9, now=START, owner_id=43)
    assert await repo.clear_owner(42, ("prompt", "event")) == 2
    owners = dict(rows(path, "SELECT id, owner_id FROM schedules"))
    assert owners == {prompt.id: None, event.id: None, reminder.id: 42, other.id: 43}
    assert await repo.clear_owner(42) == 1
    assert dict(rows(path, "SELECT id, owner_id FROM schedules"))[reminder.id] is None
    assert dict(rows(path, "SELECT id, owner_id FROM schedules"))[other.id] == 43


async def test_expiry_is_renewed_with_or_without_the_retention_anchor(db: Database, path: Path) -> None:
    repo = ScheduleRepository(db)
    row = await repo.add(GUILD, "reminder", DAILY_9, now=START, owner_id=42)
    later = START + timedelta(days=30)
    assert await repo.set_expiry(row.id, later, renewed_at=START) is True
    assert rows(path, "SELECT expires_at, renewed_at FROM schedules") == [(to_timestamp(later), to_timestamp(START))]
    assert await repo.set_expiry(row.id, None) is True
    assert rows(path, "SELECT expires_at, renewed_at FROM schedules") == [(None, to_timestamp(START))]
    renewed = later + timedelta(days=1)
    assert await repo.set_expiry(row.id, renewed) is True  # the anchor is left as it was
    assert rows(path, "SELECT expires_at, renewed_at FROM schedules") == [(to_timestamp(renewed), to_timestamp(START))]
    assert await repo.set_expiry(row.id, None) is True
    stored = await repo.get(row.id)
    assert stored is not None and stored.expires_at is None


async def test_failures_in_a_row_count_up_and_reset(db: Database, path: Path) -> None:
    repo = ScheduleRepository(db)
    row = await repo.add(GUILD, "checkin", DAILY_9, now=START, owner_id=42)
    other = await repo.add(GUILD, "checkin", DAILY_9, now=START, owner_id=43)
    assert await repo.record_failure(row.id) == 1
    assert await repo.record_failure(row.id) == 2
    assert await repo.record_failure(99) == 0
    assert dict(rows(path, "SELECT id, failures FROM schedules")) == {row.id: 2, other.id: 0}
    await repo.reset_failures(row.id)
    assert dict(rows(path, "SELECT id, failures FROM schedules")) == {row.id: 0, other.id: 0}


def test_a_spent_schedule_is_neither_due_nor_paused() -> None:
    base = ScheduleRow(1, GUILD, "prompt", None, {}, DAILY_9, None, False, START, None)
    assert base.spent and base.expires_at is None
    assert not ScheduleRow(1, GUILD, "prompt", None, {}, DAILY_9, None, True, START, None).spent
    assert not ScheduleRow(1, GUILD, "prompt", None, {}, DAILY_9, NINE, False, START, None).spent
