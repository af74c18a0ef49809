"""One demo session: a temporary database, throwaway keys, the real bot in SimCord, and its live preview.

SimCord's preview shows one channel at a time on 127.0.0.1, behind a secret token in the URL. The
session reopens it on the place the person picks (a channel, a post's thread, their DMs) on the same
port, and moves virtual time so scheduled check-ins, reminders and prompts fire while they watch.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import discord
from simcord import ChannelHandle, Env, MemberActor, UserHandle
from simcord.preview import Preview

from bot.app import PeerCircleBot, Services
from bot.demo.world import HOUR, DemoWorld, advance, build_world, seed, until_next
from bot.testing import SimcordClock, make_bot, make_services

# What "advance time" offers, by the key typed in the terminal.
TIME_STEPS = {"h": "+1 hour", "n": "next 09:00", "d": "+1 day"}


@dataclass(frozen=True)
class Place:
    """Somewhere the preview can show: a channel or thread with the members who may view it, or a DM."""

    label: str
    channel: ChannelHandle
    viewers: tuple[MemberActor | UserHandle, ...]


class DemoSession:
    """The simulated server and the one preview page open on it."""

    def __init__(self, services: Services, bot: PeerCircleBot, env: Env) -> None:
        self.services = services
        self.bot = bot
        self.env = env
        self._world: DemoWorld | None = None
        self.preview: Preview | None = None
        self.place: Place | None = None
        self._port = 0

    @property
    def world(self) -> DemoWorld:
        """The simulated server (built once the bot is running)."""
        if self._world is None:
            raise RuntimeError("the demo server is built when the session starts")
        return self._world

    def places(self) -> list[Place]:
        """Every place worth opening now, in the order the menu lists them."""
        w = self.world
        members = tuple(w.viewers)
        found = [Place("#general", w.general, members)]
        found += [Place(f"#vent: {t.name}", t, members) for t in w.vent.threads]
        found.append(Place("#co-reflection", w.reflection, members))
        # A daily prompt opens a thread with the same name each day: tell them apart by date.
        found += [
            Place(f"#co-reflection: {t.name} ({discord.utils.snowflake_time(t.id):%a %d %b})", t, members)
            for t in w.reflection.threads
        ]
        found.append(Place("#circles", w.circles, members))
        found += [Place(f"#circles: {t.name}", t, members) for t in w.circles.threads]
        found.append(Place("#resources", w.resources, members))
        for member in members:
            dm = member.user.dm_channel
            if dm is not None:
                found.append(Place(f"DMs of {member.user.name}", dm, (member.user,)))
        return found

    def find(self, prefix: str) -> Place:
        """The first place whose label starts with `prefix` (for scripts and tests)."""
        found = [p for p in self.places() if p.label.startswith(prefix)]
        if not found:
            raise LookupError(f"no place starts with {prefix!r}")
        return found[0]

    async def open(self, place: Place, viewer: str | None = None) -> str:
        """Show `place` in the preview (closing the page on the previous one) and return its URL.

        The page opens as the first of the place's viewers, or as the one named `viewer`.
        """
        await self.close_preview()
        viewers = place.viewers
        if viewer is not None:
            chosen = [v for v in viewers if v.name == viewer]
            if not chosen:
                raise LookupError(f"{viewer!r} cannot view {place.label}")
            viewers = (chosen[0], *(v for v in viewers if v is not chosen[0]))
        preview = self.env.preview(place.channel, viewers=viewers, layout="channel", port=self._port)
        await preview.__aenter__()
        self.preview, self.place = preview, place
        # Keep the port, so a browser tab only needs the new token in the address.
        self._port = urlsplit(preview.url).port or 0
        return preview.url

    async def close_preview(self) -> None:
        """End the current preview page, if any."""
        if self.preview is not None:
            await self.preview.close()
            self.preview = None

    async def advance(self, step: str) -> str:
        """Move virtual time by one of TIME_STEPS' keys; return the new simulated time, as shown."""
        if step == "h":
            await advance(self.env, HOUR)
        elif step == "n":
            await advance(self.env, until_next(self.env.now(), 9))
        elif step == "d":
            await advance(self.env, 24 * HOUR)
        else:
            raise ValueError(step)
        if self.preview is not None:
            await self.preview.refresh()
        return self.env.now().strftime("%a %d %b %Y %H:%M UTC")

    async def close(self) -> None:
        """Close the preview, stop the bot, close the database (or aiosqlite's thread keeps the process alive)."""
        try:
            await self.close_preview()
            await self.env.shutdown()
        finally:
            await self.services.db.close()


@contextlib.contextmanager
def temporary_folder() -> Iterator[Path]:
    """A private folder for the demo's database, removed afterwards: the real DATABASE_PATH is never touched."""
    with tempfile.TemporaryDirectory(prefix="peer-circle-demo-") as name:
        yield Path(name)


async def start_session(folder: Path) -> DemoSession:
    """Start the bot over a fresh database in `folder` with throwaway keys, build the server and seed it."""
    services = await make_services(clock=SimcordClock(), db_path=str(folder / "demo.db"))
    bot = make_bot(services)
    env = Env(bot, check_errors=False)
    session = DemoSession(services, bot, env)
    try:
        await env.start()
        # The name members would see in a real server, rather than the simulator's placeholder.
        if bot.user is not None:
            await bot.user.edit(username="Peer Circle")
        session._world = build_world(env)
        await seed(session._world)
    except BaseException:
        await session.close()
        raise
    return session
