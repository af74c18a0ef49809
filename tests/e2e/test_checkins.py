"""/checkin end to end through SimCord: opting in, the scheduled DM and its buttons, history, stop,
closed DMs, the privacy scans, and that nobody else can reach a member's check-ins."""

from __future__ import annotations

from pathlib import Path

from bot.repositories import schema
from cogs.checkins.service import KIND
from tests.e2e.checkin_helpers import (
    DAY,
    TO_NINE,
    advance,
    answer,
    dms,
    file_bytes,
    rows_with,
    sim_services,
    start,
    world,
)

__all__ = ["sim_services", "world"]

SECRET = "zq-private-answer-7731 about a hard shift"


async def test_start_shows_the_statement_and_stores_nothing_until_confirmed(world, sim_services):
    shown = await world.member.slash(world.general, "checkin start", time="7pm", keep=30)
    assert shown.ephemeral
    text = shown.response.content
    assert "Nothing is stored until you press Start" in text
    assert "every day at 19:00 (UTC)" in text
    assert "encrypted, for 30 days" in text
    assert "only you. Not moderators" in text
    assert await rows_with(sim_services, world.member.id) == {}
    done = await world.member.click(shown.response.message, label="Start")
    assert "Your check-ins are set" in done.response.content
    assert set(await rows_with(sim_services, world.member.id)) == {"checkin_plans", "schedules"}


async def test_cancel_stores_nothing(world, sim_services):
    shown = await world.member.slash(world.general, "checkin start", time="09:00")
    done = await world.member.click(shown.response.message, label="Cancel")
    assert "Nothing was stored" in done.response.content
    assert await rows_with(sim_services, world.member.id) == {}


async def test_scheduled_dm_arrives_at_the_chosen_time_with_one_prompt_and_four_buttons(world, simcord_env):
    await start(world)
    await advance(simcord_env, 8 * 3600)
    assert dms(world.member) == []
    await advance(simcord_env, 3600 + 60)
    [message] = dms(world.member)
    assert "Your check-in from **Peer Circle**" in message.content
    assert "Test daily prompt" in message.content
    labels = [c.label for row in message.components for c in row.children]
    assert labels == ["Answer", "Not today", "Pause for a week", "Stop"]
    # Never to anyone else.
    assert dms(world.other) == []


async def test_answer_with_keeping_off_is_discarded_everywhere_including_the_file(
    world, simcord_env, sim_services, db_path: Path
):
    await start(world)
    await advance(simcord_env, TO_NINE)
    [message] = dms(world.member)
    done = await answer(world.member, message, SECRET)
    assert "it isn't stored anywhere" in done.response.content
    assert await rows_with(sim_services, SECRET) == {}
    assert await rows_with(sim_services, "zq-private") == {}
    assert SECRET.encode() not in await file_bytes(sim_services, db_path)
    assert b"zq-private" not in await file_bytes(sim_services, db_path)


async def test_answer_with_keeping_on_is_encrypted_then_shown_only_in_history_and_deletable(
    world, simcord_env, sim_services, db_path: Path
):
    await start(world, keep=30)
    await advance(simcord_env, TO_NINE)
    [message] = dms(world.member)
    done = await answer(world.member, message, SECRET)
    assert "Kept, encrypted, for 30 days" in done.response.content
    assert await schema.rows_mentioning(sim_services.db, "checkin_answers", world.member.id) == 1
    assert await rows_with(sim_services, SECRET) == {}
    assert b"zq-private" not in await file_bytes(sim_services, db_path)

    history = await world.member.slash(world.general, "checkin history")
    assert history.ephemeral
    assert SECRET in history.response.content
    assert "Test daily prompt" in history.response.content
    deleted = await world.member.click(history.response.message, label="Delete 1")
    assert "Deleted." in deleted.response.content
    assert "no kept answers" in deleted.response.content
    assert await schema.rows_mentioning(sim_services.db, "checkin_answers", world.member.id) == 0


