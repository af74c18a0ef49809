"""The venting service on a real migrated database with a fake clock."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest

from bot.app import EXTENSIONS, Services
from bot.clock import FakeClock, to_timestamp
from bot.db import placeholders
from bot.errors import UserFacingError
from bot.privacy import load_declarations
from bot.repositories.schema import rows_mentioning, table_names
from bot.services.retention import purge_expired
from cogs.venting.service import TEXT_MAX, BlockLength, VentingService, validate_draft, validate_reply
from tests import dbfile

GUILD = 111
ALICE = 900000000000000001
BOB = 900000000000000002


@pytest.fixture
def venting(services: Services) -> VentingService:
    """The venting service over the test's core services."""
    return VentingService.build(services)


async def post(venting: VentingService, user: int, post_id: int) -> None:
    await venting.record_post(GUILD, user, 5, post_id, post_id, is_forum=True)


async def reply(venting: VentingService, user: int, post_id: int, message_id: int) -> str:
    who = await venting.reply_identity(GUILD, post_id, user)
    await venting.record_reply(GUILD, post_id, user, message_id, who)
    return who.label


@pytest.mark.parametrize(
    ("title", "text", "warning", "problem"),
    [
        ("", "   \n ", "", "empty"),
        ("", "x" * (TEXT_MAX + 1), "", "the most I can post"),
        ("t" * 101, "ok", "", "title can be at most 100"),
        ("", "ok", "w" * 101, "content warning can be at most 100"),
    ],
)
def test_bad_drafts_are_refused_plainly(title, text, warning, problem):
    with pytest.raises(UserFacingError, match=problem):
        validate_draft(title, text, warning)


def test_draft_defaults_and_trimming():
    draft = validate_draft("  Long   day ", "  words  ", "  ")
    assert (draft.title, draft.text, draft.warning) == ("Long day", "words", None)
    assert validate_draft(None, "x", None).title == "Anonymous post"
    with pytest.raises(UserFacingError):
        validate_reply("  ")


async def test_no_member_id_is_stored_anywhere(services: Services, venting: VentingService):
    await post(venting, ALICE, 1)
    await reply(venting, BOB, 1, 2)
    await reply(venting, ALICE, 1, 3)
    await venting.block_author(GUILD, 42, 2, BlockLength.WEEK)
    for table in await table_names(services.db):
        assert await rows_mentioning(services.db, table, ALICE) == 0, table
        assert await rows_mentioning(services.db, table, BOB) == 0, table
    # The moderator is recorded (who acted), which shows rows_mentioning can find an id.
    assert await rows_mentioning(services.db, "vent_mod_actions", 42) == 1


async def test_pseudonyms_stable_in_a_thread_and_op_marked(services: Services, venting: VentingService):
    await post(venting, ALICE, 1)
    first = await reply(venting, BOB, 1, 10)
    assert await reply(venting, BOB, 1, 11) == first
    assert (await reply(venting, ALICE, 1, 12)).endswith("· original poster")
    assert first.startswith("Anon ") and len(first) == 9 and first[5:] == first[5:].upper()


async def test_pseudonyms_differ_across_threads(services: Services, venting: VentingService):
    names = set()
    for thread in range(1, 21):
        await post(venting, ALICE, thread)
        names.add(await reply(venting, BOB, thread, 1000 + thread))
    assert len(names) >= 19  # per-thread tags: 4 hex digits collide about once in 65,536


async def test_pseudonym_collision_in_a_thread_picks_another(services: Services, monkeypatch, venting: VentingService):
    await post(venting, ALICE, 1)
    first = await reply(venting, BOB, 1, 10)
    original = services.keys.tag

    def colliding(purpose: str, *parts: int | str) -> str:
        # Force every member's pseudonym hash to start the same way.
        value = original(purpose, *parts)
        return first[5:].lower() + value[4:] if purpose == "vent-pseudonym" else value

    monkeypatch.setattr(type(services.keys), "tag", lambda self, purpose, *parts: colliding(purpose, *parts))
    second = await reply(venting, 777, 1, 11)
    assert second != first and second.startswith("Anon ")


async def test_only_the_author_can_delete(services: Services, venting: VentingService):
    await post(venting, ALICE, 1)
    with pytest.raises(UserFacingError, match="Only the person who posted this"):
        await venting.check_author_delete(1, BOB)
    assert (await venting.check_author_delete(1, ALICE)).post_id == 1


