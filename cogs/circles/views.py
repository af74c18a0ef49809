"""The circle's buttons and form: "Tell me when this circle meets" (a role toggle) and the edit form.

The button keeps working after a restart: the circle's number is in its custom_id. Pressing it gives
or takes away the circle's role; the bot keeps no list of who pressed it.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import UserFacingError
from bot.interactions import BaseModal, feature, report_error, require_feature, send_ephemeral
from bot.ui import pieces
from cogs.circles.repository import Circle
from cogs.circles.service import FEATURE, CircleService

JOIN_TEMPLATE = r"circle:v1:join:(?P<circle>[0-9]{1,20})"
JOIN_LABEL = "Tell me when this circle meets"


class JoinButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=JOIN_TEMPLATE):
    """Gives the presser the circle's role, or takes it away when they have it."""

    def __init__(self, circle_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=JOIN_LABEL, style=discord.ButtonStyle.secondary, custom_id=f"circle:v1:join:{circle_id}"
            )
        )
        self.circle_id = circle_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any
    ) -> JoinButton:
        """Rebuild the button from its custom_id."""
        return cls(int(match["circle"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Toggle the presser's own role; nobody else's."""
        try:
            await require_feature(interaction, FEATURE)
            await _toggle(interaction, await feature(interaction, CircleService).circle(self.circle_id))
        except Exception as error:
            await report_error(interaction, error)


async def _toggle(interaction: discord.Interaction[Any], circle: Circle) -> None:
    guild, member = interaction.guild, interaction.user
    if guild is None or not isinstance(member, discord.Member) or guild.id != circle.guild_id:
        raise UserFacingError("This button works only in the circle's own server.")
    role = guild.get_role(circle.role_id)
    if role is None:
        raise UserFacingError(
            f"The role for {circle.name} was deleted. A facilitator can end the circle and set it up again."
        )
    having = any(r.id == role.id for r in member.roles)
    try:
        if having:
            await member.remove_roles(role, reason="Left a co-reflection circle's mentions (their own choice)")
        else:
            await member.add_roles(role, reason="Asked to hear when a co-reflection circle meets")
    except discord.Forbidden:
        raise UserFacingError(
            f"I couldn't change your roles: I need Manage Roles, and my highest role must be above {role.name}. "
            "A moderator can fix that in Server Settings → Roles."
        ) from None
    if having:
        await send_ephemeral(
            interaction, f"Done: you won't be mentioned when {circle.name} meets. Press again any time."
        )
        return
    await send_ephemeral(
        interaction,
        f"You'll be mentioned when {circle.name} meets (you now have the role {role.name}). Press the same button "
        "to stop. The role shows on your profile, as Discord roles do; the bot keeps no list of who pressed it.",
    )


def join_view(circle_id: int) -> discord.ui.View:
    """The join button under a circle's announcement and meetings."""
    view = discord.ui.View(timeout=None)
    view.add_item(JoinButton(circle_id))
    return view


class EditModal(BaseModal, title="Edit circle"):
    """The coming prompts and the texts, opened at one version of the circle."""

    def __init__(self, circle: Circle, coming: tuple[str, ...], agreement: str) -> None:
        super().__init__(timeout=1800)
        self.circle_id, self.version = circle.id, circle.version
        self.prompts: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label="Coming prompts, one per line, in order",
            style=discord.TextStyle.paragraph,
            default="\n".join(coming)[:4000],
            max_length=4000,
            custom_id="circle-prompts",
        )
        self.agreement: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label="Opening agreement (empty: the default)",
            style=discord.TextStyle.paragraph,
            default=agreement[:1500],
            required=False,
            max_length=1500,
            custom_id="circle-agreement",
        )
        self.closing: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label="Closing round (empty: none)",
            style=discord.TextStyle.paragraph,
            default=(circle.closing or "")[:1500],
            required=False,
            max_length=1500,
            custom_id="circle-closing",
        )
        for item in (self.prompts, self.agreement, self.closing):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Save, unless someone changed the circle since this form was opened; then hand the text back."""
        service = feature(interaction, CircleService)
        try:
            circle = await service.edit(
                self.circle_id, self.version, self.prompts.value, self.agreement.value, self.closing.value
            )
        except UserFacingError as refusal:
            await send_ephemeral(interaction, str(refusal))
            typed = (
                f"Prompts:\n{self.prompts.value}\n\nAgreement:\n{self.agreement.value}\n\n"
                f"Closing:\n{self.closing.value}"
            )
            for piece in pieces(typed, 1900):
                await interaction.followup.send(f"```\n{piece}\n```", ephemeral=True)
            return
        await send_ephemeral(
            interaction,
            f"Saved. {circle.name} has {len(circle.prompts)} coming prompts; /circle preview shows the next meeting.",
        )
