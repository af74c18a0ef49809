"""/circle end to end through SimCord: a circle's whole life across a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.dbfile import count
from tests.e2e.circle_helpers import (
    BUILTIN_TEXT,
    CLOSING,
    DAY,
    SECOND,
    THIRD,
    advance,
    circle_rows,
    create,
    meetings,
    member_roles,
    role_named,
    stored,
    world,
)
from tests.privacy_bytes import scan_member

__all__ = ["world"]


def at(text: str) -> float:
    """Seconds from SimCord's start (2026-01-01 00:00 UTC) to a UTC instant."""
    return (datetime.fromisoformat(text).replace(tzinfo=UTC) - datetime(2026, 1, 1, tzinfo=UTC)).total_seconds()


async def advance_to(env, text: str) -> None:
    """Move virtual time to a UTC instant, a few days at a time (each step settles on its own)."""
    target = at(text)
    while (left := target - (env.now() - datetime(2026, 1, 1, tzinfo=UTC)).total_seconds()) > 0:
        await env.advance_time(min(left, 2 * DAY))


@pytest.mark.strict_errors
async def test_a_circles_whole_life_across_a_dst_change(world, simcord_env, sim_services, db_path):
    made = await create(world)
    assert made.ephemeral
    assert "Set up **Tuesday circle**" in made.response.content
    assert "First meeting: Tue 3 Mar 2026, 18:00 (America/New_York)" in made.response.content
    assert "deleted when the circle ends" in made.response.content
    role = role_named(simcord_env, world.guild.id, "Tuesday circle")
    assert role is not None and role.mentionable
    (announcement,) = [m for m in world.room.history() if m.author.bot]
    assert "press it again to stop" in announcement.content

    # Opt in with the button; a second press leaves; a third joins again.
    joined = await world.member.click(announcement, label="Tell me when this circle meets")
    assert joined.ephemeral and "You'll be mentioned when Tuesday circle meets" in joined.response.content
    assert role.id in member_roles(simcord_env, world.guild.id, world.member.id)
    left = await world.member.click(announcement, label="Tell me when this circle meets")
    assert "you won't be mentioned" in left.response.content
    assert role.id not in member_roles(simcord_env, world.guild.id, world.member.id)
    await world.member.click(announcement, label="Tell me when this circle meets")
    assert role.id in member_roles(simcord_env, world.guild.id, world.member.id)
    # Who joined is Discord's role only; who set it up is not kept either.
    assert scan_member(db_path, world.member.id) == {}
    assert scan_member(db_path, world.facilitator.id) == {}

    # Meeting 1: Tuesday 3 March, 18:00 EST = 23:00 UTC.
    await advance_to(simcord_env, "2026-03-03T22:59")
    assert meetings(world.room) == []
    await advance_to(simcord_env, "2026-03-03T23:01")
    (first,) = meetings(world.room)
    assert first.created_at.replace(second=0, microsecond=0) == datetime(2026, 3, 3, 23, 0, tzinfo=UTC)
    assert first.content.startswith(f"<@&{role.id}> **Tuesday circle** is meeting now (meeting 1 of 3)")
    # The opening agreement is at the top, before the prompt.
    assert first.content.index("**Our agreement**") < first.content.index("**Prompt**")
    assert "What is shared here stays here" in first.content and BUILTIN_TEXT in first.content
    backend_msg = simcord_env.backend.messages[world.room.id][first.id]
    assert backend_msg.ping_role_ids == [role.id]  # the circle's role, and nobody else
    policy = backend_msg.allowed_mentions
    assert policy.roles == frozenset({role.id}) and policy.users == frozenset() and not policy.everyone
    (thread,) = world.room.threads
    assert thread.name == "Tuesday circle · 3 Mar"
    assert not stored(simcord_env, thread.id).thread_metadata.archived

    # The end of the meeting window (90 minutes): closing round, then archived and locked.
    await advance_to(simcord_env, "2026-03-04T00:31")
    closing = [m for m in thread.history() if "Closing round" in m.content]
    assert len(closing) == 1 and CLOSING in closing[0].content
    meta = stored(simcord_env, thread.id).thread_metadata
    assert meta.archived and meta.locked

    # Meeting 2: Tuesday 10 March, after the change: 18:00 EDT = 22:00 UTC.
    await advance_to(simcord_env, "2026-03-10T21:59")
    assert len(meetings(world.room)) == 1
    await advance_to(simcord_env, "2026-03-10T22:01")
    second = meetings(world.room)[-1]
    assert second.created_at.replace(second=0, microsecond=0) == datetime(2026, 3, 10, 22, 0, tzinfo=UTC)
    assert "(meeting 2 of 3)" in second.content and SECOND in second.content
    assert "Tuesday circle · 10 Mar" in [t.name for t in world.room.threads]

    # Meeting 3, the last: 17 March 22:00 UTC, then its closing round and the end of the circle.
    await advance_to(simcord_env, "2026-03-17T22:01")
    third = meetings(world.room)[-1]
    assert "(meeting 3 of 3)" in third.content and THIRD in third.content
    assert len(meetings(world.room)) == 3
    await advance_to(simcord_env, "2026-03-17T23:31")
    last_thread = next(t for t in world.room.threads if t.name == "Tuesday circle · 17 Mar")
    assert any("Closing round" in m.content for m in last_thread.history())
    assert stored(simcord_env, last_thread.id).thread_metadata.locked
    ended = world.room.history()[-1]
    assert ended.author.bot and "**Tuesday circle** has ended" in ended.content
    assert role_named(simcord_env, world.guild.id, "Tuesday circle") is None  # the role it made is gone

    # Nothing left: no circle, no schedules, and no member's id anywhere in the database file.
    assert count(db_path, "circles") == 0
    assert await circle_rows(sim_services, world.guild.id) == []
    assert scan_member(db_path, world.member.id) == {}
    assert scan_member(db_path, world.facilitator.id) == {}
    await advance(simcord_env, 14 * DAY)
    assert len(meetings(world.room)) == 3
