"""Shared Discord-side helpers: one error reporter, role checks, permission checks, base views.

Every command, button and modal routes unexpected errors through `report_error`, so members always
get an ephemeral reply and operators get one log line with a short error id, never what anyone wrote
and never who pressed what (that could unmask an anonymous author).
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import discord
from discord import app_commands

from bot.errors import UserFacingError, frame_trail

if TYPE_CHECKING:
    from bot.app import PeerCircleBot, Services
    from bot.services.guild_settings import FeatureSwitch

T = TypeVar("T")

log = logging.getLogger(__name__)

# Human names for the permissions the bot asks for, as Discord shows them in channel settings.
PERMISSION_LABELS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "send_messages_in_threads": "Send Messages in Threads",
    "create_public_threads": "Create Public Threads",
    "manage_threads": "Manage Threads",
    "manage_messages": "Manage Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
    "read_message_history": "Read Message History",
}


class FeatureDisabled(app_commands.CheckFailure):
    """The feature behind a command is turned off in this server."""

    def __init__(self, label: str) -> None:
        super().__init__(f"{label} is turned off in this server. A moderator can turn it on with /config feature.")


class NotPermitted(app_commands.CheckFailure):
    """The member lacks the role a command needs; the message says which."""


def services(interaction: discord.Interaction[Any]) -> Services:
    """The bot's core services, reached from any interaction."""
    client: PeerCircleBot = interaction.client
    return client.services


def feature(interaction: discord.Interaction[Any], kind: type[T]) -> T:
    """A loaded feature's service (or cog), found by its type so mypy checks every use."""
    client: PeerCircleBot = interaction.client
    return client.features.get(kind)


def friendly_message(error: BaseException) -> str | None:
    """The member-facing text for an expected error, or None when the error is unexpected."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        if isinstance(error, app_commands.TransformerError):
            return f"I couldn't understand '{str(error.value)[:50]}'. Please check that option and try again."
        error = error.original
    if isinstance(error, UserFacingError):
        return error.message
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works inside a server, not in direct messages."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Please wait {error.retry_after:.0f} seconds and try again."
    if isinstance(error, app_commands.BotMissingPermissions):
        names = ", ".join(PERMISSION_LABELS.get(p, p) for p in error.missing_permissions)
        return f"I'm missing a permission here: {names}. A moderator can grant it in the channel settings."
    if isinstance(error, app_commands.MissingPermissions):
        return "You need the Manage Server permission, or the moderator role, for this command."
    if isinstance(error, app_commands.CheckFailure) and str(error):
        return str(error)
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


async def send_ephemeral(interaction: discord.Interaction[Any], content: str, **kwargs: Any) -> None:
    """Reply privately, whether or not the interaction was already answered."""
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Turn any error into an ephemeral reply; log unexpected ones once with a short id."""
    message = friendly_message(error)
    if message is None:
        original = getattr(error, "original", error)
        error_id = secrets.token_hex(4)
        name = interaction.command.qualified_name if interaction.command else "component"
        # Only ids of the place, the error's type and where it was raised: never the member, and not
        # the exception's message or a full traceback, which can quote what someone typed.
        log.error(
            "error %s in %s (guild %s): %s at %s",
            error_id,
            name,
            interaction.guild_id,
            type(original).__name__,
            frame_trail(original),
        )
        message = f"Something went wrong on my side (error id `{error_id}`). Nothing was saved; please try again."
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("could not tell a member about an error (interaction expired)")


class PeerCircleTree(app_commands.CommandTree["PeerCircleBot"]):
    """The command tree, with the bot's one error handler."""

    async def on_error(
        self, interaction: discord.Interaction[PeerCircleBot], error: app_commands.AppCommandError
    ) -> None:
        """Route every command error to `report_error`."""
        await report_error(interaction, error)


