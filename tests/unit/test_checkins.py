"""Check-in services on real aiosqlite with a fake clock: choices, answers, pauses, firing, forget."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.delivery.notices import DM_CLOSED, NoticeSpec
from bot.errors import UserFacingError
from cogs.checkins.plan import Choices, check_quiet, parse_days, recurrence_for
from cogs.checkins.repository import CheckinRepository
from cogs.checkins.service import FEATURE as CHECKINS
from cogs.checkins.service import KIND, CheckinService
from cogs.moments.repository import MomentRepository
from cogs.moments.service import MomentService
from tests.fake_prompts import placeholder_content

G, U = 1, 42


@pytest.fixture
def checkins(services) -> CheckinService:
    s = services

    async def noop(firing):
        return None

    s.scheduler.register("checkin", noop, dm=True)
    return CheckinService(
        CheckinRepository(s.db),
        s.clock,
        s.keys,
        s.scheduler,
        s.preferences,
        s.guilds,
        s.library,
        placeholder_content(),
        notices=s.notices,
    )


def test_parse_days_and_errors():
    assert parse_days("fri, mon wed") == (0, 2, 4)
    assert parse_days("Tuesday") == (1,)
    with pytest.raises(UserFacingError, match="mon, wed, fri"):
        parse_days("someday")


def test_quiet_hours_checks():
    check_quiet(9 * 60, (22 * 60, 7 * 60))
    with pytest.raises(UserFacingError, match="whole day"):
        check_quiet(9 * 60, (600, 600))
    with pytest.raises(UserFacingError, match="inside your quiet hours"):
        check_quiet(23 * 60, (22 * 60, 7 * 60))


def test_weekly_uses_the_chosen_weekday():
    rule = recurrence_for(Choices("weekly", (4,), 540, "UTC", "weekly", 0, None), date(2026, 1, 1))
    assert rule.start == date(2026, 1, 2)


async def test_nothing_is_stored_before_confirm_and_keep_is_off_by_default(checkins, db):
    choices = await checkins.choose(G, U, time="9am")
    assert choices.keep_days == 0
    assert await db.fetchval("SELECT count(*) FROM checkin_plans") == 0
    await checkins.confirm(G, U, choices)
    assert await db.fetchval("SELECT count(*) FROM checkin_plans") == 1


async def test_answers_kept_only_when_on_encrypted_and_once_per_prompt(checkins, db):
    await checkins.confirm(G, U, await checkins.choose(G, U, time="09:00"))
    assert (await checkins.answer(G, U, "aaaaaaaa", "checkin-daily-a", "plain words")).kept_days is None
    assert await db.fetchval("SELECT count(*) FROM checkin_answers") == 0
    await checkins.confirm(G, U, await checkins.choose(G, U, keep_days=365))
    first = await checkins.answer(G, U, "bbbbbbbb", "checkin-daily-a", "plain words")
    assert first.kept_days == 90  # capped at the server's retention period
    assert (await checkins.answer(G, U, "bbbbbbbb", "checkin-daily-a", "again")).duplicate
    body = await db.fetchval("SELECT body FROM checkin_answers")
    assert b"plain words" not in body
    entries, pages = await checkins.history(G, U, 0)
    assert [e.text for e in entries] == ["plain words"] and pages == 1
    with pytest.raises(UserFacingError, match="longer than"):
        await checkins.answer(G, U, "cccccccc", "checkin-daily-a", "x" * 2001)


async def test_firing_respects_pause_quiet_hours_and_orphans(checkins, services, clock):
    plan = await checkins.confirm(G, U, await checkins.choose(G, U, time="09:00"))
    row = await services.scheduler.repository.get(plan.schedule_id)
    assert (await checkins.delivery_for(row)) is not None
    await checkins.pause(G, U, 2)
    assert (await checkins.delivery_for(row)) is None
    clock.advance(timedelta(days=3))
    assert (await checkins.delivery_for(row)) is not None
    await services.preferences.set_quiet_hours(G, U, 0, 23 * 60)
    assert (await checkins.delivery_for(row)) is None
    await checkins.stop(G, U, delete_answers=True)
    assert (await checkins.delivery_for(row)) is None
    assert await services.scheduler.repository.get(row.id) is None


async def test_closed_dms_pause_the_schedule_and_notice_is_given_once(checkins, services):
    plan = await checkins.confirm(G, U, await checkins.choose(G, U, time="09:00"))
    # What the cog wires up: the core notice helper around check-ins' own pause and follow-up.
    services.notices.register(NoticeSpec(KIND, CHECKINS, {DM_CLOSED: "told"}, on_told=checkins.notice_told))
    await services.notices.closed(G, U, KIND, checkins.pause_for_closed_dms)()
    assert (await services.scheduler.repository.get(plan.schedule_id)).paused
    assert await services.notices.due(G, U)
    assert not await services.notices.due(G, U)


async def test_forget_removes_plans_schedules_and_answers(checkins, db):
    await checkins.confirm(G, U, await checkins.choose(G, U, time="09:00", keep_days=30))
    await checkins.answer(G, U, "dddddddd", "checkin-daily-a", "words")
    assert await checkins.forget(U) == {"plans": 1, "schedules": 1, "answers": 1}
    for table in ("checkin_plans", "checkin_answers", "schedules"):
        assert await db.fetchval(f"SELECT count(*) FROM {table}") == 0


async def test_has_answers_is_per_member_and_server_and_ends_with_deletion(checkins):
    assert not await checkins.has_answers(G, U)
    await checkins.confirm(G, U, await checkins.choose(G, U, time="09:00", keep_days=30))
    await checkins.answer(G, U, "eeeeeeee", "checkin-daily-a", "words")
    assert await checkins.has_answers(G, U)
    assert not await checkins.has_answers(G, U + 1)
    assert not await checkins.has_answers(G + 1, U)
    await checkins.stop(G, U, delete_answers=False)
    assert await checkins.has_answers(G, U)
    await checkins.stop(G, U, delete_answers=True)
    assert not await checkins.has_answers(G, U)


async def test_moments_need_opt_in_and_are_encrypted(services, db):
    s = services
    moments = MomentService(
        MomentRepository(s.db), s.clock, s.keys, s.scheduler, s.preferences, s.guilds, notices=s.notices
    )
    with pytest.raises(UserFacingError, match="log is off"):
        await moments.add(G, U, "a good moment")
    await moments.opt_in(G, U)
    await moments.add(G, U, "a good moment")
    assert b"good moment" not in await db.fetchval("SELECT body FROM moments")
    assert [e.text for e in await moments.entries(G, U)] == ["a good moment"]
    assert (await moments.forget(U))["moments"] == 1


async def _count(db, table: str) -> int:
    return await db.fetchval(f"SELECT count(*) FROM {table} WHERE user_id = $1", (U,))


@pytest.mark.parametrize("existing", [False, True])
async def test_confirm_is_all_or_nothing_when_the_last_write_fails(checkins, services, db, monkeypatch, existing):
    """A failure saving the plan leaves quiet hours, the schedule and its expiry as they were."""
    if existing:
        await checkins.confirm(G, U, await checkins.choose(G, U, time="09:00"))
    before = {t: await _count(db, t) for t in ("member_preferences", "checkin_plans")}
    schedules_before = [tuple(r) for r in await db.fetchall("SELECT * FROM schedules ORDER BY id")]
    plan_before = await checkins.plan(G, U)

    async def broken(plan):
        raise RuntimeError("disk full")

    monkeypatch.setattr(checkins.repo, "save_plan", broken)
    choices = await checkins.choose(G, U, time="19:00", cadence="weekdays", quiet_start="22:00", quiet_end="07:00")
    with pytest.raises(RuntimeError):
        await checkins.confirm(G, U, choices)
    assert {t: await _count(db, t) for t in ("member_preferences", "checkin_plans")} == before
    assert [tuple(r) for r in await db.fetchall("SELECT * FROM schedules ORDER BY id")] == schedules_before
    assert await checkins.plan(G, U) == plan_before
    assert (await services.preferences.effective(G, U, "UTC")).quiet_start is None


async def test_firing_reads_plan_and_quiet_hours_in_one_query(checkins, services, db, monkeypatch):
    plan = await checkins.confirm(G, U, await checkins.choose(G, U, time="09:00"))
    row = await services.scheduler.repository.get(plan.schedule_id)
    await services.preferences.set_quiet_hours(G, U, 0, 23 * 60)
    await checkins.pool(G, "daily")  # the server's prompt pool is cached after its first use
    queries: list[str] = []
    original = db.fetchall

    async def counting(sql, params=()):
        queries.append(sql)
        return await original(sql, params)

    monkeypatch.setattr(db, "fetchall", counting)
    assert await checkins.delivery_for(row) is None  # quiet hours, read in the same query as the plan
    assert len(queries) == 1
    await services.preferences.set_quiet_hours(G, U, None, None)
    queries.clear()
    assert await checkins.delivery_for(row) is not None
    assert len(queries) == 1


async def test_a_scheduler_pass_reads_its_plans_once_and_later_changes_still_count(checkins, services, db, monkeypatch):
    members = (U, U + 1, U + 2, U + 3)
    for member in members:
        await checkins.confirm(G, member, await checkins.choose(G, member, time="09:00"))
    await services.preferences.set_quiet_hours(G, U + 3, 0, 23 * 60)
    await checkins.pool(G, "daily")
    services.clock.advance(timedelta(days=1))
    claims = await services.scheduler.repository.claim_due(services.clock.now())
    rows = {c.row.owner_id: c.row for c in claims}
    assert set(rows) == set(members)
    queries: list[str] = []
    original = db.fetchall

    async def counting(sql, params=()):
        queries.append(sql)
        return await original(sql, params)

    monkeypatch.setattr(db, "fetchall", counting)
    assert await checkins.delivery_for(rows[U]) is not None
    assert await checkins.delivery_for(rows[U + 3]) is None  # quiet hours came with the pass
    assert len(queries) == 1  # the whole pass, plans and quiet hours, in one read
    # Written after that read: the pause and the stop are honoured, not the stale copy.
    await checkins.pause(G, U + 1, 3)
    await checkins.stop(G, U + 2, delete_answers=False)
    queries.clear()
    assert await checkins.delivery_for(rows[U + 1]) is None
    assert await checkins.delivery_for(rows[U + 2]) is None
    assert len(queries) == 2  # one own read each for the two members written since
    assert await services.scheduler.repository.get(rows[U + 2].id) is None  # the orphan is removed


def test_weekly_with_several_days_is_refused_not_silently_trimmed():
    from bot.errors import UserFacingError
    from cogs.checkins.plan import check_cadence

    check_cadence("weekly", (2,))
    check_cadence("days", (0, 2, 4))
    with pytest.raises(UserFacingError, match="chosen days"):
        check_cadence("weekly", (0, 2))
