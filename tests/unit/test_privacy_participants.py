"""The privacy participant list is worked out once per set of loaded cogs, not on every /privacy call."""

from __future__ import annotations

from typing import Any, ClassVar

from bot.privacy import DataStatement, StoresNothing, participants_among


class Keeps(StoresNothing):
    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement.nothing("Keeps", "nothing")


class Posts(Keeps):
    async def delete_user_posts(self, user_id: int) -> tuple[int, int]:
        return 0, 0


class Other:
    """A cog outside the contract."""


def test_the_same_cogs_give_the_same_answer_without_checking_again():
    cogs: list[Any] = [Keeps(), Posts(), Other()]
    first = participants_among(cogs)
    assert first.participants == (cogs[0], cogs[1]) and first.posters == (cogs[1],)
    assert participants_among(list(cogs)) is first


def test_a_changed_set_of_cogs_is_sorted_again():
    cogs: list[Any] = [Keeps(), Other()]
    first = participants_among(cogs)
    loaded = [*cogs, Posts()]
    second = participants_among(loaded)
    assert second is not first and second.posters == (loaded[2],)
    swapped: list[Any] = [Keeps(), cogs[1], loaded[2]]  # same length, another object
    assert participants_among(swapped).participants == (swapped[0], swapped[2])
