"""What a member meets at the edges of anonymous venting: whose cooldown is whose, what a pause says, when
queued deletions and ended blocks go, and how reply names are drawn. Each test reads behaviour (the
refusal a member sees, the rows left in the database file), written where mutation testing found that
no test noticed a change.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from bot.app import Services
from bot.clock import FakeClock, from_timestamp, to_timestamp
from bot.errors import UserFacingError
from cogs.venting.limits import discord_time
from cogs.venting.service import DELETION_WINDOW, BlockLength, VentingService, spread_times
from tests.dbfile import count, rows

GUILD, OTHER = 111, 222
ALICE, BOB, MOD = 900000000000000001, 900000000000000002, 900000000000000009
PAUSE_ADVICE = (
    "If you'd like to talk about it, you can ask the moderators; "
    "they can't see which messages are yours unless you tell them."
)


@pytest.fixture
def venting(services: Services) -> VentingService:
    """The venting service over the test's core services (a migrated database file, a fake clock)."""
    return VentingService.build(services)


async def test_a_reply_cooldown_is_one_members_in_one_server(venting: VentingService):
    await venting.check_can_reply(GUILD, BOB, reserve=True)
    with pytest.raises(UserFacingError, match="reply again"):
        await venting.check_can_reply(GUILD, BOB)
    await venting.check_can_reply(GUILD, ALICE)  # another member in the same server
    await venting.check_can_reply(OTHER, BOB)  # the same member in another server


async def test_the_servers_own_reply_cooldown_applies(services: Services, venting: VentingService):
    await services.guilds.set(GUILD, "vent_reply_cooldown", "0")
    await venting.check_can_reply(GUILD, BOB, reserve=True)
    await venting.check_can_reply(GUILD, BOB, reserve=True)  # no wait asked for here
    with pytest.raises(UserFacingError, match="reply again"):  # the default 30 seconds elsewhere
        await venting.check_can_reply(OTHER, BOB, reserve=True)
        await venting.check_can_reply(OTHER, BOB, reserve=True)


async def test_a_failed_reply_leaves_the_earlier_replys_cooldown_in_place(
    services: Services, clock: FakeClock, venting: VentingService
):
    await venting.check_can_reply(GUILD, BOB, reserve=True)  # a reply that went up
    clock.advance(31)
    release = await venting.check_can_reply(GUILD, BOB, reserve=True)
    # Meanwhile the moderators ask for ten minutes between replies, and this second reply fails.
    await services.guilds.set(GUILD, "vent_reply_cooldown", "600")
    release()
    # The first reply still counts: ten minutes from it, not a clean slate.
    with pytest.raises(UserFacingError, match="reply again"):
        await venting.check_can_reply(GUILD, BOB)


async def _blocked(venting: VentingService, user: int = ALICE) -> str:
    with pytest.raises(UserFacingError) as refused:
        await venting.check_can_post(GUILD, user)
    return str(refused.value)


async def test_a_paused_member_is_told_until_when_and_whom_to_ask(venting: VentingService):
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    await venting.record_post(GUILD, ALICE, 5, 2, 200, is_forum=True)
    _, day_end = await venting.block_author(GUILD, MOD, 100, BlockLength.DAY)
    said = await _blocked(venting)
    assert said == (
        f"Anonymous posting is paused for you in this server until {discord_time(day_end or 0)}, after a "
        f"moderator acted on one of your anonymous messages. {PAUSE_ADVICE}"
    )
    # A second, longer pause: the member is told the later end.
    _, week_end = await venting.block_author(GUILD, MOD, 200, BlockLength.WEEK)
    assert week_end is not None and day_end is not None and week_end > day_end
    assert f"until {discord_time(week_end)}," in await _blocked(venting)


async def test_a_pause_from_before_pauses_had_an_end_says_until_lifted(services: Services, venting: VentingService):
    # Blocks made by an older version had no end until the next maintenance pass gives them one.
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    tag = await venting.repo.message_tag(100)
    assert tag is not None
    await venting.repo.add_block(GUILD, 1, 100, tag, to_timestamp(services.clock.now()), None)
    said = await _blocked(venting)
    assert said.startswith("Anonymous posting is paused for you in this server until a moderator lifts it, after")
    assert said.endswith(PAUSE_ADVICE)


