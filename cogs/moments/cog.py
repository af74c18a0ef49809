"""/moment: a private, opt-in log of good moments, and an optional weekly look-back DM."""

from __future__ import annotations

from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.clock import to_timestamp
from bot.delivery.dm import OutgoingDM
from bot.delivery.notices import DM_CLOSED, NoticeSpec
from bot.errors import UserFacingError
from bot.interactions import BaseModal, OwnerView, require_feature, send_ephemeral
from bot.privacy import DataStatement
from bot.scheduling.recurrence import parse_time
from bot.scheduling.scheduler import Firing
from bot.ui import FullTextView, preview
from cogs.moments.service import (
    DEFAULT_MOMENT_KEEP,
    FEATURE,
    LOOKBACK_KIND,
    MOMENT_KEEP_CHOICES,
    MOMENT_MAX,
    MomentService,
)

Interaction = discord.Interaction[PeerCircleBot]

STATEMENT = (
    "**Your good-moments log** is a private place to note good exchanges with coworkers, so you can look "
    "back at them on harder days.\n"
    "- What I keep: the moments you write, encrypted, each for {days} days{capped}. The `keep` option of "
    "/moment add sets this (30, 90 or 365 days; 90 unless you choose), now or later for the moments that "
    "follow. You can delete any of them at once.\n"
    "- Who can see them: only you. Not moderators, not the server owner.\n"
    "- Nothing else: no counts, no reminders unless you turn on the weekly look-back.\n"
    "- A gentle reminder: leave out names and details of the people you support."
)
DM_CLOSED_NOTICE = (
    "I tried to send your weekly look-back, but your direct messages are closed, so I paused it rather "
    "than keep trying. /moment lookback on turns it back on once DMs are open."
)


KEEP_CHOICES: list[app_commands.Choice[int]] = [
    app_commands.Choice(name=f"Keep each moment {days} days", value=days) for days in MOMENT_KEEP_CHOICES
]


