"""Shared fixtures: a migrated in-memory database, a fake clock, and the real bot for SimCord."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import PeerCircleBot, Services
from bot.clock import FakeClock
from bot.db import Database
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