async def test_an_old_open_ended_pause_ends_a_retention_period_after_it_began(
    services: Services, clock: FakeClock, venting: VentingService, db_path
):
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    tag = await venting.repo.message_tag(100)
    assert tag is not None
    began = to_timestamp(clock.now())
    await venting.repo.add_block(GUILD, 1, 100, tag, began, None)
    await venting.posts_to_close()  # the maintenance pass
    retention = (await services.guilds.get(GUILD)).retention_days * 86400
    assert rows(db_path, "SELECT until_at FROM vent_blocks") == [(began + retention,)]


async def test_the_maintenance_pass_runs_with_flood_limits_in_use(clock: FakeClock, venting: VentingService):
    for _ in range(3):
        await venting.reserve_post(GUILD, ALICE)
    await venting.check_can_reply(GUILD, BOB, reserve=True)
    await venting.posts_to_close()  # prunes the limits it holds: recent ones stay
    with pytest.raises(UserFacingError, match="limit of 3 anonymous posts an hour"):
        await venting.check_can_post(GUILD, ALICE)
    clock.advance(timedelta(hours=2))
    await venting.posts_to_close()
    await venting.check_can_post(GUILD, ALICE)


async def test_an_expired_link_cannot_be_blocked_and_the_moderator_is_told_why(
    services: Services, clock: FakeClock, venting: VentingService
):
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    await venting.repo.delete_links([100])  # as the retention purge does when the link expires
    with pytest.raises(UserFacingError) as refused:
        await venting.block_author(GUILD, MOD, 100, BlockLength.DAY)
    assert str(refused.value) == (
        "This message can no longer be linked to its author: that link expired after the server's retention "
        "period. You can still remove the message."
    )


async def test_a_pause_that_has_ended_is_deleted_with_the_hash_it_held(
    clock: FakeClock, venting: VentingService, db_path
):
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    await venting.block_author(GUILD, MOD, 100, BlockLength.DAY)
    clock.advance(timedelta(hours=23))
    assert await venting.end_finished_blocks() == 0
    assert count(db_path, "vent_blocks") == 1
    clock.advance(timedelta(hours=1, seconds=1))
    assert await venting.end_finished_blocks() == 1
    assert count(db_path, "vent_blocks") == 0


async def test_a_queued_deletion_is_due_at_its_moment_and_a_replys_row_goes_with_it(
    clock: FakeClock, venting: VentingService, db_path
):
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    who = await venting.reply_identity(GUILD, 1, BOB)
    await venting.record_reply(GUILD, 1, BOB, 101, who)
    assert await venting.schedule_my_deletions(BOB) == 1
    [(due_at,)] = rows(db_path, "SELECT due_at FROM vent_pending_deletions")
    clock.set(from_timestamp(due_at - 1))
    assert await venting.due_deletion() is None
    clock.set(from_timestamp(due_at))
    pending = await venting.due_deletion()
    assert pending is not None and pending.message_id == 101
    await venting.deletion_done(pending)
    assert count(db_path, "vent_replies") == 0
    assert count(db_path, "vent_pending_deletions") == 0
    assert count(db_path, "vent_posts", "post_id = 1") == 1  # Alice's post is not Bob's to delete


async def test_reply_names_in_a_thread_never_look_like_one_another(venting: VentingService):
    # A name sharing three characters in a row with another in the thread could read as the same
    # person renamed (after forget, say): such names are passed over.
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    names = []
    for member in range(150):
        who = await venting.reply_identity(GUILD, 1, 800000000000000000 + member)
        await venting.record_reply(GUILD, 1, 800000000000000000 + member, 1000 + member, who)
        names.append(who.label.removeprefix("Anon "))
    assert all(len(name) == 4 for name in names)
    for i, name in enumerate(names):
        for other in names[:i]:
            assert not any(name[k : k + 3] in other for k in range(2)), (name, other)


