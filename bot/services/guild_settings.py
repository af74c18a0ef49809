"""Per-server configuration: typed settings, feature switches and channel sets, with a small cache.

Settings are declared once here (`SETTINGS`) with how to parse, check and show them; the database
keeps only text. Changing a setting is one statement, so it is applied whole or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.changes import EVERYTHING, ChangeFeed
from bot.clock import Clock, from_timestamp, to_timestamp
from bot.content.role_word import DEFAULT_ROLE_WORD, RoleWord
from bot.errors import UserFacingError
from bot.repositories.guilds import GuildRepository
from bot.services.timezones import validate_zone

RETENTION_MIN_DAYS = 7
RETENTION_MAX_DAYS = 730
ROLE_WORD_MAX = 40
_ROLE_WORD = re.compile(r"^[A-Za-z][A-Za-z '\-]*[A-Za-z]$")


class FeatureSwitch(str):
    """A feature a server can turn on or off, declared by the feature's own package.

    It is its key (a `str`), so it can be passed wherever a feature key is expected (scheduler kinds,
    notices), and it carries the label members see and whether a new server has it on.
    """

    label: str
    default: bool

    def __new__(cls, key: str, label: str, default: bool) -> FeatureSwitch:
        """A switch called `key`, shown as `label`, on in new servers when `default`."""
        switch = super().__new__(cls, key)
        switch.label = label
        switch.default = default
        return switch

    @property
    def key(self) -> str:
        """The stored name of the switch."""
        return str.__str__(self)

    def __getnewargs__(self) -> tuple[str, str, bool]:  # type: ignore[override]
        # copy and pickle rebuild a str subclass through __new__; give them every argument.
        return self.key, self.label, self.default


# Every switch a loaded feature declared. A feature registers on import, as it declares its tables.
FEATURES: dict[str, FeatureSwitch] = {}


def register_feature(switch: FeatureSwitch) -> FeatureSwitch:
    """Declare a feature's switch (two packages may share one if they declare it identically)."""
    existing = FEATURES.get(switch.key)
    if existing is not None and (existing.label, existing.default) != (switch.label, switch.default):
        raise ValueError(f"feature switch {switch.key} is declared twice, differently")
    FEATURES[switch.key] = switch
    return switch


def feature_switches() -> list[FeatureSwitch]:
    """The declared switches in the order moderators see them (by label)."""
    return sorted(FEATURES.values(), key=lambda switch: switch.label.lower())


def find_feature(raw: str) -> FeatureSwitch:
    """The switch a moderator named, by key or label; a clear error naming the choices otherwise."""
    wanted = raw.strip().lower()
    for switch in FEATURES.values():
        if wanted in (switch.key, switch.label.lower()):
            return switch
    names = ", ".join(switch.label for switch in feature_switches())
    raise UserFacingError(f"There is no feature called '{raw[:40]}'. Choose one of: {names}.")


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
        SettingSpec("role_word", "Word for the role", DEFAULT_ROLE_WORD, parse_role_word),
        # None: made from the singular (coach → coaches); set when the default reads wrong.
        SettingSpec("role_word_plural", "Word for the role, plural", None, parse_role_word),
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
    features: dict[str, bool]  # only the switches a moderator has set; the rest take their default

    def get(self, key: str) -> Any:
        """A setting's value (its default when unset)."""
        return self.values.get(key, SETTINGS[key].default)

    def enabled(self, feature: str) -> bool:
        """Whether a feature is on in this server (a KeyError names a feature nobody declared)."""
        key = str.__str__(feature)
        if key in self.features:
            return self.features[key]
        return FEATURES[key].default

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
        """The server's word for the role (singular)."""
        return str(self.get("role_word"))

    @property
    def role_words(self) -> RoleWord:
        """The server's word for the role, singular and plural."""
        return RoleWord.of(self.role_word, self.get("role_word_plural"))


CONFIG_TOPIC = "config"


