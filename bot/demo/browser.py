"""Debian's chromium, driven by Playwright, for `make screenshots` and the browser tests.

Playwright's own browser download is not used (it is not reachable everywhere this project runs):
Playwright launches the system's chromium through `executable_path`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

INSTALL_HINT = (
    "Chromium was not found. On Debian or Ubuntu install it with `sudo apt-get install -y chromium` "
    "(.ci/run does this in CI), or set PEER_CIRCLE_CHROMIUM to a Chromium or Chrome executable."
)
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class ChromiumMissingError(RuntimeError):
    """No Chromium to drive; the message says how to install it."""


def chromium_path() -> str:
    """The Chromium executable to launch, from PEER_CIRCLE_CHROMIUM or the PATH."""
    chosen = os.environ.get("PEER_CIRCLE_CHROMIUM", "").strip()
    if chosen:
        if not (os.path.isfile(chosen) and os.access(chosen, os.X_OK)):
            raise ChromiumMissingError(f"PEER_CIRCLE_CHROMIUM={chosen} is not an executable file. {INSTALL_HINT}")
        return chosen
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumMissingError(INSTALL_HINT)


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """A headless Chromium browser (Playwright's async API), closed afterwards."""
    executable = chromium_path()
    try:
        from playwright.async_api import async_playwright
    except ImportError as error:
        hint = "Playwright is missing: run `make test` once, or `pip install -e '.[dev]'`."
        raise ChromiumMissingError(hint) from error
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


async def run_slash(page: Any, command: str) -> None:
    """Type a slash command in the page's composer, as a person would, and send it."""
    composer = page.locator("#channel-composer-input")
    await composer.click()
    await composer.type(f"/{command}")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