async def test_duplicate_submits_of_the_same_prompt_are_kept_once(world, simcord_env, sim_services):
    await start(world, keep=30)
    await advance(simcord_env, TO_NINE)
    [message] = dms(world.member)
    await answer(world.member, message, "first")
    again = await answer(world.member, message, "second")
    assert "already kept" in again.response.content
    assert await schema.rows_mentioning(sim_services.db, "checkin_answers", world.member.id) == 1


async def test_not_today_records_nothing_and_sends_no_follow_up(world, simcord_env, sim_services):
    await start(world)
    await advance(simcord_env, TO_NINE)
    [message] = dms(world.member)
    before = await rows_with(sim_services, world.member.id)
    result = await world.member.user.click(message, label="Not today")
    assert "Nothing was recorded" in result.response.content
    again = await world.member.user.click(message, label="Not today")
    assert "Nothing was recorded" in again.response.content
    assert await rows_with(sim_services, world.member.id) == before
    await advance(simcord_env, 12 * 3600)
    assert len(dms(world.member)) == 1


async def test_pause_for_a_week_skips_the_week_then_resumes(world, simcord_env):
    await start(world)
    await advance(simcord_env, TO_NINE)
    [message] = dms(world.member)
    paused = await world.member.user.click(message, label="Pause for a week")
    assert "Paused until" in paused.response.content
    await advance(simcord_env, 6 * DAY)
    assert len(dms(world.member)) == 1
    await advance(simcord_env, 2 * DAY)
    assert len(dms(world.member)) == 2


async def test_pause_and_resume_commands(world, simcord_env):
    await start(world)
    result = await world.member.slash(world.general, "checkin pause", days=3)
    assert "Paused until" in result.response.content
    await advance(simcord_env, TO_NINE)
    assert dms(world.member) == []
    resumed = await world.member.slash(world.general, "checkin resume")
    assert "back on" in resumed.response.content
    await advance(simcord_env, DAY)
    assert len(dms(world.member)) == 1


async def test_stop_asks_about_kept_answers_and_later_buttons_recreate_nothing(world, simcord_env, sim_services):
    await start(world, keep=30)
    await advance(simcord_env, TO_NINE)
    [message] = dms(world.member)
    await answer(world.member, message, "kept one")
    asked = await world.member.user.click(message, label="Stop")
    assert "delete the answers you kept" in asked.response.content
    done = await world.member.user.click(asked.response.message, label="Stop and delete my answers")
    assert "Check-ins stopped. I deleted 1 kept answers." in done.response.content
    assert await rows_with(sim_services, world.member.id) == {}
    # Buttons pressed after stopping: graceful, and nothing comes back.
    paused = await world.member.user.click(message, label="Pause for a week")
    assert "don't have check-ins" in paused.response.content
    stopped = await world.member.user.click(message, label="Stop")
    assert "don't have check-ins" in stopped.response.content
    late = await answer(world.member, message, "after stopping")
    assert "isn't stored anywhere" in late.response.content
    assert await rows_with(sim_services, world.member.id) == {}
    await advance(simcord_env, 2 * DAY)
    assert len(dms(world.member)) == 1


async def test_stop_command_can_keep_answers(world, simcord_env, sim_services):
    await start(world, keep=30)
    await advance(simcord_env, TO_NINE)
    await answer(world.member, dms(world.member)[0], "kept one")
    asked = await world.member.slash(world.general, "checkin stop")
    done = await world.member.click(asked.response.message, label="Stop, keep my answers")
    assert "stay until they expire" in done.response.content
    assert set(await rows_with(sim_services, world.member.id)) == {"checkin_answers"}


async def test_forget_erases_everything_and_old_buttons_stay_harmless(world, simcord_env, sim_services):
    await start(world, keep=30, quiet_start="22:00", quiet_end="07:00")
    await advance(simcord_env, TO_NINE)
    [message] = dms(world.member)
    await answer(world.member, message, "kept one")
    asked = await world.member.slash(world.general, "privacy forget")
    done = await world.member.click(asked.response.message, label="Yes, erase everything")
    assert "Check-ins: 1 check-in plan, 1 schedule you set up, 1 check-in answer" in done.response.content
    assert await rows_with(sim_services, world.member.id) == {}
    await world.member.user.click(message, label="Pause for a week")
    await answer(world.member, message, "after forgetting")
    assert await rows_with(sim_services, world.member.id) == {}