class GuildSettingsService:
    """Reads and changes server configuration, caching each server's config until it changes."""

    def __init__(self, repo: GuildRepository, clock: Clock, changes: ChangeFeed | None = None) -> None:
        self.repo = repo
        self.clock = clock
        self._cache: dict[int, GuildConfig] = {}
        # Channel sets, read on every command that checks where it may run; dropped when one changes.
        self._channels: dict[tuple[int, str], tuple[int, ...]] = {}
        # Every process sharing the database drops its copy of a server's settings when one changes.
        self.changes = changes or ChangeFeed(repo.db)
        self.changes.on(CONFIG_TOPIC, self._drop)

    def _drop(self, key: str) -> None:
        """Forget the kept copy of one server's settings and channels (EVERYTHING: of every server)."""
        if key == EVERYTHING:
            self._cache.clear()
            self._channels.clear()
            return
        guild_id = int(key)
        self._cache.pop(guild_id, None)
        self._channels = {k: v for k, v in self._channels.items() if k[0] != guild_id}

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
        config = GuildConfig(guild_id, values, await self.repo.features(guild_id))
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
        await self.changes.changed(CONFIG_TOPIC, guild_id)
        return old, new

    async def set_role_word(self, guild_id: int, singular: str | None, plural: str | None) -> tuple[RoleWord, RoleWord]:
        """Set both numbers of the role word at once (None resets); return (old, new).

        Without a plural, the stored plural is cleared so the default is made from the new singular.
        Both are checked before anything is written, and written in one transaction.
        """
        old = (await self.get(guild_id)).role_words
        new_singular = DEFAULT_ROLE_WORD if singular is None else parse_role_word(singular)
        new_plural = None if plural is None else parse_role_word(plural)
        await self.ensure_guild(guild_id)
        async with self.repo.db.transaction():
            await self.repo.set_setting(guild_id, "role_word", None if singular is None else new_singular)
            await self.repo.set_setting(guild_id, "role_word_plural", new_plural)
        await self.changes.changed(CONFIG_TOPIC, guild_id)
        return old, RoleWord.of(new_singular, new_plural)

    async def set_feature(self, guild_id: int, feature: str, enabled: bool) -> bool:
        """Turn a feature on or off; return whether it was on before."""
        old = (await self.get(guild_id)).enabled(feature)
        await self.ensure_guild(guild_id)
        await self.repo.set_feature(guild_id, str.__str__(feature), enabled)
        await self.changes.changed(CONFIG_TOPIC, guild_id)
        return old

    async def channels(self, guild_id: int, purpose: str) -> list[int]:
        """The channels chosen for a purpose (from the cache once read)."""
        cached = self._channels.get((guild_id, purpose))
        if cached is None:
            cached = tuple(await self.repo.channel_set(guild_id, purpose))
            self._channels[(guild_id, purpose)] = cached
        return list(cached)

    async def add_channel(self, guild_id: int, purpose: str, channel_id: int) -> bool:
        """Allow a channel for a purpose; False if it was already allowed."""
        await self.ensure_guild(guild_id)
        try:
            # Counted and added in one transaction: two adds at once would otherwise both pass the limit.
            async with self.repo.db.transaction():
                current = await self.repo.channel_set(guild_id, purpose)
                if channel_id not in current and len(current) >= MAX_CHANNELS_PER_SET:
                    raise UserFacingError(f"A server can allow at most {MAX_CHANNELS_PER_SET} channels here.")
                return await self.repo.add_to_channel_set(guild_id, purpose, channel_id)
        finally:
            await self.changes.changed(CONFIG_TOPIC, guild_id)

    async def remove_channel(self, guild_id: int, purpose: str, channel_id: int) -> bool:
        """Stop allowing a channel; False if it was not allowed."""
        try:
            return await self.repo.remove_from_channel_set(guild_id, purpose, channel_id)
        finally:
            await self.changes.changed(CONFIG_TOPIC, guild_id)

    async def forget_guild(self, guild_id: int) -> None:
        """Delete everything stored for a server (the bot left it), leaving no old pages in the WAL."""
        await self.repo.delete(guild_id)
        await self.changes.changed(CONFIG_TOPIC, guild_id)
        await self.repo.checkpoint()

    async def servers_to_forget(
        self, present: frozenset[int], grace: timedelta, owns: Callable[[int], bool] = lambda _guild_id: True
    ) -> list[int]:
        """Compare the servers the bot is in with those it has data for; return those to forget.

        `present` is every server the gateway listed after connecting, unavailable ones included
        (a Discord outage never removes a server from that list). A server missing from it is noted
        the first time, and returned once it has been missing for `grace`; one that reappears is
        cleared. `owns` says which servers this process's shards hold: another process's servers are
        never in this process's list, and are not its to judge.
        """
        now = self.clock.now()
        due: list[int] = []
        for guild_id, since in (await self.repo.missing_since()).items():
            if not owns(guild_id):
                continue
            if guild_id in present:
                if since is not None:
                    await self.repo.set_missing_since(guild_id, None)
            elif since is None:
                await self.repo.set_missing_since(guild_id, to_timestamp(now))
            elif from_timestamp(since) + grace <= now:
                due.append(guild_id)
        return due
