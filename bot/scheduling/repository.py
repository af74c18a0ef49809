"""SQL for the `schedules` table: add, list, change, delete, and the dispatcher's claim.

Times are stored as whole UTC seconds. The repository computes `next_run_at` from the stored
recurrence (a pure function in bot.scheduling.recurrence) so that every writer advances rows the
same way, and `claim_due` can do select-and-advance in one transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.clock import from_timestamp, to_timestamp
from bot.db import placeholders
from bot.db.connection import Database, Row
from bot.delivery.outbox import new_nonce
from bot.privacy import TableDeclaration, declare
from bot.scheduling.recurrence import Recurrence, count_between, last_occurrence, next_occurrence
from bot.shards import Scope

log = logging.getLogger(__name__)
# Rows per statement in a batch: bounds the bound values well below SQLite's limit.
CHUNK = 900

declare(
    TableDeclaration(
        table="schedules",
        feature="scheduling",
        purpose="When to post co-reflection prompts and send check-ins or reminders you asked for.",
        personal=True,
        who_can_see="Your own schedules: only you. Server schedules: facilitators and moderators.",
        retention="Your own schedules end when you stop them, and expire if unused for the server's retention "
        "period; server schedules last until deleted.",
        user_columns=("owner_id",),
        expires_column="expires_at",
        retention_anchor="renewed_at",
        items="strategy reminders",
        columns={
            "id": "Number of the schedule.",
            "guild_id": "The server it belongs to.",
            "kind": "What it does (reflection prompt, check-in, reminder...).",
            "owner_id": "The member it belongs to, or who created a server schedule.",
            "target": "Where it posts and what (a channel and prompt id; never anything you wrote).",
            "recurrence": "How often and at what local time.",
            "next_run_at": "Its next time.",
            "paused": "Whether it is paused.",
            "created_at": "When it was made.",
            "last_run_at": "When it last ran.",
            "expires_at": "When a member's own schedule is deleted unless used again.",
            "renewed_at": "For a schedule kept the server's retention period (a strategy reminder): when you last "
            "set it, from which that period counts; empty for every other schedule.",
            "failures": "How many times in a row its message could not be delivered.",
        },
    )
)

# An outbox row given up (or never finished) is deleted by the retention purge this long after its deadline.
OUTBOX_KEEP_AFTER_DEADLINE = 24 * 3600


@dataclass(frozen=True)
class ScheduleRow:
    """One schedule as stored. `next_run_at` is None while paused or once a one-off is spent."""

    id: int
    guild_id: int
    kind: str
    owner_id: int | None
    target: dict[str, Any]
    recurrence: Recurrence
    next_run_at: datetime | None
    paused: bool
    created_at: datetime
    last_run_at: datetime | None
    expires_at: datetime | None = None

    @property
    def spent(self) -> bool:
        """True for a schedule that will never fire again (and is not merely paused)."""
        return self.next_run_at is None and not self.paused


@dataclass(frozen=True)
class Claim:
    """A schedule taken by the dispatcher: `row` is already advanced past `now`.

    `due_at` is the most recent occurrence at or before the claim time (so after downtime the
    freshest missed firing is the one judged against the grace window); `missed` counts the older
    occurrences that were passed over without firing.
    """

    row: ScheduleRow
    due_at: datetime
    missed: int
    outbox_id: int | None = None
    nonce: str | None = None
    # Firings given up in a row before this one (so a success only writes when there is a count to reset).
    failures: int = 0


@dataclass(frozen=True)
class OutboxPlan:
    """How claim_due writes the outbox row of a firing: its deadline, and whether it is a member's DM."""

    deadline: timedelta
    dm: bool


def _optional_time(value: int | None) -> datetime | None:
    return None if value is None else from_timestamp(value)


def _to_row(r: Row) -> ScheduleRow:
    """Map a database row; ValueError if the stored recurrence cannot be read."""
    return ScheduleRow(
        id=r["id"],
        guild_id=r["guild_id"],
        kind=r["kind"],
        owner_id=r["owner_id"],
        target=json.loads(r["target"]),
        recurrence=Recurrence.from_json(r["recurrence"]),
        next_run_at=_optional_time(r["next_run_at"]),
        paused=bool(r["paused"]),
        created_at=from_timestamp(r["created_at"]),
        last_run_at=_optional_time(r["last_run_at"]),
        expires_at=_optional_time(r["expires_at"]),
    )


def _dump_target(target: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(target or {}), separators=(",", ":"), sort_keys=True)


def _stamp(when: datetime | None) -> int | None:
    return None if when is None else to_timestamp(when)


