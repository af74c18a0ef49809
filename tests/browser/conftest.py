"""Browser tests drive Debian's chromium with Playwright. Without chromium they fail, saying how to
install it: a missing browser must never turn into a silently skipped test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.demo.browser import ChromiumMissingError, chromium, chromium_path
from bot.demo.session import DemoSession, start_session


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """A headless chromium for one test."""
    try:
        chromium_path()
    except ChromiumMissingError as error:
        pytest.fail(str(error), pytrace=False)
    async with chromium() as launched:
        yield launched


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[DemoSession]:
    """The demo, its database in the test's own folder."""
    session = await start_session(tmp_path)
    yield session
    await session.close()
