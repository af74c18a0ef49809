"""Strategy, resource and support services on a real migrated database and a fake clock."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from bot.app import EXTENSIONS
from bot.clock import to_timestamp
from bot.content.role_word import RoleWord
from bot.content.store import load_content
from bot.errors import UserFacingError
from bot.library.service import RESOURCE, SUPPORT, clean_url
from bot.privacy import load_declarations
from bot.services.retention import purge_expired
from bot.testing import make_services
from cogs.strategies.reminders import REMINDER_KIND, ReminderService, build_recurrence
from cogs.strategies.service import StrategyService
from cogs.support.service import SupportService
from tests.content_store import tiny_content


@pytest.fixture
async def services(clock, database_target):
    """These tests use a tiny hand-built content store, so they don't depend on the shipped wording."""
    svc = await make_services(clock=clock, db_path=database_target, content=tiny_content())
    yield svc
    await svc.db.close()


GUILD, USER = 10, 20


@pytest.fixture
def strategies(services) -> StrategyService:
    """The strategy service over the tiny content."""
    return StrategyService.build(services)


@pytest.fixture
def reminders(services) -> ReminderService:
    """The reminder service over the test's scheduler."""
    return ReminderService.build(services)


@pytest.fixture
def support_service(services) -> SupportService:
    """The support service over the test's database."""
    return SupportService.build(services)


def test_every_card_pairs_a_peer_side_with_an_organization_side(services, strategies):
    svc = strategies
    for group in services.content.groups:
        for card in svc.cards(group.id):
            assert card.peer.who in ("peer", "shared")
            assert all(answer.who == "organization" for answer in card.organizations)
            assert card.peer.group == group.id and all(a.group == group.id for a in card.organizations)
    # Every strategy can be shown as a card.
    assert all(svc.card_for(s.id) is not None for s in services.content.strategies)


def test_shipped_content_gives_every_group_cards_and_every_strategy_a_card(services, strategies):
    content = load_content()
    svc = StrategyService(content, strategies.favourites, services.clock, services.guilds)
    for group in content.groups:
        assert svc.cards(group.id), group.id
    missing = [s.id for s in content.strategies if svc.card_for(s.id) is None]
    assert missing == []


def test_unknown_group_lists_valid_ones(services, strategies):
    with pytest.raises(UserFacingError, match=r"`expectations`.*`isolation`"):
        strategies.cards("nope")


def test_search_and_week_rotation(services, strategies):
    svc = strategies
    assert [c.organization.id for c in svc.search("supervision")] == ["peer-supervision"]
    assert svc.search("zebra") == []
    monday = date(2026, 1, 5)
    weeks = [svc.week_card(GUILD, monday + timedelta(weeks=i)) for i in range(4)]
    assert len({w.peer.id for w in weeks}) > 1  # it rotates
    assert svc.week_card(GUILD, monday) == svc.week_card(GUILD, monday + timedelta(days=3))  # stable in a week


def test_organization_markdown_has_only_the_organization_side(services, strategies):
    text = strategies.organization_markdown(None, RoleWord.of("peer supporter"))
    assert "a peer supporter meets" in text and "what peer supporters can do" in text
    assert "Offer peer supervision" in text and "It's not about me" not in text


async def test_favourites_save_expire_and_clean(services, clock, db, strategies):
    svc = strategies
    added, days = await svc.save(GUILD, USER, "not-about-me")
    assert added and days == 90
    assert (await svc.save(GUILD, USER, "not-about-me"))[0] is False
    columns = "guild_id, user_id, strategy_id, saved_at, expires_at"
    sql = f"INSERT INTO strategy_favourites ({columns}) VALUES ($1, $2, $3, 0, $4)"
    await db.execute(sql, (GUILD, USER, "vanished", 2**40))
    found, vanished = await svc.saved(GUILD, USER)
    assert [s.id for s in found] == ["not-about-me"] and vanished == 1
    assert await svc.favourites.ids(GUILD, USER) == ["not-about-me"]
    clock.advance(timedelta(days=91))
    removed = await purge_expired(db, clock, load_declarations(EXTENSIONS).values())
    assert removed.get("strategy_favourites") == 1


async def test_reminder_card_cycles_favourites(services, strategies):
    svc = strategies
    await svc.save(GUILD, USER, "not-about-me")
    await svc.save(GUILD, USER, "peer-network")
    first = await svc.reminder_card(GUILD, USER, None, 0)
    second = await svc.reminder_card(GUILD, USER, None, 1)
    assert first is not None and second is not None and first != second
    assert await svc.reminder_card(GUILD, 999, None, 0) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("http://a.org", "Only https"),
        ("ftp://a.org", "doesn't look like a web link"),
        ("https://localhost", "no valid web address"),
        ("https://user:pw@a.org", "no valid web address"),
        ("https://a.org/" + "x" * 300, "at most 300"),
        ("javascript:alert(1)", "doesn't look like a web link"),
    ],
)
def test_bad_links(raw, message):
    with pytest.raises(UserFacingError, match=message):
        clean_url(raw)