def _advance(rec: Recurrence, due: datetime, now: datetime) -> tuple[datetime, int, datetime | None]:
    """Return (latest occurrence <= now, occurrences skipped before it, first occurrence > now).

    Computed directly rather than by walking from `due`, so a schedule down for decades still judges
    its freshest missed occurrence, however many came before it.
    """
    upcoming = next_occurrence(rec, due)
    if upcoming is None or upcoming > now:
        return due, 0, upcoming  # nothing missed: the usual case, one step
    latest = last_occurrence(rec, now)
    if latest is None or latest <= due:  # pragma: no cover - `upcoming` is a later one at or before now
        return due, 0, next_occurrence(rec, now)
    # Passed over: `due` itself and every firing between it and the latest.
    return latest, 1 + count_between(rec, due, latest), next_occurrence(rec, now)


class ScheduleRepository:
    """All SQL touching `schedules`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def db(self) -> Database:
        """The database, for a caller that checks and adds schedules in one transaction of its own."""
        return self._db

    async def add(
        self,
        guild_id: int,
        kind: str,
        recurrence: Recurrence,
        *,
        now: datetime,
        target: Mapping[str, Any] | None = None,
        owner_id: int | None = None,
        expires_at: datetime | None = None,
    ) -> ScheduleRow:
        """Store a new schedule whose first run is the rule's first occurrence after `now`."""
        first = next_occurrence(recurrence, now)
        schedule_id = await self._db.insert(
            "INSERT INTO schedules (guild_id, kind, owner_id, target, recurrence, next_run_at, paused,"
            " created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8) RETURNING id",
            (
                guild_id,
                kind,
                owner_id,
                _dump_target(target),
                recurrence.to_json(),
                _stamp(first),
                to_timestamp(now),
                _stamp(expires_at),
            ),
        )
        # Built here rather than read back: one round trip less on the hot path of adding.
        return ScheduleRow(
            id=schedule_id,
            guild_id=guild_id,
            kind=kind,
            owner_id=owner_id,
            target=json.loads(_dump_target(target)),
            recurrence=recurrence,
            next_run_at=_optional_time(_stamp(first)),
            paused=False,
            created_at=from_timestamp(to_timestamp(now)),
            last_run_at=None,
            expires_at=_optional_time(_stamp(expires_at)),
        )

    async def get(self, schedule_id: int) -> ScheduleRow | None:
        """One schedule by id, or None."""
        r = await self._db.fetchone(SELECT_BY_ID, (schedule_id,))
        return None if r is None else _to_row(r)

    async def list_by_guild(self, guild_id: int, kind: str | None = None) -> list[ScheduleRow]:
        """A server's schedules, optionally of one kind, oldest first."""
        if kind is None:
            rows = await self._db.fetchall(SELECT_BY_GUILD, (guild_id,))
        else:
            rows = await self._db.fetchall(
                SELECT_BY_GUILD_KIND,
                (guild_id, kind),
            )
        return [_to_row(r) for r in rows]

    async def list_by_owner(self, owner_id: int, guild_id: int | None = None) -> list[ScheduleRow]:
        """A member's schedules (everywhere, or in one server), for privacy show/export."""
        if guild_id is None:
            rows = await self._db.fetchall(SELECT_BY_OWNER, (owner_id,))
        else:
            rows = await self._db.fetchall(SELECT_BY_OWNER_GUILD, (owner_id, guild_id))
        return [_to_row(r) for r in rows]

    async def count(self, guild_id: int, kind: str) -> int:
        """How many schedules of a kind a server has (for per-server limits)."""
        value = await self._db.fetchval(
            "SELECT COUNT(*) FROM schedules WHERE guild_id = $1 AND kind = $2", (guild_id, kind)
        )
        return int(value or 0)

    async def update(
        self,
        schedule_id: int,
        *,
        now: datetime,
        recurrence: Recurrence | None = None,
        target: Mapping[str, Any] | None = None,
    ) -> ScheduleRow | None:
        """Change the rule and/or payload; a new rule recomputes the next run unless paused."""
        async with self._db.transaction() as tx:
            current = await self.get(schedule_id)
            if current is None:
                return None
            if target is not None:
                await tx.execute("UPDATE schedules SET target = $1 WHERE id = $2", (_dump_target(target), schedule_id))
            if recurrence is not None:
                upcoming = None if current.paused else next_occurrence(recurrence, now)
                await tx.execute(
                    "UPDATE schedules SET recurrence = $1, next_run_at = $2 WHERE id = $3",
                    (recurrence.to_json(), _stamp(upcoming), schedule_id),
                )
            return await self.get(schedule_id)

    async def pause(self, schedule_id: int) -> bool:
        """Stop a schedule firing until resumed; False if it does not exist."""
        changed = await self._db.execute(
            "UPDATE schedules SET paused = 1, next_run_at = NULL WHERE id = $1", (schedule_id,)
        )
        return changed > 0

    async def resume(self, schedule_id: int, *, now: datetime) -> ScheduleRow | None:
        """Fire again from the next occurrence after `now` (missed ones while paused are skipped)."""
        async with self._db.transaction() as tx:
            current = await self.get(schedule_id)
            if current is None:
                return None
            upcoming = next_occurrence(current.recurrence, now)
            await tx.execute(
                "UPDATE schedules SET paused = 0, next_run_at = $1 WHERE id = $2",
                (_stamp(upcoming), schedule_id),
            )
            return await self.get(schedule_id)

    async def delete(self, schedule_id: int) -> bool:
        """Remove one schedule; False if it did not exist."""
        return await self._db.execute("DELETE FROM schedules WHERE id = $1", (schedule_id,)) > 0

    async def delete_by_owner(self, owner_id: int, kinds: tuple[str, ...], guild_id: int | None = None) -> int:
        """Remove a member's schedules of these kinds (privacy forget, stop); return how many went."""
        # No kinds matches nothing: `IN (NULL)` is never true (SQLite's empty `IN ()` is not PostgreSQL).
        if guild_id is None:
            marks = placeholders(len(kinds), start=2) or "NULL"
            return await self._db.execute(
                f"DELETE FROM schedules WHERE owner_id = $1 AND kind IN ({marks})",  # noqa: S608 (placeholders only)
                (owner_id, *kinds),
            )
        marks = placeholders(len(kinds), start=3) or "NULL"
        return await self._db.execute(
            f"DELETE FROM schedules WHERE owner_id = $1 AND guild_id = $2 AND kind IN ({marks})",  # noqa: S608
            (owner_id, guild_id, *kinds),
        )

    async def set_expiry(
        self, schedule_id: int, expires_at: datetime | None, *, renewed_at: datetime | None = None
    ) -> bool:
        """Renew (or clear) when a member's schedule expires; False if it did not exist.

        `renewed_at` is given only for a schedule kept the server's retention period (a strategy
        reminder): that period counts from it, so a shorter one removes the schedule at once.
        """
        if renewed_at is None:
            sql, params = "UPDATE schedules SET expires_at = $1 WHERE id = $2", [_stamp(expires_at), schedule_id]
        else:
            sql = "UPDATE schedules SET expires_at = $1, renewed_at = $2 WHERE id = $3"
            params = [_stamp(expires_at), _stamp(renewed_at), schedule_id]
        return await self._db.execute(sql, params) > 0

    async def clear_owner(self, owner_id: int, kinds: tuple[str, ...] | None = None) -> int:
        """Unlink a member from server schedules they created (they keep running for the server).

        `kinds` limits it to one feature's schedules, so unlinking server schedules never orphans a
        member's own schedules of another feature before that feature deletes them.
        """
        if kinds is None:
            return await self._db.execute("UPDATE schedules SET owner_id = NULL WHERE owner_id = $1", (owner_id,))
        marks = placeholders(len(kinds), start=2) or "NULL"  # no kinds: nothing (`IN ()` is SQLite-only)
        return await self._db.execute(
            f"UPDATE schedules SET owner_id = NULL WHERE owner_id = $1 AND kind IN ({marks})",  # noqa: S608 - only $n
            (owner_id, *kinds),
        )

    async def earliest_due(self, scope: Scope | None = None) -> datetime | None:
        """When the next schedule this process may claim is due, or None if there is none."""
        where, params = _scope_sql(scope, 1)
        value = await self._db.fetchval(EARLIEST_DUE_SQL + where, params)
        return None if value is None else from_timestamp(int(value))

    async def claim_due(
        self,
        now: datetime,
        limit: int = 100,
        *,
        outbox: Mapping[str, OutboxPlan] | None = None,
        lease: str = "",
        nonce: Callable[[], str] = new_nonce,
        scope: Scope | None = None,
    ) -> list[Claim]:
        """Take up to `limit` due schedules, advancing each past `now` in the same transaction.

        `scope` limits it to this process's share (its shards' servers, and the kinds anyone may take).
        On PostgreSQL the rows are locked as they are read and rows another process is claiming are
        skipped (`FOR UPDATE SKIP LOCKED`), so processes never wait on or take each other's rows.

        For a kind in `outbox`, the message the firing owes is written to the outbox in that same
        transaction (leased by this process), so a crash after this commits loses nothing: the next
        start resumes the row. Other kinds (housekeeping) stay at most once. The batch is advanced by
        one UPDATE and its outbox rows written by one INSERT, whatever its size.
        """
        stamp = to_timestamp(now)
        async with self._db.transaction() as tx:
            planned: list[tuple[ScheduleRow, Row, datetime, int, datetime | None]] = []
            parked: list[int] = []
            where, extra = _scope_sql(scope, 3)
            claim_sql = CLAIM_DUE_SQL.format(scope=where, lock=CLAIM_LOCK[self._db.dialect])
            for r in await tx.fetchall(claim_sql, (stamp, limit, *extra)):
                try:
                    row = _to_row(r)
                except ValueError:
                    # An unreadable rule can never be computed; park it rather than retry forever.
                    log.error("schedule %d has an unreadable recurrence; it will not run", r["id"])
                    parked.append(int(r["id"]))
                    continue
                due, missed, upcoming = _advance(row.recurrence, from_timestamp(r["next_run_at"]), now)
                planned.append((row, r, due, missed, upcoming))
            await _park(tx, parked)
            taken = await _advance_batch(
                tx, [(row.id, _stamp(up), r["next_run_at"]) for row, r, _, _, up in planned], stamp
            )
            claims = [
                Claim(
                    replace(row, next_run_at=upcoming, last_run_at=from_timestamp(stamp)),
                    due,
                    missed,
                    None,
                    None,
                    int(r["failures"]),
                )
                for row, r, due, missed, upcoming in planned
                if row.id in taken
            ]
            return await _write_outbox(tx, claims, outbox or {}, stamp, lease, nonce)

    async def record_failure(self, schedule_id: int) -> int:
        """One more firing given up in a row; return how many now."""
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE schedules SET failures = failures + 1 WHERE id = $1", (schedule_id,))
            value = await tx.fetchval("SELECT failures FROM schedules WHERE id = $1", (schedule_id,))
        return int(value or 0)

    async def reset_failures(self, schedule_id: int) -> None:
        """A firing got through: the count of failures in a row starts again."""
        await self._db.execute("UPDATE schedules SET failures = 0 WHERE id = $1 AND failures != 0", (schedule_id,))


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