async def test_a_message_leads_to_its_post_until_the_post_is_forgotten(services: Services, venting: VentingService):
    await venting.record_post(GUILD, ALICE, 5, 1, 100, is_forum=False)
    await reply(venting, BOB, 1, 10)
    assert await venting.post_id_for_message(100) == 1
    assert await venting.post_id_for_message(10) == 1
    with pytest.raises(UserFacingError, match="was removed"):
        await venting.post_id_for_message(99)
    found = await venting.find_post(1)
    assert found is not None and (found.post_id, found.guild_id) == (1, GUILD)
    await venting.forget_post(1)
    assert await venting.find_post(1) is None
    with pytest.raises(UserFacingError, match="was removed"):
        await venting.post_id_for_message(10)


async def test_forgetting_a_reply_drops_its_row_and_link_only(services: Services, venting: VentingService):
    await post(venting, ALICE, 1)
    await reply(venting, BOB, 1, 10)
    await reply(venting, BOB, 1, 11)
    await venting.forget_reply(10)
    assert [r["message_id"] for r in (await venting.export(BOB))["anonymous_replies"]] == ["11"]
    assert await services.db.fetchval("SELECT count(*) FROM vent_replies WHERE message_id = 10") == 0
    assert await services.db.fetchval("SELECT count(*) FROM vent_links WHERE message_id = 10") == 0
    assert await venting.post_id_for_message(11) == 1
    assert (await venting.export(ALICE))["anonymous_posts"] != []


async def test_block_follows_the_author_to_new_threads_and_ends(
    services: Services, clock: FakeClock, venting: VentingService
):
    await post(venting, ALICE, 1)
    block_id, until = await venting.block_author(GUILD, 42, 1, BlockLength.DAY)
    with pytest.raises(UserFacingError, match="paused for you"):
        await venting.check_can_post(GUILD, ALICE)
    with pytest.raises(UserFacingError, match="paused for you"):
        await venting.check_can_reply(GUILD, ALICE)
    await venting.check_can_post(GUILD, BOB)
    await venting.check_can_post(GUILD + 1, ALICE)  # another server: not blocked
    clock.advance(timedelta(days=1, seconds=1))
    await venting.check_can_post(GUILD, ALICE)
    assert until is not None and block_id == 1


async def test_lifting_a_block(services: Services, venting: VentingService):
    await post(venting, ALICE, 1)
    block_id, _ = await venting.block_author(GUILD, 42, 1, BlockLength.LIFTED)
    assert [b.block_id for b in await venting.blocks(GUILD)] == [block_id]
    await venting.lift_block(GUILD, 42, block_id)
    await venting.check_can_post(GUILD, ALICE)
    with pytest.raises(UserFacingError, match="no block number"):
        await venting.lift_block(GUILD, 42, block_id)


async def test_blocking_the_same_message_twice_is_one_block_that_lifting_ends(
    services: Services, clock: FakeClock, venting: VentingService
):
    # A double press, or two moderators at once: one block, which lasts as long as the longer choice,
    # so lifting it lets the author post again (two blocks would leave them blocked after "lifted").
    await post(venting, ALICE, 1)
    first, day_end = await venting.block_author(GUILD, 42, 1, BlockLength.DAY)
    again, week_end = await venting.block_author(GUILD, 43, 1, BlockLength.WEEK)
    assert again == first and week_end is not None and day_end is not None and week_end > day_end
    shorter, kept_end = await venting.block_author(GUILD, 42, 1, BlockLength.DAY)
    assert (shorter, kept_end) == (first, week_end)  # never shortened by a second, shorter choice
    assert [b.block_id for b in await venting.blocks(GUILD)] == [first]
    assert await services.db.fetchval("SELECT count(*) FROM vent_blocks") == 1
    await venting.lift_block(GUILD, 42, first)
    await venting.check_can_post(GUILD, ALICE)
    concurrent = await asyncio.gather(*(venting.block_author(GUILD, 42, 1, BlockLength.DAY) for _ in range(3)))
    assert len({block_id for block_id, _ in concurrent}) == 1
    assert await services.db.fetchval("SELECT count(*) FROM vent_blocks") == 1


async def test_flood_limits(services: Services, clock: FakeClock, venting: VentingService):
    for n in range(3):
        await venting.reserve_post(GUILD, ALICE)
        await post(venting, ALICE, 100 + n)
    with pytest.raises(UserFacingError, match="limit of 3 anonymous posts an hour"):
        await venting.check_can_post(GUILD, ALICE)
    await venting.check_can_post(GUILD, BOB)
    clock.advance(3600)
    await venting.check_can_post(GUILD, ALICE)
    await venting.check_can_reply(GUILD, BOB, reserve=True)  # as the bot does before sending
    await reply(venting, BOB, 100, 5000)
    with pytest.raises(UserFacingError, match="reply again"):
        await venting.check_can_reply(GUILD, BOB)
    clock.advance(30)
    await venting.check_can_reply(GUILD, BOB)


