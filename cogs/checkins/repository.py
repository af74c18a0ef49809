"""SQL for check-ins: members' plans and their kept (encrypted) answers.

The prompts a server added or hid are server items (`bot/library`), not check-in tables."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.db.connection import Database, Row
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="checkin_plans",
        feature="checkins",
        purpose="Your own check-in choices: when, which prompts, and whether answers are kept.",
        personal=True,
        who_can_see="Nobody but you, moderators included.",
        retention="Until you stop check-ins; deleted after a year without using them.",
        user_columns=("user_id",),
        expires_column="expires_at",
        columns={
            "guild_id": "The server you started check-ins in.",
            "user_id": "Your Discord id.",
            "schedule_id": "The schedule that sends your check-in.",
            "cadence": "How often: daily, weekdays, chosen days or weekly.",
            "days": "The weekdays you chose, if any.",
            "at_minute": "The time of day (minutes after midnight).",
            "timezone": "The time zone you chose.",
            "prompt_set": "Short daily prompts, weekly reflections, or a mix.",
            "keep_days": "How long answers are kept (0 means they are not kept).",
            "paused_until": "When a pause you asked for ends.",
            "dm_closed": "No longer used (always 0): a pause because DMs were closed is now noted in dm_notices.",
            "created_at": "When you started.",
            "expires_at": "When these choices are deleted unless used again.",
        },
    )
)
declare(
    TableDeclaration(
        table="checkin_answers",
        feature="checkins",
        purpose="Answers you chose to keep, so you can read them back with /checkin history.",
        personal=True,
        who_can_see="Nobody but you. The text is encrypted; moderators and server owners cannot read it.",
        retention="7, 30, 90 or 365 days, as you chose, and never longer than the server's retention period; "
        "you can delete any of them at once.",
        user_columns=("user_id",),
        expires_column="expires_at",
        retention_anchor="created_at",
        items="check-in answers",
        columns={
            "id": "Number of the entry.",
            "guild_id": "The server the check-in belongs to.",
            "user_id": "Your Discord id.",
            "token": "A random id of the prompt message, so an answer is never stored twice.",
            "prompt_id": "Which prompt you answered.",
            "body": "Your answer, encrypted.",
            "created_at": "When you answered.",
            "expires_at": "When it is deleted.",
        },
    )
)
PLAN_COLUMNS = (
    "guild_id, user_id, schedule_id, cadence, days, at_minute, timezone, prompt_set, keep_days,"
    " paused_until, created_at, expires_at"
)


@dataclass(frozen=True)
class Plan:
    """A member's check-in choices in one server."""

    guild_id: int
    user_id: int
    schedule_id: int | None
    cadence: str
    days: str
    at_minute: int
    timezone: str
    prompt_set: str
    keep_days: int
    paused_until: int | None
    created_at: int
    expires_at: int


@dataclass(frozen=True)
class StoredAnswer:
    """One kept answer, still encrypted."""

    id: int
    guild_id: int
    prompt_id: str
    body: bytes
    created_at: int
    expires_at: int


PlanAndQuiet = tuple["Plan", int | None, int | None]
# The check-in plans (with quiet hours) at one time of day that a scheduler pass in one server will
# fire: the rows it already claimed (stamped with the pass's time) and those still due that it will
# claim next. The time of day bounds the read to the members of that pass (plus, rarely, members in
# other zones with the same local time), even in a server whose members are spread over the day.
SCHEDULER_RUN_SQL = (
    "SELECT {columns}, q.quiet_start AS q_start, q.quiet_end AS q_end FROM checkin_plans p"
    # CROSS JOIN keeps SQLite's order: the server's plans by primary key, then each schedule by its id
    # (checkin_plans has no index on schedule_id, so the other order is quadratic). Its condition is in
    # WHERE, as PostgreSQL allows no ON after CROSS JOIN (an inner join either way; it plans freely).
    " CROSS JOIN schedules s"
    " LEFT JOIN member_preferences q ON q.guild_id = p.guild_id AND q.user_id = p.user_id"
    " WHERE s.id = p.schedule_id AND p.guild_id = $1 AND p.at_minute = $2 AND s.kind = 'checkin'"
    " AND (s.last_run_at = $3 OR (s.next_run_at IS NOT NULL AND s.next_run_at <= $3))"
)
# Insert or replace a member's plan (dm_closed, the one column not written, is always 0 now).
SAVE_PLAN_SQL = (
    f"INSERT INTO checkin_plans ({PLAN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"  # noqa: S608
    " ON CONFLICT (guild_id, user_id) DO UPDATE SET schedule_id = excluded.schedule_id,"
    " cadence = excluded.cadence, days = excluded.days, at_minute = excluded.at_minute,"
    " timezone = excluded.timezone, prompt_set = excluded.prompt_set, keep_days = excluded.keep_days,"
    " paused_until = excluded.paused_until, created_at = excluded.created_at, expires_at = excluded.expires_at"
)


