"""/connect end to end: opt-in to introduction, decline, expiry, colleague exclusion, withdrawal,
people leaving or closing DMs mid-suggestion, the moderators' count, export and forget."""

from __future__ import annotations

import json

import pytest

from bot.delivery.dm import DmSender
from bot.delivery.repository import DmChannelRepository
from bot.repositories import schema
from bot.testing import make_bot
from tests.e2e.peer_helpers import DAY, advance, dms, file_bytes, rows_with, world

__all__ = ["world"]

WORKPLACE = "Riverside Clinic qx-7731"


@pytest.fixture
def simcord_bot(sim_services):
    """The real bot, with a DM queue burst large enough for a suggestion and its follow-ups in one instant.

    Three first-time DMs at once exceed the default burst, and the token bucket's refill wait does not
    settle under SimCord's virtual time (see tests/e2e/test_dm_notices.py).
    """
    bot = make_bot(sim_services)
    bot.use_dm_sender(DmSender(bot, channels=DmChannelRepository(bot.services.db), burst=20))
    return bot


async def _setup(world) -> None:
    await world.mod.slash(world.general, "config feature", feature="connect", enabled=True)
    done = await world.mod.slash(world.general, "connect channel", channel=world.general)
    assert "private threads" in done.response.content


async def _join(world, actor, *, settings=("inpatient",), interests=(), **options):
    shown = await actor.slash(world.general, "connect join", **options)
    assert "Who sees it" in shown.response.content
    message = shown.response.message
    if settings:
        await actor.select(message, list(settings), custom_id="connect-settings")
    if interests:
        await actor.select(message, list(interests), custom_id="connect-interests")
    return await actor.click(message, label="Join")


def _suggestion(actor):
    return [m for m in dms(actor) if "I can suggest" in m.content][-1]


async def test_opt_in_to_introduction(world, simcord_env, sim_services):
    await _setup(world)
    first = await _join(world, world.member, workplace=WORKPLACE, interests=("working-alone",))
    assert "No one else is waiting" in first.response.content
    assert await rows_with(sim_services, world.member.id) == {"connect_entries": 1}
    second = await _join(world, world.other, workplace="Hilltop")
    assert "possible match" in second.response.content
    mine = _suggestion(world.member)
    assert "Setting: Inpatient" in mine.content
    assert world.other.name not in mine.content and "Hilltop" not in mine.content
    theirs = _suggestion(world.other)
    assert "Being the only peer on a team" in theirs.content
    assert "Riverside" not in theirs.content and world.member.name not in theirs.content
    assert world.general.threads == []  # nothing happens until everyone accepts
    waiting = await world.member.user.click(mine, label="Accept")
    assert "once everyone has accepted" in waiting.response.content
    done = await world.other.user.click(theirs, label="Accept")
    assert "Everyone accepted" in done.followups[0].content
    [thread] = world.general.threads
    assert thread.name.startswith("Peer introduction")
    intro = thread.history()[-1].content
    assert "first step" in intro and str(world.member.id) in intro and str(world.other.id) in intro
    # Introduced: nothing of either is kept any more.
    assert await rows_with(sim_services, world.member.id) == {}
    assert await rows_with(sim_services, world.other.id) == {}


async def test_decline_is_silent_and_not_suggested_again(world, sim_services):
    await _setup(world)
    await _join(world, world.member)
    await _join(world, world.other)
    mine = _suggestion(world.member)  # taken now: SimCord's history objects shift as more DMs arrive
    declined = await world.other.user.click(_suggestion(world.other), label="Not this time")
    assert "won't suggest this again" in declined.response.content
    told = dms(world.member)[-1].content
    assert "No match was made this time" in told
    assert world.other.name not in told and "declin" not in told
    assert await rows_with(sim_services, "connect_proposals") == {}
    # Both entries stay, and the pair is never suggested again, even after a resume.
    await world.other.slash(world.general, "connect pause")
    again = await world.other.slash(world.general, "connect resume")
    assert "possible match" not in again.response.content
    late = await world.member.user.click(mine, label="Accept")
    assert "has ended" in late.response.content
    counted = await world.mod.slash(world.general, "connect waiting")
    assert "2 waiting" in counted.response.content


async def test_no_answer_expires_and_pauses_the_silent(world, simcord_env, sim_services):
    await _setup(world)
    await _join(world, world.member)
    await _join(world, world.other)
    await world.member.user.click(_suggestion(world.member), label="Accept")
    await advance(simcord_env, 3 * DAY + 60)
    await simcord_env.bot.run_maintenance()
    [[count]] = await sim_services.db.fetchall("SELECT COUNT(*) FROM connect_proposal_members")
    assert count == 0
    assert "No match was made this time" in dms(world.member)[-1].content
    assert "paused your entry" in dms(world.other)[-1].content
    [[paused]] = await sim_services.db.fetchall(
        "SELECT paused FROM connect_entries WHERE user_id = $1", (world.other.id,)
    )
    assert paused == 1


