"""Strategies and resources: /strategy random, /strategy search and /resources against a bare bot answering a
constant ephemeral text, with the shipped content (see bench/harness.py for the method).

Run: `.venv/bin/python -m bench.strategies [--members 1000,10000,100000] [--n 40] [--rounds 6] [--profile]`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bench.core import BARE_PING, READ_ONLY_TARGET_US, Case, cli
from bench.harness import Ctx, world


async def strategy_random(ctx: Ctx, n: int) -> Callable[[], Awaitable[Any]]:
    """/strategy random by a member."""
    _, channel, member = world(ctx.env)
    return lambda: member.slash(channel, "strategy random")


async def strategy_search(ctx: Ctx, n: int) -> Callable[[], Awaitable[Any]]:
    """/strategy search with two words that match several strategies."""
    _, channel, member = world(ctx.env)
    return lambda: member.slash(channel, "strategy search", words="documentation coworkers")


async def resources(ctx: Ctx, n: int) -> Callable[[], Awaitable[Any]]:
    """/resources with no topic: every shipped resource, rendered into one embed."""
    _, channel, member = world(ctx.env)
    return lambda: member.slash(channel, "resources")


CASES = [
    Case("/strategy random", strategy_random, BARE_PING, READ_ONLY_TARGET_US),
    Case("/strategy search", strategy_search, BARE_PING, READ_ONLY_TARGET_US),
    Case("/resources", resources, BARE_PING, READ_ONLY_TARGET_US),
]


if __name__ == "__main__":
    cli(CASES, "Read-only content commands (/strategy random, /strategy search, /resources) against a bare bot.")
