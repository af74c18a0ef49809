"""PendingNotices: loaded once, then answered from memory; adds before and after loading are seen."""

from __future__ import annotations

from bot.services.notices import PendingNotices


async def test_loads_once_and_tracks_changes():
    stored = [(1, 10)]
    loads = 0

    async def load():
        nonlocal loads
        loads += 1
        return list(stored)

    notices = PendingNotices(load)
    stored.append((1, 11))  # written to the database before the first question: the load finds it
    notices.add(1, 11)
    assert await notices.might_have(1, 10)
    assert await notices.might_have(1, 11)
    assert not await notices.might_have(1, 12)
    notices.add(2, 20)
    notices.discard(1, 10)
    assert await notices.might_have(2, 20)
    assert not await notices.might_have(1, 10)
    assert loads == 1
