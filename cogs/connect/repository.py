"""SQL for /connect: members' opt-in entries and the proposals waiting for their answers."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="connect_entries",
        feature="connect",
        purpose="That you asked /connect to introduce you to a peer from another workplace, and what you chose "
        "to share for it.",
        personal=True,
        who_can_see="Nobody reads it as a list. When a match is suggested, the other person sees only the setting, "
        "interests and availability you chose to share. Moderators see how many people are waiting, never who.",
        retention="While your entry is active or paused; withdrawing deletes it at once, and so does being "
        "introduced. Deleted after the server's retention period without use.",
        user_columns=("user_id",),
        expires_column="expires_at",
        columns={
            "guild_id": "The server you asked in.",
            "user_id": "Your Discord id.",
            "settings": "The kinds of setting you chose to share (ids from the server's list).",
            "interests": "The interests you chose to share (ids from the server's list).",
            "availability": "When you are usually free (ids from the server's list).",
            "timezone": "The time zone your availability is in.",
            "circle": "Whether you'd rather meet a small circle (3 to 5) than one peer.",
            "workplace_tag": "A keyed hash of your workplace's name, if you gave one, so colleagues are never "
            "matched; the name itself is not kept.",
            "avoid_tags": "Keyed hashes of the people a suggestion with you was declined with, so it is not "
            "suggested again; not their ids.",
            "paused": "Whether you paused your entry.",
            "created_at": "When you joined.",
            "expires_at": "When the entry is deleted unless used again.",
        },
    )
)
declare(
    TableDeclaration(
        table="connect_proposals",
        feature="connect",
        purpose="A match the bot suggested, waiting for everyone in it to accept.",
        personal=False,
        who_can_see="Nobody; the people in it see only each other's shared choices.",
        retention="Until everyone accepts, someone declines, or the time to answer ends (a few days).",
        expires_column="expires_at",
        columns={
            "id": "Number of the suggestion.",
            "guild_id": "The server it is in.",
            "answer_by": "When the time to answer ends.",
            "created_at": "When it was suggested.",
            "expires_at": "When it is deleted at the latest.",
        },
    )
)
declare(
    TableDeclaration(
        table="connect_proposal_members",
        feature="connect",
        purpose="Who a suggested match is for, and who has accepted so far.",
        personal=True,
        who_can_see="Nobody. Whether someone declined is never shown: the others learn only that no match "
        "was made this time.",
        retention="Until the suggestion ends (everyone accepts, someone declines, or a few days pass).",
        user_columns=("user_id",),
        expires_column="expires_at",
        columns={
            "proposal_id": "Which suggestion.",
            "guild_id": "The server it is in.",
            "user_id": "Your Discord id.",
            "accepted": "Whether you accepted.",
            "expires_at": "When it is deleted at the latest.",
            "position": "The order people were added in (the one who asked first).",
        },
    )
)

_ENTRY_COLUMNS = (
    "guild_id, user_id, settings, interests, availability, timezone, circle, workplace_tag, avoid_tags, paused,"
    " created_at, expires_at"
)

_MEMBERS_SELECT = (
    "SELECT m.proposal_id, m.guild_id, m.user_id, m.accepted, p.answer_by FROM connect_proposal_members m"
    " JOIN connect_proposals p ON p.id = m.proposal_id WHERE m.proposal_id = $1"
)
# The people of a suggestion in the order they were added (the one who asked first).
_SQL_MEMBERS = _MEMBERS_SELECT + " ORDER BY m.position"


@dataclass(frozen=True)
class Entry:
    """A member's /connect entry in one server."""

    guild_id: int
    user_id: int
    settings: tuple[str, ...]
    interests: tuple[str, ...]
    availability: tuple[str, ...]
    timezone: str
    circle: bool
    workplace_tag: str | None
    avoid_tags: tuple[str, ...]
    paused: bool
    created_at: int
    expires_at: int


@dataclass(frozen=True)
class ProposalMember:
    """One person in a suggested match."""

    proposal_id: int
    guild_id: int
    user_id: int
    accepted: bool
    answer_by: int


