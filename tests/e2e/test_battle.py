"""/battle end to end: a private walk-through, one question at a time, that stores nothing; notes
go only to the member's own DMs."""

from __future__ import annotations

import pytest
from simcord.backend.errors import SetupError

from tests.e2e.peer_helpers import dms, rows_with, world

__all__ = ["world"]

NOTE = "qx-battle-4410 the new intake rule"


async def test_walk_through_is_private_and_stores_nothing(world, sim_services):
    shown = await world.member.slash(world.general, "battle")
    assert shown.ephemeral
    assert "What matters" in shown.response.content and "(1 of 4)" in shown.response.content
    page = shown
    for _ in range(4):
        page = await world.member.click(shown.response.message, label="Next")
    assert (
        "no right answer" in page.response.content
        and "Nothing from this walk-through was stored" in page.response.content
    )
    with pytest.raises(SetupError, match="not visible"):  # ephemeral: nobody else can even see it
        await world.other.click(shown.response.message, label="Back")
    opened = await world.member.click(shown.response.message, label="Send notes to my DMs")
    done = await world.member.submit_modal(opened, {"battle-0": NOTE})
    assert "keeps no copy" in done.response.content
    [note] = dms(world.member)
    assert NOTE in note.content
    assert await rows_with(sim_services, world.member.id) == {}
    assert await rows_with(sim_services, NOTE) == {}


async def test_empty_notes_send_nothing(world):
    shown = await world.member.slash(world.general, "battle")
    for _ in range(4):
        await world.member.click(shown.response.message, label="Next")
    opened = await world.member.click(shown.response.message, label="Send notes to my DMs")
    done = await world.member.submit_modal(opened, {})
    assert "nothing was sent" in done.response.content
    assert dms(world.member) == []
