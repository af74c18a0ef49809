"""Issue 11's promises, each through SimCord and the real database file: retention applies to what is
already stored, nothing lingers on disk after erasing, and a server that removed the bot while it was
offline is forgotten (but never one that is only unavailable)."""

from __future__ import annotations

import json
from pathlib import Path

from bot.repositories import schema
from bot.testing import make_bot, make_services
from tests.e2e.checkin_helpers import DAY, TO_NINE, advance, answer, dms, rows_with, sim_services, start, world
from tests.e2e.venting_helpers import use_forum, vent
from tests.fake_prompts import placeholder_content
from tests.privacy_bytes import scan_member

__all__ = ["sim_services", "world"]


async def _moment(world, text: str, keep: int = 365):
    shown = await world.member.slash(world.general, "moment add", keep=keep)
    if shown.modal is None:
        shown = await world.member.click(shown.response.message, label="Turn on and write one")
    return await world.member.submit_modal(shown, {"moment-text": text})


async def _store_old_items(world, simcord_env, services) -> int:
    """A kept check-in answer, a good moment, a saved strategy and an anonymous post; the post's thread id."""
    await world.mod.slash(world.general, "config feature", feature="venting", enabled=True)
    await use_forum(world)
    await start(world, keep=365)
    await advance(simcord_env, TO_NINE)
    await answer(world.member, dms(world.member)[0], "an old answer")
    stopped = await world.member.slash(world.general, "checkin stop")
    await world.member.click(stopped.response.message, label="Stop, keep my answers")
    await _moment(world, "an old good moment")
    await world.member.slash(world.general, "strategy save", strategy="not-about-me")
    await vent(world.member, world)
    return int(await services.db.fetchval("SELECT post_id FROM vent_posts"))


async def test_lowering_retention_removes_older_items_at_once_and_says_how_many(
    world, simcord_env, sim_services, db_path: Path
):
    post_id = await _store_old_items(world, simcord_env, sim_services)
    await world.member.slash(
        world.general, "strategy remind start", cadence="weekly", time="12:00", weekday=0, group="isolation"
    )
    await advance(simcord_env, 40 * DAY)
    await _moment(world, "a recent good moment")
    done = await world.mod.slash(world.general, "config retention", days=30)
    text = done.response.content
    assert done.ephemeral
    for counted in (
        "check-in answers (1)",
        "good moments (1)",
        "saved strategies (1)",
        "links to anonymous posts (1)",
        "strategy reminders (1)",
    ):
        assert counted in text, text
    assert "checkin_answers" not in text and "vent_links" not in text
    db = sim_services.db
    assert await schema.rows_mentioning(db, "checkin_answers", world.member.id) == 0
    assert await schema.rows_mentioning(db, "strategy_favourites", world.member.id) == 0
    assert await schema.rows_mentioning(db, "schedules", world.member.id) == 0  # the reminder
    assert await schema.rows_mentioning(db, "moments", world.member.id) == 1  # the recent one stays
    assert await db.fetchval("SELECT count(*) FROM vent_links") == 0
    # The keyed hash that linked the member to the post is gone from every file an operator could copy.
    hits = scan_member(db_path, world.member.id, sim_services.keys, [("vent-member", world.guild.id, post_id)])
    assert not any("keyed hash" in name for names in hits.values() for name in names), hits


async def test_the_maintenance_pass_enforces_a_lowered_retention_anyway(world, simcord_env, sim_services, simcord_bot):
    await _store_old_items(world, simcord_env, sim_services)
    await advance(simcord_env, 40 * DAY)
    # Lowered without the command (an operator edited the setting): the next pass still applies it.
    await sim_services.guilds.set(world.guild.id, "retention_days", "30")
    await simcord_bot.run_maintenance()
    found = await rows_with(sim_services, world.member.id)
    assert "checkin_answers" not in found and "strategy_favourites" not in found and "moments" not in found, found
    assert await sim_services.db.fetchval("SELECT count(*) FROM vent_links") == 0


