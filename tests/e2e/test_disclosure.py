"""/disclosure end to end: a private walk-through that stores nothing unless notes are kept."""

from __future__ import annotations

from pathlib import Path

from cogs.disclosure.cog import STEPS
from tests.e2e.checkin_helpers import file_bytes, rows_with, sim_services, world

__all__ = ["sim_services", "world"]

NOTE = "wv-note-8812 maybe tell my supervisor"


async def _walk(world):
    shown = await world.member.slash(world.general, "disclosure")
    assert shown.ephemeral
    assert "Test disclosure step who" in shown.response.content
    message = shown.response.message
    result = shown
    for step in ("what", "when", "where", "why"):
        result = await world.member.click(message, label="Next")
        assert f"Test disclosure step {step}" in result.response.content
        message = result.response.message
    closing = await world.member.click(message, label="Next")
    return closing


async def test_walk_through_ends_with_the_closing_reminder_and_stores_nothing(world, sim_services):
    closing = await _walk(world)
    assert "Test disclosure step closing" in closing.response.content
    assert "Nothing from this walk-through was stored" in closing.response.content
    assert await rows_with(sim_services, world.member.id) == {}


async def test_kept_notes_are_encrypted_and_only_shown_to_their_author(world, sim_services, db_path: Path):
    closing = await _walk(world)
    shown = await world.member.click(closing.response.message, label="Keep notes")
    assert shown.modal is not None
    done = await world.member.submit_modal(shown, {"notes-who": NOTE})
    assert "Kept, encrypted" in done.response.content
    assert set(await rows_with(sim_services, world.member.id)) == {"disclosure_notes"}
    assert await rows_with(sim_services, NOTE) == {}
    assert b"wv-note" not in await file_bytes(sim_services, db_path)
    again = await world.member.slash(world.general, "disclosure")
    assert any(NOTE in f.content for f in again.followups)
    other = await world.mod.slash(world.general, "disclosure")
    assert not any(NOTE in f.content for f in other.followups)
    deleted = await world.member.click(again.followups[0].message, label="Delete my kept notes")
    assert "Deleted 1" in deleted.response.content
    assert await rows_with(sim_services, world.member.id) == {}


async def test_empty_notes_keep_nothing(world, sim_services):
    closing = await _walk(world)
    shown = await world.member.click(closing.response.message, label="Keep notes")
    done = await world.member.submit_modal(shown, {})
    assert "nothing was kept" in done.response.content
    assert await rows_with(sim_services, world.member.id) == {}


async def test_refused_while_check_ins_are_off(world, sim_services):
    await world.mod.slash(world.general, "config feature", feature="checkins", enabled=False)
    refused = await world.member.slash(world.general, "disclosure")
    assert refused.ephemeral
    assert "Check-ins is turned off" in refused.response.content or "turned off" in refused.response.content
    assert "Test disclosure step" not in refused.response.content
    await world.mod.slash(world.general, "config feature", feature="checkins", enabled=True)
    allowed = await world.member.slash(world.general, "disclosure")
    assert "Test disclosure step who" in allowed.response.content


async def test_a_completely_full_form_is_kept_and_can_be_read_in_full(world, sim_services):
    closing = await _walk(world)
    shown = await world.member.click(closing.response.message, label="Keep notes")
    fields = {f"notes-{step}": f"{step}-start " + "x" * (800 - 2 * len(step) - 12) + f" {step}-end" for step in STEPS}
    assert all(len(v) == 800 for v in fields.values())
    done = await world.member.submit_modal(shown, fields)
    assert "Kept, encrypted" in done.response.content
    again = await world.member.slash(world.general, "disclosure")
    [kept] = again.followups
    assert "why-end" not in kept.content
    full = await world.member.click(kept.message, label="Show 1 in full")
    text = "".join([full.response.content, *(f.content for f in full.followups)])
    for step in STEPS:
        assert fields[f"notes-{step}"] in text


async def test_notes_are_not_kept_once_check_ins_were_turned_off_mid_walk(world, sim_services):
    closing = await _walk(world)
    shown = await world.member.click(closing.response.message, label="Keep notes")
    await world.mod.slash(world.general, "config feature", feature="checkins", enabled=False)
    done = await world.member.submit_modal(shown, {"notes-who": NOTE})
    assert "nothing was kept" in done.response.content
    assert await rows_with(sim_services, world.member.id) == {}
