"""/config end to end through SimCord: moderators change settings; ordinary members are refused."""

from __future__ import annotations

import discord
import pytest
from simcord import OptionError, SetupError
from simcord.backend.models.channel import Overwrite
from simcord.enums import OverwriteType

from bot.app import Services
from cogs.checkins.service import FEATURE as CHECKINS
from cogs.reflection.service import FEATURE as REFLECTION
from cogs.resources import FEATURE as RESOURCES
from cogs.strategies.service import FEATURE as STRATEGIES
from cogs.support.service import FEATURE as SUPPORT
from cogs.venting.service import FEATURE as VENTING
from tests.e2e.world import make_world


@pytest.fixture
def world(simcord_env):
    return make_world(simcord_env)


async def test_ordinary_member_is_refused_and_moderator_is_applied(world, sim_services: Services):
    # Discord itself hides /config from members without Manage Server (default_permissions) ...
    assert not any(c.startswith("config") for c in world.member.available_commands(world.general))
    assert "config timezone" in world.mod.available_commands(world.general)
    with pytest.raises(SetupError, match="not visible"):
        await world.member.slash(world.general, "config timezone", name="Europe/London")
    result = await world.mod.slash(world.general, "config timezone", name="europe/london")
    assert result.ephemeral
    assert result.response.content == "Default time zone changed from UTC to Europe/London."
    assert (await sim_services.guilds.get(world.guild.id)).timezone == "Europe/London"


async def test_server_side_check_refuses_member_when_admins_open_the_command(world, simcord_env, sim_services):
    # ... and when server admins open the command to everyone, our own check still refuses.
    commands = await simcord_env.bot.tree.fetch_commands()
    config = next(c for c in commands if c.name == "config")
    world.guild.set_command_permissions(config, {world.guild.default_role: True})
    result = await world.member.slash(world.general, "config retention", days=30)
    assert result.ephemeral
    assert "Only moderators" in result.response.content
    assert (await sim_services.guilds.get(world.guild.id)).retention_days == 90


async def test_moderator_role_without_manage_server_is_a_moderator(world, simcord_env, sim_services):
    helper_role = world.guild.create_role("Helpers")
    helper = world.guild.add_member(simcord_env.create_user("helper"), roles=[helper_role])
    await world.mod.slash(world.general, "config moderator-role", role=helper_role)
    commands = await simcord_env.bot.tree.fetch_commands()
    config = next(c for c in commands if c.name == "config")
    world.guild.set_command_permissions(config, {helper_role: True})
    result = await helper.slash(world.general, "config role-word", singular="peer supporter")
    assert result.response.content == (
        "Word for the role changed from peer worker (plural: peer workers) to peer supporter (plural: peer supporters)."
    )


@pytest.mark.parametrize("feature", [CHECKINS, STRATEGIES, RESOURCES, VENTING, REFLECTION, SUPPORT])
async def test_each_feature_toggle(world, sim_services, feature):
    before = (await sim_services.guilds.get(world.guild.id)).enabled(feature)
    result = await world.mod.slash(world.general, "config feature", feature=feature.key, enabled=not before)
    expected = f"{feature.label} changed from {'on' if before else 'off'} to {'off' if before else 'on'}."
    assert result.response.content == expected
    assert (await sim_services.guilds.get(world.guild.id)).enabled(feature) is (not before)


async def test_feature_names_come_from_the_loaded_packages(world):
    result = await world.mod.autocomplete(world.general, "config feature", "feature", "")
    labels = [choice["name"] for choice in result]
    # Every package's switch is offered, by label in alphabetical order; a new package adds its own.
    assert labels == sorted(labels, key=str.lower)
    assert {"Anonymous venting", "Check-ins", "Co-reflection", "Resources", "Strategies", "Support on request"} <= set(
        labels
    )
    # "vent" would also match "events" (Event reminders): narrow by a word only venting has.
    narrowed = await world.mod.autocomplete(world.general, "config feature", "feature", "anonymous")
    assert [choice["value"] for choice in narrowed] == ["venting"]


async def test_feature_by_label_is_accepted(world, sim_services):
    result = await world.mod.slash(world.general, "config feature", feature="Anonymous venting", enabled=True)
    assert result.response.content == "Anonymous venting changed from off to on."
    assert (await sim_services.guilds.get(world.guild.id)).enabled(VENTING)


async def test_unknown_feature_names_the_choices_and_stores_nothing(world, sim_services):
    result = await world.mod.slash(world.general, "config feature", feature="karaoke", enabled=True)
    assert result.ephemeral
    assert "no feature called 'karaoke'" in result.response.content
    assert "Anonymous venting, Check-ins" in result.response.content
    assert await sim_services.db.fetchall("SELECT * FROM guild_features") == []


