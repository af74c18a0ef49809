"""`make run` without a token, or `peer-circle demo`: the demo in the terminal and the browser.

It says loudly that nothing is connected to Discord, prints the preview's address (and opens it
where a desktop exists), then offers a small menu on the terminal: where to look, and how far to
move virtual time. Ctrl-C ends it cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import webbrowser
from collections.abc import Callable

from bot.demo.session import TIME_STEPS, DemoSession, Place, start_session, temporary_folder

BANNER = (
    "No DISCORD_TOKEN is set, so this is the offline demo: a simulated server with the real bot,\n"
    "running on this computer only. Nothing here talks to Discord, and the database is temporary.\n"
    "To run the real bot, put your token in .env (see the README) and start it again."
)


def say(text: str) -> None:
    """Print at once, so the address shows even when the output goes to a pipe or a log."""
    print(text, flush=True)  # noqa: T201 - the demo talks to the person in the terminal


def has_desktop() -> bool:
    """Whether a browser window can be opened here (not over SSH, in CI or in a container)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def menu(session: DemoSession) -> str:
    """The terminal menu: the places by number, then the time steps."""
    lines = ["", "Where to look (type a number or a letter, then Enter):"]
    current = session.place.label if session.place else ""
    for number, place in enumerate(session.places(), start=1):
        mark = "  <- open now" if place.label == current else ""
        lines.append(f"  {number:>2}  {place.label}{mark}")
    steps = "   ".join(f"{key}  {label}" for key, label in TIME_STEPS.items())
    lines.append(f"  Time: {steps}   (now {session.env.now():%a %d %b %H:%M} UTC)")
    lines.append("  q  quit (or Ctrl-C).  In the page, 'Viewing as' switches between peer, facilitator and moderator.")
    return "\n".join(lines)


async def handle(session: DemoSession, choice: str, show: Callable[[str], None], browse: bool) -> bool:
    """Act on one line typed in the terminal; False when the person asked to quit."""
    choice = choice.strip().lower()
    places = session.places()
    if choice in ("q", "quit", "exit"):
        return False
    if choice in TIME_STEPS:
        show(f"Virtual time is now {await session.advance(choice)}.")
        # Something may have appeared (a check-in DM, a prompt's thread); the menu lists it.
    elif choice.isdigit() and 1 <= int(choice) <= len(places):
        await open_place(session, places[int(choice) - 1], show, browse)
    elif choice:
        show(f"'{choice}' is not on the menu: type one of the numbers or letters shown.")
    show(menu(session))
    return True


async def open_place(session: DemoSession, place: Place, show: Callable[[str], None], browse: bool) -> None:
    """Open the preview on a place and say where it is."""
    url = await session.open(place)
    show(f"\nShowing {place.label}. Open this address in your browser (keep it to yourself: it works like a key):")
    show(f"  {url}")
    if browse:
        webbrowser.open(url)


async def run_demo(show: Callable[[str], None] = say, *, browse: bool | None = None) -> int:
    """Run the demo until Ctrl-C, SIGTERM or 'q'; always close the preview, the bot and the database."""
    browse = has_desktop() if browse is None else browse
    show(BANNER)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    lines: asyncio.Queue[str] = asyncio.Queue()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    with temporary_folder() as folder:
        show("Building the demo server...")
        session = await start_session(folder)
        try:
            await open_place(session, first_place(session), show, browse)
            interactive = sys.stdin.isatty()
            if interactive:
                loop.add_reader(sys.stdin.fileno(), lambda: lines.put_nowait(sys.stdin.readline()))
                show(menu(session))
            else:
                show("(No terminal attached: the menu is off. Stop the demo with Ctrl-C or SIGTERM.)")
            await serve(session, lines, stop, show, browse)
        finally:
            if sys.stdin.isatty():
                loop.remove_reader(sys.stdin.fileno())
            await session.close()
    show("Demo ended; its temporary database was deleted.")
    return 0


async def serve(
    session: DemoSession, lines: asyncio.Queue[str], stop: asyncio.Event, show: Callable[[str], None], browse: bool
) -> None:
    """Answer the terminal menu until asked to stop."""
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            reading = asyncio.ensure_future(lines.get())
            done, _ = await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if reading not in done:
                reading.cancel()
                break
            line = reading.result()
            if line == "" or not await handle(session, line, show, browse):
                break  # end of input, or 'q'
    finally:
        stopping.cancel()


def first_place(session: DemoSession) -> Place:
    """Open on the seeded anonymous vent: something to see and press straight away."""
    return next((p for p in session.places() if p.label.startswith("#vent")), session.places()[0])