async def _park(tx: Database, ids: list[int]) -> None:
    """Stop schedules whose rule cannot be read (one statement for the batch)."""
    for chunk in _chunks(ids, CHUNK):
        marks = placeholders(len(chunk))  # only placeholders; the values are bound
        await tx.execute(f"UPDATE schedules SET next_run_at = NULL WHERE id IN ({marks})", chunk)  # noqa: S608


async def _advance_batch(tx: Database, moves: list[tuple[int, int | None, int]], stamp: int) -> set[int]:
    """Advance each (id, next_run_at, previous next_run_at) in one UPDATE; return the ids it changed.

    The previous-value guard keeps this at most once even if another process shares the table: a row
    that someone else advanced in between no longer matches, is not returned, and is not fired here.
    """
    taken: set[int] = set()
    for chunk in _chunks(moves, CHUNK // 3):
        # $1 is the stamp; each move is a row of three after it. PostgreSQL cannot infer the type of a bare
        # parameter in VALUES: the first row's casts type the columns (the later rows follow them). The
        # CTE names the columns in both engines (SQLite has no column list on a FROM alias).
        rows_sql = ", ".join(
            ["(CAST($2 AS BIGINT), CAST($3 AS BIGINT), CAST($4 AS BIGINT))"]
            + [f"({placeholders(3, start=2 + 3 * n)})" for n in range(1, len(chunk))]
        )
        rows = await tx.fetchall(
            f"WITH moves (id, next_at, prev_at) AS (VALUES {rows_sql}) "  # noqa: S608 - placeholders only
            "UPDATE schedules SET next_run_at = moves.next_at, last_run_at = $1 FROM moves "
            "WHERE schedules.id = moves.id AND schedules.next_run_at = moves.prev_at RETURNING schedules.id",
            [stamp, *(value for move in chunk for value in move)],
        )
        taken |= {int(row[0]) for row in rows}
    return taken


async def _write_outbox(
    tx: Database,
    claims: list[Claim],
    plans: Mapping[str, OutboxPlan],
    stamp: int,
    lease: str,
    nonce: Callable[[], str],
) -> list[Claim]:
    """Write the outbox rows the claimed firings owe, in one INSERT per chunk; return the claims with their ids."""
    rows: dict[str, tuple[Any, ...]] = {}
    owed: dict[int, str] = {}
    for claim in claims:
        plan = plans.get(claim.row.kind)
        if plan is None:
            continue
        code = nonce()
        deadline = to_timestamp(claim.due_at + plan.deadline)
        row = claim.row
        owner = row.owner_id if plan.dm else None
        due = to_timestamp(claim.due_at)
        rows[code] = (
            row.guild_id,
            row.id,
            row.kind,
            owner,
            due,
            deadline,
            code,
            stamp,
            lease,
            stamp,
            deadline + OUTBOX_KEEP_AFTER_DEADLINE,
        )
        owed[row.id] = code
    ids: dict[str, int] = {}
    for chunk in _chunks(list(rows.values()), CHUNK // 11):
        values = ", ".join(f"({placeholders(11, start=1 + 11 * n)})" for n in range(len(chunk)))  # only placeholders
        returned = await tx.fetchall(
            "INSERT INTO outbox (guild_id, schedule_id, kind, user_id, due_at, deadline_at, nonce,"  # noqa: S608
            f" next_attempt_at, lease, created_at, expires_at) VALUES {values} RETURNING id, nonce",
            [value for row in chunk for value in row],
        )
        ids |= {str(r["nonce"]): int(r["id"]) for r in returned}
    return [
        replace(c, outbox_id=ids[owed[c.row.id]], nonce=owed[c.row.id]) if c.row.id in owed else replace(c, failures=0)
        for c in claims
    ]


# Literal statements (no string building), module-level so tests can EXPLAIN exactly what runs.
SELECT_BY_ID = (
    "SELECT id, guild_id, kind, owner_id, target, recurrence, next_run_at, paused, created_at, last_run_at,"
    " expires_at"
    " FROM schedules WHERE id = $1"
)
SELECT_BY_GUILD = (
    "SELECT id, guild_id, kind, owner_id, target, recurrence, next_run_at, paused, created_at, last_run_at,"
    " expires_at"
    " FROM schedules WHERE guild_id = $1 ORDER BY id"
)
SELECT_BY_GUILD_KIND = (
    "SELECT id, guild_id, kind, owner_id, target, recurrence, next_run_at, paused, created_at, last_run_at,"
    " expires_at"
    " FROM schedules WHERE guild_id = $1 AND kind = $2 ORDER BY id"
)
SELECT_BY_OWNER = (
    "SELECT id, guild_id, kind, owner_id, target, recurrence, next_run_at, paused, created_at, last_run_at,"
    " expires_at"
    " FROM schedules WHERE owner_id = $1 ORDER BY id"
)
SELECT_BY_OWNER_GUILD = (
    "SELECT id, guild_id, kind, owner_id, target, recurrence, next_run_at, paused, created_at, last_run_at,"
    " expires_at"
    " FROM schedules WHERE owner_id = $1 AND guild_id = $2 ORDER BY id"
)
EARLIEST_DUE_SQL = "SELECT MIN(next_run_at) FROM schedules WHERE next_run_at IS NOT NULL"
# {scope}: this process's share (empty for one process); {lock}: PostgreSQL's row locks (SQLite has one writer).
CLAIM_DUE_SQL = (
    "SELECT id, guild_id, kind, owner_id, target, recurrence, next_run_at, paused, created_at, last_run_at,"
    " expires_at, failures"
    " FROM schedules WHERE next_run_at IS NOT NULL AND next_run_at <= $1{scope} ORDER BY next_run_at LIMIT $2{lock}"
)
CLAIM_LOCK = {"sqlite": "", "postgres": " FOR UPDATE SKIP LOCKED"}


def _scope_sql(scope: Scope | None, start: int) -> tuple[str, list[Any]]:
    """` AND (…)` keeping the schedules this process may claim, numbered from `$start`; empty for one process.

    A server's shard is (id >> 22) % count, as Discord computes it; kinds anyone may take (DMs) match by kind,
    or, while the process has no room for them, are left out altogether.
    """
    if scope is None or scope.shards.holds_all:
        return "", []
    kinds, ids = list(scope.anyone_kinds), scope.shards.sorted_ids()
    count_at = start + len(kinds)
    shard = f"((guild_id >> 22) % CAST(${count_at} AS BIGINT)) IN ({placeholders(len(ids), count_at + 1)})"
    marks = placeholders(len(kinds), start)
    if not kinds:
        either = shard
    elif scope.take_anyone:
        either = f"kind IN ({marks}) OR {shard}"
    else:
        either = f"kind NOT IN ({marks}) AND {shard}"
    return f" AND ({either})", [*kinds, scope.shards.count, *ids]
