"""Which servers the bot forgets after connecting: missing for the grace period, never one that returned."""

from __future__ import annotations

from datetime import timedelta

from bot.app import MISSING_SERVER_GRACE

HERE, GONE = 1001, 1002


async def test_a_missing_server_is_due_only_after_the_grace_period_and_a_returning_one_never(services, clock):
    guilds = services.guilds
    await guilds.ensure_guild(HERE)
    await guilds.ensure_guild(GONE)
    assert await guilds.servers_to_forget(frozenset({HERE}), MISSING_SERVER_GRACE) == []
    clock.advance(MISSING_SERVER_GRACE - timedelta(minutes=1))
    assert await guilds.servers_to_forget(frozenset({HERE}), MISSING_SERVER_GRACE) == []
    clock.advance(timedelta(minutes=1))
    assert await guilds.servers_to_forget(frozenset({HERE}), MISSING_SERVER_GRACE) == [GONE]
    # The bot was added back before anything was deleted: the absence is forgotten, not the server.
    await guilds.ensure_guild(GONE)
    clock.advance(MISSING_SERVER_GRACE)
    assert await guilds.servers_to_forget(frozenset({HERE, GONE}), MISSING_SERVER_GRACE) == []
    # Seen present once, missing again later: the grace period starts over.
    assert await guilds.servers_to_forget(frozenset({HERE}), MISSING_SERVER_GRACE) == []
