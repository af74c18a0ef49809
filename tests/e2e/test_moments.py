"""/moment end to end: asking before turning on, adding, listing, deleting, the weekly look-back,
encryption at rest, and that nobody else sees a member's moments."""

from __future__ import annotations

from pathlib import Path

from bot.repositories import schema
from cogs.moments.service import LOOKBACK_KIND
from tests.e2e.checkin_helpers import DAY, advance, dms, file_bytes, rows_with, sim_services, world

__all__ = ["sim_services", "world"]

MOMENT = "qx-moment-5521 a coworker thanked me"


async def _add(world, text: str, actor=None):
    actor = actor or world.member
    shown = await actor.slash(world.general, "moment add")
    if shown.modal is None:
        shown = await actor.click(shown.response.message, label="Turn on and write one")
    return await actor.submit_modal(shown, {"moment-text": text})


async def test_first_add_shows_the_statement_and_not_now_stores_nothing(world, sim_services):
    shown = await world.member.slash(world.general, "moment add")
    assert "Who can see them: only you" in shown.response.content
    assert "leave out names" in shown.response.content
    declined = await world.member.click(shown.response.message, label="Not now")
    assert "Nothing was stored" in declined.response.content
    assert await rows_with(sim_services, world.member.id) == {}


async def test_add_list_delete_with_text_encrypted_at_rest(world, sim_services, db_path: Path):
    done = await _add(world, MOMENT)
    assert "Kept, encrypted" in done.response.content
    assert await rows_with(sim_services, MOMENT) == {}
    assert b"qx-moment" not in await file_bytes(sim_services, db_path)
    await _add(world, "second good moment")
    listed = await world.member.slash(world.general, "moment list")
    assert listed.ephemeral
    content = listed.response.content
    assert content.index("second good moment") < content.index(MOMENT)
    other = await world.other.slash(world.general, "moment list")
    assert MOMENT not in other.response.content
    mod = await world.mod.slash(world.general, "moment list")
    assert MOMENT not in mod.response.content
    number = content.split("**#")[2].split("**")[0]
    await world.member.slash(world.general, "moment delete", which=number)
    assert MOMENT not in (await world.member.slash(world.general, "moment list")).response.content
    newest = content.split("**#")[1].split("**")[0]
    refused = await world.other.slash(world.general, "moment delete", which=newest)
    assert "couldn't find" in refused.response.content
    assert "second good moment" in (await world.member.slash(world.general, "moment list")).response.content
    everything = await world.member.slash(world.general, "moment delete", which="all")
    assert "turned the log off" in everything.response.content
    assert await rows_with(sim_services, world.member.id) == {}


async def test_bad_input(world):
    await _add(world, "one")
    bad = await world.member.slash(world.general, "moment delete", which="seven")
    assert "for example 3" in bad.response.content
    missing = await world.member.slash(world.general, "moment delete", which="999")
    assert "couldn't find" in missing.response.content
    late = await world.member.slash(world.general, "moment lookback", on=True, time="99pm")
    assert "7pm" in late.response.content


async def test_weekly_look_back_dm_and_closed_dms(world, simcord_env, sim_services):
    await _add(world, MOMENT)
    on = await world.member.slash(world.general, "moment lookback", on=True, time="18:00")
    assert "every Thursday at 18:00" in on.response.content
    await advance(simcord_env, DAY)
    [message] = dms(world.member)
    assert MOMENT in message.content
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, code=50007, message="Cannot send", times=None)
    await advance(simcord_env, 14 * DAY)
    assert len(dms(world.member)) == 1
    told = await world.member.slash(world.general, "moment list")
    assert any("look-back" in f.content for f in told.followups)


async def test_forget_erases_moments(world, sim_services):
    await _add(world, MOMENT)
    await world.member.slash(world.general, "moment lookback", on=True)
    asked = await world.member.slash(world.general, "privacy forget")
    done = await world.member.click(asked.response.message, label="Yes, erase everything")
    assert "Good moments: 1 saved moment, 1 setting for good moments, 1 weekly look-back" in done.response.content
    for table in await schema.table_names(sim_services.db):
        assert await schema.rows_mentioning(sim_services.db, table, world.member.id) == 0, table


async def test_keep_option_sets_how_long_moments_are_kept_capped_at_retention(world, sim_services):
    shown = await world.member.slash(world.general, "moment add", keep=30)
    assert "each for 30 days" in shown.response.content
    opened = await world.member.click(shown.response.message, label="Turn on and write one")
    await world.member.submit_modal(opened, {"moment-text": MOMENT})
    stamps = "SELECT created_at, expires_at FROM moments WHERE user_id = $1"
    [(created, expires)] = await sim_services.db.fetchall(stamps, (world.member.id,))
    assert expires - created == 30 * DAY
    again = await world.member.slash(world.general, "moment add", keep=90)
    await world.member.submit_modal(again, {"moment-text": "a later one"})
    rows = await sim_services.db.fetchall(stamps + " ORDER BY id", (world.member.id,))
    assert rows[1][1] - rows[1][0] == 90 * DAY
    assert rows[0][1] - rows[0][0] == 30 * DAY  # already kept moments keep their date
    await world.mod.slash(world.general, "config retention", days=60)
    capped = await world.other.slash(world.general, "moment add", keep=90)
    assert "nothing longer than 60 days, so 60" in capped.response.content
    opened = await world.other.click(capped.response.message, label="Turn on and write one")
    await world.other.submit_modal(opened, {"moment-text": "capped"})
    [(created, expires)] = await sim_services.db.fetchall(stamps, (world.other.id,))
    assert expires - created == 60 * DAY


async def test_list_shows_each_moment_in_full_on_request(world):
    long_moment = "moment-start " + "kind " * 190 + "moment-end-7302"
    await _add(world, long_moment)
    listed = await world.member.slash(world.general, "moment list")
    assert "moment-start" in listed.response.content
    assert "moment-end-7302" not in listed.response.content
    number = listed.response.content.split("**#")[1].split("**")[0]
    full = await world.member.click(listed.response.message, label=f"Show #{number} in full")
    assert full.ephemeral
    assert full.response.content == long_moment


async def test_look_back_notice_waits_while_check_ins_are_off(world, simcord_env, sim_services):
    await _add(world, MOMENT)
    await world.member.slash(world.general, "moment lookback", on=True, time="18:00")
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, code=50007, message="Cannot send", times=None)
    await advance(simcord_env, DAY)
    await world.mod.slash(world.general, "config feature", feature="checkins", enabled=False)
    quiet = await world.member.slash(world.general, "preferences show")
    assert not any("look-back" in f.content for f in quiet.followups)
    owed = await sim_services.notices.owed(world.guild.id, world.member.id, LOOKBACK_KIND)
    assert owed == "dm_closed"  # untouched while off
    await world.mod.slash(world.general, "config feature", feature="checkins", enabled=True)
    told = await world.member.slash(world.general, "preferences show")
    assert any("look-back" in f.content for f in told.followups)
