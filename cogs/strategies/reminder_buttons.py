"""The buttons under a strategy-reminder DM: Another one, Save, Pause for a week, Stop.

Like the check-in buttons, they are DynamicItems: the custom id carries the server and the strategy
shown, so they keep working after a restart with nothing held in memory. Who pressed comes from the
interaction, never from the id, so a button only ever acts on the presser's own reminder and saved
strategies. Nothing is recorded about which button was pressed.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.interactions import feature, report_error, send_ephemeral
from cogs.strategies.reminders import PAUSE_DAYS, ReminderService
from cogs.strategies.render import short_card_text
from cogs.strategies.service import FEATURE, Card, StrategyService

ACTIONS = {"n": "Another one", "v": "Save", "p": "Pause for a week", "s": "Stop"}
STYLES = {
    "n": discord.ButtonStyle.primary,
    "v": discord.ButtonStyle.secondary,
    "p": discord.ButtonStyle.secondary,
    "s": discord.ButtonStyle.danger,
}
SAVED_HELP = "/strategy saved lists it and /strategy unsave removes it."
SAVED_HELP = "/strategy saved lists it and /strategy unsave removes it."
GONE = "You don't have a strategy reminder in that server any more, so nothing changed."
STOPPED = "Stopped. No more strategy reminders from that server; /strategy remind start sets one up again."
TEMPLATE = r"sr:(?P<action>[nvps]):(?P<guild>[0-9]{1,20}):(?P<strategy>[a-z0-9-]{1,60})"


def reminder_view(guild_id: int, strategy_id: str) -> discord.ui.View:
    """The four buttons under a reminder showing ``strategy_id``."""
    view = discord.ui.View(timeout=None)
    for action in ACTIONS:
        view.add_item(ReminderButton(action, guild_id, strategy_id))
    return view


class ReminderButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """One of Another one / Save / Pause for a week / Stop under a strategy reminder."""

    def __init__(self, action: str, guild_id: int, strategy_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=ACTIONS[action], style=STYLES[action], custom_id=f"sr:{action}:{guild_id}:{strategy_id}"
            )
        )
        self.action, self.guild_id, self.strategy_id = action, guild_id, strategy_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReminderButton:
        """Rebuild the button from its custom id (after a restart, too)."""
        return cls(match["action"], int(match["guild"]), match["strategy"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Route errors to the shared reporter; never log what anyone wrote."""
        try:
            await self._act(interaction)
        except Exception as error:
            await report_error(interaction, error)

    async def _act(self, interaction: discord.Interaction[Any]) -> None:
        strategies = feature(interaction, StrategyService)
        if not await strategies.guilds.is_enabled(self.guild_id, FEATURE):
            await send_ephemeral(interaction, "Strategies are turned off in that server, so nothing was done.")
            return
        reminders = feature(interaction, ReminderService)
        user_id = interaction.user.id
        if self.action == "n":
            await self._another(interaction, strategies, reminders)
            return
        if self.action == "v":
            added, days = await strategies.save(self.guild_id, user_id, self.strategy_id)
            first = "Saved." if added else "That one was already saved."
            await send_ephemeral(interaction, f"{first} It's kept for {days} days. {SAVED_HELP}")
            return
        if await reminders.mine(self.guild_id, user_id) is None:
            # Stopped or forgotten since: say so, and create nothing.
            await send_ephemeral(
                interaction, "You don't have a strategy reminder in that server any more, so nothing changed."
            )
            return
        if self.action == "p":
            until = await reminders.pause_for(self.guild_id, user_id, PAUSE_DAYS)
            await send_ephemeral(
                interaction,
                f"Paused until {discord.utils.format_dt(until, 'D')}; it starts again by itself. "
                "/strategy remind resume starts it sooner.",
            )
            return
        await reminders.stop(self.guild_id, user_id)
        await send_ephemeral(
            interaction, "Stopped. No more strategy reminders; /strategy remind start sets one up again."
        )

    async def _another(
        self, interaction: discord.Interaction[Any], strategies: StrategyService, reminders: ReminderService
    ) -> None:
        """The reminder's next card (moving its turn on), or any card when there is no reminder."""
        row = await reminders.mine(self.guild_id, interaction.user.id)
        card: Card | None = None
        if row is not None:
            card = await strategies.reminder_card(
                self.guild_id, interaction.user.id, row.target.get("group"), int(row.target.get("turn", 0))
            )
            if card is not None:
                await reminders.advance(row)
        if card is None:
            card = strategies.random_card()
        role = (await strategies.guilds.get(self.guild_id)).role_words
        await send_ephemeral(interaction, short_card_text(card, role), view=reminder_view(self.guild_id, card.peer.id))
