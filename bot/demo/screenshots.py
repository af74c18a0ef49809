"""`make screenshots`: scripted demo scenarios, photographed by headless Chromium for the README.

    python -m bot.demo.screenshots docs/images            # every scenario
    python -m bot.demo.screenshots docs/images circle     # only the ones named

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
HEIGHTS = {
    "vent": 520,
    "checkin": 420,
    "reflection": 480,
    "welcome": 370,
    "connect": 340,
    "moderation": 730,
    # The announcement, the peer's own "you'll be mentioned", and the meeting with its agreement.
    "circle": 1000,
    # Every feature's switch, the channels and the roles: taller than the default window.
    "config-show": 1000,
}
# The moderation scenario: a post naming someone the author supports, and the moderator's reason.
REDACTED_TITLE = "Long shift"
REDACTED_WORDS = "Dana from Ward Four"
REDACTED_VENT = f"Rough shift. {REDACTED_WORDS} had a hard night and the team blamed me for it. I'm worn out."
REDACTED_REASON = "Please leave out names of the people you support. The rest of your post is up."
Scenario = Callable[[DemoSession, Any], Awaitable[None]]


async def show(session: DemoSession, page: Any, place: str, viewer: str | None = None, *, empty: bool = False) -> None:
    """Open a place in the page, viewing it as `viewer` (a member's name) when given.

    `empty`: the place shows nothing yet for this viewer (a newcomer's #general), so wait for the
    message list rather than its first message.
    """
    await page.goto(await session.open(session.find(place), viewer))
    if empty:
        await page.locator("#channel-message-list").wait_for(state="attached")
    else:
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


async def circle(session: DemoSession, page: Any) -> None:
    """A circle's announcement and its first meeting (agreement, prompt, mention button), as a peer sees them."""
    await show(session, page, "#circles", viewer="alex (peer)")


async def welcome(session: DemoSession, page: Any) -> None:
    """A newcomer starts /welcome in the page; the first DM, with its Stop button, in their DMs."""
    await show(session, page, "#general", viewer="sam (peer)", empty=True)
    await slash(page, "welcome start")
    await page.get_by_role("button", name="Start", exact=True).last.click()
    await page.locator("#channel-message-list").get_by_text("first message is in your DMs").wait_for()
    await show(session, page, "DMs of sam")


async def connect_join(session: DemoSession, page: Any) -> None:
    """The /connect opt-in form: what is kept, who sees it, and the choices, seen only by the member."""
    # Run by the member rather than typed in the page: the composer's option menu (circle, workplace)
    # would take the Enter that sends the command.
    w = session.world
    await w.peer.slash(w.general, "connect join")
    await show(session, page, "#general", viewer="alex (peer)")


async def connect(session: DemoSession, page: Any) -> None:
    """Two peers from different workplaces join /connect; the suggestion in one's DMs, naming nobody."""
    w = session.world
    for person, setting, workplace in ((w.peer, "inpatient", "Riverside"), (w.other_peer, "community", "Hilltop")):
        shown = await person.slash(w.general, "connect join", workplace=workplace)
        if shown.response is None:
            raise RuntimeError("the demo could not open /connect join")
        await person.select(shown.response.message, [setting], custom_id="connect-settings")
        await person.select(shown.response.message, ["working-alone"], custom_id="connect-interests")
        await person.click(shown.response.message, label="Join")
    await show(session, page, "DMs of sam")


async def moderation(session: DemoSession, page: Any) -> None:
    """A moderator hides a name in an anonymous post, with a reason only its author receives."""
    w = session.world
    shown = await w.other_peer.slash(w.general, "vent")
    await w.other_peer.submit_modal(shown, {"vent_title": REDACTED_TITLE, "vent_text": REDACTED_VENT})
    post = w.vent.threads[-1]
    menu = await w.moderator.context_menu(post, "Moderate anonymous message", post.history()[0])
    if menu.response is None:
        raise RuntimeError("the demo could not open the moderation menu")
    form = await w.moderator.click(menu.response, label="Hide some words…")
    await w.moderator.submit_modal(form, {"redact_words": REDACTED_WORDS, "redact_reason": REDACTED_REASON})
    await show(session, page, f"#vent: {REDACTED_TITLE}", viewer="robin (moderator)")


SCENARIOS: dict[str, Scenario] = {
    "vent": vent,
    "checkin": checkin,
    "reflection": reflection,
    "config-show": config_show,
    "privacy-show": privacy_show,
    "circle": circle,
    "welcome": welcome,
    "connect-join": connect_join,
    "connect": connect,
    "moderation": moderation,
}


def shrink(path: Path) -> None:
    """Store the picture with a 128-colour palette: the page's flat colours and text look the same, and
    the file is about a third of the size (the README's pictures live in the repository)."""
    from PIL import Image  # the demo's own dependency; imported here so the module loads without it

    with Image.open(path) as shot:
        palette = shot.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    palette.save(path, optimize=True)


async def take(folder: Path, names: list[str] | None = None) -> list[Path]:
    """Run each scenario in a fresh demo and save `<name>.png` in `folder`; return the files written."""
    async with chromium() as browser:
        return [await photograph(browser, name, folder) for name in names or list(SCENARIOS)]


async def photograph(browser: Any, name: str, folder: Path) -> Path:
    """Run one scenario in a fresh demo with an open browser; save and return `<folder>/<name>.png`."""
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
            shrink(path)
            await page.close()
            return path
        finally:
            await session.close()


def main(argv: list[str] | None = None) -> int:
    """Write the screenshots into the folder given (docs/images by default): all, or only those named after it."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0] if args else "docs/images")
    names = args[1:] or None
    unknown = sorted(set(names or ()) - set(SCENARIOS))
    if unknown:
        choices = ", ".join(SCENARIOS)
        print(f"peer-circle: no such scenario: {', '.join(unknown)}. Choose from: {choices}.", file=sys.stderr)  # noqa: T201
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    try:
        written = asyncio.run(take(folder, names))
    except ChromiumMissingError as error:
        print(f"peer-circle: {error}", file=sys.stderr)  # noqa: T201 - a command-line tool's one line
        return 2
    for path in written:
        print(f"wrote {path}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
