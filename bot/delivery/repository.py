"""SQL for dm_notices: the one-time notices members are owed after a feature paused a DM to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.db import placeholders
from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare
from bot.shards import Shards

declare(
    TableDeclaration(
        table="dm_notices",
        feature="notices",
        purpose="That I paused something of yours (check-ins, the weekly look-back, strategy reminders), or that "
        "a scheduled message couldn't get through in time, so I can tell you, once, the next time you use a command.",
        personal=True,
        who_can_see="Nobody but you.",
        retention="Until you are told (after your next command in that server), resume or stop what was "
        "paused, or use /privacy forget; a year at most.",
        user_columns=("user_id",),
        expires_column="expires_at",
        columns={
            "guild_id": "The server it happened in.",
            "user_id": "Your Discord id.",
            "kind": "What was paused.",
            "reason": "Why: I couldn't send you a direct message, a reminder had no saved strategies left, or a "
            "scheduled message couldn't get through in time.",
            "created_at": "When it was paused.",
            "expires_at": "When this is deleted if you haven't been told by then.",
        },
    )
)


@dataclass(frozen=True)
class StoredNotice:
    """One notice a member is owed in a server."""

    guild_id: int
    user_id: int
    kind: str
    reason: str
    created_at: int
    expires_at: int


COLUMNS = "guild_id, user_id, kind, reason, created_at, expires_at"


class NoticeRepository:
    """SQL for dm_notices (one row per server, member and paused kind)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def members(self) -> list[tuple[int, int]]:
        """(guild id, user id) of everyone owed at least one notice: the in-memory mirror's load."""
        rows = await self.db.fetchall("SELECT DISTINCT guild_id, user_id FROM dm_notices")
        return [(int(r["guild_id"]), int(r["user_id"])) for r in rows]

    async def put(self, notice: StoredNotice) -> None:
        """Record a notice, replacing an older one about the same paused kind (the newest reason wins)."""
        # Every other column is replaced, as SQLite's INSERT OR REPLACE did (nothing references dm_notices).
        await self.db.execute(
            f"INSERT INTO dm_notices ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"  # noqa: S608 - constant
            " ON CONFLICT (guild_id, user_id, kind) DO UPDATE SET reason = excluded.reason,"
            " created_at = excluded.created_at, expires_at = excluded.expires_at",
            (notice.guild_id, notice.user_id, notice.kind, notice.reason, notice.created_at, notice.expires_at),
        )

    async def owed(self, guild_id: int, user_id: int) -> list[StoredNotice]:
        """The member's notices in one server, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {COLUMNS} FROM dm_notices WHERE guild_id = $1 AND user_id = $2"  # noqa: S608 - constant
            " ORDER BY created_at, kind",
            (guild_id, user_id),
        )
        return [StoredNotice(**dict(r)) for r in rows]

    async def delete(self, guild_id: int, user_id: int, kind: str) -> bool:
        """Remove one notice; True only for the caller that actually removed it (so it is told once)."""
        removed = await self.db.execute(
            "DELETE FROM dm_notices WHERE guild_id = $1 AND user_id = $2 AND kind = $3", (guild_id, user_id, kind)
        )
        return removed > 0

    async def for_user(self, user_id: int, kind: str) -> list[StoredNotice]:
        """The member's notices of one kind in every server (for /privacy export)."""
        rows = await self.db.fetchall(
            f"SELECT {COLUMNS} FROM dm_notices WHERE user_id = $1 AND kind = $2 ORDER BY guild_id",  # noqa: S608
            (user_id, kind),
        )
        return [StoredNotice(**dict(r)) for r in rows]

    async def delete_for_user(self, user_id: int, kind: str) -> int:
        """Remove the member's notices of one kind everywhere (for /privacy forget)."""
        return await self.db.execute("DELETE FROM dm_notices WHERE user_id = $1 AND kind = $2", (user_id, kind))


