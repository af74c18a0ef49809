"""Closing old vent threads and the moderators' action list, read back from the database file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Services
from bot.clock import FakeClock, to_timestamp
from bot.errors import UserFacingError
from cogs.venting.service import BlockLength, VentingService
from tests.dbfile import count, rows

GUILD, OTHER = 111, 222
DAY = timedelta(days=1)
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


async def test_removing_a_post_erases_its_thread_and_the_menu_can_still_block_its_author(services: Services, db_path):
    venting = VentingService.build(services)
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    who = await venting.reply_identity(GUILD, 1, BOB)
    await venting.record_reply(GUILD, 1, BOB, 101, who)
    await venting.record_post(GUILD, BOB, 5, 2, 200, is_forum=True)
    removed = await venting.record_removal(GUILD, MOD, 100)
    assert removed.post_id == 1
    assert count(db_path, "vent_posts", "post_id = 1") == 0
    assert count(db_path, "vent_replies", "post_id = 1") == 0
    assert count(db_path, "vent_links", "message_id IN (100, 101)") == 0
    assert count(db_path, "vent_posts", "post_id = 2") == 1 and count(db_path, "vent_links", "message_id = 200") == 1
    # The message is gone, but what the moderator's menu kept still reaches its author, and only them.
    await venting.block_author(GUILD, MOD, 100, BlockLength.DAY, removed)
    with pytest.raises(UserFacingError, match="paused for you"):
        await venting.check_can_post(GUILD, ALICE)
    await venting.check_can_post(GUILD, BOB)


async def test_removing_a_reply_erases_only_that_reply_and_its_link(services: Services, db_path):
    venting = VentingService.build(services)
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    for message_id in (101, 102):
        who = await venting.reply_identity(GUILD, 1, BOB)
        await venting.record_reply(GUILD, 1, BOB, message_id, who)
    removed = await venting.record_removal(GUILD, MOD, 101)
    assert removed.post_id == 1
    assert [r[0] for r in rows(db_path, "SELECT message_id FROM vent_replies")] == [102]
    assert count(db_path, "vent_links", "message_id = 101") == 0
    assert count(db_path, "vent_links", "message_id IN (100, 102)") == 2
    assert rows(db_path, "SELECT action, post_id, message_id FROM vent_mod_actions") == [("remove", 1, 101)]
    await venting.block_author(GUILD, MOD, 101, BlockLength.DAY, removed)
    with pytest.raises(UserFacingError, match="paused for you"):
        await venting.check_can_post(GUILD, BOB)
    await venting.check_can_post(GUILD, ALICE)


async def test_deleting_someone_elses_or_an_unlinkable_post_is_refused_in_plain_words(
    services: Services, clock: FakeClock, db_path
):
    from bot.app import EXTENSIONS
    from bot.privacy import load_declarations
    from bot.services.retention import purge_expired

    venting = VentingService.build(services)
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    with pytest.raises(UserFacingError) as refused:
        await venting.check_author_delete(1, BOB)
    assert str(refused.value) == "Only the person who posted this can delete it."
    clock.advance(timedelta(days=91))  # past the default retention: the link to the author expires
    await purge_expired(services.db, clock, load_declarations(EXTENSIONS).values())
    assert count(db_path, "vent_links", "message_id = 100") == 0
    with pytest.raises(UserFacingError) as refused:
        await venting.check_author_delete(1, ALICE)
    assert str(refused.value) == (
        "This post can no longer be linked to anyone (that link expires after the server's retention period), "
        "so it can't be deleted with this button. Moderators can still remove it."
    )


async def test_a_refused_deletion_is_tried_three_times_an_hour_or_so_apart_then_given_up(
    services: Services, clock: FakeClock, db_path
):
    venting = VentingService.build(services)
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    assert await venting.schedule_my_deletions(ALICE) == 1
    clock.advance(DAY)
    answers = []
    for _ in range(3):
        pending = await venting.due_deletion()
        assert pending is not None and pending.message_id == 100
        now = to_timestamp(clock.now())
        answers.append(await venting.deletion_refused(pending))
        due = rows(db_path, "SELECT due_at, tries FROM vent_pending_deletions")
        if answers[-1]:
            [(due_at, tries)] = due
            assert now + 3600 <= due_at < now + 3600 + 600 and tries == len(answers)
            assert await venting.due_deletion() is None  # not before its new moment
            clock.advance(DAY)
        else:
            assert due == []
    assert answers == [True, True, False]
    assert count(db_path, "vent_posts", "post_id = 1") == 1  # given up: the message stays


async def test_lifting_a_block_is_logged_under_the_moderator_who_lifted_it(services: Services, db_path):
    venting = VentingService.build(services)
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    block_id, _ = await venting.block_author(GUILD, MOD, 100, BlockLength.DAY)
    await venting.lift_block(GUILD, MOD + 1, block_id)
    assert rows(db_path, "SELECT moderator_id, action FROM vent_mod_actions ORDER BY action_id") == [
        (MOD, "block (day)"),
        (MOD + 1, "lift block"),
    ]
    assert count(db_path, "vent_blocks") == 0


def test_a_content_warning_is_tidied_and_an_absent_one_stays_absent():
    from cogs.venting.service import validate_draft

    assert validate_draft(None, "words", "  heavy \n  topic ").warning == "heavy topic"
    assert validate_draft(None, "words", None).warning is None


async def test_checking_before_the_reply_form_opens_does_not_start_the_cooldown(services: Services):
    venting = VentingService.build(services)
    await venting.check_can_reply(GUILD, ALICE)
    await venting.check_can_reply(GUILD, ALICE)
    await venting.check_can_reply(GUILD, ALICE, reserve=True)  # the reply itself still goes up
    with pytest.raises(UserFacingError):
        await venting.check_can_reply(GUILD, ALICE, reserve=True)
