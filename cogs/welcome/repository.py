"""SQL for the welcome sequence: whether a member's sequence is running or has ended."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="welcome_runs",
        feature="welcome",
        purpose="That your welcome messages are running, or that they ended.",
        personal=True,
        who_can_see="Nobody but you.",
        retention="While the messages run; after the last one or Stop, only the fact that they ended, until the "
        "server's retention period. Nothing about which messages you read or skipped.",
        user_columns=("user_id",),
        expires_column="expires_at",
        columns={
            "guild_id": "The server you started them in.",
            "user_id": "Your Discord id.",
            "ended": "Whether the sequence has ended (by its last message or by Stop; which one is not kept).",
            "since": "When it started, or once ended, when it ended.",
            "expires_at": "When this row is deleted.",
        },
    )
)


@dataclass(frozen=True)
class Run:
    """A member's welcome sequence in one server."""

    guild_id: int
    user_id: int
    ended: bool
    since: int
    expires_at: int


class WelcomeRepository:
    """SQL for welcome_runs."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, guild_id: int, user_id: int) -> Run | None:
        """The member's run in a server."""
        row = await self.db.fetchone(
            "SELECT guild_id, user_id, ended, since, expires_at FROM welcome_runs WHERE guild_id = $1 AND user_id = $2",
            (guild_id, user_id),
        )
        return None if row is None else Run(row[0], row[1], bool(row[2]), row[3], row[4])

    async def for_user(self, user_id: int) -> list[Run]:
        """The member's runs everywhere."""
        rows = await self.db.fetchall(
            "SELECT guild_id, user_id, ended, since, expires_at FROM welcome_runs WHERE user_id = $1", (user_id,)
        )
        return [Run(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows]

    async def save(self, run: Run) -> None:
        """Insert or replace the member's run."""
        await self.db.execute(
            "INSERT INTO welcome_runs (guild_id, user_id, ended, since, expires_at) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (guild_id, user_id) DO UPDATE SET"
            " ended = excluded.ended, since = excluded.since, expires_at = excluded.expires_at",
            (run.guild_id, run.user_id, int(run.ended), run.since, run.expires_at),
        )

    async def delete(self, user_id: int) -> int:
        """Remove the member's runs everywhere."""
        return await self.db.execute("DELETE FROM welcome_runs WHERE user_id = $1", (user_id,))
