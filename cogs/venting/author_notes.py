"""Telling the author of an anonymous message why a moderator acted, without anyone learning who they are.

No Discord import. A moderator's reason is kept against the message's link: the same keyed hash
("vent-member", guild, thread, member) that lets an author delete their post. Nothing new about the
author is stored. When the author next uses venting the bot recomputes their hash for each waiting
note; the ones that match are shown to them once and deleted. A note nobody reads goes when the
link it was kept against would have expired. The moderator is told only that the note is waiting.

This module also writes the moderation log entries of the toolkit's new actions (redact, a note,
thread pauses), in the same table and the same way as removals and blocks: who acted and what,
never the author.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, to_timestamp
from bot.errors import UserFacingError
from bot.keys import Keys
from bot.services.guild_settings import GuildSettingsService
from cogs.venting.repository import AuthorNote, NotesRepository, VentingRepository

if TYPE_CHECKING:
    from bot.app import Services

REASON_MAX = 300
# What the author reads about each action, after "A moderator ...".
ACTION_WORDS = {
    "remove": "removed one of your anonymous messages",
    "redact": "hid some words in one of your anonymous messages",
    "block": "paused your anonymous posting here after one of your anonymous messages",
}


@dataclass(frozen=True)
class NoteTarget:
    """A message's link, held in a moderator's open menu only, so a note can follow a removal."""

    post_id: int
    member_tag: str
    expires_at: int


def clean_reason(raw: str | None) -> str | None:
    """A moderator's reason with spacing tidied; None when empty; refused when too long."""
    text = " ".join((raw or "").split())
    if not text:
        return None
    if len(text) > REASON_MAX:
        raise UserFacingError(
            f"The reason can be at most {REASON_MAX} characters (it has {len(text)}). Please shorten it; "
            "nothing was changed."
        )
    return text


def render_notes(notes: list[AuthorNote]) -> str:
    """The notes as the author reads them: what happened, where, and the moderator's words."""
    lines = [
        f"A moderator {ACTION_WORDS.get(n.action, 'acted on one of your anonymous messages')} "
        f"(in <#{n.post_id}>) and left you this note:\n> {n.reason}"
        for n in notes
    ]
    return (
        "\n\n".join(lines) + "\n\nOnly you can see this, and it is now deleted. The moderator doesn't know it was "
        "you; if you'd like to talk about it, you can write to the moderators, and you choose what to share."
    )


class AuthorNotes:
    """Notes for anonymous authors, and the moderation log lines of the toolkit's actions."""

    @classmethod
    def build(cls, services: Services) -> AuthorNotes:
        """Over the bot's core services."""
        return cls(
            NotesRepository(services.db),
            VentingRepository(services.db, services.changes),
            services.guilds,
            services.keys,
            services.clock,
        )

    def __init__(
        self, notes: NotesRepository, vent: VentingRepository, guilds: GuildSettingsService, keys: Keys, clock: Clock
    ) -> None:
        self.notes = notes
        self.vent = vent
        self.guilds = guilds
        self.keys = keys
        self.clock = clock

    def _now(self) -> int:
        return to_timestamp(self.clock.now())

    def _tag(self, guild_id: int, post_id: int, user_id: int) -> str:
        # The same tag the venting service stores in vent_links, so a note follows the link exactly.
        return self.keys.tag("vent-member", guild_id, post_id, user_id)

    async def target(self, message_id: int) -> NoteTarget | None:
        """A message's link (None once it expired), for a moderator's menu to hold while it is open."""
        found = await self.notes.link_of(message_id)
        return None if found is None else NoteTarget(*found)

    async def leave(
        self, guild_id: int, moderator_id: int, target: NoteTarget | None, action: str, reason: str
    ) -> None:
        """Keep a note for the author of the message behind `target`, and log that a note was left."""
        if target is None:
            raise UserFacingError(
                "This message can no longer be linked to its author (that link expired after the server's "
                "retention period), so a note can't reach them. Nothing was kept."
            )
        now_ts = self._now()
        async with self.notes.db.transaction():
            await self.notes.add(guild_id, target.post_id, target.member_tag, action, reason, now_ts, target.expires_at)
            await self.log(guild_id, moderator_id, f"note to author ({action})", target.post_id, 0)

    async def take(self, guild_id: int, user_id: int) -> list[AuthorNote]:
        """The member's waiting notes in this server, deleted as they are handed over (each is read once)."""
        mine = [
            n
            for n in await self.notes.unexpired(self._now(), guild_id)
            if n.member_tag == self._tag(n.guild_id, n.post_id, user_id)
        ]
        if mine:
            await self.notes.delete([n.note_id for n in mine])
        return mine

    async def log(self, guild_id: int, moderator_id: int, action: str, post_id: int, message_id: int) -> None:
        """Record a moderator action: who acted, what, where; never the author. Kept the retention period."""
        now = self.clock.now()
        expires = to_timestamp(now + timedelta(days=(await self.guilds.get(guild_id)).retention_days))
        await self.vent.log_action(guild_id, moderator_id, action, post_id, message_id, to_timestamp(now), expires)

    # -- privacy contract ------------------------------------------------------------------------
    async def _all_mine(self, user_id: int, *, expired_too: bool = False) -> list[AuthorNote]:
        # Forget also takes notes past their end that the purge has not reached yet.
        return [
            n
            for n in await self.notes.unexpired(-1 if expired_too else self._now())
            if n.member_tag == self._tag(n.guild_id, n.post_id, user_id)
        ]

    async def export(self, user_id: int) -> list[dict[str, Any]]:
        """The member's unread notes, for /privacy export (exporting does not count as reading them)."""
        return [
            {"guild_id": str(n.guild_id), "thread_id": str(n.post_id), "action": n.action, "note": n.reason}
            for n in await self._all_mine(user_id)
        ]

    async def forget(self, user_id: int) -> int:
        """Delete the member's unread notes."""
        return await self.notes.delete([n.note_id for n in await self._all_mine(user_id, expired_too=True)])