@dataclass
class _Pass:
    """One scheduler pass's plans, read once; members whose plan was written since are `dirty`."""

    loaded: asyncio.Future[dict[int, PlanAndQuiet]]
    dirty: set[int] = field(default_factory=set)


# The casts type the SELECT's bare parameters for PostgreSQL; SQLite has no BYTEA and keeps the bytes as given.
_ADD_ANSWER = {
    engine: "INSERT INTO checkin_answers (guild_id, user_id, token, prompt_id, body, created_at, expires_at)"  # noqa: S608
    f" SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS TEXT), CAST($4 AS TEXT), {body},"
    " CAST($6 AS BIGINT), CAST($7 AS BIGINT) WHERE EXISTS (SELECT 1 FROM checkin_plans"
    " WHERE guild_id = $1 AND user_id = $2 AND keep_days > 0) ON CONFLICT DO NOTHING"
    for engine, body in (("sqlite", "$5"), ("postgres", "CAST($5 AS BYTEA)"))
}


class CheckinRepository:
    """All SQL touching the check-in tables."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._passes: dict[tuple[int, int, int], _Pass] = {}

    def _written(self, user_id: int, guild_id: int | None = None) -> None:
        # Called before every plan write: a pass read earlier must not be trusted for this member.
        for (guild, _, _), batch in self._passes.items():
            if guild_id is None or guild == guild_id:
                batch.dirty.add(user_id)

    async def plan_for_firing(
        self, guild_id: int, user_id: int, claimed_at: int | None, at_minute: int
    ) -> PlanAndQuiet | None:
        """The member's plan and quiet hours for a firing claimed at `claimed_at` (its last_run_at),
        of a schedule at `at_minute` past local midnight.

        At 09:00 thousands of members' check-ins fire in one pass, each a separate handler; reading
        each plan separately costs a thread round trip per DM. So the first firing of a pass reads
        the plans of the whole pass in one query, and the others take theirs from it. A member whose
        plan was written after that read (pause, stop, ...), or who isn't in it, is read on their own.
        """
        if claimed_at is not None:
            key = (guild_id, claimed_at, at_minute)
            batch = self._passes.get(key)
            if batch is None:
                self._passes = {k: v for k, v in self._passes.items() if k[1] == claimed_at}
                batch = self._passes[key] = _Pass(asyncio.get_running_loop().create_future())
                try:
                    batch.loaded.set_result(await self._load_pass(*key))
                except BaseException:
                    batch.loaded.set_result({})
                    raise
            found = (batch.loaded.result() if batch.loaded.done() else await asyncio.shield(batch.loaded)).pop(
                user_id, None
            )
            if found is not None and user_id not in batch.dirty:
                return found
        return await self.plan_and_quiet(guild_id, user_id)

    async def _load_pass(self, guild_id: int, stamp: int, minute: int) -> dict[int, PlanAndQuiet]:
        columns = ", ".join(f"p.{c.strip()}" for c in PLAN_COLUMNS.split(","))
        rows = await self.db.fetchall(SCHEDULER_RUN_SQL.format(columns=columns), (guild_id, minute, stamp))
        return {r["user_id"]: _plan_and_quiet(r) for r in rows}

    # -- plans -------------------------------------------------------------------------------------

    async def get_plan(self, guild_id: int, user_id: int) -> Plan | None:
        """The member's plan in a server, if any."""
        row = await self.db.fetchone(
            f"SELECT {PLAN_COLUMNS} FROM checkin_plans WHERE guild_id = $1 AND user_id = $2",  # noqa: S608 - constant
            (guild_id, user_id),
        )
        if row is None:
            return None
        return Plan(**dict(row))

    async def plan_and_quiet(self, guild_id: int, user_id: int) -> tuple[Plan, int | None, int | None] | None:
        """The member's plan with their quiet hours (None, None if unset), in one query: the firing path."""
        columns = ", ".join(f"p.{c.strip()}" for c in PLAN_COLUMNS.split(","))
        row = await self.db.fetchone(
            f"SELECT {columns}, q.quiet_start AS q_start, q.quiet_end AS q_end FROM checkin_plans p"  # noqa: S608
            " LEFT JOIN member_preferences q ON q.guild_id = p.guild_id AND q.user_id = p.user_id"
            " WHERE p.guild_id = $1 AND p.user_id = $2",
            (guild_id, user_id),
        )
        return None if row is None else _plan_and_quiet(row)

    async def plans_for_user(self, user_id: int) -> list[Plan]:
        """The member's plans in every server."""
        rows = await self.db.fetchall("SELECT guild_id FROM checkin_plans WHERE user_id = $1", (user_id,))
        plans = [await self.get_plan(r["guild_id"], user_id) for r in rows]
        return [p for p in plans if p is not None]

    async def save_plan(self, plan: Plan) -> None:
        """Insert or replace the member's plan."""
        self._written(plan.user_id, plan.guild_id)
        await self.db.execute(
            SAVE_PLAN_SQL,
            (
                plan.guild_id,
                plan.user_id,
                plan.schedule_id,
                plan.cadence,
                plan.days,
                plan.at_minute,
                plan.timezone,
                plan.prompt_set,
                plan.keep_days,
                plan.paused_until,
                plan.created_at,
                plan.expires_at,
            ),
        )

    async def set_paused_until(self, guild_id: int, user_id: int, until: int | None) -> bool:
        """Set (or end, with None) the plan's pause; False when there is no plan.

        Only that column: a plan stopped or re-chosen at the same moment is never written back.
        """
        self._written(user_id, guild_id)
        return (
            await self.db.execute(
                "UPDATE checkin_plans SET paused_until = $1 WHERE guild_id = $2 AND user_id = $3",
                (until, guild_id, user_id),
            )
            > 0
        )

    async def renew(self, guild_id: int, user_id: int, expires: int) -> bool:
        """Push back when an existing plan expires; False when there is none (a stop is never undone)."""
        self._written(user_id, guild_id)
        return (
            await self.db.execute(
                "UPDATE checkin_plans SET expires_at = $1 WHERE guild_id = $2 AND user_id = $3",
                (expires, guild_id, user_id),
            )
            > 0
        )

    async def delete_plan(self, guild_id: int, user_id: int) -> int:
        """Remove the member's plan in one server."""
        self._written(user_id, guild_id)
        return await self.db.execute(
            "DELETE FROM checkin_plans WHERE guild_id = $1 AND user_id = $2", (guild_id, user_id)
        )

    async def delete_plans_for_user(self, user_id: int) -> int:
        """Remove the member's plans everywhere."""
        self._written(user_id)
        return await self.db.execute("DELETE FROM checkin_plans WHERE user_id = $1", (user_id,))

    # -- answers -----------------------------------------------------------------------------------

    async def add_answer(
        self, guild_id: int, user_id: int, token: str, prompt_id: str, body: bytes, created: int, expires: int
    ) -> bool:
        """Store an encrypted answer while the member's plan keeps answers; False if this prompt's answer was
        already stored, or the plan was stopped (or keeping turned off) meanwhile.

        The plan is checked in the same statement: an answer sent while the member stops check-ins is either
        written before the stop deletes their answers, or not at all.
        """
        changed = await self.db.execute(
            _ADD_ANSWER[self.db.dialect], (guild_id, user_id, token, prompt_id, body, created, expires)
        )
        return changed > 0

    async def answers(self, guild_id: int, user_id: int, limit: int, offset: int) -> list[StoredAnswer]:
        """A page of the member's kept answers in a server, newest first."""
        rows = await self.db.fetchall(
            "SELECT id, guild_id, prompt_id, body, created_at, expires_at FROM checkin_answers"
            " WHERE guild_id = $1 AND user_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4",
            (guild_id, user_id, limit, offset),
        )
        return [StoredAnswer(**dict(r)) for r in rows]

    async def all_answers(self, user_id: int) -> list[StoredAnswer]:
        """Every kept answer of the member, for /privacy export."""
        rows = await self.db.fetchall(
            "SELECT id, guild_id, prompt_id, body, created_at, expires_at FROM checkin_answers"
            " WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
            (user_id,),
        )
        return [StoredAnswer(**dict(r)) for r in rows]

    async def count_answers(self, guild_id: int, user_id: int) -> int:
        """How many answers the member keeps in a server (for paging only; never shown as a tally)."""
        value = await self.db.fetchval(
            "SELECT count(*) FROM checkin_answers WHERE guild_id = $1 AND user_id = $2", (guild_id, user_id)
        )
        return int(value or 0)

    async def delete_answer(self, answer_id: int, user_id: int) -> bool:
        """Delete one of the member's own answers (the user id guards against anyone else's)."""
        return (
            await self.db.execute("DELETE FROM checkin_answers WHERE id = $1 AND user_id = $2", (answer_id, user_id))
            > 0
        )

    async def delete_answers(self, user_id: int, guild_id: int | None = None) -> int:
        """Delete the member's answers in one server, or everywhere."""
        if guild_id is None:
            return await self.db.execute("DELETE FROM checkin_answers WHERE user_id = $1", (user_id,))
        return await self.db.execute(
            "DELETE FROM checkin_answers WHERE user_id = $1 AND guild_id = $2", (user_id, guild_id)
        )


def _plan_and_quiet(row: Row) -> PlanAndQuiet:
    values = dict(row)
    quiet = values.pop("q_start"), values.pop("q_end")
    return Plan(**values), *quiet