async def test_forget_leaves_no_trace_of_the_member_in_the_database_wal_or_shm(
    world, simcord_env, sim_services, db_path: Path
):
    post_id = await _store_old_items(world, simcord_env, sim_services)
    await world.member.slash(world.general, "preferences timezone", name="Europe/Paris")
    assert scan_member(db_path, world.member.id)  # the scan does find the member before
    if sim_services.db.dialect == "sqlite":  # what makes SQLite overwrite erased rows and keep its -wal small
        assert await sim_services.db.fetchval("PRAGMA secure_delete") == 1
        assert await sim_services.db.fetchval("PRAGMA journal_size_limit") > 0
    asked = await world.member.slash(world.general, "privacy forget")
    await world.member.click(asked.response.message, label="Yes, erase everything")
    assert await rows_with(sim_services, world.member.id) == {}
    contexts = [("vent-member", world.guild.id, post_id), ("vent-pseudonym", world.guild.id, post_id)]
    assert scan_member(db_path, world.member.id, sim_services.keys, contexts) == {}


async def test_a_server_that_removed_the_bot_while_it_was_offline_is_forgotten_after_the_grace_period(
    world, simcord_env, sim_services, database_target: str, db_path: Path
):
    await world.member.slash(world.general, "preferences timezone", name="Europe/Paris")
    await world.member.slash(world.general, "strategy save", strategy="not-about-me")
    guild_id = world.guild.id
    # The bot is offline when the server removes it: no GUILD_DELETE reaches it. It then restarts.
    del simcord_env.backend.guilds[guild_id]
    fresh = await make_services(clock=sim_services.clock, db_path=database_target, content=placeholder_content())
    try:
        bot = make_bot(fresh)
        await simcord_env.restart_bot(bot)
        assert bot.get_guild(guild_id) is None
        await advance(simcord_env, 6 * DAY)
        await bot.run_maintenance()
        # Within the grace period nothing is deleted: the absence is only noted.
        assert await rows_with(fresh, world.member.id)
        await advance(simcord_env, 2 * DAY)
        await bot.run_maintenance()
        assert await rows_with(fresh, world.member.id) == {}
        assert await rows_with(fresh, guild_id) == {}
        assert scan_member(db_path, world.member.id) == {}
    finally:
        await fresh.db.close()


async def test_a_server_that_is_only_unavailable_in_an_outage_keeps_its_data(
    world, simcord_env, sim_services, simcord_bot
):
    await world.member.slash(world.general, "preferences timezone", name="Europe/Paris")
    guild_id = world.guild.id
    # Discord's outage signal: GUILD_DELETE with unavailable set. The server stays in the bot's list.
    simcord_env.backend.emit("GUILD_DELETE", {"id": str(guild_id), "unavailable": True})
    await simcord_env.settle()
    guild = simcord_bot.get_guild(guild_id)
    assert guild is not None and guild.unavailable
    await advance(simcord_env, 10 * DAY)
    await simcord_bot.run_maintenance()
    assert await schema.rows_mentioning(sim_services.db, "member_preferences", world.member.id) == 1
    assert await sim_services.db.fetchval("SELECT count(*) FROM guilds WHERE guild_id = $1", (guild_id,)) == 1


LOOKED_BACK = "qx-lookback-7731 a coworker asked how peer support works"


async def _look_back_sent(world, simcord_env, keep: int = 90):
    await _moment(world, LOOKED_BACK, keep=keep)
    await world.member.slash(world.general, "moment lookback", on=True, time="18:00")
    await advance(simcord_env, DAY)
    [message] = dms(world.member)
    assert LOOKED_BACK in message.content


def _quoting(world) -> list:
    return [m for m in dms(world.member) if LOOKED_BACK in m.content]


