"""Buttons and menus for /connect.

The Accept / Not this time buttons on a suggestion DM are DynamicItems holding only the suggestion's
number, so they keep working after a restart; who pressed is the interaction's user, checked
against the suggestion's members.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.interactions import OwnerView, feature, report_error
from cogs.connect.service import Choice, Options

if TYPE_CHECKING:
    from cogs.connect.cog import Connect

ANSWER_TEMPLATE = r"connect:v1:(?P<action>accept|decline):(?P<proposal>[0-9]{1,18})"


def _connect(interaction: discord.Interaction[Any]) -> Connect:
    """The connect cog, which does the Discord side of what these buttons start."""
    from cogs.connect.cog import Connect  # the cog imports this module; by now both are loaded

    return feature(interaction, Connect)


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANSWER_TEMPLATE):
    """'Accept' or 'Not this time' on a suggested match."""

    def __init__(self, action: str, proposal_id: int) -> None:
        label, style = ("Accept", discord.ButtonStyle.primary)
        if action == "decline":
            label, style = ("Not this time", discord.ButtonStyle.secondary)
        custom_id = f"connect:v1:{action}:{proposal_id}"
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))
        self.action, self.proposal_id = action, proposal_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any
    ) -> AnswerButton:
        """Rebuild the button from its custom_id."""
        return cls(match["action"], int(match["proposal"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Record the answer (the cog opens the thread when everyone has accepted)."""
        try:
            cog = _connect(interaction)
            if self.action == "accept":
                await cog.answer_accept(interaction, self.proposal_id)
            else:
                await cog.answer_decline(interaction, self.proposal_id)
        except Exception as error:
            await report_error(interaction, error)


def answer_view(proposal_id: int) -> discord.ui.View:
    """The buttons under a suggestion DM."""
    view = discord.ui.View(timeout=None)
    view.add_item(AnswerButton("accept", proposal_id))
    view.add_item(AnswerButton("decline", proposal_id))
    return view


class ChoiceSelect(discord.ui.Select[Any]):
    """One of the lists a member may choose from (nothing chosen is fine)."""

    def __init__(self, group: str, placeholder: str, items: tuple[tuple[str, str], ...], row: int) -> None:
        options = [discord.SelectOption(label=label, value=item_id) for item_id, label in items]
        super().__init__(
            placeholder=placeholder,
            min_values=0,
            max_values=len(options),
            options=options,
            custom_id=f"connect-{group}",
            row=row,
        )
        self.group = group

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Remember the choice in the view until Join is pressed."""
        await interaction.response.defer()


class JoinView(OwnerView):
    """Choose what to share, then join (or leave without anything being kept)."""

    def __init__(self, owner_id: int, options: Options, circle: bool, workplace: str | None) -> None:
        super().__init__(owner_id, timeout=900)
        self.circle, self.workplace = circle, workplace
        self.settings = ChoiceSelect("settings", "Kinds of setting you work in (optional)", options.settings, 0)
        self.interests = ChoiceSelect("interests", "What you'd like to talk about (optional)", options.interests, 1)
        self.availability = ChoiceSelect("availability", "When you're usually free (optional)", options.availability, 2)
        for select in (self.settings, self.interests, self.availability):
            self.add_item(select)

    def choice(self) -> Choice:
        """What the member chose so far."""
        return Choice(
            tuple(self.settings.values),
            tuple(self.interests.values),
            tuple(self.availability.values),
            self.circle,
            self.workplace,
        )

    @discord.ui.button(label="Join", style=discord.ButtonStyle.primary, row=3)
    async def join(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Store the entry and look for a match."""
        self.stop()
        await _connect(interaction).finish_join(interaction, self.choice())

    @discord.ui.button(label="Not now", style=discord.ButtonStyle.secondary, row=3)
    async def not_now(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Leave without joining."""
        self.stop()
        await interaction.response.edit_message(content="Okay. Nothing was stored.", view=None)
