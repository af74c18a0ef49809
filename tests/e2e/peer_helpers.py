"""Shared pieces for the /welcome, /connect, /battle and /events end-to-end tests."""

from __future__ import annotations

import pytest

from tests.e2e.checkin_helpers import advance, dms, file_bytes, rows_with
from tests.e2e.world import World, make_world

__all__ = ["DAY", "HOUR", "advance", "dms", "file_bytes", "rows_with", "world"]

HOUR = 3600
DAY = 24 * HOUR


@pytest.fixture
def world(simcord_env) -> World:
    """The standard small server."""
    return make_world(simcord_env)