def test_good_link():
    assert clean_url("  https://www.hearing-voices.org/groups  ") == "https://www.hearing-voices.org/groups"


async def test_entries_add_edit_duplicate_hide_remove(services):
    entries = services.entries
    await entries.add(GUILD, RESOURCE, "Peer Group", "https://a.example.org", "About it.", "Groups")
    with pytest.raises(UserFacingError, match="already a resource"):
        await entries.add(GUILD, RESOURCE, "peer  group", "https://b.example.org", "Again.")
    await entries.add(GUILD, RESOURCE, "Other", "https://c.example.org", "Other one.")
    with pytest.raises(UserFacingError, match="already a resource called 'other'"):
        await entries.edit(GUILD, RESOURCE, "Peer Group", new_name="other")
    with pytest.raises(UserFacingError, match="at most 300"):
        await entries.edit(GUILD, RESOURCE, "Peer Group", description="x" * 301)
    label, found = await entries.find(GUILD, "groups")
    assert label == "groups" and {r.name for r in found} == {"Peer Group", "Hearing Voices Network"}
    await entries.set_hidden(GUILD, RESOURCE, "Peer Group", True)
    assert "Peer Group" not in {r.name for r in await entries.resources(GUILD)}
    with pytest.raises(UserFacingError, match="can't be removed"):
        await entries.remove(GUILD, RESOURCE, "Intentional Peer Support")
    assert await entries.remove(GUILD, RESOURCE, "peer group") == "Peer Group"
    # A support option may have no link, but a resource needs one.
    await entries.add(GUILD, SUPPORT, "Warmline", None, "Evenings.")
    with pytest.raises(UserFacingError, match="needs an https link"):
        await entries.add(GUILD, RESOURCE, "No link", None, "x")


async def test_explain_override(services):
    short, long, custom = await services.entries.explain(GUILD)
    assert not custom and short == services.content.explain.short
    await services.entries.set_explain(GUILD, "Ours.", None)
    short, long, custom = await services.entries.explain(GUILD)
    assert custom and short == "Ours." and long == services.content.explain.long
    with pytest.raises(UserFacingError, match="at most 1500"):
        await services.entries.set_explain(GUILD, "x" * 1501, None)


async def test_volunteers_expire_and_leave(services, clock, support_service):
    support = support_service
    assert (await support.volunteer(GUILD, USER)) == (True, 180)
    assert (await support.volunteer(GUILD, USER))[0] is False
    assert await support.listed(GUILD) == [USER]
    clock.advance(timedelta(days=181))
    assert await support.listed(GUILD) == []  # hidden once expired, even before the purge runs
    # Volunteering again after the listing ran out (before the purge took the row) is a new listing.
    assert (await support.volunteer(GUILD, USER))[0] is True
    assert await support.leave(GUILD, USER) is True
    assert await support.leave(GUILD, USER) is False


async def test_two_volunteer_presses_at_once_list_the_member_once(services, support_service):
    # A double press runs both at once (on PostgreSQL, side by side on the pool): one listing, and only
    # one of the two replies may say the member is newly listed.
    results = await asyncio.gather(*(support_service.volunteer(GUILD, USER) for _ in range(4)))
    assert sorted(new for new, _days in results) == [False, False, False, True]
    assert await services.db.fetchval("SELECT count(*) FROM support_volunteers") == 1


@pytest.mark.parametrize(
    ("cadence", "time", "zone", "message"),
    [
        ("daily", "25:00", "UTC", "hours go up to 23"),
        ("daily", "7", "UTC", "couldn't read"),
        ("daily", "07:00", "Mars/Base", "Mars/Base"),
        ("hourly", "07:00", "UTC", "Choose how often"),
    ],
)
def test_bad_reminder_input(cadence, time, zone, message):
    with pytest.raises(UserFacingError, match=message):
        build_recurrence(cadence, time, zone, None)


async def test_reminder_start_replaces_and_expires_with_retention(services, clock, reminders):
    async def nothing(firing):
        return None

    services.scheduler.register(REMINDER_KIND, nothing)
    rule = build_recurrence("weekly", "7pm", "Europe/London", 2)
    _first, days, quiet = await reminders.start(GUILD, USER, rule, "isolation")
    second, _, _ = await reminders.start(GUILD, USER, rule, None)
    rows = await services.scheduler.owned_by(USER, (REMINDER_KIND,), GUILD)
    assert [r.id for r in rows] == [second.id] and days == 90 and not quiet
    assert rows[0].expires_at is not None
    assert to_timestamp(rows[0].expires_at) == to_timestamp(clock.now() + timedelta(days=90))
