"""Server settings: parsing, validation, atomic changes, feature switches, and deleting a server."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserFacingError
from bot.services.guild_settings import (
    RETENTION_MAX_DAYS,
    RETENTION_MIN_DAYS,
    ROLE_WORD_MAX,
    parse_retention,
    parse_role_word,
)
from bot.services.timezones import suggest, validate_zone
from cogs.checkins.service import FEATURE as CHECKINS
from cogs.reflection.service import FEATURE as REFLECTION
from cogs.venting.service import FEATURE as VENTING

GUILD = 111


async def test_defaults(services):
    config = await services.guilds.get(GUILD)
    assert config.timezone == "UTC"
    assert config.role_word == "peer worker"
    assert config.enabled(CHECKINS)
    assert not config.enabled(VENTING)
    assert not config.enabled(REFLECTION)


async def test_set_returns_old_and_new_and_persists(services):
    old, new = await services.guilds.set(GUILD, "timezone", "america/new_york")
    assert (old, new) == ("UTC", "America/New_York")
    services.guilds._cache.clear()
    assert (await services.guilds.get(GUILD)).timezone == "America/New_York"


async def test_invalid_value_changes_nothing(services):
    await services.guilds.set(GUILD, "retention_days", "30")
    with pytest.raises(UserFacingError, match="between"):
        await services.guilds.set(GUILD, "retention_days", "3")
    assert (await services.guilds.get(GUILD)).retention_days == 30


async def test_reset_goes_back_to_default(services):
    await services.guilds.set(GUILD, "role_word", "recovery coach")
    old, new = await services.guilds.set(GUILD, "role_word", None)
    assert (old, new) == ("recovery coach", "peer worker")


async def test_feature_switch(services):
    assert await services.guilds.set_feature(GUILD, VENTING, True) is False
    assert await services.guilds.is_enabled(GUILD, "venting")
    assert await services.guilds.set_feature(GUILD, VENTING, False) is True
    assert not await services.guilds.is_enabled(GUILD, "venting")


async def test_channel_sets(services):
    assert await services.guilds.add_channel(GUILD, "reflection", 5)
    assert not await services.guilds.add_channel(GUILD, "reflection", 5)
    assert await services.guilds.channels(GUILD, "reflection") == [5]
    assert await services.guilds.remove_channel(GUILD, "reflection", 5)
    assert not await services.guilds.remove_channel(GUILD, "reflection", 5)


async def test_channel_sets_are_read_once_and_every_change_is_seen(services):
    guilds = services.guilds
    await guilds.add_channel(GUILD, "reflection", 5)
    assert await guilds.channels(GUILD, "reflection") == [5]
    # Served from memory: a row written behind the service's back is not read again...
    await services.db.execute(
        "INSERT INTO guild_channel_sets (guild_id, purpose, channel_id) VALUES ($1, 'reflection', 6)", (GUILD,)
    )
    assert await guilds.channels(GUILD, "reflection") == [5]
    # ...but every change made through it is.
    await guilds.add_channel(GUILD, "reflection", 7)
    assert await guilds.channels(GUILD, "reflection") == [5, 6, 7]
    await guilds.remove_channel(GUILD, "reflection", 5)
    assert await guilds.channels(GUILD, "reflection") == [6, 7]
    await guilds.forget_guild(GUILD)
    assert await guilds.channels(GUILD, "reflection") == []


async def test_channel_set_limit(services):
    for channel in range(25):
        await services.guilds.add_channel(GUILD, "reflection", channel + 1)
    with pytest.raises(UserFacingError, match="at most 25"):
        await services.guilds.add_channel(GUILD, "reflection", 999)


async def test_channels_allowed_at_once_never_pass_the_limit(services):
    # Two moderators (or a double press) at the limit's edge: one more channel, never two.
    for channel in range(24):
        await services.guilds.add_channel(GUILD, "reflection", channel + 1)
    added = await asyncio.gather(
        *(services.guilds.add_channel(GUILD, "reflection", 900 + n) for n in range(3)), return_exceptions=True
    )
    assert sum(isinstance(a, UserFacingError) and "at most 25" in str(a) for a in added) == 2
    assert len(await services.guilds.repo.channel_set(GUILD, "reflection")) == 25


async def test_forget_guild_cascades_everywhere(services, db):
    await services.guilds.set(GUILD, "timezone", "Europe/London")
    await services.guilds.set_feature(GUILD, VENTING, True)
    await services.guilds.add_channel(GUILD, "reflection", 7)
    await services.preferences.set_timezone(GUILD, 42, "Europe/Paris")
    await services.guilds.set(222, "timezone", "Asia/Tokyo")
    await services.guilds.forget_guild(GUILD)
    for table in ("guild_settings", "guild_features", "guild_channel_sets", "member_preferences", "guilds"):
        assert await db.fetchval(f"SELECT count(*) FROM {table} WHERE guild_id = $1", (GUILD,)) == 0
    assert (await services.guilds.get(222)).timezone == "Asia/Tokyo"


def test_zone_suggestions_on_typo():
    with pytest.raises(UserFacingError) as err:
        validate_zone("Europe/Londn")
    assert "Europe/London" in err.value.message
    assert "America/New_York" in suggest("new york")


@given(st.integers(min_value=-10_000, max_value=10_000))
def test_retention_accepts_exactly_the_bounds(days):
    if RETENTION_MIN_DAYS <= days <= RETENTION_MAX_DAYS:
        assert parse_retention(str(days)) == days
    else:
        with pytest.raises(UserFacingError):
            parse_retention(str(days))


@given(st.text(max_size=60))
def test_retention_never_crashes_on_text(text):
    try:
        days = parse_retention(text)
    except UserFacingError as error:
        assert "Retention" in error.message
    else:
        assert RETENTION_MIN_DAYS <= days <= RETENTION_MAX_DAYS


@given(st.text(max_size=80))
def test_role_word_is_plain_and_short_or_refused(text):
    try:
        word = parse_role_word(text)
    except UserFacingError as error:
        assert error.message
    else:
        assert 2 <= len(word) <= ROLE_WORD_MAX
        assert "@" not in word and "`" not in word and "\n" not in word
        assert word == " ".join(word.split())


@given(st.text(max_size=40))
def test_zone_validation_returns_a_real_zone_or_explains(text):
    try:
        zone = validate_zone(text)
    except UserFacingError as error:
        assert "time zone" in error.message
    else:
        from zoneinfo import ZoneInfo

        ZoneInfo(zone)


def test_a_feature_switch_is_declared_once_and_shared_identically():
    from bot.services.guild_settings import FEATURES, FeatureSwitch, register_feature

    # Moments and disclosure share the check-ins switch by declaring it exactly as check-ins does.
    assert register_feature(FeatureSwitch("checkins", "Check-ins", default=True)) == CHECKINS
    with pytest.raises(ValueError, match="declared twice"):
        register_feature(FeatureSwitch("checkins", "Check-ins", default=False))
    assert FEATURES["checkins"].default is True


async def test_a_new_package_switch_takes_its_default_until_set(services):
    from bot.services.guild_settings import FEATURES, FeatureSwitch, register_feature

    switch = register_feature(FeatureSwitch("sign_up", "Session sign-up", default=False))
    try:
        assert not (await services.guilds.get(GUILD)).enabled(switch)
        assert await services.guilds.set_feature(GUILD, switch, True) is False
        assert (await services.guilds.get(GUILD)).enabled("sign_up")
    finally:
        FEATURES.pop("sign_up")


def test_an_undeclared_feature_is_a_programming_error():
    from bot.services.guild_settings import GuildConfig

    with pytest.raises(KeyError):
        GuildConfig(GUILD, {}, {}).enabled("nobody_declared_this")


def test_a_switch_survives_copying_with_its_label():
    import copy
    import pickle

    for twin in (copy.deepcopy(VENTING), pickle.loads(pickle.dumps(VENTING))):
        assert (twin.key, twin.label, twin.default) == ("venting", "Anonymous venting", False)