async def test_reply_cooldown_is_reserved_at_once_and_given_back_on_failure(
    services: Services, venting: VentingService
):
    release = await venting.check_can_reply(GUILD, BOB, reserve=True)
    # A second reply sent at the same moment can't slip through while the first is being posted.
    with pytest.raises(UserFacingError, match="reply again"):
        await venting.check_can_reply(GUILD, BOB, reserve=True)
    release()  # the first reply never went up
    await venting.check_can_reply(GUILD, BOB, reserve=True)


async def test_export_and_forget_recompute_hashes_for_the_asker_only(services: Services, venting: VentingService):
    await post(venting, ALICE, 1)
    await post(venting, BOB, 2)
    await reply(venting, ALICE, 2, 20)
    mine = await venting.export(ALICE)
    assert [p["thread_id"] for p in mine["anonymous_posts"]] == ["1"]
    assert [r["message_id"] for r in mine["anonymous_replies"]] == ["20"]
    assert (await venting.forget(ALICE))["links to anonymous messages"] == 2
    assert (await venting.export(ALICE))["anonymous_posts"] == []
    assert len((await venting.export(BOB))["anonymous_posts"]) == 1


async def test_export_and_forget_read_links_in_batches_not_per_thread(
    services: Services, monkeypatch, venting: VentingService
):
    # 600 threads: more tags than one IN (...) batch holds, so the chunking is exercised too.
    for thread in range(1, 601):
        await post(venting, ALICE if thread in (1, 600) else BOB, thread)
    await reply(venting, ALICE, 300, 9300)
    calls = 0
    fetchall = services.db.fetchall

    async def counting(sql, params=()):
        nonlocal calls
        calls += 1
        return await fetchall(sql, params)

    monkeypatch.setattr(services.db, "fetchall", counting)
    mine = await venting.export(ALICE)
    assert sorted(p["thread_id"] for p in mine["anonymous_posts"]) == ["1", "600"]
    assert [r["message_id"] for r in mine["anonymous_replies"]] == ["9300"]
    assert calls <= 6, calls  # one query per thread would be 600+
    calls = 0
    assert (await venting.forget(ALICE))["links to anonymous messages"] == 3
    assert calls <= 6, calls
    assert await services.db.fetchval("SELECT count(*) FROM vent_links") == 598


@pytest.mark.parametrize("action", ["block", "remove", "lift"])
async def test_a_failed_log_entry_leaves_no_half_written_moderator_action(
    services: Services, monkeypatch, action, venting: VentingService
):
    await post(venting, ALICE, 1)
    block_id, _ = await venting.block_author(GUILD, 42, 1, BlockLength.DAY)

    async def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(venting.repo, "log_action", broken)
    with pytest.raises(RuntimeError):
        if action == "block":
            await venting.block_author(GUILD, 42, 1, BlockLength.WEEK)
        elif action == "remove":
            await venting.record_removal(GUILD, 42, 1)
        else:
            await venting.lift_block(GUILD, 42, block_id)
    assert [b.block_id for b in await venting.blocks(GUILD)] == [block_id]
    assert (await venting.repo.post(1)).removed_at is None
    assert await services.db.fetchval("SELECT count(*) FROM vent_mod_actions") == 1


async def test_concurrent_posts_cannot_both_pass_the_hourly_limit(services: Services, venting: VentingService):
    await services.guilds.set(GUILD, "vent_posts_per_hour", "1")
    results = await asyncio.gather(
        venting.reserve_post(GUILD, ALICE),
        venting.reserve_post(GUILD, ALICE),
        return_exceptions=True,
    )
    assert sum(isinstance(r, UserFacingError) for r in results) == 1
    [reservation] = [r for r in results if isinstance(r, int)]
    # A post that failed to go up gives its slot back.
    venting.release_post(GUILD, ALICE, reservation)
    await venting.reserve_post(GUILD, ALICE)
    with pytest.raises(UserFacingError, match="limit of 1"):
        await venting.check_can_post(GUILD, ALICE)