class BaseView(discord.ui.View):
    """A view whose errors reach the member the same way command errors do."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        """Route errors to `report_error`."""
        await report_error(interaction, error)


class OwnerView(BaseView):
    """A short-lived view only the member it was shown to can use."""

    def __init__(self, owner_id: int, *, timeout: float = 180) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Refuse anyone but the owner, politely."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message("These buttons belong to someone else's message.", ephemeral=True)
        return False


class BaseModal(discord.ui.Modal):
    """A modal whose errors reach the member the same way command errors do."""

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception) -> None:  # type: ignore[override]
        """Route errors to `report_error`."""
        await report_error(interaction, error)


async def require_feature(interaction: discord.Interaction[Any], feature: FeatureSwitch) -> bool:
    """Refuse a command whose feature is off in this server (the check every feature cog uses)."""
    if interaction.guild_id is None:
        return True
    if not await services(interaction).guilds.is_enabled(interaction.guild_id, feature):
        raise FeatureDisabled(feature.label)
    return True


async def _has_configured_role(interaction: discord.Interaction[Any], setting: str) -> bool:
    """Whether the member has the role chosen for `setting` in /config (a deleted role matches nobody)."""
    if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
        return False
    role_id = (await services(interaction).guilds.get(interaction.guild_id)).get(setting)
    return role_id is not None and any(role.id == role_id for role in interaction.user.roles)


async def is_moderator(interaction: discord.Interaction[Any]) -> bool:
    """Manage Server in this channel, or the moderator role chosen in /config."""
    if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
        return False
    return interaction.permissions.manage_guild or await _has_configured_role(interaction, "moderator_role")


async def require_moderator(interaction: discord.Interaction[Any]) -> bool:
    """Checked on our side as well as through default_permissions, which server admins can change."""
    if not await is_moderator(interaction):
        raise NotPermitted(
            "Only moderators can do this: members with Manage Server, or the moderator role set in /config."
        )
    return True


async def is_facilitator(interaction: discord.Interaction[Any]) -> bool:
    """The facilitator role chosen in /config, or a moderator."""
    return await is_moderator(interaction) or await _has_configured_role(interaction, "facilitator_role")


async def require_facilitator(interaction: discord.Interaction[Any]) -> bool:
    """Refuse members who are neither facilitators nor moderators."""
    if not await is_facilitator(interaction):
        raise NotPermitted(
            "Only facilitators and moderators can do this. Moderators choose the facilitator role in /config."
        )
    return True


class ModeratorFeatureGate:
    """For moderator-only cogs of a feature: refuse non-moderators and refuse while the feature is off.

    A cog sets `GATE_FEATURE`; moderators are re-checked on our side (server admins can open any
    command to everyone), then the feature switch applies, as for members.
    """

    GATE_FEATURE: ClassVar[FeatureSwitch]

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Moderators only, and only while the feature is on."""
        return await require_moderator(interaction) and await require_feature(interaction, self.GATE_FEATURE)


def missing_permissions(channel: Any, needed: tuple[str, ...]) -> list[str]:
    """The labels of the permissions the bot lacks in a channel (empty when it has them all)."""
    guild = getattr(channel, "guild", None)
    me = guild.me if guild is not None else None
    if me is None:
        return [PERMISSION_LABELS[p] for p in needed]
    perms = channel.permissions_for(me)
    return [PERMISSION_LABELS.get(p, p) for p in needed if not getattr(perms, p)]


# What the bot needs in each kind of channel it posts into.
TEXT_THREAD_PERMS = (
    "view_channel",
    "send_messages",
    "create_public_threads",
    "send_messages_in_threads",
    "embed_links",
    "read_message_history",
)
FORUM_PERMS = ("view_channel", "send_messages", "send_messages_in_threads", "embed_links")
# Venting also deletes and archives its own threads (author delete, moderator remove, closing old ones).
VENT_TEXT_PERMS = (*TEXT_THREAD_PERMS, "manage_threads")
VENT_FORUM_PERMS = (*FORUM_PERMS, "manage_threads")
NOTICE_PERMS = ("view_channel", "send_messages", "embed_links")


def needed_permissions(channel: Any, purpose: str) -> tuple[str, ...]:
    """The permissions the bot needs in `channel` for a purpose (vent, reflection, notice)."""
    if purpose == "notice":
        return NOTICE_PERMS
    if purpose == "vent":
        return VENT_FORUM_PERMS if isinstance(channel, discord.ForumChannel) else VENT_TEXT_PERMS
    return FORUM_PERMS if isinstance(channel, discord.ForumChannel) else TEXT_THREAD_PERMS


def missing_for(channel: Any, purpose: str) -> list[str]:
    """The labels of what the bot lacks in `channel` for a purpose (vent, reflection, notice)."""
    return missing_permissions(channel, needed_permissions(channel, purpose))
