"""/strategy browse: pick a group from a select menu, then page through its cards."""

from __future__ import annotations

from typing import Any

import discord

from bot.content.role_word import RoleWord
from bot.interactions import OwnerView, feature
from cogs.strategies.render import card_embed
from cogs.strategies.service import Card, StrategyService


class GroupSelect(discord.ui.Select["BrowseView"]):
    """The challenge groups (content keeps them well under Discord's 25 options)."""

    def __init__(self, groups: list[tuple[str, str, str]]) -> None:
        options = [
            discord.SelectOption(label=name[:100], value=gid, description=desc[:100] or None)
            for gid, name, desc in groups[:25]
        ]
        super().__init__(placeholder="Choose a challenge", options=options, min_values=1, max_values=1)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Show the first card of the chosen group."""
        assert self.view is not None
        await self.view.show_group(interaction, self.values[0])


class BrowseView(OwnerView):
    """A group picker and previous/next buttons; only the member who asked can use it."""

    def __init__(self, owner_id: int, groups: list[tuple[str, str, str]], role_word: RoleWord) -> None:
        super().__init__(owner_id, timeout=600)
        self.role_word = role_word
        self.cards: list[Card] = []
        self.page = 0
        self.add_item(GroupSelect(groups))
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= len(self.cards) - 1

    def _embed(self) -> discord.Embed:
        return card_embed(self.cards[self.page], self.role_word, footer=f"Card {self.page + 1} of {len(self.cards)}")

    async def show_group(self, interaction: discord.Interaction[Any], group_id: str) -> None:
        """Switch to a group's first card."""
        self.cards = feature(interaction, StrategyService).cards(group_id)
        self.page = 0
        self._sync_buttons()
        await interaction.response.edit_message(content=None, embed=self._embed(), view=self)

    async def _turn(self, interaction: discord.Interaction[Any], step: int) -> None:
        if not self.cards:
            await interaction.response.send_message("Choose a challenge first.", ephemeral=True)
            return
        self.page = max(0, min(len(self.cards) - 1, self.page + step))
        self._sync_buttons()
        await interaction.response.edit_message(embed=self._embed(), view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, row=1)
    async def previous(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Show the card before this one."""
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary, row=1)
    async def next(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Show the card after this one."""
        await self._turn(interaction, 1)