def _entry(row: object) -> Entry:
    data = dict(row)  # type: ignore[call-overload]
    return Entry(
        guild_id=data["guild_id"],
        user_id=data["user_id"],
        settings=tuple(json.loads(data["settings"])),
        interests=tuple(json.loads(data["interests"])),
        availability=tuple(json.loads(data["availability"])),
        timezone=data["timezone"],
        circle=bool(data["circle"]),
        workplace_tag=data["workplace_tag"],
        avoid_tags=tuple(json.loads(data["avoid_tags"])),
        paused=bool(data["paused"]),
        created_at=data["created_at"],
        expires_at=data["expires_at"],
    )


class ConnectRepository:
    """SQL for connect_entries, connect_proposals and connect_proposal_members."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- entries -----------------------------------------------------------------------------------

    async def entry(self, guild_id: int, user_id: int) -> Entry | None:
        """The member's entry in a server."""
        row = await self.db.fetchone(
            f"SELECT {_ENTRY_COLUMNS} FROM connect_entries WHERE guild_id = $1 AND user_id = $2",  # noqa: S608
            (guild_id, user_id),
        )
        return None if row is None else _entry(row)

    async def entries_for_user(self, user_id: int) -> list[Entry]:
        """The member's entries everywhere."""
        rows = await self.db.fetchall(
            f"SELECT {_ENTRY_COLUMNS} FROM connect_entries WHERE user_id = $1",  # noqa: S608
            (user_id,),
        )
        return [_entry(r) for r in rows]

    async def waiting(self, guild_id: int) -> list[Entry]:
        """Active (not paused) entries in a server that are not part of a pending suggestion, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_ENTRY_COLUMNS} FROM connect_entries e WHERE guild_id = $1 AND paused = 0 AND NOT EXISTS"  # noqa: S608
            " (SELECT 1 FROM connect_proposal_members m WHERE m.guild_id = e.guild_id AND m.user_id = e.user_id)"
            " ORDER BY created_at, user_id",
            (guild_id,),
        )
        return [_entry(r) for r in rows]

    async def count_waiting(self, guild_id: int) -> tuple[int, int]:
        """How many entries are active and how many paused in a server (numbers only)."""
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(CASE WHEN paused = 0 THEN 1 ELSE 0 END), 0) AS active,"
            " COALESCE(SUM(CASE WHEN paused = 1 THEN 1 ELSE 0 END), 0) AS paused"
            " FROM connect_entries WHERE guild_id = $1",
            (guild_id,),
        )
        assert row is not None
        return int(row["active"]), int(row["paused"])

    async def save_entry(self, e: Entry) -> None:
        """Insert or replace the member's entry; an existing entry keeps its avoid_tags (see set_avoid_tags)."""
        # Every other column is replaced. avoid_tags is left to set_avoid_tags, so a decline written at the
        # same moment (by the other person) is never overwritten by a copy read before it.
        await self.db.execute(
            f"INSERT INTO connect_entries ({_ENTRY_COLUMNS})"  # noqa: S608
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (guild_id, user_id) DO UPDATE SET"
            " settings = excluded.settings, interests = excluded.interests, availability = excluded.availability,"
            " timezone = excluded.timezone, circle = excluded.circle, workplace_tag = excluded.workplace_tag,"
            " paused = excluded.paused, created_at = excluded.created_at, expires_at = excluded.expires_at",
            (
                e.guild_id,
                e.user_id,
                json.dumps(list(e.settings)),
                json.dumps(list(e.interests)),
                json.dumps(list(e.availability)),
                e.timezone,
                int(e.circle),
                e.workplace_tag,
                json.dumps(list(e.avoid_tags)),
                int(e.paused),
                e.created_at,
                e.expires_at,
            ),
        )

    async def set_avoid_tags(self, guild_id: int, user_id: int, avoid_tags: tuple[str, ...]) -> bool:
        """Replace who the member is never suggested to again (only that column); False when there is no entry."""
        changed = await self.db.execute(
            "UPDATE connect_entries SET avoid_tags = $1 WHERE guild_id = $2 AND user_id = $3",
            (json.dumps(list(avoid_tags)), guild_id, user_id),
        )
        return changed > 0

    async def set_paused(self, guild_id: int, user_id: int, paused: bool, expires_at: int) -> bool:
        """Pause or resume the member's entry (only those columns); False when there is no entry."""
        changed = await self.db.execute(
            "UPDATE connect_entries SET paused = $1, expires_at = $2 WHERE guild_id = $3 AND user_id = $4",
            (int(paused), expires_at, guild_id, user_id),
        )
        return changed > 0

    async def delete_entry(self, user_id: int, guild_id: int | None = None) -> int:
        """Remove the member's entry in one server, or everywhere."""
        if guild_id is None:
            return await self.db.execute("DELETE FROM connect_entries WHERE user_id = $1", (user_id,))
        return await self.db.execute(
            "DELETE FROM connect_entries WHERE user_id = $1 AND guild_id = $2", (user_id, guild_id)
        )

    # -- proposals ---------------------------------------------------------------------------------

    async def add_proposal(self, guild_id: int, user_ids: list[int], now: int, answer_by: int, expires: int) -> int:
        """Store a suggestion and the people it is for."""
        async with self.db.transaction() as tx:  # the suggestion and its people, or nothing
            proposal_id = await tx.insert(
                "INSERT INTO connect_proposals (guild_id, answer_by, created_at, expires_at) VALUES ($1, $2, $3, $4)"
                " RETURNING id",
                (guild_id, answer_by, now, expires),
            )
            await tx.executemany(
                "INSERT INTO connect_proposal_members (proposal_id, guild_id, user_id, expires_at, position)"
                " VALUES ($1, $2, $3, $4, $5)",
                [(proposal_id, guild_id, user_id, expires, n) for n, user_id in enumerate(user_ids)],
            )
        return proposal_id

    async def members(self, proposal_id: int) -> list[ProposalMember]:
        """The people in a suggestion (empty when it has ended)."""
        rows = await self.db.fetchall(_SQL_MEMBERS, (proposal_id,))
        return [ProposalMember(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]

    async def proposals_of(self, user_id: int, guild_id: int | None = None) -> list[int]:
        """The suggestions the member is in (one server, or everywhere)."""
        if guild_id is None:
            rows = await self.db.fetchall(
                "SELECT proposal_id FROM connect_proposal_members WHERE user_id = $1", (user_id,)
            )
        else:
            rows = await self.db.fetchall(
                "SELECT proposal_id FROM connect_proposal_members WHERE user_id = $1 AND guild_id = $2",
                (user_id, guild_id),
            )
        return [r[0] for r in rows]

    async def accept(self, proposal_id: int, user_id: int) -> tuple[bool, list[ProposalMember]] | None:
        """Mark the member's acceptance: (whether this call made it, the people in it); None when they are not
        (or no longer) in it.

        One transaction that first writes the suggestion's own row: on PostgreSQL that row lock makes two
        accepts (from any process) take turns, so exactly one of them sees everyone accepted after its own.
        """
        async with self.db.transaction() as tx:
            if not await tx.execute("UPDATE connect_proposals SET answer_by = answer_by WHERE id = $1", (proposal_id,)):
                return None
            made = await tx.execute(
                "UPDATE connect_proposal_members SET accepted = 1 WHERE proposal_id = $1 AND user_id = $2"
                " AND accepted = 0",
                (proposal_id, user_id),
            )
            members = await self.members(proposal_id)
        if user_id not in {m.user_id for m in members}:
            return None
        return made > 0, members

    async def delete_proposal(self, proposal_id: int) -> bool:
        """End a suggestion (its members' rows go with it)."""
        return await self.db.execute("DELETE FROM connect_proposals WHERE id = $1", (proposal_id,)) > 0

    async def overdue(self, now: int) -> list[int]:
        """Suggestions whose time to answer has ended."""
        # Sorted here: an ORDER BY id would make SQLite walk every suggestion instead of the answer_by index.
        rows = await self.db.fetchall("SELECT id FROM connect_proposals WHERE answer_by <= $1", (now,))
        return sorted(r[0] for r in rows)
