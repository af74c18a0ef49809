"""/config end to end: moderators change settings; ordinary members are refused."""

from __future__ import annotations

import pytest

from bot.app import Services
from tests.e2e.world import make_world


@pytest.fixture
def world(simcord_env):
    return make_world(simcord_env)


async def test_moderator_sets_timezone_and_sees_old_and_new(world, sim_services: Services):
    result = await world.mod.slash(world.general, "config timezone", name="europe/london")
    assert result.ephemeral
    assert "UTC" in result.response.content and "Europe/London" in result.response.content
    config = await sim_services.guilds.get(world.guild.id)
    assert config.timezone == "Europe/London"


async def test_config_show(world):
    result = await world.mod.slash(world.general, "config show")
    assert result.ephemeral
    embed = result.response.embeds[0]
    assert "Check-ins" in embed.fields[0].value
