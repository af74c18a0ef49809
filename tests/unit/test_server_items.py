"""ServerItemService: the shared decisions for a server's own items beside the built-in ones."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import Services
from bot.db import open_database
from bot.library.repository import DuplicateNameError, ItemFields, ServerItemRepository
from bot.library.service import CHECKIN, REFLECTION, ItemRef
from cogs.checkins.service import CheckinService

G, G2 = 100, 200


async def test_stop_using_deletes_the_servers_own_and_hides_a_builtin(services: Services) -> None:
    library = services.library
    own = await library.add(G, CHECKIN, ItemFields(text="Ours?", variant="daily"))
    assert own.number is not None
    assert await library.remove(G, CHECKIN, ItemRef.own(own.number))
    assert await library.items(G, CHECKIN) == []
    assert await library.remove(G, CHECKIN, ItemRef.builtin("checkin-daily-a"))
    assert await library.hidden_builtins(G, CHECKIN) == {"checkin-daily-a"}
    assert not await library.remove(G, CHECKIN, ItemRef.builtin("checkin-daily-a"))  # already hidden
    assert await library.set_hidden(G, CHECKIN, ItemRef.builtin("checkin-daily-a"), False)
    assert await library.hidden_builtins(G, CHECKIN) == set()
    # Shown again with no wording of the server's own: nothing about it is left.
    assert await services.db.fetchval("SELECT count(*) FROM server_items") == 0


async def test_numbers_count_per_kind_across_servers(services: Services) -> None:
    library = services.library
    first = await library.add(G, CHECKIN, ItemFields(text="One?", variant="daily"))
    second = await library.add(G2, CHECKIN, ItemFields(text="Two?", variant="weekly"))
    other_kind = await library.add(G, REFLECTION, ItemFields(text="Reflect?"))
    assert (first.number, second.number, other_kind.number) == (1, 2, 1)
    assert await library.get(G2, CHECKIN, 1) is None  # another server's number


async def test_a_wording_change_survives_hiding_and_showing(services: Services) -> None:
    library = services.library
    await library.change_builtin(G, REFLECTION, "one", text="Ours?", hidden=False, by=7)
    await library.set_hidden(G, REFLECTION, ItemRef.builtin("one"), True)
    await library.set_hidden(G, REFLECTION, ItemRef.builtin("one"), False)
    change = (await library.builtin_changes(G, REFLECTION))["one"]
    assert (change.text, change.hidden, change.created_by) == ("Ours?", False, 7)


async def test_the_check_in_pool_is_cached_until_the_library_changes(services: Services) -> None:
    checkins = CheckinService.build(services)
    before = await checkins.pool(G, "daily")
    assert await checkins.pool(G, "daily") is before
    await services.library.add(G, CHECKIN, ItemFields(text="Ours?", variant="daily"))
    after = await checkins.pool(G, "daily")
    assert "Ours?" in {p.text for p in after} and "Ours?" not in {p.text for p in before}


async def test_adds_at_the_same_moment_each_get_a_number_and_no_false_name_clash(
    services: Services, database_target: str
) -> None:
    # Numbers count per kind across servers, and two processes (or, on PostgreSQL, two statements of one
    # process on its pool) can read the same highest number at once. Each add must still get its own
    # number, and none may be told its name is taken when it is not.
    other = await open_database(database_target)  # a second process on the same database
    try:
        repos = [services.library.repo, ServerItemRepository(other)]
        for n in range(12):
            await services.guilds.ensure_guild(G + n)
        numbers = await asyncio.gather(
            *(
                repos[n % 2].add(G + n, REFLECTION, ItemFields(text=f"Question {n}?", name=f"Q{n}"), None, 1_000)
                for n in range(12)
            )
        )
    finally:
        await other.close()
    assert sorted(numbers) == list(range(1, 13))
    # A name that really is taken is still refused as such, and nothing is half-written.
    with pytest.raises(DuplicateNameError):
        await services.library.add(G, REFLECTION, ItemFields(text="Again?", name="q0"))
    assert await services.db.fetchval("SELECT count(*) FROM server_items") == 12
