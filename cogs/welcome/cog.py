"""/welcome: a newcomer's opt-in sequence of six short DMs over about two weeks, each with Stop."""

from __future__ import annotations

from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.delivery.dm import OutgoingDM
from bot.delivery.notices import DM_CLOSED, NoticeSpec
from bot.delivery.outbox import Receipt
from bot.interactions import OwnerView, feature, report_error, require_feature, require_moderator, send_ephemeral
from bot.privacy import DataStatement
from bot.scheduling.scheduler import Firing
from cogs.welcome.service import FEATURE, STEP_KIND, STEPS, TEXT_MAX, WelcomeService

Interaction = discord.Interaction[PeerCircleBot]

STATEMENT = (
    "**Welcome messages**\n"
    "If you like, I'll send you six short DMs over about two weeks: a few questions to think about, three "
    "strategy cards, a way to explain the role, what /support offers, and how to find a circle here.\n"
    "- Every message has a Stop button. Stopping is fine and nothing about it is recorded.\n"
    "- What I keep: that your messages are running. When they end, only the fact that they ended, for "
    "{days} days. Nothing about what you read or skipped.\n"
    "- Who can see it: only you."
)
DM_CLOSED_NOTICE = (
    "I tried to send you a welcome message, but your direct messages are closed, so I stopped them. "
    "/welcome start begins them again once DMs are open."
)
STOP_TEMPLATE = r"welcome:v1:stop:(?P<guild>[0-9]{1,20})"
STEP_CHOICES = [app_commands.Choice(name=s.label, value=s.id) for s in STEPS]


class StopButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=STOP_TEMPLATE):
    """Stop under every welcome message; keeps working after a restart (the server is in its custom_id)."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Stop", style=discord.ButtonStyle.secondary, custom_id=f"welcome:v1:stop:{guild_id}"
            )
        )
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any
    ) -> StopButton:
        """Rebuild the button from its custom_id."""
        return cls(int(match["guild"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """End the sequence for whoever pressed it (only their own)."""
        try:
            await feature(interaction, WelcomeService).end(self.guild_id, interaction.user.id)
            await send_ephemeral(interaction, "Stopped. No more welcome messages; nothing about this is recorded.")
        except Exception as error:
            await report_error(interaction, error)


def stop_view(guild_id: int) -> discord.ui.View:
    """The Stop button under a welcome message."""
    view = discord.ui.View(timeout=None)
    view.add_item(StopButton(guild_id))
    return view


class StartView(OwnerView):
    """Start after reading the statement, or leave without anything kept."""

    def __init__(self, cog: Welcome, owner_id: int) -> None:
        super().__init__(owner_id, timeout=600)
        self.cog = cog

    @discord.ui.button(label="Start", style=discord.ButtonStyle.primary)
    async def start(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        """Start the sequence and send the first message now."""
        self.stop()
        assert interaction.guild_id is not None
        await self.cog.start_for(interaction.guild_id, interaction.user.id)
        await interaction.response.edit_message(
            content="Started. The first message is in your DMs; the next comes in two days.", view=None
        )

    @discord.ui.button(label="Not now", style=discord.ButtonStyle.secondary)
    async def not_now(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        """Leave it off."""
        self.stop()
        await interaction.response.edit_message(content="Okay. Nothing was stored.", view=None)


@app_commands.guild_only()
class Welcome(commands.GroupCog, group_name="welcome", group_description="Welcome messages for newcomers"):
    """The newcomer sequence, and the moderators' wording of it."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement(
        feature="Welcome messages",
        what="Only if you start them: that your welcome messages are running; once they end, only that they ended.",
        why="So the next message goes out at the right time, and none after you stop.",
        who_can_see="Nobody but you.",
        how_long="While they run (about two weeks); the fact that they ended until the server's retention period.",
        tables=("welcome_runs",),
    )

    def __init__(self, bot: PeerCircleBot, service: WelcomeService) -> None:
        self.bot = bot
        self.service = service

    async def cog_load(self) -> None:
        """Make the service reachable; register the Stop button, the schedule kind and its notice."""
        self.bot.features.add(self.service)
        self.bot.add_dynamic_items(StopButton)
        self.bot.services.scheduler.register(STEP_KIND, self.fire, feature=FEATURE, dm=True)
        self.bot.services.notices.register(NoticeSpec(STEP_KIND, FEATURE, {DM_CLOSED: DM_CLOSED_NOTICE}))

    async def cog_unload(self) -> None:
        """Undo cog_load."""
        self.bot.services.notices.unregister(STEP_KIND)
        self.bot.services.scheduler.unregister(STEP_KIND)
        self.bot.remove_dynamic_items(StopButton)
        self.bot.features.remove(WelcomeService)

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Only while welcome messages are on in this server."""
        return await require_feature(interaction, FEATURE)

    async def _send(
        self, guild_id: int, user_id: int, text: str, lateness: float = 0.0, receipt: Receipt | None = None
    ) -> None:
        closed = self.bot.services.notices.closed(guild_id, user_id, STEP_KIND, self.service.stop_for_closed_dms)
        await self.bot.dm.submit(
            OutgoingDM(user_id, text[:2000], stop_view(guild_id), closed, lateness, receipt=receipt)
        )

    async def start_for(self, guild_id: int, user_id: int) -> None:
        """Start the sequence and send its first message at once."""
        await self.service.start(guild_id, user_id)
        text = await self.service.text_for(guild_id, STEPS[0])
        if text is not None:
            await self._send(guild_id, user_id, text)

    async def fire(self, firing: Firing) -> None:
        """Send the member's next welcome message through the shared DM queue."""
        due = await self.service.next_message(firing.row)
        if due is None or firing.row.owner_id is None:
            return
        lateness = (self.bot.services.clock.now() - firing.due_at).total_seconds()
        await self._send(firing.row.guild_id, firing.row.owner_id, due[0], lateness, firing.receipt)

    @app_commands.command(name="start")
    async def start(self, interaction: Interaction) -> None:
        """Get a few welcome messages by DM over two weeks (asks first)."""
        assert interaction.guild_id is not None
        if await self.service.running(interaction.guild_id, interaction.user.id):
            await send_ephemeral(interaction, "Your welcome messages are already on their way; each has a Stop button.")
            return
        days = (await self.bot.services.guilds.get(interaction.guild_id)).retention_days
        await send_ephemeral(interaction, STATEMENT.format(days=days), view=StartView(self, interaction.user.id))

    @app_commands.command(name="stop")
    async def stop(self, interaction: Interaction) -> None:
        """Stop your welcome messages."""
        assert interaction.guild_id is not None
        if not await self.service.running(interaction.guild_id, interaction.user.id):
            await send_ephemeral(interaction, "You have no welcome messages running here.")
            return
        await self.service.end(interaction.guild_id, interaction.user.id)
        await send_ephemeral(interaction, "Stopped. No more welcome messages.")

    @app_commands.command(name="edit")
    @app_commands.describe(
        message="Which welcome message",
        text="This server's wording (leave empty to go back to the built-in one)",
        leave_out="Leave this message out in this server",
    )
    @app_commands.choices(message=STEP_CHOICES)
    async def edit(
        self,
        interaction: Interaction,
        message: str,
        text: app_commands.Range[str, 1, TEXT_MAX] | None = None,
        leave_out: bool = False,
    ) -> None:
        """Moderators: reword a welcome message, or leave it out, in this server."""
        assert interaction.guild_id is not None
        await require_moderator(interaction)
        await self.service.set_wording(interaction.guild_id, message, text, leave_out)
        said = "left out" if leave_out else ("reworded" if text else "back to the built-in wording")
        await send_ephemeral(interaction, f"Saved: that message is {said} here. /welcome preview shows it.")

    @app_commands.command(name="preview")
    @app_commands.describe(message="Which welcome message")
    @app_commands.choices(message=STEP_CHOICES)
    async def preview(self, interaction: Interaction, message: str) -> None:
        """See a welcome message as this server sends it."""
        assert interaction.guild_id is not None
        step = next(s for s in STEPS if s.id == message)
        text = await self.service.text_for(interaction.guild_id, step)
        await send_ephemeral(interaction, text[:2000] if text else "This message is left out in this server.")

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """The member's welcome sequences."""
        return await self.service.export(user_id)

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Erase the member's welcome sequences."""
        return await self.service.forget(user_id)


async def setup(bot: PeerCircleBot) -> None:
    """Build the welcome service and add the cog."""
    await bot.add_cog(Welcome(bot, WelcomeService.build(bot.services)))
