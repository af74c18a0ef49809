"""SQL for co-reflection circles: each circle's set-up, and nothing about the people in it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="circles",
        feature="circles",
        purpose="A co-reflection circle's set-up: its name, channel, role, prompts, texts and state. Nothing "
        "about members: who wants a mention is only Discord's role, and who made the circle is not kept.",
        personal=False,
        who_can_see="The server's facilitators and moderators.",
        retention="Until the circle ends (after its last meeting, or when a facilitator ends it); then the "
        "row is deleted.",
        columns={
            "id": "Number of the circle.",
            "guild_id": "The server it meets in.",
            "name": "Its name, e.g. Tuesday circle.",
            "channel_id": "The channel its meetings are posted in.",
            "role_id": "The Discord role it mentions when it meets.",
            "role_made": "Whether the bot made that role (and deletes it when the circle ends).",
            "schedule_id": "The schedule of its meetings.",
            "prompts": "The prompts still to come, in order.",
            "next_prompt": "Which of them the next meeting posts.",
            "held": "How many meetings have been held.",
            "last_due": "When the last meeting held was due (so a retried post is not counted twice).",
            "meetings": "How many meetings it has in all, when a number was chosen.",
            "ends_on": "The last day it can meet, when an end date was chosen.",
            "minutes": "How long each meeting's thread stays open.",
            "agreement": "Its own opening agreement, if the facilitator wrote one.",
            "closing": "Its closing round, if it has one.",
            "skipped": "Dates whose meeting is skipped or was moved.",
            "paused": "Whether it is paused.",
            "problem": "Why the bot paused it (e.g. its channel was deleted), until it is resumed.",
            "version": "Counts changes, so two facilitators editing at once cannot overwrite each other.",
            "created_at": "When it was set up.",
        },
    )
)

COLUMNS = (
    "id, guild_id, name, channel_id, role_id, role_made, schedule_id, prompts, next_prompt, held, last_due, "
    "meetings, ends_on, minutes, agreement, closing, skipped, paused, problem, version, created_at"
)
# The columns `update` may set; anything else is a programming error.
WRITABLE = frozenset(
    {
        "schedule_id",
        "prompts",
        "next_prompt",
        "held",
        "last_due",
        "agreement",
        "closing",
        "skipped",
        "paused",
        "problem",
        "role_id",
        "role_made",
    }
)


@dataclass(frozen=True)
class Circle:
    """One circle as stored."""

    id: int
    guild_id: int
    name: str
    channel_id: int
    role_id: int
    role_made: bool
    schedule_id: int | None
    prompts: tuple[str, ...]
    next_prompt: int
    held: int
    last_due: int | None
    meetings: int | None
    ends_on: date | None
    minutes: int
    agreement: str | None
    closing: str | None
    skipped: tuple[str, ...]
    paused: bool
    problem: str | None
    version: int
    created_at: int


@dataclass(frozen=True)
class NewCircle:
    """What creating a circle stores."""

    guild_id: int
    name: str
    channel_id: int
    role_id: int
    role_made: bool
    prompts: tuple[str, ...]
    meetings: int | None
    ends_on: date | None
    minutes: int
    agreement: str | None
    closing: str | None
    created_at: int


def _to_circle(r: Any) -> Circle:
    return Circle(
        id=r["id"],
        guild_id=r["guild_id"],
        name=r["name"],
        channel_id=r["channel_id"],
        role_id=r["role_id"],
        role_made=bool(r["role_made"]),
        schedule_id=r["schedule_id"],
        prompts=tuple(json.loads(r["prompts"])),
        next_prompt=r["next_prompt"],
        held=r["held"],
        last_due=r["last_due"],
        meetings=r["meetings"],
        ends_on=date.fromisoformat(r["ends_on"]) if r["ends_on"] else None,
        minutes=r["minutes"],
        agreement=r["agreement"],
        closing=r["closing"],
        skipped=tuple(json.loads(r["skipped"])),
        paused=bool(r["paused"]),
        problem=r["problem"],
        version=r["version"],
        created_at=r["created_at"],
    )


def _stored(column: str, value: Any) -> Any:
    if column in ("prompts", "skipped"):
        return json.dumps(list(value))
    if isinstance(value, bool):
        return int(value)
    return value


class CircleRepository:
    """All SQL touching `circles`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, new: NewCircle) -> int:
        """Store a new circle; return its number."""
        return await self.db.insert(
            "INSERT INTO circles (guild_id, name, channel_id, role_id, role_made, prompts, meetings, ends_on,"
            " minutes, agreement, closing, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            " RETURNING id",
            (
                new.guild_id,
                new.name,
                new.channel_id,
                new.role_id,
                int(new.role_made),
                json.dumps(list(new.prompts)),
                new.meetings,
                new.ends_on.isoformat() if new.ends_on else None,
                new.minutes,
                new.agreement,
                new.closing,
                new.created_at,
            ),
        )

    async def get(self, circle_id: int) -> Circle | None:
        """One circle by number."""
        row = await self.db.fetchone(f"SELECT {COLUMNS} FROM circles WHERE id = $1", (circle_id,))  # noqa: S608
        return None if row is None else _to_circle(row)

    async def by_name(self, guild_id: int, name: str) -> Circle | None:
        """A server's circle by name, ignoring case."""
        row = await self.db.fetchone(
            f"SELECT {COLUMNS} FROM circles WHERE guild_id = $1 AND lower(name) = lower($2)",  # noqa: S608
            (guild_id, name.strip()),
        )
        return None if row is None else _to_circle(row)

    async def in_guild(self, guild_id: int) -> list[Circle]:
        """A server's circles, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {COLUMNS} FROM circles WHERE guild_id = $1 ORDER BY id",  # noqa: S608
            (guild_id,),
        )
        return [_to_circle(r) for r in rows]

    async def count(self, guild_id: int) -> int:
        """How many circles a server has."""
        return int(await self.db.fetchval("SELECT COUNT(*) FROM circles WHERE guild_id = $1", (guild_id,)) or 0)

    async def update(self, circle_id: int, changes: dict[str, Any], *, expect_version: int | None = None) -> bool:
        """Change some columns and count a new version; False when the circle is gone or, given
        `expect_version`, someone changed it since that version was read."""
        unknown = set(changes) - WRITABLE
        if unknown:
            raise ValueError(f"not writable: {sorted(unknown)}")
        sets = ", ".join(f"{column} = ${n}" for n, column in enumerate(changes, start=1))
        params: list[Any] = [_stored(c, v) for c, v in changes.items()]
        params.append(circle_id)
        sql = f"UPDATE circles SET {sets}, version = version + 1 WHERE id = ${len(params)}"  # noqa: S608 (whitelisted names)
        if expect_version is not None:
            params.append(expect_version)
            sql += f" AND version = ${len(params)}"
        return await self.db.execute(sql, params) > 0

    async def delete(self, circle_id: int) -> bool:
        """Remove a circle (it ended)."""
        return await self.db.execute("DELETE FROM circles WHERE id = $1", (circle_id,)) > 0