@pytest.mark.parametrize("now_ts", [1_767_225_600, 1_767_225_630, 1_767_225_659, 1_767_225_601 + 61 * 7])
@pytest.mark.parametrize("count_", [1, 5, 179])
def test_deletion_moments_fall_in_every_other_minute_within_six_hours(now_ts: int, count_: int):
    for _ in range(20):
        moments = sorted(spread_times(now_ts, count_))
        assert len(moments) == count_
        assert all(now_ts < t <= now_ts + DELETION_WINDOW.total_seconds() for t in moments)
        minutes = [t // 60 - now_ts // 60 for t in moments]
        assert all(m % 2 == 0 and m > 0 for m in minutes), minutes  # a slot is every other clock minute
        assert len(set(minutes)) == count_
        assert all(b - a >= 61 for a, b in itertools.pairwise(moments))


def test_with_more_messages_than_slots_the_window_grows_just_enough():
    now_ts = 1_767_225_645
    slots = int(DELETION_WINDOW.total_seconds()) // 120
    moments = sorted(spread_times(now_ts, slots + 20))
    assert len({t // 60 for t in moments}) == slots + 20
    assert moments[-1] < (now_ts - now_ts % 60) + 120 * (slots + 21)
    assert all(b - a >= 61 for a, b in itertools.pairwise(moments))


def test_moments_use_the_whole_window():
    now_ts = 1_767_225_600
    latest = max(spread_times(now_ts, 1)[0] for _ in range(3000))
    # The last slot starts four minutes before the window ends: some single moments land there.
    assert latest >= now_ts + DELETION_WINDOW.total_seconds() - 240


async def test_a_moderation_log_entry_is_kept_for_the_servers_retention_period(
    services: Services, clock: FakeClock, venting: VentingService, db_path
):
    await services.guilds.set(GUILD, "retention_days", "7")
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    await venting.record_removal(GUILD, MOD, 100)
    now = to_timestamp(clock.now())
    assert rows(db_path, "SELECT moderator_id, created_at, expires_at FROM vent_mod_actions") == [
        (MOD, now, now + 7 * 86400)
    ]


async def test_a_moderator_who_forgets_leaves_their_actions_without_their_id(
    services: Services, venting: VentingService, db_path
):
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    await venting.record_post(GUILD, ALICE, 5, 2, 200, is_forum=True)
    await venting.record_removal(GUILD, MOD, 100)
    await venting.record_removal(GUILD, BOB, 200)
    report = await venting.forget(MOD)
    assert report["moderator actions, now shown as 'a former moderator'"] == 1
    logged = rows(db_path, "SELECT moderator_id, post_id FROM vent_mod_actions ORDER BY post_id")
    assert [post for _, post in logged] == [1, 2]  # both actions are still listed
    assert MOD not in [who for who, _ in logged] and (BOB, 2) in logged  # only the forgetting moderator's id goes


async def test_an_export_holds_exactly_the_members_own_messages_places_blocks_and_actions(
    services: Services, clock: FakeClock, venting: VentingService
):
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    await venting.record_post(GUILD, BOB, 5, 2, 200, is_forum=True)
    for message_id in (201, 202):
        who = await venting.reply_identity(GUILD, 2, ALICE)
        await venting.record_reply(GUILD, 2, ALICE, message_id, who)
    await venting.forget_reply(202)  # gone from Discord: its place stays while other messages of that day do
    _, until = await venting.block_author(GUILD, MOD, 100, BlockLength.DAY)
    now = to_timestamp(clock.now())
    linkable_until = now + (await services.guilds.get(GUILD)).retention_days * 86400

    def message(thread: int, message_id: int) -> dict[str, object]:
        return {
            "guild_id": str(GUILD),
            "thread_id": str(thread),
            "message_id": str(message_id),
            "linkable_until": linkable_until,
        }

    assert await venting.export(ALICE) == {
        "anonymous_posts": [message(1, 100)],
        "anonymous_replies": [message(2, 201)],
        "deleted_anonymous_message_places": [{"guild_id": str(GUILD), "day": clock.now().date().isoformat()}],
        "blocks_on_you": [{"guild_id": str(GUILD), "until": until}],
        "moderator_actions_you_took": [],
    }
    assert (await venting.export(MOD))["moderator_actions_you_took"] == [
        {"action": "block (day)", "thread_id": "1", "message_id": "100", "at": now}
    ]
    bobs = await venting.export(BOB)
    assert bobs["blocks_on_you"] == [] and [p["message_id"] for p in bobs["anonymous_posts"]] == ["200"]


async def test_a_link_lasts_the_servers_retention_period(
    services: Services, clock: FakeClock, venting: VentingService, db_path
):
    await services.guilds.set(GUILD, "retention_days", "7")
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=True)
    who = await venting.reply_identity(GUILD, 1, BOB)
    await venting.record_reply(GUILD, 1, BOB, 101, who)
    week = to_timestamp(clock.now()) + 7 * 86400
    assert rows(db_path, "SELECT message_id, expires_at FROM vent_links ORDER BY message_id") == [
        (100, week),
        (101, week),
    ]