async def test_colleagues_are_never_matched_and_the_name_is_not_kept(world, sim_services, db_path):
    await _setup(world)
    await _join(world, world.member, workplace=WORKPLACE)
    same = await _join(world, world.other, workplace="  riverside   CLINIC qx-7731 ")
    assert "No one else is waiting" in same.response.content
    assert b"qx-7731" not in await file_bytes(sim_services, db_path)
    other_place = await _join(world, world.facilitator, workplace="Hilltop")
    assert "possible match" in other_place.response.content


async def test_withdraw_removes_the_entry_at_once_and_ends_the_suggestion(world, sim_services):
    await _setup(world)
    await _join(world, world.member)
    await _join(world, world.other)
    gone = await world.member.slash(world.general, "connect withdraw")
    assert "deleted" in gone.response.content
    assert await rows_with(sim_services, world.member.id) == {}
    assert "No match was made this time" in dms(world.other)[-1].content
    again = await world.member.slash(world.general, "connect withdraw")
    assert "nothing to delete" in again.response.content


async def test_someone_leaving_mid_suggestion(world, sim_services):
    await _setup(world)
    await _join(world, world.member)
    await _join(world, world.other)
    await world.member.user.click(_suggestion(world.member), label="Accept")
    world.guild.remove_member(world.member)
    await world.other.user.click(_suggestion(world.other), label="Accept")
    assert world.general.threads == []
    assert "No match was made this time" in dms(world.other)[-1].content
    assert await rows_with(sim_services, world.member.id) == {}


async def test_closed_dms_mid_suggestion_pause_and_tell_once(world, simcord_env, sim_services):
    await _setup(world)
    await _join(world, world.member)
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, code=50007, message="Cannot send", times=1)
    await _join(world, world.other)
    # The suggestion's first DM (to the one who just joined) was refused: it ended, their entry is paused.
    [[proposals]] = await sim_services.db.fetchall("SELECT COUNT(*) FROM connect_proposals")
    assert proposals == 0
    [[paused]] = await sim_services.db.fetchall(
        "SELECT paused FROM connect_entries WHERE user_id = $1", (world.other.id,)
    )
    assert paused == 1
    assert "No match was made this time" in dms(world.member)[-1].content
    told = await world.other.slash(world.general, "connect status")
    assert any("direct messages are closed" in f.content for f in told.followups)
    again = await world.other.slash(world.general, "connect status")
    assert not again.followups


async def test_bad_input(world):
    refused = await world.member.slash(world.general, "connect join")
    assert "turned off" in refused.response.content or "off" in refused.response.content
    await world.mod.slash(world.general, "config feature", feature="connect", enabled=True)
    no_channel = await world.member.slash(world.general, "connect join")
    assert "choose a channel" in no_channel.response.content
    not_mod = await world.member.slash(world.general, "connect waiting")
    assert "Only moderators" in not_mod.response.content
    nothing = await world.member.slash(world.general, "connect pause")
    assert "no /connect entry" in nothing.response.content


async def test_export_and_forget_cover_every_table(world, sim_services):
    await _setup(world)
    await _join(world, world.member, workplace=WORKPLACE)
    await _join(world, world.other)
    exported = await world.member.slash(world.general, "privacy export")
    data = json.loads(await exported.response.attachments[0].read())
    mine = data["features"]["Peer connection (/connect)"]
    [entry] = mine["connect entries"]
    assert entry["settings"] == ["Inpatient"] and entry["workplace_given"] is True
    [suggestion] = mine["suggestions"]
    assert suggestion["accepted"] is False
    assert str(world.other.id) not in json.dumps(data) and "Riverside" not in json.dumps(data)
    asked = await world.member.slash(world.general, "privacy forget")
    done = await world.member.click(asked.response.message, label="Yes, erase everything")
    assert "Peer connection (/connect): 1 peer connection entry, 1 peer connection suggestion" in done.response.content
    for table in await schema.table_names(sim_services.db):
        assert await schema.rows_mentioning(sim_services.db, table, world.member.id) == 0, table
    assert "No match was made this time" in dms(world.other)[-1].content


async def test_a_small_circle_of_three(world, sim_services):
    await _setup(world)
    await _join(world, world.member, circle=True)
    # Someone who wants one peer is not pulled into a circle.
    await _join(world, world.facilitator)
    second = await _join(world, world.other, circle=True)
    assert "No one else is waiting" in second.response.content
    third = await _join(world, world.mod, circle=True, workplace="Hilltop")
    assert "possible match" in third.response.content
    suggestions = {actor.name: _suggestion(actor) for actor in (world.member, world.other, world.mod)}
    assert all("a small circle of 2 peers" in m.content for m in suggestions.values())
    for actor in (world.member, world.other, world.mod):
        await actor.user.click(suggestions[actor.name], label="Accept")
    [thread] = world.general.threads
    intro = thread.history()[-1].content
    assert all(str(a.id) in intro for a in (world.member, world.other, world.mod))
    assert str(world.facilitator.id) not in intro
    assert await rows_with(sim_services, world.facilitator.id) == {"connect_entries": 1}
