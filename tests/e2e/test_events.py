"""/events end to end: upcoming scheduled events, a member's own reminder an hour before, and that
it is declared, exported and erased."""

from __future__ import annotations

import json

from bot.repositories import schema
from tests.e2e.peer_helpers import DAY, HOUR, advance, dms, world

__all__ = ["world"]

# Virtual time starts at 2026-01-01 00:00 UTC.
TOMORROW_18 = "2026-01-02T18:00:00+00:00"


def _event(world, name: str, start: str = TOMORROW_18):
    return world.guild.create_scheduled_event(
        name, start_time=start, entity_type=3, location="Online", end_time="2026-01-02T19:30:00+00:00"
    )


async def test_reminder_an_hour_before(world, simcord_env, sim_services):
    _event(world, "Peer support learning circle")
    _event(world, "Long past", start="2025-12-01T18:00:00+00:00")
    listed = await world.member.slash(world.general, "events list")
    assert listed.ephemeral
    assert "Peer support learning circle" in listed.response.content
    assert "Long past" not in listed.response.content
    [option] = listed.response.message.components[0].children[0].options
    chosen = await world.member.select(listed.response.message, [option.value], custom_id="events-remind")
    assert "an hour before" in chosen.response.content
    again = await world.member.select(listed.response.message, [option.value], custom_id="events-remind")
    assert "already have a reminder" in again.response.content
    await advance(simcord_env, DAY + 16 * HOUR + 59 * 60)
    assert dms(world.member) == []
    await advance(simcord_env, 2 * 60)
    [reminder] = dms(world.member)
    assert "Peer support learning circle" in reminder.content
    assert dms(world.other) == []  # only the member who asked
    # Sent: nothing is kept any more.
    for table in await schema.table_names(sim_services.db):
        assert await schema.rows_mentioning(sim_services.db, table, world.member.id) == 0, table


async def test_no_events_and_too_late(world, simcord_env):
    empty = await world.member.slash(world.general, "events list")
    assert "No upcoming events" in empty.response.content
    _event(world, "Soon", start="2026-01-01T00:30:00+00:00")
    listed = await world.member.slash(world.general, "events list")
    [option] = listed.response.message.components[0].children[0].options
    late = await world.member.select(listed.response.message, [option.value], custom_id="events-remind")
    assert "within the hour" in late.response.content


async def test_export_cancel_and_forget(world, sim_services):
    _event(world, "Movement history talk")
    listed = await world.member.slash(world.general, "events list")
    [option] = listed.response.message.components[0].children[0].options
    await world.member.select(listed.response.message, [option.value], custom_id="events-remind")
    exported = await world.member.slash(world.general, "privacy export")
    data = json.loads(await exported.response.attachments[0].read())
    [reminder] = data["features"]["Event reminders"]["event reminders"]
    assert reminder["event_id"] == option.value
    asked = await world.member.slash(world.general, "privacy forget")
    done = await world.member.click(asked.response.message, label="Yes, erase everything")
    assert "Event reminders: 1 event reminder" in done.response.content
    for table in await schema.table_names(sim_services.db):
        assert await schema.rows_mentioning(sim_services.db, table, world.member.id) == 0, table
    cancelled = await world.member.slash(world.general, "events cancel")
    assert "no reminders" in cancelled.response.content
