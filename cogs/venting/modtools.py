"""/moderation: pause or slow any thread for a while, and the note on responding by connecting.

Thread tools work on any thread in the server (vent threads, circle threads, others) without knowing
which feature made it. Each change posts a visible line in the thread saying a moderator paused or
slowed it and for how long; a timed change is undone at its end by a one-off schedule
(cogs/venting/thread_pauses.py). Every action goes in the moderation log: who acted and what.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.errors import UserFacingError
from bot.interactions import OwnerView, missing_permissions, report_error, require_moderator, send_ephemeral
from bot.privacy import DataStatement, StoresNothing
from bot.scheduling.scheduler import Firing
from bot.services.help_tips import Tip, register_tip
from cogs.venting.author_notes import AuthorNotes
from cogs.venting.guidance import Guidance
from cogs.venting.repository import VentingRepository
from cogs.venting.thread_pauses import (
    RESTORE_GRACE,
    RESTORE_KIND,
    SLOW_CHOICES,
    PauseLength,
    ThreadPauses,
    ThreadState,
    slow_words,
)

log = logging.getLogger(__name__)
# Not behind venting's switch: thread tools and the note work in any thread, whatever is switched on.
register_tip(
    Tip("moderator", 32, None, "moderation thread", "pause or slow a heated thread for a while, with a line saying so")
)
register_tip(
    Tip("moderator", 33, None, "moderation guide", "a short note on responding to someone struggling by connecting")
)
Interaction = discord.Interaction[PeerCircleBot]
NO_MENTIONS = discord.AllowedMentions.none()
THREAD_PERMS = ("view_channel", "send_messages_in_threads", "manage_threads")
LENGTH_CHOICES = [
    app_commands.Choice(name="15 minutes", value="15m"),
    app_commands.Choice(name="an hour", value="1h"),
    app_commands.Choice(name="6 hours", value="6h"),
    app_commands.Choice(name="a day", value="1d"),
    app_commands.Choice(name="until a moderator changes it back", value="open"),
]


class ModeratorTools(StoresNothing, commands.Cog):
    """Thread pauses and slow mode, and the connection-first note."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement.nothing(
        "Moderator tools",
        "Nothing about members. When a moderator pauses or slows a thread, the moderation log of anonymous "
        "venting records who did it (see Anonymous venting).",
    )

    group = app_commands.Group(
        name="moderation",
        description="Moderators: pause or slow a thread, and a note on responding by connecting",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: PeerCircleBot) -> None:
        self.bot = bot
        self.records = AuthorNotes.build(bot.services)
        self.pauses = ThreadPauses(
            bot.services.scheduler, bot.services.clock, VentingRepository(bot.services.db, bot.services.changes)
        )
        self.guidance = Guidance(bot.services.library)

    async def cog_load(self) -> None:
        """Register the end-of-pause schedule kind and this cog (the venting menu reaches it by type)."""
        self.bot.features.add(self)
        self.bot.services.scheduler.register(RESTORE_KIND, self.restore, grace=RESTORE_GRACE)

    async def cog_unload(self) -> None:
        """Undo cog_load; pending restores stay stored for the next load."""
        self.bot.services.scheduler.unregister(RESTORE_KIND)
        self.bot.features.remove(ModeratorTools)

    # -- threads ---------------------------------------------------------------------------------
    async def _thread(self, interaction: Interaction, thread: discord.Thread | None) -> discord.Thread:
        """The thread to act on (the one the command is used in when none is named), with my permissions."""
        target = thread if thread is not None else interaction.channel
        if not isinstance(target, discord.Thread):
            raise UserFacingError("Use this inside the thread, or choose the thread in the command. Nothing changed.")
        missing = missing_permissions(target, THREAD_PERMS)
        if missing:
            raise UserFacingError(
                f"I can't change {target.mention}: I'm missing {', '.join(missing)} there. Grant that in the "
                "channel's permissions, then try again. Nothing was changed."
            )
        return target

    async def change_thread(
        self, interaction: Interaction, thread: discord.Thread, action: str, length: PauseLength, slow: int = 0
    ) -> None:
        """Pause (lock), slow or open a thread; post the visible line; schedule the end; log it."""
        assert interaction.guild_id is not None
        await require_moderator(interaction)
        now = ThreadState(thread.locked, thread.slowmode_delay)
        if action == "open":
            original = await self.pauses.cancel(interaction.guild_id, thread.id) or ThreadState(False, 0)
            await self._edit(thread, locked=original.locked, slowmode_delay=original.slowmode)
            line = "A moderator opened this thread again."
            done = "opened again"
        else:
            original = await self.pauses.original(interaction.guild_id, thread.id, now)
            if action == "pause":
                await self._edit(thread, locked=True)
                line, done = f"A moderator paused this thread {length.words}.", f"paused {length.words}"
            else:
                await self._edit(thread, slowmode_delay=slow)
                every = slow_words(slow)
                line = f"A moderator slowed this thread {length.words}: one message every {every} per person."
                done = f"slowed to one message every {every} per person, {length.words}"
            end = await self.pauses.schedule(interaction.guild_id, thread.id, original, length)
            if end is not None:
                line += f" It goes back to how it was <t:{end}:R>."
        message = await self._say(thread, line)
        what = "open thread" if action == "open" else f"{action} thread ({length.value})"
        await self.records.log(interaction.guild_id, interaction.user.id, what, thread.id, message)
        await send_ephemeral(interaction, f"Done: {thread.mention} is {done}. A line in the thread says so.")

    async def _edit(self, thread: discord.Thread, **changes: Any) -> None:
        try:
            await thread.edit(**changes)
        except discord.Forbidden:
            raise UserFacingError(
                f"Discord didn't let me change {thread.mention}: I need Manage Threads there. Nothing was changed."
            ) from None
        except discord.HTTPException:
            raise UserFacingError(
                f"Discord didn't let me change {thread.mention} just now. Nothing was changed; please try again."
            ) from None

    async def _say(self, thread: discord.Thread, line: str) -> int:
        """Post the visible line; return its message id (0 if Discord refused: the change itself stands)."""
        try:
            return (await thread.send(line, allowed_mentions=NO_MENTIONS)).id
        except discord.HTTPException as error:
            log.warning("could not post a moderation line in a thread (HTTP %s)", error.status)
            return 0

    async def restore(self, firing: Firing) -> None:
        """A timed pause or slow mode ended: put the thread back as it was, and say so in it."""
        state = ThreadState.from_target(firing.row.target)
        thread_id = int(firing.row.target.get("thread_id", 0))
        await self.pauses.done(firing.row.id)
        if await self.pauses.closed_since(thread_id):
            return  # housekeeping closed it meanwhile: leave it closed, as the server's setting asks
        guild = self.bot.get_guild(firing.row.guild_id)
        thread = guild.get_thread(thread_id) if guild is not None else None
        if thread is None and guild is not None:
            try:
                fetched = await guild.fetch_channel(thread_id)
            except discord.HTTPException:
                return  # the thread is gone: nothing to restore
            thread = fetched if isinstance(fetched, discord.Thread) else None
        if thread is None:
            return
        try:
            await thread.edit(locked=state.locked, slowmode_delay=state.slowmode, archived=False)
        except discord.HTTPException as error:
            log.warning("could not restore a paused thread (HTTP %s)", error.status)
            return
        await self._say(thread, "The moderator's pause has ended: this thread is back to how it was.")

    @group.command(name="thread")
    @app_commands.describe(
        action="Pause (no new messages), slow down, or open again",
        length="For how long (ignored when opening again)",
        slow_mode="With 'slow down': how often each person can post",
        thread="The thread (leave empty to use the one you are in)",
    )
    @app_commands.choices(
        action=[
            app_commands.Choice(name="pause it", value="pause"),
            app_commands.Choice(name="slow it down", value="slow"),
            app_commands.Choice(name="open it again", value="open"),
        ],
        length=LENGTH_CHOICES,
    )
    @app_commands.choices(
        slow_mode=[app_commands.Choice(name=f"one message every {text}", value=v) for text, v in SLOW_CHOICES]
    )
    async def thread_command(
        self,
        interaction: Interaction,
        action: str,
        length: str = "1h",
        slow_mode: int = 60,
        thread: discord.Thread | None = None,
    ) -> None:
        """Pause or slow a thread for a while, with a visible line in it; or open it again."""
        target = await self._thread(interaction, thread)
        await self.change_thread(interaction, target, action, PauseLength(length), slow_mode)

    async def open_thread_tools(self, interaction: Interaction, thread_id: int) -> None:
        """From the anonymous-message menu: the same thread tools, for the message's thread."""
        await require_moderator(interaction)
        assert interaction.guild is not None
        found = interaction.guild.get_thread(thread_id)
        if found is None:
            raise UserFacingError("That thread is archived or gone; open it first, or use /moderation thread in it.")
        target = await self._thread(interaction, found)
        await send_ephemeral(
            interaction,
            f"What should happen in {target.mention}? Members see a line saying a moderator did it, never why.",
            view=ThreadToolsView(self, interaction.user.id, target),
        )

    # -- the connection-first note ------------------------------------------------------------------
    async def show_guide(self, interaction: Interaction) -> None:
        """Show this server's note (used by the command and the anonymous-message menu)."""
        assert interaction.guild_id is not None
        await require_moderator(interaction)
        text, own = await self.guidance.text(interaction.guild_id)
        whose = "This server's own words." if own else "The built-in note; /moderation guide-edit puts yours here."
        await send_ephemeral(interaction, f"{text}\n\n-# {whose}")

    @group.command(name="guide")
    async def guide(self, interaction: Interaction) -> None:
        """A short note on responding to someone in distress by connecting, never by reporting."""
        await self.show_guide(interaction)

    @group.command(name="guide-edit")
    @app_commands.describe(text="This server's words (leave empty to go back to the built-in note)")
    async def guide_edit(self, interaction: Interaction, text: app_commands.Range[str, 1, 1800] | None = None) -> None:
        """Put this server's own words in the connection-first note, or go back to the built-in one."""
        assert interaction.guild_id is not None
        await require_moderator(interaction)
        own = await self.guidance.set_text(interaction.guild_id, text)
        said = "now in this server's words" if own else "back to the built-in note"
        await send_ephemeral(interaction, f"Saved: the note is {said}. /moderation guide shows it.")