class MomentModal(BaseModal):
    """Write one good moment."""

    def __init__(self, service: MomentService, guild_id: int) -> None:
        super().__init__(title="A good moment")
        self.service, self.guild_id = service, guild_id
        self.text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="What happened (only you will see it)",
            custom_id="moment-text",
            style=discord.TextStyle.paragraph,
            placeholder="A kind word, a moment of being understood, a small win...",
            max_length=MOMENT_MAX,
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Keep it, encrypted."""
        expires = await self.service.add(self.guild_id, interaction.user.id, self.text.value)
        await send_ephemeral(
            interaction, f"Kept, encrypted, until {discord.utils.format_dt(expires, 'D')}. /moment list shows your log."
        )


class OptInView(OwnerView):
    """Turn the log on after reading the statement, then write the first moment."""

    def __init__(self, service: MomentService, guild_id: int, owner_id: int, keep_days: int) -> None:
        super().__init__(owner_id, timeout=600)
        self.service, self.guild_id, self.keep_days = service, guild_id, keep_days

    @discord.ui.button(label="Turn on and write one", style=discord.ButtonStyle.primary)
    async def turn_on(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        """Opt in (with the keeping period shown in the statement) and open the modal."""
        self.stop()
        await self.service.opt_in(self.guild_id, interaction.user.id, self.keep_days)
        await interaction.response.send_modal(MomentModal(self.service, self.guild_id))

    @discord.ui.button(label="Not now", style=discord.ButtonStyle.secondary)
    async def not_now(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        """Leave the log off."""
        self.stop()
        await interaction.response.edit_message(content="Okay. Nothing was stored.", view=None)


@app_commands.guild_only()
class Moments(commands.GroupCog, group_name="moment", group_description="Your private log of good moments"):
    """The good-moments log; nobody but the member can see or change it."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement(
        feature="Good moments",
        what="Only if you turn the log on: the moments you write (encrypted) and whether the weekly look-back is "
        "on; for each look-back I send, the message's id, so I can delete it when a moment it quotes goes.",
        why="So you can look back at good exchanges on hard days.",
        who_can_see="Nobody but you.",
        how_long="Each moment 30, 90 or 365 days, as you choose with /moment add keep (90 if you don't "
        "choose), but never longer than the server's retention period; or until you delete it. A look-back "
        "message goes (from your DMs too) when a moment it quotes is deleted, expires or is forgotten.",
        tables=("moment_settings", "moments", "schedules", "dm_notices", "quoting_dms"),
    )

    def __init__(self, bot: PeerCircleBot, service: MomentService) -> None:
        self.bot = bot
        self.service = service

    async def cog_load(self) -> None:
        """Make the service reachable and register the weekly look-back and its closed-DMs notice."""
        self.bot.features.add(self.service)
        self.bot.services.scheduler.register(LOOKBACK_KIND, self.fire, feature=FEATURE, dm=True)
        # The look-back is part of check-ins: its notice is told only while check-ins are on.
        self.bot.services.notices.register(
            NoticeSpec(LOOKBACK_KIND, FEATURE, {DM_CLOSED: DM_CLOSED_NOTICE}, on_told=self.service.notice_told)
        )

    async def cog_unload(self) -> None:
        """Undo cog_load."""
        self.bot.services.notices.unregister(LOOKBACK_KIND)
        self.bot.services.scheduler.unregister(LOOKBACK_KIND)
        self.bot.features.remove(MomentService)

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """The log is part of the check-ins feature."""
        return await require_feature(interaction, FEATURE)

    async def fire(self, firing: Firing) -> None:
        """Send a few of the member's moments, through the shared rate-limited queue."""
        picked = await self.service.lookback_for(firing.row)
        if not picked or firing.row.owner_id is None:
            return
        guild_id, user_id = firing.row.guild_id, firing.row.owner_id
        content = "A look back at some good moments you noted:\n" + "\n".join(f"> {m.text[:500]}" for m in picked)
        # Refused DMs pause the look-back; the member is told once, after their next command here.
        closed = self.bot.services.notices.closed(guild_id, user_id, LOOKBACK_KIND, self.service.pause_for_closed_dms)
        lateness = (self.bot.services.clock.now() - firing.due_at).total_seconds()
        quoted = [("moments", m.id, to_timestamp(m.expires_at)) for m in picked]

        async def sent(message: discord.Message) -> None:
            # The DM quotes these moments: it is deleted when any of them goes (bot.services.quoting).
            await self.bot.quoting.record(message.channel.id, message.id, guild_id, user_id, quoted)

        await self.bot.dm.submit(
            OutgoingDM(user_id, content[:2000], None, closed, lateness, on_sent=sent, receipt=firing.receipt)
        )

    @app_commands.command(name="add")
    @app_commands.describe(keep="How long to keep each moment from now on (90 days unless you choose)")
    @app_commands.choices(keep=KEEP_CHOICES)
    async def add(self, interaction: Interaction, keep: int | None = None) -> None:
        """Note a good moment (asks before turning the log on)."""
        assert interaction.guild_id is not None
        if await self.service.settings(interaction.guild_id, interaction.user.id) is None:
            days = keep or DEFAULT_MOMENT_KEEP
            retention = (await self.bot.services.guilds.get(interaction.guild_id)).retention_days
            capped = (
                f" (this server keeps nothing longer than {retention} days, so {retention})" if retention < days else ""
            )
            await send_ephemeral(
                interaction,
                STATEMENT.format(days=days, capped=capped),
                view=OptInView(self.service, interaction.guild_id, interaction.user.id, days),
            )
            return
        if keep is not None:
            await self.service.set_keep(interaction.guild_id, interaction.user.id, keep)
        await interaction.response.send_modal(MomentModal(self.service, interaction.guild_id))

    @app_commands.command(name="list")
    async def list_moments(self, interaction: Interaction) -> None:
        """Look back at your good moments (only you can see them)."""
        assert interaction.guild_id is not None
        entries = await self.service.entries(interaction.guild_id, interaction.user.id)
        if not entries:
            await send_ephemeral(interaction, "Your log has no moments here yet. /moment add notes one.")
            return
        shown = entries[:10]
        lines = [f"**#{e.id}** {discord.utils.format_dt(e.created_at, 'D')}: {preview(e.text)}" for e in shown]
        more = f"\n…and {len(entries) - 10} older." if len(entries) > 10 else ""
        view = FullTextView(interaction.user.id, [(f"Show #{e.id} in full", e.text) for e in shown])
        text = ("Your good moments, newest first:\n" + "\n".join(lines) + more)[:2000]
        await send_ephemeral(interaction, text, view=view)

    @app_commands.command(name="delete")
    @app_commands.describe(which="The number from /moment list, or 'all' (which also turns the log off)")
    async def delete(self, interaction: Interaction, which: app_commands.Range[str, 1, 20]) -> None:
        """Delete a moment, or all of them."""
        assert interaction.guild_id is not None
        removed = await self.service.delete(interaction.guild_id, interaction.user.id, which)
        # A look-back DM quoting a deleted moment is deleted too.
        await self.bot.quoting.withdraw_due()
        everything = which.strip().lower() == "all"
        text = f"Deleted {removed} moments and turned the log off." if everything else "Deleted."
        await send_ephemeral(interaction, text)

    @app_commands.command(name="lookback")
    @app_commands.describe(on="Weekly look-back DM on or off", time="When, for example 18:00 (default 18:00)")
    async def lookback(
        self, interaction: Interaction, on: bool, time: app_commands.Range[str, 1, 20] | None = None
    ) -> None:
        """Turn the weekly look-back DM on or off."""
        assert interaction.guild_id is not None
        try:
            at = parse_time(time) if time else (18, 0)
        except ValueError as error:
            raise UserFacingError(f"Time: {error}") from None
        day = await self.service.set_lookback(interaction.guild_id, interaction.user.id, on, at)
        text = f"Weekly look-back on: every {day} at {at[0]:02d}:{at[1]:02d}." if on else "Weekly look-back off."
        await send_ephemeral(interaction, text)

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """The member's log and moments, everywhere, and the look-back DMs that quote them."""
        exported = await self.service.export(user_id)
        return {**exported, "look-back messages": await self.bot.quoting.export(user_id, "moments")}

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Erase the member's log everywhere."""
        return await self.service.forget(user_id)


async def setup(bot: PeerCircleBot) -> None:
    """Build the moments service and add the cog."""
    await bot.add_cog(Moments(bot, MomentService.build(bot.services)))
