"""`make screenshots`: scripted demo scenarios, photographed by headless Chromium for the README.

    python -m bot.demo.screenshots docs/images

Each scenario opens a place in the demo's live preview, does what a member or moderator would do
in the page (press a button, type a slash command) and saves the channel as a PNG.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.demo.browser import ChromiumMissingError, chromium, run_slash
from bot.demo.session import DemoSession, start_session, temporary_folder

VIEWPORT = {"width": 1100, "height": 900}
# Short scenarios get a shorter window, so the pictures are not mostly empty.
HEIGHTS = {"vent": 520, "checkin": 420, "reflection": 480}
Scenario = Callable[[DemoSession, Any], Awaitable[None]]


async def show(session: DemoSession, page: Any, place: str, viewer: str | None = None) -> None:
    """Open a place in the page, viewing it as `viewer` (a member's name) when given."""
    await page.goto(await session.open(session.find(place), viewer))
    await page.locator(".channel-message").first.wait_for()


async def slash(page: Any, command: str) -> None:
    """Run a slash command in the page and wait for the bot's answer to appear at the bottom."""
    before = await page.locator(".channel-message").count()
    await run_slash(page, command)
    await page.locator(".channel-message").nth(before).wait_for()


async def vent(session: DemoSession, page: Any) -> None:
    """The seeded anonymous vent and its anonymous reply, as the moderator sees them: no names."""
    await show(session, page, "#vent", viewer="robin (moderator)")


async def checkin(session: DemoSession, page: Any) -> None:
    """A check-in in a peer's DMs, with its buttons."""
    await show(session, page, "DMs of alex")


async def reflection(session: DemoSession, page: Any) -> None:
    """The scheduled co-reflection prompt, with its thread where two peers answered."""
    await show(session, page, "#co-reflection")


async def config_show(session: DemoSession, page: Any) -> None:
    """A moderator's /config show."""
    await show(session, page, "#general", viewer="robin (moderator)")
    await slash(page, "config show")


async def privacy_show(session: DemoSession, page: Any) -> None:
    """A member's /privacy show."""
    await show(session, page, "#general", viewer="alex (peer)")
    await slash(page, "privacy show")


SCENARIOS: dict[str, Scenario] = {
    "vent": vent,
    "checkin": checkin,
    "reflection": reflection,
    "config-show": config_show,
    "privacy-show": privacy_show,
}


async def take(folder: Path, names: list[str] | None = None) -> list[Path]:
    """Run each scenario in a fresh demo and save `<name>.png` in `folder`; return the files written."""
    written = []
    async with chromium() as browser:
        for name in names or list(SCENARIOS):
            with temporary_folder() as scratch:
                session = await start_session(scratch)
                try:
                    page = await browser.new_page(viewport={**VIEWPORT, "height": HEIGHTS.get(name, 900)})
                    await SCENARIOS[name](session, page)
                    await page.locator(".channel-message").last.scroll_into_view_if_needed()
                    # Let fonts and layout settle before the picture.
                    await page.wait_for_timeout(300)
                    path = folder / f"{name}.png"
                    await page.locator("#channel-layout").screenshot(path=str(path))
                    written.append(path)
                    await page.close()
                finally:
                    await session.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Write every screenshot into the folder given (docs/images by default)."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0] if args else "docs/images")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        written = asyncio.run(take(folder))
    except ChromiumMissingError as error:
        print(f"peer-circle: {error}", file=sys.stderr)  # noqa: T201 - a command-line tool's one line
        return 2
    for path in written:
        print(f"wrote {path}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