class ThreadToolsView(OwnerView):
    """Pause, slow or open one thread; opened from the anonymous-message menu."""

    def __init__(self, tools: ModeratorTools, moderator_id: int, thread: discord.Thread) -> None:
        super().__init__(moderator_id, timeout=300)
        self.tools = tools
        self.thread = thread
        self.add_item(_LengthSelect("pause", "Pause it (no new messages)…"))
        self.add_item(_LengthSelect("slow", "Slow it to one message a minute per person…"))

    @discord.ui.button(label="Open it again", style=discord.ButtonStyle.secondary)
    async def reopen(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        """Undo a pause or slow mode now."""
        try:
            await self.tools.change_thread(interaction, self.thread, "open", PauseLength.OPEN)
        except Exception as error:
            await report_error(interaction, error)


class _LengthSelect(discord.ui.Select[Any]):
    def __init__(self, action: str, placeholder: str) -> None:
        options = [discord.SelectOption(label=c.name, value=str(c.value)) for c in LENGTH_CHOICES]
        super().__init__(placeholder=placeholder, options=options, custom_id=f"thread-tools:{action}")
        self.action = action

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Pause or slow the thread for the chosen time."""
        view = self.view
        assert isinstance(view, ThreadToolsView)
        try:
            await view.tools.change_thread(interaction, view.thread, self.action, PauseLength(self.values[0]), 60)
        except Exception as error:
            await report_error(interaction, error)
