"""Kept disclosure notes: stored only when the member asks at the end of /disclosure, encrypted, expiring.

No Discord import; bad input raises UserFacingError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, from_timestamp, to_timestamp
from bot.errors import UserFacingError
from bot.keys import Keys
from bot.services.guild_settings import FeatureSwitch, GuildSettingsService, register_feature
from bot.services.help_tips import Tip, register_tip
from cogs.disclosure.repository import DisclosureRepository, StoredNote

if TYPE_CHECKING:
    from bot.app import Services

# Shares the check-ins switch: one setting turns every private check-in tool on or off.
FEATURE = register_feature(FeatureSwitch("checkins", "Check-ins", default=True))
# What /help suggests for this feature (bot.services.help_tips).
register_tip(Tip("member", 40, FEATURE.key, "disclosure", "think through sharing part of your story at work"))

NOTES_KEEP_DAYS = 30
# The /disclosure notes form: one field per step, stored as "Who: ..." lines. NOTES_MAX is exactly
# the longest text a full form makes, so anything the form accepts is kept.
DISCLOSURE_STEPS = ("who", "what", "when", "where", "why")
NOTE_FIELD_MAX = 800
NOTES_MAX = sum(len(f"{step.capitalize()}: ") + NOTE_FIELD_MAX for step in DISCLOSURE_STEPS) + len(DISCLOSURE_STEPS) - 1


@dataclass(frozen=True)
class KeptNote:
    """Kept notes, decrypted for their owner."""

    id: int
    text: str
    created_at: datetime
    expires_at: datetime


def _decrypt(keys: Keys, note: StoredNote) -> KeptNote:
    # Notes under a lost key say so instead of failing: the text is gone by design.
    text = keys.decrypt(note.body)
    return KeptNote(
        note.id,
        text if text is not None else "(can't be read: the bot's key changed)",
        from_timestamp(note.created_at),
        from_timestamp(note.expires_at),
    )


class DisclosureNotes:
    """Kept disclosure notes: stored only on request, encrypted, expiring."""

    @classmethod
    def build(cls, services: Services) -> DisclosureNotes:
        """The service over the bot's core services (what the extension's setup and tests use)."""
        return cls(DisclosureRepository(services.db), services.clock, services.keys, services.guilds)

    def __init__(self, repo: DisclosureRepository, clock: Clock, keys: Keys, guilds: GuildSettingsService) -> None:
        self.repo = repo
        self.clock = clock
        self.keys = keys
        self.guilds = guilds

    async def keep(self, guild_id: int, user_id: int, text: str) -> datetime:
        """Store the member's notes, encrypted; return when they expire."""
        if not text.strip():
            raise UserFacingError("There were no notes to keep.")
        if len(text) > NOTES_MAX:
            raise UserFacingError(f"Those notes are longer than {NOTES_MAX} characters; please shorten them.")
        await self.guilds.ensure_guild(guild_id)
        now = self.clock.now()
        # The server's retention period is the upper bound for everything kept in it.
        retention = (await self.guilds.get(guild_id)).retention_days
        expires = now + timedelta(days=min(NOTES_KEEP_DAYS, retention))
        await self.repo.add(guild_id, user_id, self.keys.encrypt(text), to_timestamp(now), to_timestamp(expires))
        return expires

    async def entries(self, user_id: int, guild_id: int | None = None) -> list[KeptNote]:
        """The member's kept notes, newest first."""
        return [_decrypt(self.keys, note) for note in await self.repo.list(user_id, guild_id)]

    async def delete_all(self, user_id: int, guild_id: int | None = None) -> int:
        """Delete the member's notes in a server, or everywhere."""
        return await self.repo.delete(user_id, guild_id)

    async def export(self, user_id: int) -> dict[str, Any]:
        """The member's notes, decrypted for them."""
        return {
            "notes": [
                {"text": e.text, "created_at": e.created_at.isoformat(), "expires_at": e.expires_at.isoformat()}
                for e in await self.entries(user_id)
            ]
        }
