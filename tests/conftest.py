"""Shared fixtures: a migrated in-memory database, a fake clock, and the real bot for SimCord."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from simcord import Env

from bot.app import PeerCircleBot, Services
from bot.clock import FakeClock
from bot.db import Database
from bot.interactions import friendly_message
from bot.testing import SimcordClock, make_bot, make_services


@pytest.fixture
def clock() -> FakeClock:
    """A clock that only moves when the test moves it."""
    return FakeClock()


@pytest.fixture
async def services(clock: FakeClock) -> AsyncIterator[Services]:
    """Services over a fresh, migrated in-memory database."""
    svc = await make_services(clock=clock)
    yield svc
    await svc.db.close()


@pytest.fixture
def db(services: Services) -> Database:
    """The migrated database behind `services`."""
    return services.db


@pytest.fixture
async def sim_services() -> AsyncIterator[Services]:
    """Services for end-to-end tests, on SimCord's virtual clock."""
    svc = await make_services(clock=SimcordClock())
    yield svc
    await svc.db.close()


@pytest.fixture
def simcord_bot(sim_services: Services) -> PeerCircleBot:
    """The unmodified bot that SimCord's `simcord_env` fixture runs."""
    return make_bot(sim_services)


@pytest.fixture
async def simcord_env(simcord_bot: PeerCircleBot, request: pytest.FixtureRequest) -> AsyncIterator[Env]:
    """SimCord's environment, failing the test on unexpected bot errors only.

    SimCord records every error the command tree sees, including the expected ones our handler
    turns into a friendly message (a bad time zone, a refused member). Those are behaviour under
    test; anything our handler would log as unexpected still fails the test at teardown.
    """
    marker = request.node.get_closest_marker("simcord")
    options = {"check_errors": False, **(marker.kwargs if marker else {})}
    env = Env(simcord_bot, **options)
    await env.start()
    try:
        yield env
    finally:
        await env.shutdown()
        # A test that provokes an error on purpose names it: @pytest.mark.provokes(error=SomeError).
        provoked = tuple(m.kwargs["error"] for m in request.node.iter_markers("provokes"))
        unexpected = [
            e for e in env.errors if friendly_message(e) is None and not isinstance(getattr(e, "original", e), provoked)
        ]
        if unexpected:
            raise ExceptionGroup("the bot raised unexpected errors", unexpected)
