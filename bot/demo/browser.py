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
    # The page fetches its command list in the background, and a fresh snapshot can reset the
    # composer: pressing Tab before the command is suggested picks nothing and Enter then sends
    # plain text (a CI run failed that way). So wait until the command heads the suggestions (an
    # exact name sorts before every longer one that starts with it), typing again if it does not.
    for attempt in range(3):
        await composer.click()
        await composer.fill("")
        await composer.type(f"/{command}")
        if await _suggested_first(page, f"/{command}", timeout_ms=5_000 * (attempt + 1)):
            break
    else:
        raise TimeoutError(f"the composer never suggested /{command}")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")


async def _suggested_first(page: Any, invocation: str, timeout_ms: int) -> bool:
    """Whether the composer's first suggestion becomes `invocation` within the time given."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout  # lazily, as chromium() imports it

    try:
        await page.wait_for_function(
            "name => document.querySelector('.command-entry .command-entry-title strong')?.textContent === name",
            arg=invocation,
            timeout=timeout_ms,
        )
    except PlaywrightTimeout:
        return False
    return True
