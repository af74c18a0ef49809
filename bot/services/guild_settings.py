"""Per-server configuration: typed settings, feature switches and channel sets, with a small cache.

Settings are declared once here (`SETTINGS`) with how to parse, check and show them; the database
keeps only text. Changing a setting is one statement, so it is applied whole or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.clock import Clock, to_timestamp
from bot.errors import UserFacingError
from bot.repositories.guilds import GuildRepository
from bot.services.timezones import validate_zone

RETENTION_MIN_DAYS = 7
RETENTION_MAX_DAYS = 730
ROLE_WORD_MAX = 40
_ROLE_WORD = re.compile(r"^[A-Za-z][A-Za-z '\-]*[A-Za-z]$")


class Feature(StrEnum):
    """The features a server can turn on or off."""

    CHECKINS = "checkins"
    STRATEGIES = "strategies"
    RESOURCES = "resources"
    VENTING = "venting"
    REFLECTION = "reflection"
    SUPPORT = "support"

    @property
    def label(self) -> str:
        """The name members see."""
        return FEATURE_LABELS[self]


FEATURE_LABELS = {
    Feature.CHECKINS: "Check-ins",
    Feature.STRATEGIES: "Strategies",
    Feature.RESOURCES: "Resources",
    Feature.VENTING: "Anonymous venting",
    Feature.REFLECTION: "Co-reflection",
    Feature.SUPPORT: "Support on request",
}
# Venting and co-reflection post into channels, so they stay off until a moderator sets them up.
FEATURE_DEFAULTS = {f: f not in (Feature.VENTING, Feature.REFLECTION) for f in Feature}


def parse_retention(raw: str) -> int:
    """Retention in whole days within the allowed bounds."""
    text = raw.strip().lower().removesuffix("days").removesuffix("day").strip()
    try:
        days = int(text)
    except ValueError:
        raise UserFacingError(f"Retention must be a whole number of days, for example 90 (got '{raw[:20]}').") from None
    if not RETENTION_MIN_DAYS <= days <= RETENTION_MAX_DAYS:
        raise UserFacingError(
            f"Retention must be between {RETENTION_MIN_DAYS} and {RETENTION_MAX_DAYS} days (got {days})."
        )
    return days


def parse_role_word(raw: str) -> str:
    """The word the server uses for the role, e.g. 'peer supporter' or 'recovery coach'."""
    text = " ".join(raw.split())
    if len(text) > ROLE_WORD_MAX:
        raise UserFacingError(f"The role word can be at most {ROLE_WORD_MAX} characters (it has {len(text)}).")
    if len(text) < 2 or not _ROLE_WORD.match(text):
        raise UserFacingError(
            "The role word can use letters, spaces, hyphens and apostrophes only, for example 'peer supporter'."
        )
    return text


def parse_snowflake(raw: str) -> int:
    """A Discord id stored as a setting."""
    if not raw.isdigit():
        raise UserFacingError("That is not a Discord id.")
    return int(raw)


@dataclass(frozen=True)
class SettingSpec:
    """How one setting is parsed from text, its default, and its label."""

    key: str
    label: str
    default: Any
    parse: Callable[[str], Any]
    kind: str = "text"  # text | channel | role: tells /config show how to render it


SETTINGS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in (
        SettingSpec("timezone", "Default time zone", "UTC", validate_zone),
        SettingSpec("retention_days", "Retention (days)", 90, parse_retention),
        SettingSpec("role_word", "Word for the role", "peer worker", parse_role_word),
        SettingSpec("vent_channel", "Vent channel", None, parse_snowflake, "channel"),
        SettingSpec("notice_channel", "Channel for bot notices", None, parse_snowflake, "channel"),
        SettingSpec("facilitator_role", "Facilitator role", None, parse_snowflake, "role"),
        SettingSpec("moderator_role", "Moderator role", None, parse_snowflake, "role"),
    )
}

REFLECTION_CHANNELS = "reflection"
MAX_CHANNELS_PER_SET = 25


def register_setting(spec: SettingSpec) -> None:
    """Let a feature declare a setting of its own (e.g. venting's flood limits)."""
    existing = SETTINGS.get(spec.key)
    # An extension that is unloaded and loaded again re-imports its module, so its parse function is a
    # new object: the same setting is the same key, label, default, kind and parser name.
    if existing is not None and _identity(existing) != _identity(spec):
        raise ValueError(f"setting {spec.key} is declared twice")
    SETTINGS[spec.key] = spec


def _identity(spec: SettingSpec) -> tuple[str, str, Any, str, str]:
    return spec.key, spec.label, spec.default, spec.kind, spec.parse.__qualname__


@dataclass(frozen=True)
class GuildConfig:
    """A server's settings with defaults filled in."""

    guild_id: int
    values: dict[str, Any]
    features: dict[Feature, bool]

    def get(self, key: str) -> Any:
        """A setting's value (its default when unset)."""
        return self.values.get(key, SETTINGS[key].default)

    def enabled(self, feature: Feature | str) -> bool:
        """Whether a feature is on in this server."""
        return self.features[Feature(feature)]

    @property
    def timezone(self) -> str:
        """The server's default time zone."""
        return str(self.get("timezone"))

    @property
    def retention_days(self) -> int:
        """How long stored personal items are kept by default."""
        return int(self.get("retention_days"))

    @property
    def role_word(self) -> str:
        """The server's word for the role."""
        return str(self.get("role_word"))


class GuildSettingsService:
    """Reads and changes server configuration, caching each server's config until it changes."""

    def __init__(self, repo: GuildRepository, clock: Clock) -> None:
        self.repo = repo
        self.clock = clock
        self._cache: dict[int, GuildConfig] = {}

    async def ensure_guild(self, guild_id: int) -> None:
        """Make sure the server has its row, so its settings can be stored."""
        await self.repo.ensure(guild_id, to_timestamp(self.clock.now()))

    async def get(self, guild_id: int) -> GuildConfig:
        """The server's configuration, defaults filled in."""
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        raw = await self.repo.settings(guild_id)
        values: dict[str, Any] = {}
        for key, text in raw.items():
            spec = SETTINGS.get(key)
            if spec is None:
                continue  # a setting from a removed feature: ignore rather than fail
            try:
                values[key] = spec.parse(text)
            except UserFacingError:
                continue  # stored value no longer valid (e.g. a zone renamed): fall back to default
        stored = await self.repo.features(guild_id)
        features = {f: stored.get(f.value, FEATURE_DEFAULTS[f]) for f in Feature}
        config = GuildConfig(guild_id, values, features)
        self._cache[guild_id] = config
        return config

    async def is_enabled(self, guild_id: int, feature: str) -> bool:
        """Whether a feature is on; the one check commands, listeners and scheduled jobs share."""
        return (await self.get(guild_id)).enabled(feature)

    async def set(self, guild_id: int, key: str, raw: str | None) -> tuple[Any, Any]:
        """Parse and store a setting (None resets it); return (old, new) values."""
        spec = SETTINGS[key]
        old = (await self.get(guild_id)).get(key)
        new = spec.default if raw is None else spec.parse(raw)
        await self.ensure_guild(guild_id)
        await self.repo.set_setting(guild_id, key, None if raw is None else str(new))
        self._cache.pop(guild_id, None)
        return old, new

    async def set_feature(self, guild_id: int, feature: Feature, enabled: bool) -> bool:
        """Turn a feature on or off; return whether it was on before."""
        old = (await self.get(guild_id)).enabled(feature)
        await self.ensure_guild(guild_id)
        await self.repo.set_feature(guild_id, feature.value, enabled)
        self._cache.pop(guild_id, None)
        return old

    async def channels(self, guild_id: int, purpose: str) -> list[int]:
        """The channels chosen for a purpose."""
        return await self.repo.channel_set(guild_id, purpose)

    async def add_channel(self, guild_id: int, purpose: str, channel_id: int) -> bool:
        """Allow a channel for a purpose; False if it was already allowed."""
        current = await self.repo.channel_set(guild_id, purpose)
        if channel_id not in current and len(current) >= MAX_CHANNELS_PER_SET:
            raise UserFacingError(f"A server can allow at most {MAX_CHANNELS_PER_SET} channels here.")
        await self.ensure_guild(guild_id)
        return await self.repo.add_to_channel_set(guild_id, purpose, channel_id)

    async def remove_channel(self, guild_id: int, purpose: str, channel_id: int) -> bool:
        """Stop allowing a channel; False if it was not allowed."""
        return await self.repo.remove_from_channel_set(guild_id, purpose, channel_id)

    async def forget_guild(self, guild_id: int) -> None:
        """Delete everything stored for a server (the bot left it)."""
        await self.repo.delete(guild_id)
        self._cache.pop(guild_id, None)