declare(
    TableDeclaration(
        table="outbox",
        feature="delivery",
        purpose="Scheduled messages I still owe (a check-in, a reminder, a look-back, a co-reflection prompt), "
        "so one that Discord did not take, or that a restart interrupted, is sent once it can be.",
        personal=True,
        who_can_see="Nobody: only the bot reads it, to send the message.",
        retention="Until the message is sent, or given up when it would no longer be useful (a few hours for "
        "a direct message, the late window for a channel post); a day after that at most. Deleted with the "
        "schedule it belongs to, so /privacy forget erases yours.",
        user_columns=("user_id",),
        expires_column="expires_at",
        columns={
            "id": "Number of the message.",
            "guild_id": "The server it belongs to.",
            "schedule_id": "The schedule that owes it.",
            "kind": "What it is (check-in, reminder, look-back, reflection prompt...).",
            "user_id": "For a direct message, your Discord id; empty for a channel post.",
            "due_at": "When it was due.",
            "deadline_at": "When it stops being useful and is given up.",
            "nonce": "A random code sent with it, so Discord drops a second copy.",
            "attempts": "How many times Discord did not take it.",
            "next_attempt_at": "When to try again.",
            "lease": "Which run of the bot is sending it (a random code per start).",
            "created_at": "When it was owed.",
            "expires_at": "When this is deleted whatever happened.",
        },
    )
)


@dataclass(frozen=True)
class OutboxRow:
    """One owed message. Never any text: it is composed from its schedule at each attempt."""

    id: int
    guild_id: int
    schedule_id: int
    kind: str
    user_id: int | None
    due_at: int
    deadline_at: int
    nonce: str
    attempts: int
    next_attempt_at: int


OUTBOX_COLUMNS = "id, guild_id, schedule_id, kind, user_id, due_at, deadline_at, nonce, attempts, next_attempt_at"


def _resumable_sql(lease: str, shards: Shards | None, start: int) -> tuple[str, list[Any]]:
    """The rows this process may take (see take_resumable), numbered from `$start`."""
    if shards is None or shards.holds_all:
        # One process: every other lease is an earlier start's, interrupted.
        return f"(lease IS NULL OR lease != ${start})", [lease]
    ids = shards.sorted_ids()
    mine = f"(lease IS NULL OR (lease LIKE ${start} AND lease != ${start + 1}))"
    shard = f"((guild_id >> 22) % CAST(${start + 2} AS BIGINT)) IN ({placeholders(len(ids), start + 3)})"
    return f"{mine} AND (user_id IS NOT NULL OR {shard})", [f"{shards.token}:%", lease, shards.count, *ids]


