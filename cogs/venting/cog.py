"""/vent, anonymous replies, author delete, and moderation that never learns who wrote what.

Nothing in this module logs, stores or sends a member's id, name or nickname: it passes the id to
the venting service, which turns it into keyed hashes on the spot.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, ClassVar, Final, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.errors import UserFacingError
from bot.interactions import missing_for, report_error, require_feature, require_moderator, send_ephemeral
from bot.privacy import DataStatement
from cogs.venting.access import require_vent_role
from cogs.venting.author_notes import AuthorNotes, NoteTarget, clean_reason, render_notes
from cogs.venting.deletions import SpreadDeleter
from cogs.venting.discord_ops import delete_quietly, delete_reply, render_post, take_down
from cogs.venting.modtools import ModeratorTools
from cogs.venting.redact import clean_words, redact_message, redact_text, redact_thread_name
from cogs.venting.service import (
    FEATURE,
    BlockLength,
    Removed,
    VentDraft,
    VentingService,
    validate_draft,
    validate_reply,
)
from cogs.venting.views import ModerateView, NotesFirstView, PostButton, ReplyModal, VentModal, post_view

log = logging.getLogger(__name__)
Interaction = discord.Interaction[PeerCircleBot]
NO_MENTIONS = discord.AllowedMentions.none()
THREAD_ARCHIVE_MINUTES: Final[Literal[10080]] = 10080  # a week: vent threads stay open while people reply


class Venting(commands.Cog):
    """Anonymous posts and replies, with moderation that needs no unmasking."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement(
        feature="Anonymous venting",
        what=(
            "For each anonymous post or reply: a keyed hash (HMAC with the server's secret) of the server, the "
            "thread and your id, and a second one of the server, the day, your id and a count, so the bot can find "
            "your messages when you ask to export or erase them. Never your id, name or nickname. If one of your "
            "messages is deleted, its second hash stays while others from that server and day are kept. If a "
            "moderator blocks the author of a message, "
            "the block keeps that message's hash. If a moderator leaves you a reason, it is kept against that "
            "hash until you read it. If you moderate, what you did and on which post."
        ),
        why=(
            "So you can delete your post and keep one pseudonym per thread, and so moderators can pause an "
            "author without learning who it is. Flood limits are counted in memory only."
        ),
        who_can_see=(
            "Nobody can read an author from a hash. Someone holding both the server secret and the database "
            "could test member ids one by one; nobody else can link a message to you."
        ),
        how_long=(
            "Hashes: the server's retention period, then deleted (the post stays; only moderators can remove it). "
            "Blocks: until they end or are lifted (at most the retention period), then deleted at once. "
            "/privacy forget removes your hashes at once, except a block in force, which stays until it ends: "
            "erasing can't undo a moderator's decision. For a moderator, /privacy forget removes your name from "
            "the moderation log: each action stays, as by 'a former moderator'."
        ),
        tables=("vent_links", "vent_link_gaps", "vent_blocks", "vent_mod_actions", "vent_author_notes"),
    )

    # Left out of /privacy export unless the member chooses them: the file would pair them with their posts.
    ANONYMOUS_EXPORT_KEYS: ClassVar[tuple[str, ...]] = (
        "anonymous_posts",
        "anonymous_replies",
        "notes_from_moderators",
        "deleted_anonymous_message_places",
    )

    mod = app_commands.Group(
        name="vent-mod",
        description="Moderators: blocks and actions on anonymous posts",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: PeerCircleBot, service: VentingService) -> None:
        self.bot = bot
        self.svc = service
        self.deleter = SpreadDeleter(bot, service)
        self.notes = AuthorNotes.build(bot.services)
        self.menu = app_commands.ContextMenu(name="Moderate anonymous message", callback=self.moderate_menu)
        self.menu.guild_only = True
        self.menu.default_permissions = discord.Permissions(manage_guild=True)

    async def cog_load(self) -> None:
        """Register the service, the post buttons (old posts keep working after restarts), menu and housekeeping."""
        self.bot.features.add(self)
        self.bot.features.add(self.svc)
        self.bot.add_dynamic_items(PostButton)
        self.bot.tree.add_command(self.menu)
        self.bot.maintenance_hooks.append(self.close_old_threads)
        self.deleter.start()

    async def cog_unload(self) -> None:
        """Undo cog_load."""
        self.bot.features.remove(VentingService)
        self.bot.features.remove(Venting)
        self.bot.remove_dynamic_items(PostButton)
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)
        self.bot.maintenance_hooks.remove(self.close_old_threads)
        await self.deleter.stop()

    # -- posting ---------------------------------------------------------------------------------
    async def _vent_channel(self, guild: discord.Guild) -> discord.TextChannel | discord.ForumChannel:
        """The configured vent channel, or a plain explanation of why there is none usable."""
        config = await self.bot.services.guilds.get(guild.id)
        channel_id = config.get("vent_channel")
        if channel_id is None:
            raise UserFacingError(
                "Anonymous venting isn't set up here yet: a moderator needs to choose a vent channel "
                "(/config vent-channel). Nothing was posted."
            )
        channel = guild.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel | discord.ForumChannel):
            raise UserFacingError(
                "The vent channel no longer exists. A moderator needs to choose a new one with /config vent-channel. "
                "Nothing was posted."
            )
        if missing_for(channel, "vent"):
            raise UserFacingError(
                "I can't post in the vent channel right now because I'm missing a permission there. "
                "Moderators can see which one in /config show. Nothing was posted."
            )
        return channel

    @app_commands.command(name="vent")
    @app_commands.guild_only()
    async def vent(self, interaction: Interaction) -> None:
        """Post something anonymously in this server's vent channel."""
        assert interaction.guild is not None
        await require_feature(interaction, FEATURE)
        await require_vent_role(interaction)
        await self._vent_channel(interaction.guild)
        # A note from a moderator comes first (even for a blocked member: it may be the block's reason).
        if await self._notes_first(interaction, None):
            return
        await self.open_vent_form(interaction)

    async def open_vent_form(self, interaction: Interaction) -> None:
        """Check the member may post (before they type anything, not after), then open the form."""
        assert interaction.guild is not None
        await require_feature(interaction, FEATURE)
        await require_vent_role(interaction)
        await self.svc.check_can_post(interaction.guild.id, interaction.user.id)
        await interaction.response.send_modal(VentModal())

    async def _notes_first(self, interaction: Interaction, message_id: int | None) -> bool:
        """Show the member any waiting note from a moderator (then deleted), with a button to carry on."""
        assert interaction.guild is not None
        notes = await self.notes.take(interaction.guild.id, interaction.user.id)
        if not notes:
            return False
        await interaction.response.send_message(
            render_notes(notes)[:2000], ephemeral=True, view=NotesFirstView(interaction.user.id, message_id)
        )
        return True

    @app_commands.command(name="vent-notes")
    @app_commands.guild_only()
    async def vent_notes(self, interaction: Interaction) -> None:
        """Read any note a moderator left for you about one of your anonymous messages."""
        assert interaction.guild is not None
        notes = await self.notes.take(interaction.guild.id, interaction.user.id)
        text = render_notes(notes) if notes else "There is no note from a moderator waiting for you here."
        await interaction.response.send_message(text[:2000], ephemeral=True, allowed_mentions=NO_MENTIONS)

    async def submit_vent(self, interaction: Interaction, title: str, text: str, warning: str) -> None:
        """Validate, check limits, post with no author, and record only keyed hashes."""
        assert interaction.guild is not None
        guild = interaction.guild
        draft = validate_draft(title, text, warning)
        await require_feature(interaction, FEATURE)
        await require_vent_role(interaction)
        channel = await self._vent_channel(guild)
        # Take the flood-limit slot now, not after posting, so two submits at once can't both pass the check.
        reservation = await self.svc.reserve_post(guild.id, interaction.user.id)
        try:
            thread = await self._post_vent(interaction, channel, draft)
        except BaseException:
            self.svc.release_post(guild.id, interaction.user.id, reservation)
            raise
        await interaction.followup.send(
            f"Your post is up, with no name on it: {thread.mention}. The Delete button under it works only for you.",
            ephemeral=True,
        )

    async def _post_vent(
        self, interaction: Interaction, channel: discord.TextChannel | discord.ForumChannel, draft: VentDraft
    ) -> discord.Thread:
        """Put the post and its thread up, then record it; leave nothing behind if any step fails."""
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        content, embed = render_post(draft)
        thread: discord.Thread
        if isinstance(channel, discord.ForumChannel):
            try:
                created = await channel.create_thread(
                    name=draft.title,
                    content=content,
                    embed=embed,
                    view=post_view(),
                    allowed_mentions=NO_MENTIONS,
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                )
            except discord.HTTPException:
                raise UserFacingError(
                    "Discord didn't let me create your post in the vent forum. Nothing was posted; please try again "
                    "later, or ask a moderator to check /config show."
                ) from None
            thread, message = created.thread, created.message
        else:
            try:
                message = await channel.send(
                    content=content, embed=embed, view=post_view(), allowed_mentions=NO_MENTIONS
                )
            except discord.Forbidden:
                raise UserFacingError(
                    "Discord didn't let me post in the vent channel: I'm missing the View Channel, Send Messages or "
                    "Embed Links permission there. Nothing was posted; a moderator can check /config show."
                ) from None
            except discord.HTTPException:
                raise UserFacingError(
                    "Discord didn't let me post in the vent channel just now. Nothing was posted; please try again."
                ) from None
            try:
                thread = await message.create_thread(name=draft.title, auto_archive_duration=THREAD_ARCHIVE_MINUTES)
            except discord.HTTPException:
                # Never leave a post without its discussion thread behind.
                await delete_quietly(message)
                raise UserFacingError(
                    "I couldn't start a discussion thread for your post, so I took the post down again. "
                    "A moderator may need to check my permissions in the vent channel (/config show)."
                ) from None
        is_forum = isinstance(channel, discord.ForumChannel)
        try:
            await self.svc.record_post(
                interaction.guild.id, interaction.user.id, channel.id, thread.id, message.id, is_forum
            )
        except Exception:
            await delete_quietly(thread)
            if message.channel.id != thread.id:
                await delete_quietly(message)
            raise
        return thread

    # -- replies ---------------------------------------------------------------------------------
    async def _open_thread(self, guild: discord.Guild, post_id: int) -> discord.Thread:
        """The post's thread, refusing one that is gone, archived or locked."""
        await self.svc.open_post(post_id)
        thread = guild.get_thread(post_id)
        if thread is None:
            try:
                fetched = await guild.fetch_channel(post_id)
            except discord.NotFound:
                raise UserFacingError("This post's thread no longer exists.") from None
            if not isinstance(fetched, discord.Thread):
                raise UserFacingError("This post's thread no longer exists.")
            thread = fetched
        if thread.archived or thread.locked:
            raise UserFacingError("This thread is closed, so new replies can't be added to it.")
        return thread

    async def start_reply(self, interaction: Interaction, message_id: int) -> None:
        """'Reply anonymously': check first, then open the reply modal."""
        assert interaction.guild is not None
        await self.svc.post_id_for_message(message_id)
        await require_feature(interaction, FEATURE)
        await require_vent_role(interaction)
        if await self._notes_first(interaction, message_id):
            return
        await self.open_reply_form(interaction, message_id)

    async def open_reply_form(self, interaction: Interaction, message_id: int) -> None:
        """Check the member may reply here, then open the reply form."""
        assert interaction.guild is not None
        post_id = await self.svc.post_id_for_message(message_id)
        await require_feature(interaction, FEATURE)
        await require_vent_role(interaction)
        await self._open_thread(interaction.guild, post_id)
        await self.svc.check_can_reply(interaction.guild.id, interaction.user.id)
        await interaction.response.send_modal(ReplyModal(post_id))

    async def submit_reply(self, interaction: Interaction, post_id: int, text: str) -> None:
        """Post the reply under the member's pseudonym for this thread."""
        assert interaction.guild is not None
        guild = interaction.guild
        body = validate_reply(text)
        await require_vent_role(interaction)
        thread = await self._open_thread(guild, post_id)
        release = await self.svc.check_can_reply(guild.id, interaction.user.id, reserve=True)
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            who = await self.svc.reply_identity(guild.id, post_id, interaction.user.id)
            message = await thread.send(
                content=f"**{who.label}**", embed=discord.Embed(description=body), allowed_mentions=NO_MENTIONS
            )
        except BaseException:
            release()  # nothing went up: the member may try again at once
            raise
        try:
            await self.svc.record_reply(guild.id, post_id, interaction.user.id, message.id, who)
        except Exception:
            await delete_quietly(message)
            release()
            raise
        await interaction.followup.send(f"Your reply is up as **{who.label}**.", ephemeral=True)

    # -- author delete ---------------------------------------------------------------------------
    async def author_delete(self, interaction: Interaction, message_id: int) -> None:
        """'Delete': only the author can; everyone else is told so, with nothing revealed."""
        assert interaction.guild is not None
        post_id = await self.svc.post_id_for_message(message_id)
        post = await self.svc.check_author_delete(post_id, interaction.user.id)
        notes = await self.notes.take(interaction.guild.id, interaction.user.id)
        said = "Deleting your anonymous post and its thread now." + (f"\n\n{render_notes(notes)}" if notes else "")
        # Answer first: in a forum the button sits inside the thread, which is about to disappear.
        await interaction.response.send_message(said[:2000], ephemeral=True)
        await take_down(interaction.guild, post)
        await self.svc.forget_post(post.post_id)

    # -- moderation ------------------------------------------------------------------------------
    async def moderate_menu(self, interaction: Interaction, message: discord.Message) -> None:
        """Moderators: remove an anonymous post or reply, or block its author, without learning who it is."""
        try:
            await require_moderator(interaction)
            post, is_post = await self.svc.message_for_moderation(message.id)
            kind = "post (and its whole thread)" if is_post else "reply"
            # The link stays in this menu's memory only, so a reason can still reach the author after a removal.
            target = await self.notes.target(message.id)
            await interaction.response.send_message(
                f"What would you like to do with this anonymous {kind}? Nobody, you included, can see who wrote it. "
                "Before acting, 'Responding with connection' has this server's short note on replying to someone "
                "who is struggling.",
                view=ModerateView(interaction.user.id, message.id, post.post_id, target),
                ephemeral=True,
            )
        except Exception as error:
            await report_error(interaction, error)

    async def moderator_remove(self, interaction: Interaction, message_id: int) -> Removed:
        """Remove an anonymous message; record who acted, never the author.

        Returns what the menu keeps (in memory only, while it is open) so the moderator can still block.
        """
        assert interaction.guild is not None and interaction.guild_id is not None
        await require_moderator(interaction)
        post, is_post = await self.svc.message_for_moderation(message_id)
        if not is_post:
            # A reply: record and confirm only once it is really gone (its thread may be archived, so uncached).
            if not await delete_reply(self.bot, post.post_id, message_id):
                raise UserFacingError(
                    "Discord didn't let me delete that reply, so it is still up and nothing was recorded. "
                    "Please try again; if it keeps failing, check my permissions in that channel (/config show)."
                )
            removed = await self.svc.record_removal(interaction.guild_id, interaction.user.id, message_id)
            await send_ephemeral(interaction, "Removed. You can still block its author from the menu above.")
            return removed
        removed = await self.svc.record_removal(interaction.guild_id, interaction.user.id, message_id)
        # Answer first: when the menu was opened inside the thread, removing a post takes the menu with it.
        await send_ephemeral(interaction, "Removed. If the menu above is still there, you can still block its author.")
        await take_down(interaction.guild, post)
        return removed

    async def moderator_block(
        self, interaction: Interaction, message_id: int, length: BlockLength, removed: Removed | None = None
    ) -> None:
        """Pause the author's anonymous posting; tell the moderator the block number and end."""
        assert interaction.guild_id is not None
        await require_moderator(interaction)
        block_id, until = await self.svc.block_author(
            interaction.guild_id, interaction.user.id, message_id, length, removed
        )
        self.deleter.wake()  # the block (and its hash) is deleted the moment it ends
        end = f"until <t:{until}:f>"
        retention = timedelta(days=(await self.bot.services.guilds.get(interaction.guild_id)).retention_days)
        if length.delta is not None and length.delta > retention:
            end += " (shorter than chosen: no block outlasts the server's retention period)"
        if length is BlockLength.LIFTED:
            end = (
                f"until a moderator lifts it, or at the latest {end}: no block outlasts the server's retention "
                "period, after which the block and its link are deleted"
            )
        await send_ephemeral(
            interaction,
            f"Blocked (block {block_id}): the author of that message can't post anonymously here {end}. "
            "They'll be told plainly if they try. /vent-mod lift ends it early.",
        )

    async def moderator_redact(
        self, interaction: Interaction, message_id: int, words: str, reason: str, target: NoteTarget | None
    ) -> None:
        """Hide the pasted words in an anonymous message; keep no copy; leave the reason if one was given."""
        assert interaction.guild is not None and interaction.guild_id is not None
        await require_moderator(interaction)
        hidden, why = clean_words(words), clean_reason(reason)
        if why is not None and target is None:
            raise UserFacingError(
                "This message can no longer be linked to its author, so a reason can't reach them. Leave the reason "
                "empty to hide the words anyway. Nothing was changed."
            )
        try:
            post, is_post = await self.svc.message_for_moderation(message_id)
        except UserFacingError:
            raise UserFacingError("That message was already removed, so there is nothing to hide.") from None
        channel_id = post.channel_id if is_post and not post.is_forum else post.post_id
        try:
            message = await self.bot.get_partial_messageable(channel_id).fetch_message(message_id)
        except discord.NotFound:
            raise UserFacingError("That message was already deleted, so there is nothing to hide.") from None
        found = await redact_message(message, hidden)
        thread = interaction.guild.get_thread(post.post_id) if is_post else None
        found += await redact_thread_name(thread, hidden)
        await self.notes.log(interaction.guild_id, interaction.user.id, "redact", post.post_id, message_id)
        if why is not None:
            await self.notes.leave(interaction.guild_id, interaction.user.id, target, "redact", why)
        title_left = thread is not None and redact_text(thread.name, hidden)[1] > 0
        await send_ephemeral(
            interaction,
            f"Hidden in {found} place{'s' if found != 1 else ''}; I kept no copy of the words."
            + (" The author will read your reason privately the next time they use venting." if why else "")
            + (" Discord didn't let me change the post's title, which still shows them." if title_left else ""),
        )

    async def moderator_note(
        self, interaction: Interaction, target: NoteTarget | None, action: str, reason: str
    ) -> None:
        """Keep a reason for the author of a message this menu acted on; the moderator learns nothing more."""
        assert interaction.guild_id is not None
        await require_moderator(interaction)
        why = clean_reason(reason)
        if why is None:
            raise UserFacingError("The reason was empty, so nothing was kept.")
        await self.notes.leave(interaction.guild_id, interaction.user.id, target, action, why)
        await send_ephemeral(
            interaction,
            "Kept. The author will read it privately the next time they use venting (or /vent-notes); it is deleted "
            "once read, or when the message's link expires. You won't learn who they are.",
        )

    async def thread_tools(self, interaction: Interaction, thread_id: int) -> None:
        """Open the thread tools (pause, slow, open) for this message's thread."""
        await self.bot.features.get(ModeratorTools).open_thread_tools(interaction, thread_id)

    async def show_guide(self, interaction: Interaction) -> None:
        """Show this server's note on responding by connecting."""
        await self.bot.features.get(ModeratorTools).show_guide(interaction)

    @mod.command(name="blocks")
    async def blocks(self, interaction: Interaction) -> None:
        """List blocks in force, by the post that caused them."""
        assert interaction.guild_id is not None
        await require_moderator(interaction)
        blocks = await self.svc.blocks(interaction.guild_id)
        if not blocks:
            await interaction.response.send_message("No one is blocked from anonymous posting.", ephemeral=True)
            return
        lines = [
            f"Block {b.block_id}: from a message in <#{b.post_id}>, set <t:{b.created_at}:d>, "
            + ("until lifted" if b.until_at is None else f"until <t:{b.until_at}:f>")
            for b in blocks
        ]
        text = "Blocks in force:\n" + "\n".join(lines) + "\n\n/vent-mod lift ends one early."
        await interaction.response.send_message(text[:2000], ephemeral=True)

    @mod.command(name="lift")
    @app_commands.describe(block="The block's number, from /vent-mod blocks")
    async def lift(self, interaction: Interaction, block: int) -> None:
        """Lift a block early."""
        assert interaction.guild_id is not None
        await require_moderator(interaction)
        lifted = await self.svc.lift_block(interaction.guild_id, interaction.user.id, block)
        await interaction.response.send_message(
            f"Block {lifted.block_id} (from a message in <#{lifted.post_id}>) is lifted.", ephemeral=True
        )

    @lift.autocomplete("block")
    async def _block_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None or not await self._is_mod(interaction):
            return []
        choices = []
        for b in await self.svc.blocks(interaction.guild_id):
            channel = interaction.guild.get_channel_or_thread(b.post_id) if interaction.guild else None
            where = channel.name if channel is not None else f"post {b.post_id}"
            choices.append(app_commands.Choice(name=f"Block {b.block_id}: from '{where}'"[:100], value=b.block_id))
        return choices[:25]

    async def _is_mod(self, interaction: Interaction) -> bool:
        try:
            return await require_moderator(interaction)
        except app_commands.CheckFailure:
            return False

    @mod.command(name="log")
    async def action_log(self, interaction: Interaction) -> None:
        """Recent moderator actions on anonymous posts and threads: who acted, what, where (never the author)."""
        assert interaction.guild_id is not None
        await require_moderator(interaction)
        actions = await self.svc.actions(interaction.guild_id)
        lines = [
            f"<t:{a.created_at}:d> {'a former moderator' if a.moderator_id is None else f'<@{a.moderator_id}>'}: "
            f"{a.action} in <#{a.post_id}>"
            for a in actions
        ]
        text = "Recent actions:\n" + "\n".join(lines) if lines else "No moderator actions recorded."
        await interaction.response.send_message(text[:2000], ephemeral=True, allowed_mentions=NO_MENTIONS)

    # -- housekeeping ----------------------------------------------------------------------------
    async def close_old_threads(self) -> int:
        """Archive or delete vent threads older than each server's setting (run by the bot's maintenance)."""
        handled = 0
        for post, action in await self.svc.posts_to_close():
            guild = self.bot.get_guild(post.guild_id)
            if guild is None:
                continue
            try:
                if action == "delete":
                    await take_down(guild, post)
                else:
                    thread = guild.get_thread(post.post_id)
                    if thread is not None:
                        await thread.edit(archived=True, locked=True)
            except discord.HTTPException:
                log.warning("could not close a vent thread in guild %s; will retry", post.guild_id)
                continue
            await self.svc.mark_closed(post.post_id, deleted=action == "delete")
            handled += 1
        return handled

    # -- privacy contract ------------------------------------------------------------------------
    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """The member's still-linkable anonymous messages and unread notes, found by recomputing their hashes."""
        return {**await self.svc.export(user_id), "notes_from_moderators": await self.notes.export(user_id)}

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Remove every link between the member and their anonymous messages, and their unread notes."""
        return {**await self.svc.forget(user_id), "notes from moderators": await self.notes.forget(user_id)}

    async def delete_user_posts(self, user_id: int) -> tuple[int, int]:
        """Queue the member's still-linkable anonymous posts and replies for deletion (offered by /privacy forget).

        Returns (queued, 0). Each goes at its own random moment within the next six hours, so the deletions
        don't show they had one author; their links go at once, and the queue survives a restart.
        """
        queued = await self.svc.schedule_my_deletions(user_id)
        self.deleter.wake()
        return queued, 0
