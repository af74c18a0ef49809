"""/privacy: what is stored about me, a copy of all of it, and erasing all of it.

It asks every loaded cog through the privacy contract, so a new feature is covered as soon as it
implements the contract (which the meta-tests require).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.delivery.repository import DmChannelRepository
from bot.interactions import OwnerView
from bot.plain_words import count_in_words
from bot.privacy import DataStatement, PostsEraser, PrivacyParticipant, count_items, participants_among
from bot.services.help_tips import Tip, register_tip
from bot.ui import send_lines

log = logging.getLogger(__name__)
T = TypeVar("T")
Interaction = discord.Interaction[PeerCircleBot]


# What /help suggests for this feature (bot.services.help_tips).
register_tip(
    Tip("member", 90, None, "privacy show", "what the bot keeps about you; /privacy export and /privacy forget too")
)


def participants(bot: commands.Bot) -> list[PrivacyParticipant]:
    """Every loaded cog, each of which implements the privacy contract."""
    return list(participants_among(bot.cogs.values()).participants)


def posters(bot: commands.Bot) -> list[PostsEraser]:
    """Cogs that posted things for the member and can delete them too (e.g. anonymous posts).

    Posts Discord refused to delete are counted as failed, and the member is told.
    """
    return list(participants_among(bot.cogs.values()).posters)


async def _export(cog: PrivacyParticipant, user_id: int) -> dict[str, Any]:
    return await cog.export_user_data(user_id)


class ForgetView(OwnerView):
    """The confirmation buttons for /privacy forget."""

    def __init__(self, cog: Privacy, owner_id: int, *, offer_posts: bool = False) -> None:
        super().__init__(owner_id, timeout=120)
        self.cog = cog
        if not offer_posts:
            self.remove_item(self.confirm_with_posts)

    @discord.ui.button(label="Yes, erase everything", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        """Erase, then say what was erased and what failed."""
        await self._erase(interaction, with_posts=False)

    @discord.ui.button(label="Erase everything and delete my anonymous posts", style=discord.ButtonStyle.danger)
    async def confirm_with_posts(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        """Delete the posts first (finding them needs the links), then erase as above."""
        await self._erase(interaction, with_posts=True)

    async def _erase(self, interaction: Interaction, *, with_posts: bool) -> None:
        # Acknowledge at once: deleting posts and erasing can take longer than Discord's 3 seconds to answer.
        self.stop()
        await interaction.response.defer()
        deleted = failed_posts = 0
        if with_posts:
            for cog in posters(self.cog.bot):
                done, failed = await cog.delete_user_posts(interaction.user.id)
                deleted, failed_posts = deleted + done, failed_posts + failed
        erased, failed_features = await self.cog.forget(interaction.user.id)
        lines = [f"- {feature}: {count_in_words(counts)}" for feature, counts in erased.items() if any(counts.values())]
        text = "Done. I erased:\n" + "\n".join(lines) if lines else "Done. There was nothing stored about you."
        if with_posts:
            text += (
                f"\n\nI'll delete your {deleted} anonymous posts and replies one at a time, each at a random "
                "moment within the next six hours, so nobody watching can tell they had one author. Nothing "
                "links them to you in the meantime, and a restart of the bot doesn't stop it."
                if deleted
                else "\n\nI found no anonymous posts or replies of yours to delete."
            )
        if failed_posts:
            text += (
                f" Discord didn't let me delete {failed_posts} more; they are still up, and now nothing links them "
                "to you. The server's moderators can still remove them."
            )
        if failed_features:
            text += (
                "\n\nI could not finish erasing in: "
                + ", ".join(failed_features)
                + ". Please run /privacy forget again; if it keeps failing, tell the server's moderators."
            )
        await interaction.edit_original_response(content=text[:2000], view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        """Leave everything as it is."""
        self.stop()
        await interaction.response.edit_message(content="Cancelled. Nothing was erased.", view=None)


class IncludeAnonymousView(OwnerView):
    """The button under an export that left anonymous posts out."""

    def __init__(self, cog: Privacy, owner_id: int) -> None:
        super().__init__(owner_id, timeout=300)
        self.cog = cog

    @discord.ui.button(label="Send a copy with my anonymous posts", style=discord.ButtonStyle.secondary)
    async def include(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        """Send the export again, anonymous posts and replies included."""
        self.stop()
        await self.cog.export_with_anonymous(interaction)


class Privacy(
    commands.GroupCog,
    group_name="privacy",
    group_description="See, download or erase what the bot keeps about you",
):
    """The privacy commands; they work in servers and in direct messages."""

    # Asking what is stored, downloading it or erasing it is never recorded. What this speaks for is the
    # core tables with a member's id that no feature owns: direct messages the bot still owes, and the id
    # of the member's DM conversation with the bot.
    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement(
        feature="Messages waiting to be sent",
        what="A scheduled direct message (a check-in, a reminder, a look-back) that Discord has not taken yet: "
        "what kind it is and when it was due, never its text. If you turned on a scheduled direct message, the "
        "id of our direct-message conversation (never what is in it). Using /privacy is never recorded.",
        why="So a message that met an outage or a restart is sent once, later, instead of being lost; the "
        "conversation id lets a busy morning's messages reach everyone sooner.",
        who_can_see="Nobody: only the bot reads it, to send the message.",
        how_long="A waiting message: until it is sent, or given up after a few hours, and a day after that at "
        "most. The conversation id: while you have a scheduled direct message turned on (it goes when you stop "
        "the last one), and a month after the last one I sent at most. /privacy forget erases both at once.",
        tables=("outbox", "dm_channels"),
    )

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """Direct messages still owed to the member (kind and times only), and their stored DM channel id."""
        return {
            "messages waiting": await self.bot.services.scheduler.owed_to(user_id),
            "direct message conversation": await DmChannelRepository(self.bot.services.db).for_user(user_id),
        }

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Forget every direct message still owed to the member, and their stored DM channel id."""
        return {
            "messages waiting": await self.bot.services.scheduler.forget_owed(user_id),
            "direct message conversation": await DmChannelRepository(self.bot.services.db).delete_for_user(user_id),
        }

    def __init__(self, bot: PeerCircleBot) -> None:
        self.bot = bot

    async def _fan_out(
        self, operation: Callable[[PrivacyParticipant, int], Awaitable[T]], user_id: int
    ) -> tuple[dict[str, T], list[str]]:
        """Call one contract operation on every feature; one feature failing never stops the others."""
        results: dict[str, T] = {}
        failed: list[str] = []
        for cog in participants(self.bot):
            feature = cog.DATA_STATEMENT.feature
            try:
                results[feature] = await operation(cog, user_id)
            except Exception:
                log.exception("%s failed in %s", operation.__name__, type(cog).__name__)
                failed.append(feature)
        return results, failed

    async def collect(self, user_id: int) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """Every feature's export for the member, and the features that failed to answer.

        All read in one transaction: one consistent picture, and one turn of the database lock.
        """
        async with self.bot.services.db.transaction():
            return await self._fan_out(_export, user_id)

    async def forget(self, user_id: int) -> tuple[dict[str, dict[str, int]], list[str]]:
        """Ask every feature to erase the member's data; report counts and failures.

        Then checkpoint: until the WAL is folded into the database file and truncated, the erased
        rows' old pages are still in the `-wal` file on disk.
        """
        # One transaction: a crash part-way leaves everything as it was, never half erased. Each feature
        # erases inside a savepoint, so one that fails is undone alone and the others still erase.
        db = self.bot.services.db

        async def erase(cog: PrivacyParticipant, user_id: int) -> dict[str, int]:
            if not cog.DATA_STATEMENT.stores_personal_data:
                return await cog.delete_user_data(user_id)  # keeps nothing: no savepoint's round trips
            async with db.savepoint():
                return await cog.delete_user_data(user_id)

        async with db.transaction():
            results, failed = await self._fan_out(erase, user_id)
        # My own DMs that quoted what was kept (a weekly look-back) go too, from the member's DMs.
        withdrawn = await self.bot.quoting.withdraw_user(user_id)
        if withdrawn:
            results["My direct messages"] = {"messages that quoted what you kept": withdrawn}
        await self.bot.services.db.checkpoint()
        return results, failed

    @app_commands.command(name="show")
    async def show(self, interaction: Interaction) -> None:
        """See what the bot keeps about you, feature by feature."""
        # Acknowledge first: asking every feature can take longer than Discord's 3 seconds to answer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        data, failed = await self.collect(interaction.user.id)
        lines: list[str] = []
        for cog in participants(self.bot):
            statement = cog.DATA_STATEMENT
            if not statement.stores_personal_data:
                continue
            counts = count_items(data.get(statement.feature, {}))
            held = count_in_words(counts) if counts else "nothing stored"
            lines.append(f"**{statement.feature}**: {held}. Kept: {statement.how_long}")
        if failed:
            lines.append(f"\nI couldn't check: {', '.join(failed)}.")
        lines.append(
            "\nThis covers every server, including any you have left (here or in a direct message to me). "
            "/privacy export sends you a copy; /privacy forget erases everything. Nobody else can see this."
        )
        # Split rather than cut: with many features the list is longer than one Discord message.
        await send_lines(interaction, "What I keep about you:", lines)

    @app_commands.command(name="export")
    async def export(self, interaction: Interaction) -> None:
        """Get a file with everything the bot keeps about you."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        data, failed = await self.collect(interaction.user.id)
        left_out = self._anonymous_count(data)
        note = "Here is everything I keep about you. Only you can see this message."
        if left_out:
            note = (
                "Here is what I keep about you; only you can see this message. "
                f"Your {left_out} anonymous posts and replies are left out. "
                "Warning: a file listing them pairs you with them, and Discord keeps a copy of files it delivers."
            )
        if failed:
            note += f" I couldn't include: {', '.join(failed)}; please try again later."
        file = self._export_file(interaction.user.id, self._without_anonymous(data), failed)
        view = IncludeAnonymousView(self, interaction.user.id) if left_out else discord.utils.MISSING
        await interaction.followup.send(note, file=file, view=view, ephemeral=True)

    def _anonymous_keys(self) -> dict[str, tuple[str, ...]]:
        """Per feature, the export keys that list anonymous posts (left out unless the member asks)."""
        return {
            cog.DATA_STATEMENT.feature: tuple(getattr(cog, "ANONYMOUS_EXPORT_KEYS", ()))
            for cog in participants(self.bot)
        }

    def _anonymous_count(self, data: dict[str, dict[str, Any]]) -> int:
        keys = self._anonymous_keys()
        return sum(len(data.get(f, {}).get(k) or []) for f, ks in keys.items() for k in ks)

    def _without_anonymous(self, data: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        keys = self._anonymous_keys()
        return {f: {k: v for k, v in d.items() if k not in keys.get(f, ())} for f, d in data.items()}

    def _export_file(self, user_id: int, data: dict[str, dict[str, Any]], failed: list[str]) -> discord.File:
        payload = {
            "exported_at": self.bot.services.clock.now().isoformat(),
            "user_id": str(user_id),
            "features": data,
            "features_that_failed": failed,
        }
        raw = json.dumps(payload, indent=2, ensure_ascii=False).encode("utf-8")
        return discord.File(io.BytesIO(raw), filename="peer-circle-my-data.json")

    async def export_with_anonymous(self, interaction: Interaction) -> None:
        """The full export, anonymous posts included, after the member chose it."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        data, failed = await self.collect(interaction.user.id)
        note = "Here is everything I keep about you, your anonymous posts and replies included. Only you can see this."
        if failed:
            note += f" I couldn't include: {', '.join(failed)}; please try again later."
        await interaction.followup.send(note, file=self._export_file(interaction.user.id, data, failed), ephemeral=True)

    @app_commands.command(name="forget")
    async def forget_command(self, interaction: Interaction) -> None:
        """Erase everything the bot keeps about you, in every feature."""
        await interaction.response.send_message(
            "This erases everything I keep about you in every feature and every server (including any you have "
            "left), at once, and can't be undone. "
            "Anything already posted in channels stays there, except what each feature offers to remove. "
            "If a moderator has paused your anonymous posting, that pause stays until it ends or is lifted "
            "(erasing isn't a way round a moderator's decision); its keyed hash is deleted the moment it ends.",
            view=ForgetView(self, interaction.user.id, offer_posts=bool(posters(self.bot))),
            ephemeral=True,
        )


async def setup(bot: PeerCircleBot) -> None:
    """Add the cog."""
    await bot.add_cog(Privacy(bot))
