"""Strategies and resources benchmarks: /strategy random, /strategy search and /resources against a
bare bot answering a constant text, each through SimCord in the same run, with the shipped content.

Run: `.venv/bin/python -m bench.strategies` (or `make bench` for every benchmark).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import simcord

from bench.core import bare_ping, ours_factory
from bench.harness import bare_factory, compare, report, world


async def strategy_random(env: simcord.Env) -> Callable[[], Awaitable[Any]]:
    """/strategy random by a member."""
    _, channel, member = world(env)
    return lambda: member.slash(channel, "strategy random")


async def strategy_search(env: simcord.Env) -> Callable[[], Awaitable[Any]]:
    """/strategy search with two words that match several strategies."""
    _, channel, member = world(env)
    return lambda: member.slash(channel, "strategy search", words="documentation coworkers")


async def resources(env: simcord.Env) -> Callable[[], Awaitable[Any]]:
    """/resources with no topic: every shipped resource, rendered into one embed."""
    _, channel, member = world(env)
    return lambda: member.slash(channel, "resources")


def main() -> None:
    """Print one line per command."""
    for label, scenario in (
        ("/strategy random", strategy_random),
        ("/strategy search", strategy_search),
        ("/resources", resources),
    ):
        mine, base = compare(label, (ours_factory, scenario), (bare_factory, bare_ping), n=100, rounds=5)
        print(report(mine, base, target=1.5))


if __name__ == "__main__":
    main()