async def test_until_lifted_blocks_end_with_the_retention_period(
    services: Services, clock: FakeClock, venting: VentingService
):
    await services.guilds.set(GUILD, "retention_days", "30")
    await post(venting, ALICE, 1)
    _, until = await venting.block_author(GUILD, 42, 1, BlockLength.LIFTED)
    assert until == int(clock.now().timestamp()) + 30 * 86400
    # A block stored before this rule (no end) gets one from housekeeping, counted from its start.
    created = int(clock.now().timestamp())
    await services.db.execute(
        "INSERT INTO vent_blocks (guild_id, post_id, message_id, member_tag, created_at, until_at) "
        "VALUES ($1, 1, 1, 'legacy', $2, NULL)",
        (GUILD, created),
    )
    await venting.posts_to_close()
    assert await services.db.fetchval("SELECT count(*) FROM vent_blocks WHERE until_at IS NULL") == 0
    clock.advance(timedelta(days=30, seconds=1))
    await purge_expired(services.db, clock, load_declarations(EXTENSIONS).values())
    assert await services.db.fetchval("SELECT count(*) FROM vent_blocks") == 0
    await venting.check_can_post(GUILD, ALICE)


async def test_timed_block_never_outlasts_retention(services, clock, venting):
    await services.guilds.set(GUILD, "retention_days", "7")
    await post(venting, ALICE, 1)
    _, until = await venting.block_author(GUILD, 42, 1, BlockLength.MONTH)
    assert until == int(clock.now().timestamp()) + 7 * 86400


class _FakeBot:
    """Just enough bot for the deletion task: every server is there, and taking a post down succeeds."""

    def get_guild(self, guild_id: int) -> object:
        return object()


