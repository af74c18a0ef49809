"""/welcome end to end: asking first, the six DMs over two weeks, Stop, the moderators' wording,
what is kept afterwards (read from the database file) and until when, export and forget."""

from __future__ import annotations

import json

from bot.repositories import schema
from tests.e2e.peer_helpers import DAY, HOUR, advance, dms, rows_with, world

__all__ = ["world"]


async def _start(world, actor=None):
    actor = actor or world.member
    shown = await actor.slash(world.general, "welcome start")
    assert "Stop button" in shown.response.content and "Nothing about what you read" in shown.response.content
    return await actor.click(shown.response.message, label="Start")


async def test_not_now_stores_nothing(world, sim_services):
    shown = await world.member.slash(world.general, "welcome start")
    done = await world.member.click(shown.response.message, label="Not now")
    assert "Nothing was stored" in done.response.content
    assert await rows_with(sim_services, world.member.id) == {}
    assert dms(world.member) == []


async def test_the_whole_sequence_then_only_that_it_ended(world, simcord_env, sim_services):
    started = await _start(world)
    assert "first message is in your DMs" in started.response.content
    [first] = dms(world.member)
    assert "What drew you to peer work" in first.content
    assert [c.label for row in first.components for c in row.children] == ["Stop"]
    await advance(simcord_env, 2 * DAY + 11 * HOUR)
    assert "setting" in dms(world.member)[-1].content
    await advance(simcord_env, 2 * DAY)
    cards = dms(world.member)[-1].content
    assert "It's not about me" in cards or cards.count("- **") == 3
    await advance(simcord_env, 10 * DAY)
    sent = dms(world.member)
    assert len(sent) == 6
    assert "/support" in sent[4].content and "last welcome message" in sent[5].content
    assert "/circle list" in sent[5].content  # the step about circles names the command that lists them
    # Afterwards: one row saying it ended, no schedule, nothing about which messages were read.
    rows = await sim_services.db.fetchall("SELECT ended FROM welcome_runs WHERE user_id = $1", (world.member.id,))
    assert [tuple(r) for r in rows] == [(1,)]
    assert await rows_with(sim_services, world.member.id) == {"welcome_runs": 1}
    await advance(simcord_env, 30 * DAY)
    assert len(dms(world.member)) == 6
    # ...and that only until the server's retention period (90 days by default).
    await advance(simcord_env, 61 * DAY)
    await simcord_env.bot.run_maintenance()
    assert await rows_with(sim_services, world.member.id) == {}


async def test_stop_ends_it_at_once_and_records_nothing_about_it(world, simcord_env, sim_services):
    await _start(world)
    await advance(simcord_env, 2 * DAY + 11 * HOUR)
    second = dms(world.member)[-1]
    stopped = await world.member.user.click(second, label="Stop")
    assert "Stopped" in stopped.response.content
    rows = await sim_services.db.fetchall("SELECT * FROM welcome_runs WHERE user_id = $1", (world.member.id,))
    assert [r["ended"] for r in rows] == [1]
    assert await rows_with(sim_services, world.member.id) == {"welcome_runs": 1}
    await advance(simcord_env, 14 * DAY)
    assert len(dms(world.member)) == 2
    again = await _start(world)
    assert "Started" in again.response.content


async def test_moderators_reword_or_leave_out_a_message(world, simcord_env, sim_services):
    member_tries = await world.member.slash(world.general, "welcome edit", message="welcome-setting", text="x")
    assert "Only moderators" in member_tries.response.content
    await world.mod.slash(world.general, "welcome edit", message="welcome-setting", text="qx-our own words")
    await world.mod.slash(world.general, "welcome edit", message="welcome-strategies", leave_out=True)
    shown = await world.mod.slash(world.general, "welcome preview", message="welcome-strategies")
    assert "left out" in shown.response.content
    await _start(world)
    await advance(simcord_env, 2 * DAY + 11 * HOUR)
    assert dms(world.member)[-1].content == "qx-our own words"
    await advance(simcord_env, 3 * DAY)
    assert "strategy cards" not in dms(world.member)[-1].content
    await world.mod.slash(world.general, "welcome edit", message="welcome-setting")
    back = await world.mod.slash(world.general, "welcome preview", message="welcome-setting")
    assert "qx-our own words" not in back.response.content


async def test_closed_dms_stop_the_sequence_and_tell_once(world, simcord_env, sim_services):
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, code=50007, message="Cannot send", times=1)
    await _start(world)
    rows = await sim_services.db.fetchall("SELECT ended FROM welcome_runs WHERE user_id = $1", (world.member.id,))
    assert [r[0] for r in rows] == [1]
    told = await world.member.slash(world.general, "privacy show")
    assert any("direct messages are closed" in f.content for f in told.followups)


async def test_export_and_forget(world, sim_services):
    await _start(world)
    exported = await world.member.slash(world.general, "privacy export")
    data = json.loads(await exported.response.attachments[0].read())
    mine = data["features"]["Welcome messages"]
    assert [s["state"] for s in mine["welcome sequences"]] == ["running"]
    assert len(mine["welcome timers"]) == 1
    asked = await world.member.slash(world.general, "privacy forget")
    done = await world.member.click(asked.response.message, label="Yes, erase everything")
    assert "Welcome messages: 1 welcome sequence, 1 timer for your next welcome message" in done.response.content
    for table in await schema.table_names(sim_services.db):
        assert await schema.rows_mentioning(sim_services.db, table, world.member.id) == 0, table


async def test_stop_command(world, simcord_env):
    nothing = await world.member.slash(world.general, "welcome stop")
    assert "no welcome messages running" in nothing.response.content
    await _start(world)
    stopped = await world.member.slash(world.general, "welcome stop")
    assert "Stopped" in stopped.response.content
    await advance(simcord_env, 14 * DAY)
    assert len(dms(world.member)) == 1
