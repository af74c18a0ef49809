"""A feature turned off in /config is refused in commands and ignored by listeners."""

from __future__ import annotations

import pytest

from bot.app import EXTENSIONS
from bot.testing import make_bot
from tests.e2e.world import make_world


@pytest.fixture
def simcord_bot(sim_services):
    return make_bot(sim_services, extensions=(*EXTENSIONS, "tests.e2e.gated_cog"))


async def test_command_refused_while_feature_off(simcord_env):
    world = make_world(simcord_env)
    refused = await world.member.slash(world.general, "gated ping")
    assert refused.ephemeral
    assert refused.response.content == (
        "Co-reflection is turned off in this server. A moderator can turn it on with /config feature."
    )
    await world.mod.slash(world.general, "config feature", feature="reflection", enabled=True)
    allowed = await world.member.slash(world.general, "gated ping")
    assert allowed.response.content == "pong"


async def test_listener_ignores_events_while_feature_off(simcord_env):
    world = make_world(simcord_env)
    cog = simcord_env.bot.get_cog("Gated")
    world.guild.create_text_channel("while-off")
    await simcord_env.settle()
    assert cog.listener_runs == 0
    await world.mod.slash(world.general, "config feature", feature="reflection", enabled=True)
    world.guild.create_text_channel("while-on")
    await simcord_env.settle()
    assert cog.listener_runs == 1
