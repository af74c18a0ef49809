"""Closing old vent threads and the moderators' action list, read back from the database file."""

from __future__ import annotations

from bot.app import Services
from bot.clock import FakeClock, to_timestamp
from cogs.venting.service import VentingService
from tests.dbfile import count, rows

GUILD, OTHER = 111, 222
ALICE, BOB, MOD = 900000000000000001, 900000000000000002, 900000000000000009


async def test_a_closed_thread_is_archived_or_erased_with_its_replies_and_links(
    services: Services, clock: FakeClock, db_path
):
    venting = VentingService.build(services)
    for post_id in (1, 2):
        await venting.record_post(GUILD, ALICE, 5, post_id, post_id * 100, is_forum=True)
        who = await venting.reply_identity(GUILD, post_id, BOB)
        await venting.record_reply(GUILD, post_id, BOB, post_id * 100 + 1, who)
    await venting.mark_closed(1, deleted=False)
    await venting.mark_closed(2, deleted=True)
    assert rows(db_path, "SELECT post_id, closed_at FROM vent_posts") == [(1, to_timestamp(clock.now()))]
    assert count(db_path, "vent_replies", "post_id = 2") == 0
    assert count(db_path, "vent_links", "message_id IN (200, 201)") == 0
    assert count(db_path, "vent_replies", "post_id = 1") == 1
    assert count(db_path, "vent_links", "message_id IN (100, 101)") == 2


async def test_the_action_list_shows_this_servers_actions_newest_first(services: Services):
    venting = VentingService.build(services)
    for guild, post_id in ((GUILD, 1), (GUILD, 2), (OTHER, 3)):
        await venting.record_post(guild, ALICE, 5, post_id, post_id * 100, is_forum=True)
        await venting.record_removal(guild, MOD, post_id * 100)
    listed = await venting.actions(GUILD)
    assert [(a.action, a.post_id, a.message_id, a.moderator_id) for a in listed] == [
        ("remove", 2, 200, MOD),
        ("remove", 1, 100, MOD),
    ]
