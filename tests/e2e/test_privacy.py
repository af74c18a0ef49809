"""/privacy end to end: show, export as a private file, and forget with a scan of every table."""

from __future__ import annotations

import json

import pytest

from bot.app import Services
from bot.repositories import schema
from tests.e2e.world import make_world


@pytest.fixture
def world(simcord_env):
    return make_world(simcord_env)


async def _store_some(world):
    await world.member.slash(world.general, "preferences timezone", name="Europe/Paris")
    await world.other.slash(world.general, "preferences timezone", name="Asia/Tokyo")


async def test_show_lists_features_with_counts(world):
    await _store_some(world)
    result = await world.member.slash(world.general, "privacy show")
    assert result.ephemeral
    assert "**Preferences**: 1 set of preferences." in result.response.content


async def test_show_with_nothing_stored(world):
    result = await world.member.slash(world.general, "privacy show")
    assert "**Preferences**: nothing stored." in result.response.content


async def test_export_is_a_private_json_file_of_only_my_data(world):
    await _store_some(world)
    result = await world.member.slash(world.general, "privacy export")
    # The first follow-up after a "thinking" defer becomes the response itself.
    message = result.response
    assert message.ephemeral
    attachment = message.attachments[0]
    assert attachment.filename == "peer-circle-my-data.json"
    data = json.loads(await attachment.read())
    assert data["user_id"] == str(world.member.id)
    prefs = data["features"]["Preferences"]["preferences"]
    assert [p["timezone"] for p in prefs] == ["Europe/Paris"]
    assert str(world.other.id) not in json.dumps(data)


async def test_forget_needs_confirmation_and_leaves_nothing_anywhere(world, sim_services: Services):
    await _store_some(world)
    asked = await world.member.slash(world.general, "privacy forget")
    assert asked.ephemeral
    done = await world.member.click(asked.response.message, label="Yes, erase everything")
    assert "Preferences: 1 set of preferences" in done.response.content
    # Scan every table and column, not trusting the features to have done it.
    db = sim_services.db
    for table in await schema.table_names(db):
        assert await schema.rows_mentioning(db, table, world.member.id) == 0, table
    # Other members' data is untouched.
    assert await schema.rows_mentioning(db, "member_preferences", world.other.id) == 1


async def test_cancel_forget_keeps_everything(world, sim_services):
    await _store_some(world)
    asked = await world.member.slash(world.general, "privacy forget")
    done = await world.member.click(asked.response.message, label="Cancel")
    assert "Nothing was erased" in done.response.content
    assert await schema.rows_mentioning(sim_services.db, "member_preferences", world.member.id) == 1


async def test_privacy_works_in_direct_messages(world, simcord_env):
    user = simcord_env.create_user("dm-user")
    result = await user.slash("privacy show")
    assert "What I keep about you" in result.response.content