async def test_unknown_timezone_suggests_and_changes_nothing(world, sim_services):
    result = await world.mod.slash(world.general, "config timezone", name="Amerca/New_Yrok")
    assert result.ephemeral
    assert "America/New_York" in result.response.content
    assert (await sim_services.guilds.get(world.guild.id)).timezone == "UTC"


async def test_timezone_autocomplete(world):
    result = await world.mod.autocomplete(world.general, "config timezone", "name", "lord")
    assert result[0]["value"] == "Australia/Lord_Howe"


@pytest.mark.parametrize("days", [0, 6, 731, -5])
async def test_retention_outside_bounds(world, sim_services, days):
    result = await world.mod.slash(world.general, "config retention", days=days)
    assert "between 7 and 730 days" in result.response.content
    assert (await sim_services.guilds.get(world.guild.id)).retention_days == 90


async def test_role_word_with_markup_is_refused(world, sim_services):
    result = await world.mod.slash(world.general, "config role-word", singular="@everyone")
    assert "letters, spaces, hyphens" in result.response.content
    assert (await sim_services.guilds.get(world.guild.id)).role_word == "peer worker"


async def test_over_long_role_word_is_refused_by_discord(world):
    with pytest.raises(OptionError, match="at most 40"):
        await world.mod.slash(world.general, "config role-word", singular="x" * 41)


async def test_vent_channel_without_permission_names_it(world, simcord_env, sim_services):
    locked = world.guild.create_text_channel(
        "locked", overwrites={simcord_env.bot.user: discord.PermissionOverwrite(create_public_threads=False)}
    )
    result = await world.mod.slash(world.general, "config vent-channel", channel=locked)
    assert "Create Public Threads" in result.response.content
    assert "Nothing was changed" in result.response.content
    assert (await sim_services.guilds.get(world.guild.id)).get("vent_channel") is None


async def test_vent_channel_text_and_forum(world, sim_services):
    forum = world.guild.create_forum_channel("vents")
    result = await world.mod.slash(world.general, "config vent-channel", channel=forum)
    assert result.response.content == f"Vent channel changed from not set to <#{forum.id}>."
    assert (await sim_services.guilds.get(world.guild.id)).get("vent_channel") == forum.id


async def test_deleted_channel_and_role_show_as_unset(world, simcord_env):
    vents = world.guild.create_text_channel("vents")
    await world.mod.slash(world.general, "config vent-channel", channel=vents)
    await world.mod.slash(world.general, "config facilitator-role", role=world.facilitator_role)
    simcord_env.backend.delete_channel(vents.id)
    simcord_env.backend.delete_role(world.guild.id, world.facilitator_role.id)
    await simcord_env.settle()
    embed = (await world.mod.slash(world.general, "config show")).response.embeds[0]
    text = "\n".join(f.value for f in embed.fields)
    assert "Vent channel: not set (the chosen channel was deleted" in text
    assert "Facilitators: not set (the chosen role was deleted" in text


async def test_show_names_missing_permission_of_a_stored_channel(world, simcord_env):
    vents = world.guild.create_text_channel("vents")
    await world.mod.slash(world.general, "config vent-channel", channel=vents)
    # A server admin later denies the bot Send Messages in that channel.
    deny = Overwrite(simcord_env.bot.user.id, OverwriteType.MEMBER, deny=discord.Permissions(send_messages=True).value)
    simcord_env.backend.set_overwrite(vents.id, deny)
    await simcord_env.settle()
    embed = (await world.mod.slash(world.general, "config show")).response.embeds[0]
    assert "missing: Send Messages" in embed.fields[2].value


async def test_reflection_channels(world, sim_services):
    room = world.guild.create_text_channel("reflection")
    added = await world.mod.slash(world.general, "config reflection-channel", action="add", channel=room)
    assert added.response.content == f"<#{room.id}> is now allowed for reflection prompts."
    assert await sim_services.guilds.channels(world.guild.id, "reflection") == [room.id]
    removed = await world.mod.slash(world.general, "config reflection-channel", action="remove", channel=room)
    assert "no longer allowed" in removed.response.content


async def test_reset_unsets(world, sim_services):
    await world.mod.slash(world.general, "config facilitator-role", role=world.facilitator_role)
    result = await world.mod.slash(world.general, "config reset", setting="facilitator_role")
    assert result.response.content == f"Facilitator role changed from <@&{world.facilitator_role.id}> to not set."


async def test_leaving_a_server_deletes_its_data(world, simcord_env, sim_services):
    await world.mod.slash(world.general, "config timezone", name="Asia/Tokyo")
    await world.member.slash(world.general, "preferences timezone", name="Europe/Paris")
    simcord_env.backend.remove_guild(world.guild.id)
    await simcord_env.settle()
    db = sim_services.db
    assert await db.fetchval("SELECT count(*) FROM guilds WHERE guild_id = $1", (world.guild.id,)) == 0
    assert await db.fetchval("SELECT count(*) FROM member_preferences") == 0
    assert await db.fetchval("SELECT count(*) FROM guild_settings") == 0