class OutboxRepository:
    """SQL for the outbox (rows are inserted by the scheduler's claim, in its transaction)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def take_resumable(self, now: int, lease: str, limit: int, shards: Shards | None = None) -> list[OutboxRow]:
        """Lease up to `limit` rows due for an attempt that this process may take; return them.

        That is a row released for another attempt, or one an earlier start of this process left (with
        several processes, an earlier start with the same shards). A row another live process leased is
        never taken: that is what keeps a message from being sent twice. With several processes, only rows
        of this process's shards' servers or direct messages (anyone's) are taken. On PostgreSQL rows being
        taken by another process are skipped, not waited for.
        """
        where, params = _resumable_sql(lease, shards, 2)
        lock = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgres" else ""
        async with self.db.transaction() as tx:
            rows = await tx.fetchall(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox"  # noqa: S608 - constant and placeholders
                f" WHERE next_attempt_at <= $1 AND {where} ORDER BY next_attempt_at LIMIT ${2 + len(params)}{lock}",
                (now, *params, limit),
            )
            taken = [OutboxRow(**dict(r)) for r in rows]
            await tx.executemany("UPDATE outbox SET lease = $1 WHERE id = $2", [(lease, row.id) for row in taken])
        return taken

    async def earliest(self, lease: str, shards: Shards | None = None) -> int | None:
        """When the next row this process may take is due for an attempt."""
        where, params = _resumable_sql(lease, shards, 1)
        value = await self.db.fetchval(f"SELECT MIN(next_attempt_at) FROM outbox WHERE {where}", params)  # noqa: S608
        return None if value is None else int(value)

    async def done(self, outbox_id: int) -> bool:
        """Remove a row (sent, given up or no longer owed); True only for the caller that removed it."""
        return await self.db.execute("DELETE FROM outbox WHERE id = $1", (outbox_id,)) > 0

    async def retry_at(self, outbox_id: int, attempts: int, when: int, nonce: str | None = None) -> None:
        """Release a row for another attempt at `when` (any process may take it then)."""
        if nonce is None:
            await self.db.execute(
                "UPDATE outbox SET attempts = $1, next_attempt_at = $2, lease = NULL WHERE id = $3",
                (attempts, when, outbox_id),
            )
            return
        await self.db.execute(
            "UPDATE outbox SET attempts = $1, next_attempt_at = $2, lease = NULL, nonce = $3 WHERE id = $4",
            (attempts, when, nonce, outbox_id),
        )

    async def for_user(self, user_id: int) -> list[dict[str, object]]:
        """The direct messages still owed to a member, for /privacy export (no text is ever stored)."""
        rows = await self.db.fetchall(
            "SELECT guild_id, kind, due_at, deadline_at, attempts FROM outbox WHERE user_id = $1 ORDER BY due_at",
            (user_id,),
        )
        return [
            {
                "guild_id": str(r["guild_id"]),
                "kind": r["kind"],
                "due_at": r["due_at"],
                "given_up_at": r["deadline_at"],
                "attempts": r["attempts"],
            }
            for r in rows
        ]

    async def delete_for_user(self, user_id: int) -> int:
        """Forget every message still owed to a member (their schedules go too; this covers any other)."""
        return await self.db.execute("DELETE FROM outbox WHERE user_id = $1", (user_id,))

    async def count(self) -> int:
        """How many messages are owed (for /status-like checks and tests)."""
        return int(await self.db.fetchval("SELECT COUNT(*) FROM outbox") or 0)


declare(
    TableDeclaration(
        table="dm_channels",
        feature="delivery",
        purpose="The id of your direct-message conversation with me, so each scheduled message you asked for "
        "(a check-in, a reminder, a look-back) takes Discord one request instead of two and a busy morning "
        "reaches everyone sooner.",
        personal=True,
        who_can_see="Nobody: only the bot reads it, to send you the messages you asked for.",
        retention="Kept while you have a scheduled direct message turned on (check-ins, reminders, look-backs, "
        "welcome messages, event reminders): it goes when you stop the last one, and a month after the last "
        "direct message at most. /privacy forget erases it at once.",
        user_columns=("user_id",),
        expires_column="expires_at",
        items="direct message conversation ids",
        columns={
            "user_id": "Your Discord id.",
            "channel_id": "The id Discord gave our direct-message conversation (never its messages).",
            "created_at": "When I first stored it.",
            "used_at": "When I last sent you a direct message through it.",
            "expires_at": "When it is deleted unless I send you another direct message before then.",
        },
    )
)


class DmChannelRepository:
    """SQL for dm_channels: one stored DM channel id per member the bot sends direct messages to."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> tuple[int, int] | None:
        """The member's stored DM channel id and when a DM last went through it, if any."""
        row = await self.db.fetchone("SELECT channel_id, used_at FROM dm_channels WHERE user_id = $1", (user_id,))
        return None if row is None else (int(row["channel_id"]), int(row["used_at"]))

    async def put(self, user_id: int, channel_id: int, now: int, expires_at: int, kinds: tuple[str, ...]) -> bool:
        """Store (or replace) the member's DM channel id, only while they own a schedule of `kinds` (scheduled DMs).

        A one-off reminder's schedule is gone by the time its DM is sent: then nothing is stored.
        """
        marks = placeholders(len(kinds), start=5) or "NULL"
        # The casts type the SELECT's bare parameters for PostgreSQL (BIGINT: ids are snowflakes).
        stored = await self.db.execute(
            "INSERT INTO dm_channels (user_id, channel_id, created_at, used_at, expires_at)"  # noqa: S608
            " SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), CAST($3 AS BIGINT),"
            " CAST($4 AS BIGINT) WHERE EXISTS (SELECT 1 FROM schedules s WHERE s.owner_id = $1"
            f" AND s.kind IN ({marks})) ON CONFLICT (user_id) DO UPDATE SET channel_id = excluded.channel_id,"
            " used_at = excluded.used_at, expires_at = excluded.expires_at",
            (user_id, channel_id, now, expires_at, *kinds),
        )
        return stored > 0

    async def touch(self, user_id: int, now: int, expires_at: int) -> None:
        """A DM went through the stored channel: keep its id for another retention period."""
        await self.db.execute(
            "UPDATE dm_channels SET used_at = $1, expires_at = $2 WHERE user_id = $3", (now, expires_at, user_id)
        )

    async def drop(self, user_id: int, channel_id: int) -> bool:
        """Remove a stale id (only if it is still the one that failed); True when it was removed."""
        removed = await self.db.execute(
            "DELETE FROM dm_channels WHERE user_id = $1 AND channel_id = $2", (user_id, channel_id)
        )
        return removed > 0

    async def missing_for_due(self, kinds: tuple[str, ...], until: int, limit: int) -> list[int]:
        """Owners of active schedules of `kinds` due by `until` whose DM channel is not stored yet.

        These are members who opted into a scheduled DM: their channel can be opened ahead of the wave.
        """
        if not kinds:
            return []
        marks = placeholders(len(kinds))
        n = len(kinds)
        # Soonest owner first: PostgreSQL refuses DISTINCT ordered by a column not selected, so group and
        # order by each owner's earliest due time (what SQLite's DISTINCT over the due-ordered rows gave).
        rows = await self.db.fetchall(
            "SELECT s.owner_id FROM schedules s"  # noqa: S608 - placeholders only
            f" WHERE s.kind IN ({marks}) AND s.paused = 0 AND s.owner_id IS NOT NULL"
            f" AND s.next_run_at IS NOT NULL AND s.next_run_at <= ${n + 1}"
            " AND NOT EXISTS (SELECT 1 FROM dm_channels c WHERE c.user_id = s.owner_id)"
            f" GROUP BY s.owner_id ORDER BY MIN(s.next_run_at), s.owner_id LIMIT ${n + 2}",
            (*kinds, until, limit),
        )
        return [int(r["owner_id"]) for r in rows]

    async def prune(self, kinds: tuple[str, ...], after: int, limit: int) -> int | None:
        """Forget the ids of members with no schedule of `kinds` left, among the next `limit` ids after `after`.

        A backstop for removals that did not go through the scheduler (stopping a DM prunes at once). One
        slice per maintenance pass keeps the pass's cost flat however many members there are; returns the
        cursor for the next slice, or None once the end was reached (start again from 0).
        """
        rows = await self.db.fetchall(
            "SELECT user_id FROM dm_channels WHERE user_id > $1 ORDER BY user_id LIMIT $2", (after, limit)
        )
        if not rows:
            return None
        last = int(rows[-1]["user_id"])
        marks = placeholders(len(kinds), start=3) or "NULL"
        await self.db.execute(
            "DELETE FROM dm_channels WHERE user_id > $1 AND user_id <= $2 AND NOT EXISTS ("  # noqa: S608 - placeholders
            f"SELECT 1 FROM schedules s WHERE s.owner_id = dm_channels.user_id AND s.kind IN ({marks}))",
            (after, last, *kinds),
        )
        return last if len(rows) == limit else None

    async def prune_user(self, user_id: int, kinds: tuple[str, ...]) -> int:
        """Forget one member's id if they no longer have any schedule of `kinds` (they stopped the last one)."""
        marks = placeholders(len(kinds), start=2) or "NULL"
        return await self.db.execute(
            "DELETE FROM dm_channels WHERE user_id = $1 AND NOT EXISTS (SELECT 1 FROM schedules s"  # noqa: S608
            f" WHERE s.owner_id = $1 AND s.kind IN ({marks}))",
            (user_id, *kinds),
        )

    async def prune_owner_of(self, schedule_id: int, kinds: tuple[str, ...]) -> int:
        """A schedule is about to go: forget its owner's id unless another schedule of `kinds` is theirs."""
        marks = placeholders(len(kinds), start=2) or "NULL"
        return await self.db.execute(
            "DELETE FROM dm_channels WHERE user_id = (SELECT owner_id FROM schedules WHERE id = $1)"  # noqa: S608
            " AND NOT EXISTS (SELECT 1 FROM schedules s WHERE s.owner_id = dm_channels.user_id AND s.id != $1"
            f" AND s.kind IN ({marks}))",
            (schedule_id, *kinds),
        )

    async def for_user(self, user_id: int) -> list[dict[str, object]]:
        """The member's stored DM channel id, for /privacy export."""
        rows = await self.db.fetchall(
            "SELECT channel_id, created_at, used_at, expires_at FROM dm_channels WHERE user_id = $1", (user_id,)
        )
        return [
            {
                "channel_id": str(r["channel_id"]),
                "stored_at": r["created_at"],
                "last_used_at": r["used_at"],
                "expires_at": r["expires_at"],
            }
            for r in rows
        ]

    async def delete_for_user(self, user_id: int) -> int:
        """Forget the member's DM channel id (for /privacy forget)."""
        return await self.db.execute("DELETE FROM dm_channels WHERE user_id = $1", (user_id,))