async def test_deleting_a_moment_deletes_the_look_back_dm_that_quotes_it(world, simcord_env, sim_services):
    await _look_back_sent(world, simcord_env)
    number = await sim_services.db.fetchval("SELECT id FROM moments")
    await world.member.slash(world.general, "moment delete", which=str(number))
    assert _quoting(world) == []
    # The look-back stays on, so its schedule and the member's stored DM channel id stay too.
    assert await rows_with(sim_services, world.member.id) == {"moment_settings": 1, "schedules": 1, "dm_channels": 1}


async def test_forget_deletes_the_look_back_dm_and_the_export_listed_it(world, simcord_env, sim_services, db_path):
    await _look_back_sent(world, simcord_env)
    exported = await world.member.slash(world.general, "privacy export")
    data = json.loads(await exported.response.attachments[0].read())
    sent_id = str(dms(world.member)[0].id)
    asked = await world.member.slash(world.general, "privacy forget")
    done = await world.member.click(asked.response.message, label="Yes, erase everything")
    assert _quoting(world) == []
    assert "messages that quoted what you kept" in done.response.content
    [listed] = data["features"]["Good moments"]["look-back messages"]
    assert listed["message_id"] == sent_id
    assert await rows_with(sim_services, world.member.id) == {}
    assert scan_member(db_path, world.member.id) == {}


async def test_an_expired_moment_takes_its_look_back_dms_with_it(world, simcord_env, sim_services):
    await _look_back_sent(world, simcord_env, keep=30)
    await advance(simcord_env, 8 * DAY)
    assert len(_quoting(world)) == 2  # a second weekly look-back quoted it too
    await advance(simcord_env, 22 * DAY)
    assert _quoting(world) == []
    assert await sim_services.db.fetchval("SELECT count(*) FROM quoting_dms") == 0


# -- every sentence about what is kept is true: each checked against the database after the action --


async def test_stopping_check_ins_says_the_quiet_hours_stay_and_the_button_erases_them(world, sim_services):
    await start(world, quiet_start="22:00", quiet_end="07:00")
    stopped = await world.member.slash(world.general, "checkin stop")
    text = stopped.response.content
    assert "Nothing more is kept" not in text
    assert "time zone and quiet hours stay" in text and "<t:" in text, text
    assert await rows_with(sim_services, world.member.id) == {"member_preferences": 1}
    until = await sim_services.db.fetchval("SELECT expires_at FROM member_preferences")
    assert f"<t:{until}:D>" in text
    erased = await world.member.click(stopped.response.message, label="Erase my time zone and quiet hours")
    assert "quiet hours here are erased" in erased.response.content
    assert await rows_with(sim_services, world.member.id) == {}


async def test_stopping_check_ins_with_nothing_else_kept_says_so_truly(world, sim_services):
    await start(world)
    stopped = await world.member.slash(world.general, "checkin stop")
    assert "Nothing more is kept" in stopped.response.content
    assert not stopped.response.components
    assert await rows_with(sim_services, world.member.id) == {}


async def test_stopping_and_keeping_answers_names_everything_that_stays(world, simcord_env, sim_services):
    await start(world, keep=30, quiet_start="22:00", quiet_end="07:00")
    await advance(simcord_env, TO_NINE)
    await answer(world.member, dms(world.member)[0], "kept one")
    asked = await world.member.slash(world.general, "checkin stop")
    done = await world.member.click(asked.response.message, label="Stop, keep my answers")
    assert "kept answers stay until they expire" in done.response.content
    assert "time zone and quiet hours stay" in done.response.content
    assert await rows_with(sim_services, world.member.id) == {"checkin_answers": 1, "member_preferences": 1}
    deleted = await world.member.slash(world.general, "checkin start", time="09:00")
    await world.member.click(deleted.response.message, label="Start")
    asked = await world.member.slash(world.general, "checkin stop")
    done = await world.member.click(asked.response.message, label="Stop and delete my answers")
    assert "I deleted 1 kept answers" in done.response.content
    assert await rows_with(sim_services, world.member.id) == {"member_preferences": 1}


