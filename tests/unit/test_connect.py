"""ConnectService over a real database: who may be matched with whom, and what is kept."""

from __future__ import annotations

from bot.app import Services
from bot.clock import FakeClock
from cogs.connect.service import CHANNEL_SETTING, Choice, ConnectService, normalise_workplace

G = 100


async def _service(services: Services) -> ConnectService:
    await services.guilds.ensure_guild(G)
    await services.guilds.set(G, CHANNEL_SETTING, "555")
    return ConnectService.build(services)


def test_workplace_names_match_however_typed() -> None:
    assert normalise_workplace("  St. Mary's  HOSPITAL ") == normalise_workplace("st mary s hospital")
    assert normalise_workplace("Riverside-Clinic") == normalise_workplace("riverside clinic")
    assert normalise_workplace("North Jail") != normalise_workplace("South Jail")


async def test_best_match_shares_the_most_and_colleagues_never_match(services: Services) -> None:
    svc = await _service(services)
    await svc.join(G, 1, Choice(settings=("forensic",), interests=("working-alone",), workplace="North Jail"))
    await svc.join(G, 2, Choice(settings=("youth",)))
    await svc.join(G, 3, Choice(settings=("forensic",), interests=("working-alone",), workplace="north  JAIL"))
    await svc.join(G, 4, Choice(settings=("forensic",), interests=("working-alone",), workplace="South Jail"))
    proposal = await svc.match_for(G, 1)
    assert proposal is not None
    assert [e.user_id for e in proposal.entries] == [1, 4]  # 3 is a colleague; 4 shares more than 2


async def test_declined_pairs_are_never_suggested_again_and_hold_no_ids(services: Services, clock: FakeClock) -> None:
    svc = await _service(services)
    # Discord-sized ids: a short one like 1001 turns up inside a random 64-digit hex hash about once in 300 runs.
    first, second = 900000000000001001, 900000000000001002
    await svc.join(G, first, Choice())
    await svc.join(G, second, Choice())
    proposal = await svc.match_for(G, second)
    assert proposal is not None
    ended = await svc.decline(proposal.id, first)
    assert ended is not None and ended.still_waiting == (second,)
    assert await svc.match_for(G, second) is None
    rows = await services.db.fetchall("SELECT avoid_tags FROM connect_entries")
    assert all(str(first) not in r[0] and str(second) not in r[0] for r in rows)


async def test_withdraw_deletes_at_once_and_count_is_only_numbers(services: Services) -> None:
    svc = await _service(services)
    await svc.join(G, 1, Choice())
    await svc.join(G, 2, Choice())
    await svc.pause(G, 2)
    assert await svc.count(G) == (1, 1)
    await svc.withdraw(G, 1)
    assert await services.db.fetchall("SELECT * FROM connect_entries WHERE user_id = 1") == []