async def test_overdue_deletions_after_downtime_still_go_one_at_a_time(
    services: Services, clock: FakeClock, venting: VentingService, monkeypatch
):
    from cogs.venting import deletions

    taken_down: list[int] = []

    async def take_down(guild: object, post: object) -> None:
        taken_down.append(post.post_id)  # type: ignore[attr-defined]

    monkeypatch.setattr(deletions, "take_down", take_down)
    for thread in (1, 2, 3):
        await post(venting, ALICE, thread)
    assert await venting.schedule_my_deletions(ALICE) == 3
    assert await services.db.fetchval("SELECT count(*) FROM vent_links") == 0  # cut at once
    due = [r["due_at"] for r in await services.db.fetchall("SELECT due_at FROM vent_pending_deletions")]
    assert len({d // 60 for d in due}) == 3
    deleter = deletions.SpreadDeleter(_FakeBot(), venting)  # type: ignore[arg-type]
    clock.advance(timedelta(hours=7))  # the bot was down for the whole window
    waits = []
    for left in (2, 1, 0):
        waits.append(await deleter.run_once())
        assert await services.db.fetchval("SELECT count(*) FROM vent_pending_deletions") == left
    assert all(60 <= w < 600 for w in waits[:2]), waits  # minutes apart, never in one burst
    assert sorted(taken_down) == [1, 2, 3] and await services.db.fetchval("SELECT count(*) FROM vent_posts") == 0


def test_spread_times_fall_in_different_minutes_a_minute_apart_within_the_window():
    from cogs.venting.service import spread_times

    times = sorted(spread_times(1_000_000, 170))
    assert len({t // 60 for t in times}) == 170
    assert min(b - a for a, b in itertools.pairwise(times)) > 60
    assert all(1_000_000 < t <= 1_000_000 + 6 * 3600 for t in times)
    assert len(spread_times(0, 500)) == 500  # more messages than minutes: the window grows


async def test_a_deletion_in_a_server_not_seen_yet_waits_instead_of_being_dropped(
    services: Services, clock: FakeClock, venting: VentingService
):
    from cogs.venting import deletions

    class NoServers:
        def get_guild(self, guild_id: int) -> None:
            return None

    await post(venting, ALICE, 1)
    await venting.schedule_my_deletions(ALICE)
    clock.advance(timedelta(hours=7))
    await deletions.SpreadDeleter(NoServers(), venting).run_once()  # type: ignore[arg-type]
    [row] = await services.db.fetchall("SELECT tries, due_at FROM vent_pending_deletions")
    assert row["tries"] == 1 and row["due_at"] > to_timestamp(clock.now())


async def test_housekeeping_skips_never_servers_and_still_reaches_every_later_one(
    services: Services, venting: VentingService, clock: FakeClock
):
    # Servers 1 and 3 close after a day; server 2 never closes (0 days), whichever order they come in.
    for guild_id in (1, 2, 3):
        await venting.record_post(guild_id, 50, 10 * guild_id, 100 * guild_id, 1000 * guild_id, is_forum=True)
    await services.guilds.set(1, "vent_close_days", "1")
    await services.guilds.set(3, "vent_close_days", "1")
    await services.guilds.set(3, "vent_close_action", "delete")
    assert await venting.posts_to_close() == []
    clock.advance(timedelta(days=1, minutes=1))
    due = sorted((post.guild_id, action) for post, action in await venting.posts_to_close())
    assert due == [(1, "archive"), (3, "delete")]


# -- finders: a member's links found per server and day, not per thread (issue 14) ----------------


async def test_every_link_has_its_own_finder_so_none_ties_two_messages_together(
    services: Services, venting: VentingService, db_path
):
    for thread in (1, 2, 3):
        await post(venting, ALICE, thread)
    await reply(venting, ALICE, 2, 20)
    await reply(venting, BOB, 2, 21)
    finders = [row[0] for row in dbfile.rows(db_path, "SELECT finder FROM vent_links")]
    assert len(finders) == 5 and len(set(finders)) == 5 and all(finders)
    # Nothing but the server and the day is shared by Alice's four links; her per-thread tag in thread 2
    # is shared by her post and her reply there, as before (it gives her one pseudonym in a thread).
    day = to_timestamp(services.clock.now()) // 86400
    expected = {services.keys.tag("vent-find", GUILD, ALICE, day, n) for n in range(4)}
    assert expected <= set(finders)


async def test_a_deleted_message_leaves_a_gap_that_keeps_later_ones_findable(
    services: Services, venting: VentingService, db_path
):
    # Alice's finders 0 to 5 today; the threads holding numbers 0 to 3 go, with her links in them. A
    # run of holes as long as one probe step would end the count early without the gaps.
    threads = range(1, 7)
    for thread in threads:
        await post(venting, BOB, thread)
    for thread in threads:
        await reply(venting, ALICE, thread, 10 + thread)
    for thread in (1, 2, 3, 4):
        await venting.forget_post(thread)
    assert dbfile.count(db_path, "vent_link_gaps") == 8  # Bob's posts and Alice's replies there
    mine = await venting.export(ALICE)
    assert sorted(r["message_id"] for r in mine["anonymous_replies"]) == ["15", "16"]
    # A new message today takes the next free number, after the gaps, and is found too.
    await reply(venting, ALICE, 5, 30)
    assert len((await venting.export(ALICE))["anonymous_replies"]) == 3
    assert (await venting.forget(ALICE))["links to anonymous messages"] == 3
    day = to_timestamp(services.clock.now()) // 86400
    alices = [services.keys.tag("vent-find", GUILD, ALICE, day, n) for n in range(12)]
    marks = placeholders(len(alices))
    assert dbfile.count(db_path, "vent_link_gaps", f"finder IN ({marks})", tuple(alices)) == 0
    assert dbfile.count(db_path, "vent_link_gaps") == 4  # Bob's, whose other posts stay
    assert len((await venting.export(BOB))["anonymous_posts"]) == 2


async def test_gaps_go_with_the_last_link_of_their_server_and_day(
    services: Services, clock: FakeClock, venting: VentingService, db_path
):
    await post(venting, ALICE, 1)
    await post(venting, ALICE, 2)
    await venting.forget_post(1)
    assert dbfile.count(db_path, "vent_link_gaps") == 1
    clock.advance(timedelta(days=91))  # past the default retention: the purge deletes the other link
    await purge_expired(services.db, clock, load_declarations(EXTENSIONS).values())
    assert dbfile.count(db_path, "vent_links") == 0
    assert dbfile.count(db_path, "vent_link_gaps") == 0


async def test_links_made_before_finders_are_still_found_by_their_thread_tag(
    services: Services, venting: VentingService, db_path
):
    await post(venting, ALICE, 1)
    await post(venting, BOB, 2)
    await reply(venting, ALICE, 2, 20)
    # As rows written before migration 0016 look: no finder.
    await services.db.execute("UPDATE vent_links SET finder = NULL WHERE message_id IN (1, 20)")
    mine = await venting.export(ALICE)
    assert [p["thread_id"] for p in mine["anonymous_posts"]] == ["1"]
    assert [r["message_id"] for r in mine["anonymous_replies"]] == ["20"]
    # Each found the old way is exported whole: its server and how long it stays linkable, as a new one is.
    expires = dbfile.rows(db_path, "SELECT expires_at FROM vent_links WHERE message_id = 1")[0][0]
    assert mine["anonymous_posts"][0] == {
        "guild_id": str(GUILD),
        "thread_id": "1",
        "message_id": "1",
        "linkable_until": expires,
    }
    assert mine["anonymous_replies"][0]["guild_id"] == str(GUILD)
    assert (await venting.forget(ALICE))["links to anonymous messages"] == 2
    assert dbfile.count(db_path, "vent_links") == 1