async def test_saved_strategies_are_kept_as_long_as_the_confirmation_says(world, sim_services):
    saved = await world.member.slash(world.general, "strategy save", strategy="not-about-me")
    assert "kept 90 days after you last save one" in saved.response.content
    stamps = "SELECT used_at, expires_at FROM strategy_favourites WHERE user_id = $1"
    [(used, expires)] = await sim_services.db.fetchall(stamps, (world.member.id,))
    assert expires - used == 90 * DAY


# -- members who left: /privacy works in a DM, for every server, including ones the member left --


async def test_a_member_who_left_can_see_export_and_forget_everything_from_a_dm(
    world, simcord_env, sim_services, db_path: Path
):
    post_id = await _store_old_items(world, simcord_env, sim_services)
    await world.member.slash(world.general, "preferences timezone", name="Europe/Paris")
    other_server = simcord_env.create_guild("Another circle")
    room = other_server.create_text_channel("general")
    there = other_server.add_member(world.member.user)
    await there.slash(room, "strategy save", strategy="not-about-me")
    # Without the members intent the bot never sees this; the member's data stays until they act.
    world.guild.remove_member(world.member)
    user = world.member.user
    shown = await user.slash("privacy show")
    # The list may take more than one message; every part reaches the member.
    text = "\n".join([shown.response.content] + [f.content for f in shown.followups])
    assert "**Good moments**: 1 setting for good moments, 1 saved moment" in text, text
    assert "**Strategies**: 2 saved strategies" in text
    assert "**Check-ins**: 1 check-in answer" in text and "**Preferences**: 1 set of preferences" in text
    assert "including any you have left" in text
    exported = await user.slash("privacy export")
    data = json.loads(await exported.response.attachments[0].read())
    assert len(data["features"]["Check-ins"]["answers"]) == 1
    assert len(data["features"]["Good moments"]["moments"]) == 1
    favourites = json.dumps(data["features"]["Strategies"])
    assert str(world.guild.id) in favourites and str(other_server.id) in favourites
    asked = await user.slash("privacy forget")
    await user.click(asked.response.message, label="Yes, erase everything")
    assert await rows_with(sim_services, world.member.id) == {}
    contexts = [("vent-member", world.guild.id, post_id)]
    assert scan_member(db_path, world.member.id, sim_services.keys, contexts) == {}


async def test_a_strategy_reminder_is_kept_as_long_as_the_confirmation_says(world, sim_services):
    started = await world.member.slash(
        world.general, "strategy remind start", cadence="daily", time="12:00", group="isolation"
    )
    assert "It is kept 90 days" in started.response.content
    [(created, expires)] = await sim_services.db.fetchall(
        "SELECT created_at, expires_at FROM schedules WHERE owner_id = $1", (world.member.id,)
    )
    assert expires - created == 90 * DAY
    stopped = await world.member.slash(world.general, "strategy remind stop")
    assert stopped.ephemeral
    assert await rows_with(sim_services, world.member.id) == {}


async def test_volunteering_and_leaving_keep_exactly_what_they_say(world, sim_services):
    joined = await world.member.slash(world.general, "support-volunteer", action="join")
    assert "I keep this for 180 days" in joined.response.content
    [(joined_at, expires)] = await sim_services.db.fetchall(
        "SELECT joined_at, expires_at FROM support_volunteers WHERE user_id = $1", (world.member.id,)
    )
    assert expires - joined_at == 180 * DAY
    left = await world.member.slash(world.general, "support-volunteer", action="leave")
    assert "off the list" in left.response.content
    assert await rows_with(sim_services, world.member.id) == {}


async def test_clearing_preferences_removes_them_as_it_says(world, sim_services):
    await world.member.slash(world.general, "preferences timezone", name="Europe/Paris")
    cleared = await world.member.slash(world.general, "preferences clear")
    assert "removed" in cleared.response.content
    assert await rows_with(sim_services, world.member.id) == {}
