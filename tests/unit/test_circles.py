"""The circles service on real aiosqlite with a FakeClock: plans, the version check, counting meetings once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import UserFacingError
from bot.library.repository import ItemFields
from bot.scheduling.recurrence import LAST, Recurrence
from bot.services.guild_settings import REFLECTION_CHANNELS
from cogs.circles import plan
from cogs.circles.service import CLOSE_KIND, KINDS, MEETING_KIND, MOVED_KIND, CircleService, Options, load_texts
from tests.dbfile import rows

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # a Monday
GUILD, CHANNEL, ROLE = 1, 50, 60


async def _nothing(_: object) -> None:
    return None


@pytest.fixture
async def circles(services):
    for kind in KINDS:
        services.scheduler.register(kind, _nothing)
    await services.guilds.ensure_guild(GUILD)
    await services.guilds.add_channel(GUILD, REFLECTION_CHANNELS, CHANNEL)
    return CircleService.build(services)


def options(**changes: object) -> Options:
    values: dict[str, object] = {
        "name": "Tuesday circle",
        "channel_id": CHANNEL,
        "cadence": "weekly",
        "start": "2026-01-06",
        "time": "18:00",
        "prompts": "One? | Two? | Three?",
        "zone": "Europe/London",
        "meetings": 3,
        **changes,
    }
    return Options(**values)  # type: ignore[arg-type]


async def made(circles: CircleService, **changes: object):
    draft = await circles.prepare(GUILD, options(**changes))
    return await circles.store(draft, ROLE, True)


def test_the_default_texts_are_there_and_plain():
    texts = load_texts()
    assert "stays here" in texts.agreement and "people we support" in texts.agreement
    assert "step out" in texts.agreement
    assert texts.closing


@pytest.mark.parametrize(
    ("cadence", "start", "expected"),
    [
        ("weekly", date(2026, 1, 6), Recurrence.weekly(date(2026, 1, 6), (18, 0), "UTC")),
        ("every-2-weeks", date(2026, 1, 6), Recurrence.weekly(date(2026, 1, 6), (18, 0), "UTC", every=2)),
        ("monthly", date(2026, 1, 13), Recurrence.monthly_nth_weekday(2, 1, (18, 0), "UTC")),
        ("monthly", date(2026, 1, 29), Recurrence.monthly_nth_weekday(LAST, 3, (18, 0), "UTC")),
    ],
)
def test_cadences(cadence, start, expected):
    assert plan.make_rule(cadence, start, (18, 0), "UTC") == expected


def test_upcoming_leaves_out_skipped_days_and_stops_at_the_end():
    rule = Recurrence.weekly(date(2026, 1, 6), (18, 0), "UTC")
    found = list(plan.upcoming(rule, NOW, ("2026-01-13",), date(2026, 1, 27), 10))
    assert [d.date() for d in found] == [date(2026, 1, 6), date(2026, 1, 20), date(2026, 1, 27)]


def test_meeting_post_puts_the_agreement_above_the_prompt():
    text = plan.render_meeting(name="C", role_id=9, agreement="AGREE", prompt="ASK", number=2, total=3, closes_at=NOW)
    assert text.startswith("<@&9> **C** is meeting now (meeting 2 of 3)")
    assert text.index("AGREE") < text.index("ASK")


async def test_prepare_writes_nothing_and_store_writes_the_circle_and_its_schedule(circles, services, db_path):
    await circles.prepare(GUILD, options())
    assert rows(db_path, "SELECT count(*) FROM circles") == [(0,)]
    circle, row = await made(circles)
    assert circle.prompts == ("One?", "Two?", "Three?") and circle.schedule_id == row.id
    assert row.next_run_at == datetime(2026, 1, 6, 18, 0, tzinfo=UTC) and row.owner_id is None


async def test_library_keys_become_their_wording(circles, services):
    own = await services.library.add(GUILD, "reflection", ItemFields(text="Our own?"))
    circle, _ = await made(circles, prompts=f"s:{own.number} | b:reflect-professional")
    assert circle.prompts[0] == "Our own?"
    assert circle.prompts[1].startswith("What does “professional” mean where you work?")
    with pytest.raises(UserFacingError, match="no prompt b:nothing-like-this"):
        await circles.prepare(GUILD, options(name="Other", prompts="b:nothing-like-this"))


async def test_a_stale_version_is_refused_and_the_newer_edit_kept(circles, db_path):
    circle, _ = await made(circles)
    await circles.edit(circle.id, circle.version, "First editor?", None, None)
    with pytest.raises(UserFacingError, match="Someone changed Tuesday circle"):
        await circles.edit(circle.id, circle.version, "Second editor?", None, None)
    assert rows(db_path, "SELECT prompts, next_prompt FROM circles") == [('["First editor?"]', 0)]


async def test_a_retried_meeting_is_counted_once(circles, services, clock):
    circle, row = await made(circles)
    due = datetime(2026, 1, 6, 18, 0, tzinfo=UTC)
    clock.set(due + timedelta(seconds=5))
    _, meeting, _ = await circles.meeting(row, due, False)
    assert meeting is not None and "(meeting 1 of 3)" in meeting.text and "One?" in meeting.text
    await circles.held(meeting, 500, None)
    # The same firing again (the scheduler retrying a post Discord answered with a 5xx): same text, no new count.
    _, again, _ = await circles.meeting(row, due, False)
    assert again is not None and again.text == meeting.text
    await circles.held(again, 500, None)
    after = await circles.circle(circle.id)
    assert (after.held, after.next_prompt) == (1, 1)
    closes = await services.scheduler.repository.list_by_guild(GUILD, CLOSE_KIND)
    assert [r.next_run_at for r in closes] == [due + timedelta(minutes=90)]  # one end for one meeting


async def test_the_last_counted_meeting_is_marked_last(circles, clock):
    _, row = await made(circles, meetings=1)
    due = datetime(2026, 1, 6, 18, 0, tzinfo=UTC)
    clock.set(due)
    _, meeting, _ = await circles.meeting(row, due, False)
    assert meeting is not None and meeting.last


async def test_finish_removes_the_circle_and_every_schedule(circles, services, db_path):
    circle, _ = await made(circles)
    await circles.finish(circle)
    assert rows(db_path, "SELECT count(*) FROM circles") == [(0,)]
    assert await services.scheduler.repository.list_by_guild(GUILD, MEETING_KIND) == []


async def test_two_circles_made_at_once_keep_the_name_and_the_limit(circles: CircleService, services, monkeypatch):
    # Both drafts are checked before either is stored (two facilitators, or a double press): the second
    # is refused plainly, never with an unexpected error, and nothing of it is half-written.
    from cogs.circles import service as circles_module

    drafts = [await circles.prepare(GUILD, options(name="Same name")) for _ in range(2)]
    stored = await asyncio.gather(*(circles.store(d, ROLE, True) for d in drafts), return_exceptions=True)
    refused = [s for s in stored if isinstance(s, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], UserFacingError) and "already a circle" in str(refused[0])
    monkeypatch.setattr(circles_module, "MAX_CIRCLES", 2)
    drafts = [await circles.prepare(GUILD, options(name=f"Circle {n}")) for n in range(2)]
    stored = await asyncio.gather(*(circles.store(d, ROLE, True) for d in drafts), return_exceptions=True)
    refused = [s for s in stored if isinstance(s, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], UserFacingError) and "the most it can have" in str(refused[0])
    assert await services.db.fetchval("SELECT count(*) FROM circles") == 2
    assert await services.db.fetchval("SELECT count(*) FROM schedules WHERE kind = $1", (MEETING_KIND,)) == 2


async def test_moving_the_next_meeting_twice_at_once_moves_it_once(circles: CircleService, services) -> None:
    # Both moves read the circle before either wrote: the second would move the same meeting again
    # (two extra meetings for one) and write its list of skipped days over the first one's.
    circle, _ = await made(circles)
    moved = await asyncio.gather(
        circles.move(circle, "2026-01-08", "18:00", None),
        circles.move(circle, "2026-01-09", "18:00", None),
        return_exceptions=True,
    )
    refused = [m for m in moved if isinstance(m, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], UserFacingError) and "changed" in str(refused[0])
    assert await services.db.fetchval("SELECT count(*) FROM schedules WHERE kind = $1", (MOVED_KIND,)) == 1
    assert len((await circles.circle(circle.id)).skipped) == 1


async def test_a_skip_read_before_a_move_never_writes_over_it(circles: CircleService, services) -> None:
    # A skip that read the circle just before a move committed (its await fell between the two) must not
    # write back the skipped days it read: the moved meeting would then also be held on its old day.
    circle, _ = await made(circles)
    await circles.move(circle, "2026-01-09", "18:00", "2026-01-13")
    with pytest.raises(UserFacingError, match="at the same moment"):
        await circles.skip(circle)  # the copy read before the move
    assert len((await circles.circle(circle.id)).skipped) == 1
