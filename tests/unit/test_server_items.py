"""ServerItemService: the shared decisions for a server's own items beside the built-in ones."""

from __future__ import annotations

from bot.app import Services
from bot.library.repository import ItemFields
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
