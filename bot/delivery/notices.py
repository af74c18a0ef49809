"""One way to say "I paused this because I couldn't DM you", told once, in the feature's own words.

A feature that DMs a member passes `closed(...)` as the OutgoingDM's `on_closed`: when Discord
refuses the DM (50007), the feature's own pause runs and, if it paused something, a notice for
(server, member, kind) is stored in the one `dm_notices` table. The bot's one listener
(`PeerCircleBot.on_app_command_completion`) asks `due()` after every command and tells the member
each notice whose feature is on in that server, then forgets it. A feature that says it in its own
next reply instead (strategy reminders: the next /strategy answer starts with it) registers
`in_own_reply` and calls `take()` there.

Each feature registers its words and any "when told" follow-up while its cog loads and unregisters
them when it unloads. A notice of a feature that is off (or not loaded) waits until it is back.
Every command in every server asks, so an in-memory mirror answers "certainly not" without the
database; the table stays the truth, so a notice survives a restart. No Discord import.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.clock import Clock, from_timestamp, to_timestamp
from bot.delivery.repository import NoticeRepository, StoredNotice
from bot.services.guild_settings import GuildSettingsService
from bot.services.notices import PendingNotices

NOTICES_TOPIC = "notices"

DM_CLOSED = "dm_closed"
# A scheduled DM that Discord would not take until it was too late to be useful (bot.delivery.outbox).
# Nothing was paused: the feature's own words and follow-up are for pauses, so one text serves every kind.
UNDELIVERED = "undelivered"
UNDELIVERED_TEXT = (
    "A scheduled message I tried to send you here didn't get through: Discord wasn't answering, and "
    "by the time it was, it was too late to be useful, so I let it go. Nothing needs doing; the next "
    "one comes as planned."
)
# A notice nobody came back for goes after a year (as unused check-in plans and look-backs do).
NOTICE_TTL = timedelta(days=365)

# The feature's own pause (guild id, user id): True when it paused something the member should hear about.
Pause = Callable[[int, int], Awaitable[bool]]
# Runs as the member is told (guild id, user id): False when what was paused is gone, so say nothing.
Told = Callable[[int, int], Awaitable[bool]]


@dataclass(frozen=True)
class NoticeSpec:
    """How one feature's notices are told: its switch, its words per reason, and any follow-up."""

    kind: str
    feature: str
    texts: Mapping[str, str]
    on_told: Told | None = None
    in_own_reply: bool = False


