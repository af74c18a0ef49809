"""/battle: a private, one-step-at-a-time reflection on whether to take something on now.

Nothing is stored. At the end a member may send their notes to their own DMs (the bot keeps no copy).
"""

from __future__ import annotations

from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.delivery.dm import OutgoingDM
from bot.interactions import BaseModal, require_feature, send_ephemeral
from bot.privacy import DataStatement, StoresNothing
from bot.ui import StepsView
from cogs.battle.service import FEATURE, NOTE_MAX, Card, load_card, notes_text

Interaction = discord.Interaction[PeerCircleBot]


class NotesModal(BaseModal):
    """Optional notes per step, sent to the member's own DMs and not kept."""

    def __init__(self, bot: PeerCircleBot, card: Card) -> None:
        super().__init__(title="Notes to send to your DMs")
        self.bot, self.card = bot, card
        self.fields: list[discord.ui.TextInput[Any]] = []
        for number, (title, _) in enumerate(card.steps):
            field: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=title,
                custom_id=f"battle-{number}",
                style=discord.TextStyle.paragraph,
                required=False,
                max_length=NOTE_MAX,
            )
            self.fields.append(field)
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Send the notes as a DM to the member; nothing is stored."""
        text = notes_text(self.card, [f.value for f in self.fields])
        if text is None:
            await send_ephemeral(interaction, "Every field was empty, so nothing was sent.")
            return

        async def closed() -> None:
            return None  # nothing was kept, so there is nothing to pause

        await self.bot.dm.submit(OutgoingDM(interaction.user.id, text[:2000], None, closed))
        await send_ephemeral(interaction, "Sent to your DMs (if they're open). The bot keeps no copy.")


class WalkThrough(StepsView):
    """One question at a time; Back and Next edit the same private message."""

    def __init__(self, bot: PeerCircleBot, card: Card, owner_id: int) -> None:
        self.bot, self.card = bot, card
        super().__init__(owner_id, len(card.steps))

    def page(self) -> str:
        """The current question, or the closing note."""
        total = len(self.card.steps)
        if self.step < total:
            title, text = self.card.steps[self.step]
            return f"**{title}** ({self.step + 1} of {total})\n{text}"
        return (
            f"{self.card.closing}\n\nNothing from this walk-through was stored. If you'd like to keep your "
            "thoughts, I can send them to your DMs; leave out names and details of people you support."
        )

    @discord.ui.button(label="Send notes to my DMs", style=discord.ButtonStyle.secondary)
    async def keep(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        """Write notes and get them by DM (optional)."""
        await interaction.response.send_modal(NotesModal(self.bot, self.card))


@app_commands.guild_only()
class Battle(StoresNothing, commands.Cog):
    """The choose-your-battle walk-through."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement.nothing(
        "Choose-your-battle walk-through (/battle)",
        "Nothing is stored. Notes you choose to keep are sent to your own DMs; the bot keeps no copy.",
    )

    def __init__(self, bot: PeerCircleBot, card: Card) -> None:
        self.bot = bot
        self.card = card

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Part of the private check-in tools."""
        return await require_feature(interaction, FEATURE)

    @app_commands.command(name="battle")
    async def battle(self, interaction: Interaction) -> None:
        """Think through whether to take something on now (private; nothing is stored)."""
        view = WalkThrough(self.bot, self.card, interaction.user.id)
        await send_ephemeral(interaction, view.page(), view=view)


async def setup(bot: PeerCircleBot) -> None:
    """Add the walk-through."""
    await bot.add_cog(Battle(bot, load_card()))