async def test_closed_dms_pause_without_retrying_and_the_member_is_told_once(world, simcord_env, sim_services):
    await start(world)
    simcord_env.inject_error(
        "POST", "/channels/*/messages", status=403, code=50007, message="Cannot send messages to this user", times=None
    )
    await advance(simcord_env, TO_NINE)
    attempts = [r for r in simcord_env.http_requests if r.method == "POST" and r.path.endswith("/messages")]
    assert len(attempts) == 1
    await advance(simcord_env, 3 * DAY)
    attempts = [r for r in simcord_env.http_requests if r.method == "POST" and r.path.endswith("/messages")]
    assert len(attempts) == 1
    told = await world.member.slash(world.general, "preferences show")
    assert any("direct messages from this server are closed" in f.content for f in told.followups)
    again = await world.member.slash(world.general, "preferences show")
    assert not any("closed" in f.content for f in again.followups)


async def test_checkin_now_gives_a_private_prompt_on_demand(world, sim_services):
    result = await world.member.slash(world.general, "checkin now")
    assert result.ephemeral
    assert "Test daily prompt" in result.response.content
    done = await answer(world.member, result.response.message, SECRET, in_dm=False)
    assert "isn't stored" in done.response.content
    assert await rows_with(sim_services, world.member.id) == {}


async def test_history_is_paginated_newest_first(world, simcord_env):
    await start(world, keep=30)
    for n in range(6):
        shown = await world.member.slash(world.general, "checkin now")
        await answer(world.member, shown.response.message, f"entry number {n}", in_dm=False)
        await advance(simcord_env, 60)
    history = await world.member.slash(world.general, "checkin history")
    text = history.response.content
    assert "page 1 of 2" in text
    assert text.index("entry number 5") < text.index("entry number 1")
    assert "entry number 0" not in text
    older = await world.member.click(history.response.message, label="Older")
    assert "entry number 0" in older.response.content


async def test_a_moderator_cannot_see_or_change_another_members_checkins(world, simcord_env, sim_services):
    await start(world, keep=30)
    await advance(simcord_env, TO_NINE)
    await answer(world.member, dms(world.member)[0], SECRET)
    # No check-in command takes another member as an option.
    checkin = next(c for c in simcord_env.bot.tree.get_commands() if c.name == "checkin")
    for command in checkin.walk_commands():
        for param in getattr(command, "parameters", []):
            assert param.type.name not in ("user", "mentionable"), command.qualified_name
    history = await world.mod.slash(world.general, "checkin history")
    assert SECRET not in history.response.content
    stop = await world.mod.slash(world.general, "checkin stop")
    assert "nothing to stop" in stop.response.content
    settings = await world.mod.slash(world.general, "checkin settings", keep=0)
    assert "don't have check-ins" in settings.response.content
    export = await world.mod.slash(world.general, "privacy export")
    assert SECRET not in (await export.response.attachments[0].read()).decode()
    plan = await sim_services.db.fetchone("SELECT keep_days FROM checkin_plans WHERE user_id = $1", (world.member.id,))
    assert plan["keep_days"] == 30


async def test_bad_input_gets_a_clear_message_with_an_example(world, sim_services):
    cases = [
        ({"time": "25:00"}, "hours go up to 23"),
        ({"time": "09:99"}, "minutes go up to 59"),
        ({"time": "7"}, "7pm"),
        ({"time": "09:00", "timezone": "Mars/Olympus"}, "zone"),
        ({"time": "09:00", "cadence": "days"}, "mon, wed, fri"),
        ({"time": "09:00", "cadence": "days", "days": "funday"}, "couldn't read 'funday'"),
        ({"time": "09:00", "quiet_start": "22:00", "quiet_end": "22:00"}, "whole day"),
        ({"time": "23:00", "quiet_start": "22:00", "quiet_end": "07:00"}, "inside your quiet hours"),
        ({"time": "09:00", "quiet_start": "22:00"}, "both a start and an end"),
    ]
    for options, expected in cases:
        result = await world.member.slash(world.general, "checkin start", **options)
        assert expected in result.response.content, (options, result.response.content)
    assert await rows_with(sim_services, world.member.id) == {}