class DmNotices:
    """The one store of owed notices and the rules for telling them once."""

    def __init__(self, repo: NoticeRepository, clock: Clock, guilds: GuildSettingsService) -> None:
        self.repo = repo
        self.clock = clock
        self.guilds = guilds
        self.pending = PendingNotices(repo.members)
        # Another process owing a member a notice makes every process read the set again (never naming who).
        guilds.changes.on(NOTICES_TOPIC, self.pending.reload)
        self._specs: dict[str, NoticeSpec] = {}

    def register(self, spec: NoticeSpec) -> None:
        """Make a feature's notices tellable (its cog is loading); one spec per kind."""
        known = self._specs.get(spec.kind)
        if known is not None and known != spec:
            raise ValueError(f"notices of kind {spec.kind} are already registered")
        self._specs[spec.kind] = spec

    def unregister(self, kind: str) -> None:
        """Stop telling a kind (its cog unloaded); stored notices wait until it is registered again."""
        self._specs.pop(kind, None)

    def closed(self, guild_id: int, user_id: int, kind: str, pause: Pause) -> Callable[[], Awaitable[None]]:
        """An OutgoingDM `on_closed`: run the feature's pause and, if it paused something, owe a notice."""

        async def on_closed() -> None:
            if await pause(guild_id, user_id):
                await self.record(guild_id, user_id, kind)

        return on_closed

    async def record(self, guild_id: int, user_id: int, kind: str, reason: str = DM_CLOSED) -> None:
        """Owe the member a notice about `kind` in a server (replacing an older one about it)."""
        now = self.clock.now()
        created, expires = to_timestamp(now), to_timestamp(now + NOTICE_TTL)
        await self.repo.put(StoredNotice(guild_id, user_id, kind, reason, created, expires))
        self.pending.add(guild_id, user_id)
        await self.guilds.changes.changed_elsewhere(NOTICES_TOPIC, guild_id)

    async def owed(self, guild_id: int, user_id: int, kind: str) -> str | None:
        """The reason of the member's notice about `kind` in a server, if one is owed (nothing is told).

        Read from the table, the truth, never from the mirror: for checks, not for every command.
        """
        return next((n.reason for n in await self.repo.owed(guild_id, user_id) if n.kind == kind), None)

    async def clear(self, guild_id: int, user_id: int, kind: str) -> None:
        """The member resumed, restarted or stopped what was paused: nothing is left to tell."""
        if await self.pending.might_have(guild_id, user_id):
            # The mirror keeps them: a later due() finds nothing and forgets them there.
            await self.repo.delete(guild_id, user_id, kind)

    async def due(self, guild_id: int, user_id: int) -> list[str]:
        """What to tell the member after a command in this server: each owed notice whose feature is on, once."""
        if not await self.pending.might_have(guild_id, user_id):
            return []  # the usual case, answered without the database (this runs after every command)
        texts: list[str] = []
        waiting = 0
        for notice in await self.repo.owed(guild_id, user_id):
            spec = self._specs.get(notice.kind)
            if spec is None or spec.in_own_reply or not await self._is_on(spec, guild_id):
                waiting += 1
                continue
            text = await self._tell(spec, notice)
            if text is not None:
                texts.append(text)
        if not waiting:
            self.pending.discard(guild_id, user_id)
        return texts

    async def take(self, guild_id: int, user_id: int, kind: str) -> str | None:
        """The words of the member's notice about `kind`, once, for a feature that tells it in its own reply."""
        spec = self._specs.get(kind)
        if spec is None or not await self.pending.might_have(guild_id, user_id):
            return None
        owed = await self.repo.owed(guild_id, user_id)
        mine = next((n for n in owed if n.kind == kind), None)
        if mine is None or not await self._is_on(spec, guild_id):
            return None
        text = await self._tell(spec, mine)
        if len(owed) == 1:
            self.pending.discard(guild_id, user_id)
        return text

    async def _is_on(self, spec: NoticeSpec, guild_id: int) -> bool:
        # While the feature is off here nothing is touched: the notice waits until it is back on.
        return await self.guilds.is_enabled(guild_id, spec.feature)

    async def _tell(self, spec: NoticeSpec, notice: StoredNotice) -> str | None:
        # Only the caller that removed the row tells it, so two commands at once never tell it twice.
        if not await self.repo.delete(notice.guild_id, notice.user_id, notice.kind):
            return None
        if notice.reason == UNDELIVERED:
            return spec.texts.get(UNDELIVERED, UNDELIVERED_TEXT)
        if spec.on_told is not None and not await spec.on_told(notice.guild_id, notice.user_id):
            return None  # what was paused is gone (stopped, expired): there is nothing to tell
        return spec.texts.get(notice.reason)

    # -- privacy: each feature exports and erases its own kind --------------------------------------

    async def export(self, user_id: int, kind: str) -> list[dict[str, Any]]:
        """The member's owed notices about `kind` in every server."""
        return [
            {
                "guild_id": str(n.guild_id),
                "reason": n.reason,
                "since": from_timestamp(n.created_at).isoformat(),
                "expires_at": from_timestamp(n.expires_at).isoformat(),
            }
            for n in await self.repo.for_user(user_id, kind)
        ]

    async def forget(self, user_id: int, kind: str) -> int:
        """Erase the member's notices about `kind` everywhere; return how many went."""
        return await self.repo.delete_for_user(user_id, kind)
