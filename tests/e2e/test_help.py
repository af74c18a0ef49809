"""/help, /about and /config setup end to end: what each person sees, and that asking keeps nothing."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import AsyncIterator
from importlib import metadata
from pathlib import Path

import discord
import pytest
from simcord import SetupError
from simcord.backend.models.channel import Overwrite
from simcord.enums import OverwriteType

from bot.app import Services
from bot.services.help_tips import TIPS
from bot.testing import SimcordClock, make_services
from tests.e2e.world import make_world


@pytest.fixture
async def sim_services(tmp_path: Path) -> AsyncIterator[Services]:
    # On a file, so the "keeps nothing" test reads what is really on disk.
    svc = await make_services(clock=SimcordClock(), db_path=str(tmp_path / "help.db"))
    yield svc
    await svc.db.close()


@pytest.fixture
def world(simcord_env):
    return make_world(simcord_env)


def text_of(result) -> str:
    embed = result.response.embeds[0]
    parts = [embed.title or "", embed.description or "", embed.footer.text or ""]
    return "\n".join(parts + [f"{f.name}\n{f.value}" for f in embed.fields])


def field(result, name: str) -> str:
    return next(f.value for f in result.response.embeds[0].fields if f.name == name)


def field_names(result) -> list[str]:
    return [f.name for f in result.response.embeds[0].fields]


async def help_for(actor, world) -> str:
    result = await actor.slash(world.general, "help")
    assert result.ephemeral
    return text_of(result)


async def test_member_facilitator_and_moderator_each_see_their_own_help(world):
    await world.mod.slash(world.general, "config facilitator-role", role=world.facilitator_role)
    member = await help_for(world.member, world)
    facilitator = await help_for(world.facilitator, world)
    moderator = await help_for(world.mod, world)
    assert "Seen as: member" in member
    assert "As a facilitator" not in member and "As a moderator" not in member
    assert "/strategy random" in member and "/config" not in member
    assert "Seen as: facilitator" in facilitator
    assert "As a facilitator" in facilitator and "As a moderator" not in facilitator
    # Co-reflection is off in a new server, so the facilitator is told that, not given /reflect.
    assert "Co-reflection is off here" in facilitator
    assert "Seen as: moderator" in moderator
    assert "As a moderator" in moderator and "/config setup" in moderator
    assert len({member, facilitator, moderator}) == 3


async def test_help_follows_the_feature_switches(world):
    before = await world.member.slash(world.general, "help")
    assert "/strategy random" in field(before, "On in this server")
    assert "Anonymous venting, Co-reflection" in field(before, "Off here")
    await world.mod.slash(world.general, "config feature", feature="strategies", enabled=False)
    after = await world.member.slash(world.general, "help")
    assert "/strategy" not in field(after, "On in this server")
    assert "Strategies" in field(after, "Off here")
    assert "Try /checkin start" in field(after, "First thing to try")


async def test_venting_on_without_a_channel_is_not_ready_and_moderators_learn_why(world):
    await world.mod.slash(world.general, "config feature", feature="venting", enabled=True)
    member = await world.member.slash(world.general, "help")
    assert "/vent: not ready yet" in field(member, "On in this server")
    moderator = await world.mod.slash(world.general, "help")
    first = field(moderator, "First thing to try")
    assert "Anonymous venting is on, but no channel is chosen as the vent channel" in first
    assert "/config vent-channel" in first
    vents = world.guild.create_forum_channel("vents")
    await world.mod.slash(world.general, "config vent-channel", channel=vents)
    member = await world.member.slash(world.general, "help")
    assert "/vent: post without your name" in field(member, "On in this server")


async def test_facilitator_with_co_reflection_set_up_is_pointed_at_the_prompts(world):
    room = world.guild.create_text_channel("co-reflection")
    await world.mod.slash(world.general, "config facilitator-role", role=world.facilitator_role)
    await world.mod.slash(world.general, "config feature", feature="reflection", enabled=True)
    waiting = await world.facilitator.slash(world.general, "help")
    assert "No channel allows co-reflection prompts yet" in field(waiting, "As a facilitator")
    await world.mod.slash(world.general, "config reflection-channel", action="add", channel=room)
    ready = await world.facilitator.slash(world.general, "help")
    assert "/reflect schedule" in field(ready, "As a facilitator")
    assert "/reflect prompts list" in field(ready, "First thing to try")
    member = await world.member.slash(world.general, "help")
    assert f"Co-reflection prompts are posted in <#{room.id}>" in field(member, "On in this server")


async def test_every_command_help_names_is_loaded(simcord_env):
    loaded = {c.qualified_name for c in simcord_env.bot.tree.walk_commands()}
    named = {tip.command for tip in TIPS.values()}
    assert named <= loaded, f"/help names commands that do not exist: {sorted(named - loaded)}"


async def test_about_says_version_what_it_never_does_and_where_the_code_is(world):
    result = await world.member.slash(world.general, "about")
    assert result.ephemeral
    text = text_of(result)
    assert f"peer-circle {metadata.version('peer-circle')}" in text
    never = field(result, "It never does these")
    for words in ("reads messages", "reports, escalates or contacts anyone", "scores, rates or tracks anyone"):
        assert words in never
    assert "AGPL-3.0-or-later" in text and "CC BY-SA 4.0" in text
    assert "docs/PRIVACY.md" in text
    # No [project.urls] Source in pyproject.toml: the member is told how to get the code anyway.
    assert "Ask the people who run this bot for its source code" in text
    assert "tell your moderators" in field(result, "Feedback")


async def test_about_links_the_source_and_issues_the_package_declares(world, monkeypatch):
    links = {"source": "https://code.example.org/peer-circle", "issues": "https://code.example.org/peer-circle/issues"}
    # discord.py loads an extension as a fresh module object: patch the one the bot runs.
    monkeypatch.setattr(sys.modules["cogs.help"], "project_links", lambda: links)
    result = await world.member.slash(world.general, "about")
    assert "Source code: https://code.example.org/peer-circle" in field(result, "Code and privacy")
    assert "https://code.example.org/peer-circle/issues" in field(result, "Feedback")


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


async def test_help_and_about_keep_nothing(world, simcord_env, sim_services, tmp_path):
    # The footer says "Using /help or /about keeps nothing": read the database file to check.
    await world.mod.slash(world.general, "config facilitator-role", role=world.facilitator_role)
    path = tmp_path / "help.db"
    await sim_services.db.fetchval("PRAGMA wal_checkpoint(FULL)")
    before = table_counts(path)
    for actor in (world.member, world.facilitator, world.mod):
        assert "keeps nothing" in (await actor.slash(world.general, "help")).response.embeds[0].footer.text
        await actor.slash(world.general, "about")
    await sim_services.db.fetchval("PRAGMA wal_checkpoint(FULL)")
    assert table_counts(path) == before
    assert str(world.member.id).encode() not in path.read_bytes()


async def test_config_setup_is_for_moderators_only(world):
    with pytest.raises(SetupError, match="not visible"):
        await world.member.slash(world.general, "config setup")


async def test_config_setup_guides_a_new_server(world):
    result = await world.mod.slash(world.general, "config setup")
    assert result.ephemeral
    assert field_names(result) == [
        "Next step",
        "1. Features",
        "2. Channels",
        "3. Roles",
        "4. Keeping /vent and co-reflection to peers",
        "Needs attention",
    ]
    assert "Anonymous venting is off" in field(result, "Next step")
    assert "off · Anonymous venting" in field(result, "1. Features")
    channels = field(result, "2. Channels")
    assert "**Anonymous venting** needs the vent channel: not chosen yet. Set it with /config vent-channel." in channels
    assert "**Co-reflection** needs a co-reflection channel: not chosen yet" in channels
    assert "Facilitator role**: who may schedule co-reflection prompts" in field(result, "3. Roles")
    peers = field(result, "4. Keeping /vent and co-reflection to peers")
    assert "turn off View Channel for @everyone" in peers
    assert "Server Settings → Integrations → peer-circle → /vent" in peers
    assert field(result, "Needs attention") == "Nothing needs fixing."


async def test_config_setup_next_step_follows_the_set_up(world):
    await world.mod.slash(world.general, "config feature", feature="venting", enabled=True)
    result = await world.mod.slash(world.general, "config setup")
    assert "no channel is chosen as the vent channel" in field(result, "Next step")
    vents = world.guild.create_forum_channel("vents")
    await world.mod.slash(world.general, "config vent-channel", channel=vents)
    result = await world.mod.slash(world.general, "config setup")
    assert f"needs the vent channel: <#{vents.id}>" in field(result, "2. Channels")
    assert "Co-reflection is off" in field(result, "Next step")
    room = world.guild.create_text_channel("co-reflection")
    await world.mod.slash(world.general, "config feature", feature="reflection", enabled=True)
    await world.mod.slash(world.general, "config reflection-channel", action="add", channel=room)
    result = await world.mod.slash(world.general, "config setup")
    # Every feature that is off in a new server is suggested in turn; peer connection is the last one.
    assert "Co-reflection circles is off" in field(result, "Next step")
    await world.mod.slash(world.general, "config feature", feature="circles", enabled=True)
    result = await world.mod.slash(world.general, "config setup")
    assert "Peer connection is off" in field(result, "Next step")
    await world.mod.slash(world.general, "config feature", feature="connect", enabled=True)
    await world.mod.slash(world.general, "connect channel", channel=room)
    result = await world.mod.slash(world.general, "config setup")
    assert field(result, "Next step").startswith("Everything is set.")


async def show_attention(world) -> str:
    result = await world.mod.slash(world.general, "config show")
    return field(result, "Needs attention")


async def test_config_show_has_nothing_to_fix_in_a_new_server(world):
    assert await show_attention(world) == "Nothing needs fixing."


async def test_config_show_warns_venting_on_without_a_vent_channel(world):
    await world.mod.slash(world.general, "config feature", feature="venting", enabled=True)
    attention = await show_attention(world)
    assert "⚠ Anonymous venting is on, but no channel is chosen as the vent channel" in attention


async def test_config_show_warns_reflection_on_without_a_channel(world):
    await world.mod.slash(world.general, "config feature", feature="reflection", enabled=True)
    attention = await show_attention(world)
    assert "⚠ Co-reflection is on, but no channel is chosen as a co-reflection channel" in attention
    assert "/config reflection-channel" in attention


async def test_config_show_warns_about_a_channel_the_bot_cannot_post_in(world, simcord_env):
    notices = world.guild.create_text_channel("bot-notices")
    room = world.guild.create_text_channel("co-reflection")
    await world.mod.slash(world.general, "config notice-channel", channel=notices)
    await world.mod.slash(world.general, "config reflection-channel", action="add", channel=room)
    assert await show_attention(world) == "Nothing needs fixing."
    # A server admin later denies the bot Send Messages in both channels.
    deny = discord.Permissions(send_messages=True).value
    for channel in (notices, room):
        simcord_env.backend.set_overwrite(
            channel.id, Overwrite(simcord_env.bot.user.id, OverwriteType.MEMBER, deny=deny)
        )
    await simcord_env.settle()
    attention = await show_attention(world)
    assert f"I can't post in <#{notices.id}> (the channel for bot notices): I'm missing Send Messages" in attention
    assert f"I can't post in <#{room.id}> (a co-reflection channel): I'm missing Send Messages" in attention


async def test_config_show_warns_about_a_deleted_vent_channel(world, simcord_env):
    await world.mod.slash(world.general, "config feature", feature="venting", enabled=True)
    vents = world.guild.create_forum_channel("vents")
    await world.mod.slash(world.general, "config vent-channel", channel=vents)
    simcord_env.backend.delete_channel(vents.id)
    await simcord_env.settle()
    assert "The channel chosen as the vent channel was deleted" in await show_attention(world)
