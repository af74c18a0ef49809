"""Closed DMs across features, end to end: one store, each feature's own words, and /privacy covers it."""

from __future__ import annotations

import json

from cogs.checkins.service import KIND as CHECKIN_KIND
from cogs.moments.service import LOOKBACK_KIND
from cogs.strategies.reminders import REMINDER_KIND
from tests.e2e.checkin_helpers import TO_NINE, advance, rows_with, sim_services, start, world

__all__ = ["sim_services", "world"]

KINDS = (CHECKIN_KIND, LOOKBACK_KIND, REMINDER_KIND)


async def _all_three_refused(world, simcord_env, sim_services) -> None:
    """Check-ins and the look-back due at 09:00, a strategy reminder at 09:30, and the member's DMs closed.

    Not all three at once: a third new-channel DM in the same instant exceeds the DM queue's burst,
    and the wait for its token bucket to refill does not settle under SimCord's virtual time.
    """
    await start(world)
    shown = await world.member.slash(world.general, "moment add")
    opened = await world.member.click(shown.response.message, label="Turn on and write one")
    await world.member.submit_modal(opened, {"moment-text": "a kind word"})
    await world.member.slash(world.general, "moment lookback", on=True, time="09:00")
    await world.member.slash(world.general, "strategy remind start", cadence="daily", time="09:30", group="isolation")
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, code=50007, message="Cannot send", times=None)
    await advance(simcord_env, TO_NINE + 30 * 60)
    for kind in KINDS:
        assert await sim_services.notices.owed(world.guild.id, world.member.id, kind) == "dm_closed", kind


async def test_each_feature_tells_in_its_own_words_and_strategies_wait_for_strategy(world, simcord_env, sim_services):
    await _all_three_refused(world, simcord_env, sim_services)
    told = await world.member.slash(world.general, "preferences show")
    said = [f.content for f in told.followups]
    assert len(said) == 2
    assert any("direct messages from this server are closed" in s for s in said)
    assert any("weekly look-back" in s for s in said)
    assert not any("strategy reminders" in s for s in said)
    again = await world.member.slash(world.general, "preferences show")
    assert again.followups == []
    assert await sim_services.notices.owed(world.guild.id, world.member.id, REMINDER_KIND) == "dm_closed"
    reply = await world.member.slash(world.general, "strategy saved")
    assert reply.response.content.startswith("Your strategy reminders are paused")
    later = await world.member.slash(world.general, "strategy saved")
    assert "paused" not in later.response.content


async def test_privacy_export_and_forget_cover_every_notice(world, simcord_env, sim_services):
    await _all_three_refused(world, simcord_env, sim_services)
    # From DMs: a command in the server would tell (and so delete) the notices first.
    exported = await world.member.user.slash("privacy export")
    data = json.loads(await exported.response.attachments[0].read())["features"]
    for feature in ("Check-ins", "Good moments", "Strategies"):
        assert [n["reason"] for n in data[feature]["notices"]] == ["dm_closed"], feature
    asked = await world.member.user.slash("privacy forget")
    done = await world.member.user.click(asked.response.message, label="Yes, erase everything")
    assert done.response.content.count("1 notice waiting for you") == 3
    assert await rows_with(sim_services, world.member.id) == {}
