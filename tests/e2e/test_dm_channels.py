"""One request per DM (issue 14): stored DM channel ids, through the unmodified bot and SimCord.

Virtual time starts at 2026-01-01 00:00 UTC; check-ins are due at 09:00. Requests are SimCord's log
of every REST call the bot made. What is stored is read from the database file itself.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests import dbfile
from tests.e2e.checkin_helpers import DAY, TO_NINE, advance, dms, sim_services, start, world

__all__ = ["sim_services", "world"]

OPEN = ("POST", "/users/@me/channels")


def requests(env, since: int = 0) -> list[tuple[str, str]]:
    """(method, path) of every REST call after the first `since`, except interaction answers."""
    return [
        (r.method, r.path) for r in env.http_requests[since:] if not r.path.startswith(("/interactions", "/webhooks"))
    ]


def post_to(channel_id: int) -> tuple[str, str]:
    return ("POST", f"/channels/{channel_id}/messages")


def stored(db_path: Path) -> list[tuple[int, int]]:
    return dbfile.rows(db_path, "SELECT user_id, channel_id FROM dm_channels")


async def test_the_first_check_in_opens_the_channel_once_and_every_later_one_costs_one_request(
    world, simcord_env, db_path
):
    await start(world)
    before = len(simcord_env.http_requests)
    await advance(simcord_env, TO_NINE)
    dm = world.member.user.dm_channel
    assert requests(simcord_env, before) == [OPEN, post_to(dm.id)]
    assert stored(db_path) == [(world.member.id, dm.id)]
    for day in range(2):
        before = len(simcord_env.http_requests)
        await advance(simcord_env, DAY)
        assert requests(simcord_env, before) == [post_to(dm.id)], f"day {day + 2}"
    assert len(dms(world.member)) == 3


async def test_the_channel_is_opened_ahead_of_the_wave_only_for_members_due_soon(
    world, simcord_env, simcord_bot, db_path
):
    await start(world)
    await start(world, world.other, time="15:00")
    await advance(simcord_env, 8 * 3600 + 30 * 60)
    before = len(simcord_env.http_requests)
    assert await simcord_bot.open_dm_channels_ahead() == 1
    assert requests(simcord_env, before) == [OPEN]
    dm = world.member.user.dm_channel
    assert stored(db_path) == [(world.member.id, dm.id)]  # the 15:00 member is not due within the hour
    assert dms(world.member) == []
    before = len(simcord_env.http_requests)
    await advance(simcord_env, 31 * 60)
    assert requests(simcord_env, before) == [post_to(dm.id)]
    assert len(dms(world.member)) == 1


async def test_a_stale_stored_id_is_dropped_and_the_channel_opened_again_once(
    world, simcord_env, sim_services, db_path
):
    await start(world)
    await advance(simcord_env, TO_NINE)
    dm = world.member.user.dm_channel
    await sim_services.db.execute("UPDATE dm_channels SET channel_id = 4242")
    before = len(simcord_env.http_requests)
    await advance(simcord_env, DAY)
    assert requests(simcord_env, before) == [post_to(4242), OPEN, post_to(dm.id)]
    assert len(dms(world.member)) == 2
    assert stored(db_path) == [(world.member.id, dm.id)]


async def test_a_refused_stored_channel_is_reopened_once_then_the_dms_count_as_closed(world, simcord_env, db_path):
    await start(world)
    await advance(simcord_env, TO_NINE)
    dm = world.member.user.dm_channel
    refuse = {"status": 403, "code": 50007, "message": "Cannot send messages to this user"}
    simcord_env.inject_error("POST", "/channels/*/messages", **refuse, times=1)
    before = len(simcord_env.http_requests)
    await advance(simcord_env, DAY)
    assert requests(simcord_env, before) == [post_to(dm.id), OPEN, post_to(dm.id)]
    assert len(dms(world.member)) == 2  # the refusal was passing: the reopened channel took it
    simcord_env.inject_error("POST", "/channels/*/messages", **refuse, times=2)
    before = len(simcord_env.http_requests)
    await advance(simcord_env, DAY)
    assert requests(simcord_env, before) == [post_to(dm.id), OPEN, post_to(dm.id)]
    assert len(dms(world.member)) == 2
    assert stored(db_path) == []  # closed DMs leave no id behind
    told = await world.member.slash(world.general, "preferences show")
    assert any("direct messages from this server are closed" in f.content for f in told.followups)


async def test_export_shows_the_stored_id_and_forget_erases_it_from_the_file(world, simcord_env, db_path):
    await start(world)
    await advance(simcord_env, TO_NINE)
    dm = world.member.user.dm_channel
    exported = await world.member.slash(world.general, "privacy export")
    data = json.loads(await exported.response.attachments[0].read())["features"]
    (entry,) = data["Messages waiting to be sent"]["direct message conversation"]
    assert entry["channel_id"] == str(dm.id)
    shown = await world.member.slash(world.general, "privacy show")
    assert "1 stored id of our direct-message conversation" in shown.response.content
    asked = await world.member.slash(world.general, "privacy forget")
    await world.member.click(asked.response.message, label="Yes, erase everything")
    assert stored(db_path) == []
    assert dbfile.count(db_path, "dm_channels") == 0


async def test_stopping_the_last_scheduled_dm_forgets_the_id_and_an_unused_one_expires(
    world, simcord_env, simcord_bot, sim_services, db_path
):
    await start(world)
    await start(world, world.other)
    await advance(simcord_env, TO_NINE)
    assert len(stored(db_path)) == 2
    stopped = await world.member.slash(world.general, "checkin stop")
    assert "stopped" in stopped.response.content
    assert stored(db_path) == [(world.other.id, world.other.user.dm_channel.id)]
    # A month without a DM through it (here: its expiry moved to the past): the purge takes it.
    await sim_services.db.execute("UPDATE dm_channels SET expires_at = 1")
    await simcord_bot.run_maintenance()
    assert stored(db_path) == []
