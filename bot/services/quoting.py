"""The bot's own DMs that quote what a member kept, deleted when what they quote goes.

A weekly look-back quotes good moments. If the member deletes a moment, forgets everything, or the
moment expires, the quote must not stay in their DMs either: each such DM is recorded (ids only) and
deleted by the bot with the item. Deleting needs Discord, so the bot hands in the deleter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.clock import Clock, to_timestamp
from bot.repositories.quoting_dms import QuotingDm, QuotingDmRepository

# (channel id, message id): delete one of the bot's DMs; a message already gone counts as deleted.
DeleteDm = Callable[[int, int], Awaitable[None]]


async def _nothing(channel_id: int, message_id: int) -> None:
    return None


class QuotingDms:
    """Records DMs that quote kept items, and deletes them when the items go."""

    def __init__(self, repo: QuotingDmRepository, clock: Clock, delete_dm: DeleteDm = _nothing) -> None:
        self.repo = repo
        self.clock = clock
        self.delete_dm = delete_dm

    async def record(
        self, channel_id: int, message_id: int, guild_id: int, user_id: int, items: list[tuple[str, int, int]]
    ) -> None:
        """Note a sent DM and the (table, id, expires_at) of every item it quotes."""
        now_ts = to_timestamp(self.clock.now())
        await self.repo.add(
            [QuotingDm(channel_id, message_id, guild_id, user_id, t, i, now_ts, e) for t, i, e in items]
        )

    async def export(self, user_id: int, item_table: str) -> list[dict[str, Any]]:
        """The member's recorded DMs quoting items of one table, for their export."""
        return [
            {
                "message_id": str(dm.message_id),
                "quotes_item": dm.item_id,
                "sent_at": dm.created_at,
                "deleted_at_the_latest": dm.expires_at,
            }
            for dm in await self.repo.for_user(user_id)
            if dm.item_table == item_table
        ]

    async def _withdraw(self, dms: list[QuotingDm]) -> int:
        messages = {dm.message_id: dm.channel_id for dm in dms}
        for message_id, channel_id in sorted(messages.items()):
            await self.delete_dm(channel_id, message_id)
        await self.repo.delete_messages(list(messages))
        return len(messages)

    async def withdraw_user(self, user_id: int) -> int:
        """Delete every recorded DM to the member (they asked to be forgotten); return how many."""
        return await self._withdraw(await self.repo.for_user(user_id))

    async def withdraw_guild(self, guild_id: int) -> int:
        """Delete every recorded DM quoting an item of a server whose data is being deleted."""
        return await self._withdraw(await self.repo.for_guild(guild_id))

    async def withdraw_due(self) -> int:
        """Delete the DMs whose quoted item was deleted, forgotten, removed by retention or has expired."""
        return await self._withdraw(await self.repo.due(to_timestamp(self.clock.now())))
