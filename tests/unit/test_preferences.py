"""Members' preferences: stored only when set, refused when nonsensical, expiring by the registry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import UserFacingError
from bot.services.preferences import PREFERENCES_TTL


async def test_nothing_stored_until_member_sets_something(services, db):
    prefs = await services.preferences.effective(1, 2, "Europe/Berlin")
    assert not prefs.stored and prefs.timezone == "Europe/Berlin"
    assert await db.fetchval("SELECT count(*) FROM member_preferences") == 0


async def test_quiet_hours_covering_whole_day_refused(services, db):
    with pytest.raises(UserFacingError, match="whole day"):
        await services.preferences.set_quiet_hours(1, 2, 600, 600)
    with pytest.raises(UserFacingError, match="both"):
        await services.preferences.set_quiet_hours(1, 2, 600, None)
    assert await db.fetchval("SELECT count(*) FROM member_preferences") == 0


async def test_quiet_hours_keep_zone(services):
    await services.preferences.set_timezone(1, 2, "Asia/Tokyo")
    await services.preferences.set_quiet_hours(1, 2, 22 * 60, 7 * 60)
    prefs = await services.preferences.effective(1, 2, "UTC")
    assert (prefs.timezone, prefs.quiet_start, prefs.quiet_end) == ("Asia/Tokyo", 1320, 420)


async def test_preferences_expire_through_the_purge(services, clock, db):
    from bot.repositories import schema

    await services.preferences.set_timezone(1, 2, "Asia/Tokyo")
    clock.advance(PREFERENCES_TTL - timedelta(seconds=1))
    assert await schema.purge_expired(db, "member_preferences", "expires_at", int(clock.now().timestamp())) == 0
    clock.advance(timedelta(seconds=2))
    assert await schema.purge_expired(db, "member_preferences", "expires_at", int(clock.now().timestamp())) == 1