async def test_settings_show_and_change(world, simcord_env):
    await start(world)
    shown = await world.member.slash(world.general, "checkin settings")
    assert "every day at 09:00" in shown.response.content
    changed = await world.member.slash(world.general, "checkin settings", cadence="days", days="fri", time="18:30")
    await world.member.click(changed.response.message, label="Save changes")
    await advance(simcord_env, TO_NINE)  # Thursday: nothing
    assert dms(world.member) == []
    await advance(simcord_env, DAY + 10 * 3600)  # Friday 18:30 has passed
    assert len(dms(world.member)) == 1


async def test_moderators_add_and_hide_prompts_members_cannot(world):
    refused = await world.member.slash(world.general, "checkin prompts add", kind="daily", text="A server prompt here")
    assert "Only moderators" in refused.response.content
    added = await world.mod.slash(world.general, "checkin prompts add", kind="daily", text="A server prompt here")
    assert "server-" in added.response.content
    await world.mod.slash(world.general, "checkin prompts hide", prompt="checkin-daily-a")
    await world.mod.slash(world.general, "checkin prompts hide", prompt="checkin-daily-b")
    listed = await world.mod.slash(world.general, "checkin prompts list")
    assert "checkin-daily-a" not in listed.response.content
    now = await world.member.slash(world.general, "checkin now")
    assert "A server prompt here" in now.response.content


async def test_feature_off_means_no_commands_and_no_dms(world, simcord_env):
    await start(world)
    await world.mod.slash(world.general, "config feature", feature="checkins", enabled=False)
    result = await world.member.slash(world.general, "checkin now")
    assert "turned off" in result.response.content
    await advance(simcord_env, TO_NINE)
    assert dms(world.member) == []


async def test_history_shows_each_answer_in_full_on_request(world, simcord_env):
    await start(world, keep=30)
    long_answer = "start-of-answer " + "word " * 390 + "end-of-answer-4411"
    shown = await world.member.slash(world.general, "checkin now")
    await answer(world.member, shown.response.message, long_answer, in_dm=False)
    history = await world.member.slash(world.general, "checkin history")
    assert "start-of-answer" in history.response.content
    assert "end-of-answer-4411" not in history.response.content
    full = await world.member.click(history.response.message, label="Show 1 in full")
    parts = [full.response.content, *(f.content for f in full.followups)]
    assert all(f.ephemeral for f in full.followups)
    assert all(len(p) <= 2000 for p in parts)
    assert long_answer in "".join(parts)


async def test_closed_dms_notice_waits_while_check_ins_are_off(world, simcord_env, sim_services):
    await start(world)
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, code=50007, message="Cannot send", times=None)
    await advance(simcord_env, TO_NINE)
    await world.mod.slash(world.general, "config feature", feature="checkins", enabled=False)
    quiet = await world.member.slash(world.general, "preferences show")
    assert not any("closed" in f.content for f in quiet.followups)
    owed = await sim_services.notices.owed(world.guild.id, world.member.id, KIND)
    assert owed == "dm_closed"  # untouched while off
    await world.mod.slash(world.general, "config feature", feature="checkins", enabled=True)
    told = await world.member.slash(world.general, "preferences show")
    assert any("direct messages from this server are closed" in f.content for f in told.followups)


async def test_timezone_autocomplete_in_start(world):
    choices = await world.member.autocomplete(world.general, "checkin start", "timezone", "lord", time="19:00")
    assert choices[0]["value"] == "Australia/Lord_Howe"
