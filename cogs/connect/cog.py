"""/connect: meet a peer (or a small circle) from another workplace, only if everyone says yes."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.delivery.dm import OutgoingDM
from bot.delivery.notices import DM_CLOSED, NoticeSpec
from bot.errors import UserFacingError
from bot.interactions import missing_permissions, require_feature, require_moderator, send_ephemeral
from bot.privacy import DataStatement
from cogs.connect.service import (
    ANSWER_WITHIN,
    CHANNEL_SETTING,
    FEATURE,
    NOTICE_KIND,
    WORKPLACE_MAX,
    ConnectService,
    Ended,
    Proposal,
)
from cogs.connect.views import AnswerButton, JoinView, answer_view

Interaction = discord.Interaction[PeerCircleBot]

STATEMENT = (
    "**Meet a {what} from another workplace**\n"
    "Choose below what you'd like to share. All of it is optional.\n"
    "- What I keep: only your choices, while your entry is active or paused. If you gave your workplace's "
    "name, I keep only a scrambled code of it (a keyed hash), so you're never matched with a colleague.\n"
    "- Who sees it: nobody, until I suggest a match by DM. Then the others see only the setting, interests "
    "and availability you chose here, never your name or workplace. Nothing more is shared unless everyone "
    "accepts.\n"
    "- How long: until you're introduced, or you withdraw (/connect withdraw deletes it at once), or "
    "{days} days pass without use.\n"
    "- Moderators see how many people are waiting, never who."
)
DM_CLOSED_NOTICE = (
    "I tried to DM you about /connect, but your direct messages are closed, so I paused your entry. "
    "/connect resume turns it back on once DMs are open."
)
NO_MATCH = (
    "No match was made this time. Your /connect entry stays, and I'll message you when I can suggest someone else."
)
PAUSED_UNANSWERED = (
    "A /connect suggestion ended before you answered, so I paused your entry; nothing was shared. "
    "/connect resume when you'd like suggestions again, or /connect withdraw to delete it."
)
THREAD_PERMS = ("view_channel", "send_messages", "create_private_threads", "send_messages_in_threads")


@app_commands.guild_only()
class Connect(commands.GroupCog, group_name="connect", group_description="Meet a peer from another workplace"):
    """Peer connection across workplaces, by mutual consent."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement(
        feature="Peer connection (/connect)",
        what="Only if you join: the setting kinds, interests and availability you chose to share, your time zone, "
        "a keyed hash of your workplace's name if you gave one, and suggestions waiting for your answer.",
        why="To suggest a peer from a different workplace, with everyone's consent before any introduction.",
        who_can_see="Nobody as a list. The people in a suggestion see only what each chose to share. "
        "Moderators see a count of people waiting, never who.",
        how_long="Until you're introduced or withdraw (at once); a suggestion until it is answered or a few "
        "days pass; never longer than the server's retention period without use.",
        tables=("connect_entries", "connect_proposal_members"),
    )

    def __init__(self, bot: PeerCircleBot, service: ConnectService) -> None:
        self.bot = bot
        self.service = service

    async def cog_load(self) -> None:
        """Make the service reachable, the answer buttons persistent, and the expiry check run."""
        self.bot.features.add(self.service)
        self.bot.features.add(self)
        self.bot.add_dynamic_items(AnswerButton)
        self.bot.services.notices.register(
            NoticeSpec(NOTICE_KIND, FEATURE, {DM_CLOSED: DM_CLOSED_NOTICE}, on_told=self.service.notice_told)
        )
        self.bot.maintenance_hooks.append(self.expire)

    async def cog_unload(self) -> None:
        """Undo cog_load."""
        self.bot.maintenance_hooks.remove(self.expire)
        self.bot.services.notices.unregister(NOTICE_KIND)
        self.bot.remove_dynamic_items(AnswerButton)
        self.bot.features.remove(Connect)
        self.bot.features.remove(ConnectService)

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Only while peer connection is on in this server."""
        return await require_feature(interaction, FEATURE)

    # -- sending -----------------------------------------------------------------------------------

    def _on_closed(self, guild_id: int, user_id: int) -> Callable[[], Awaitable[None]]:
        async def closed() -> None:
            paused, ended = await self.service.dm_closed(guild_id, user_id)
            if paused:
                await self.bot.services.notices.record(guild_id, user_id, NOTICE_KIND)
            for each in ended:
                await self.tell_ended(each)

        return closed

    async def _dm(self, guild_id: int, user_id: int, text: str, view: discord.ui.View | None = None) -> None:
        await self.bot.dm.submit(OutgoingDM(user_id, text[:2000], view, self._on_closed(guild_id, user_id)))

    async def send_proposal(self, proposal: Proposal) -> None:
        """DM each person the others' shared choices, with Accept and Not this time."""
        answer_by = discord.utils.format_dt(self.bot.services.clock.now() + ANSWER_WITHIN, "f")
        for entry in proposal.entries:
            others = [e for e in proposal.entries if e.user_id != entry.user_id]
            who = "a peer" if len(others) == 1 else f"a small circle of {len(others)} peers"
            lines = "\n".join(f"- {self.service.describe(e)}" for e in others)
            text = (
                f"I can suggest {who} from another workplace who also asked to meet someone. "
                f"What they chose to share:\n{lines}\n\n"
                "Nothing about you has been shared, and nothing will be unless everyone accepts. Then I'll open a "
                f"private thread for just you. Please answer by {answer_by}. Saying no is quiet: the others only "
                "hear that no match was made this time."
            )
            await self._dm(proposal.guild_id, entry.user_id, text, answer_view(proposal.id))

    async def try_match(self, guild_id: int, user_id: int) -> bool:
        """Suggest a match for the member if someone is waiting; True when a suggestion went out."""
        if not await self.bot.services.guilds.is_enabled(guild_id, FEATURE):
            return False
        proposal = await self.service.match_for(guild_id, user_id)
        if proposal is None:
            return False
        await self.send_proposal(proposal)
        return True

    async def tell_ended(self, ended: Ended) -> None:
        """Tell the others "no match this time" (never why), then look again for each of them."""
        for user_id in ended.still_waiting:
            if await self.service.entry(ended.guild_id, user_id) is None:
                continue
            await self._dm(ended.guild_id, user_id, NO_MATCH)
        for user_id in ended.paused:
            await self._dm(ended.guild_id, user_id, PAUSED_UNANSWERED)
        for user_id in ended.still_waiting:
            await self.try_match(ended.guild_id, user_id)

    async def expire(self) -> None:
        """Housekeeping: end suggestions whose time to answer is over."""
        for ended in await self.service.expire_overdue():
            await self.tell_ended(ended)

    # -- answering (buttons in DMs) ----------------------------------------------------------------

    async def answer_accept(self, interaction: discord.Interaction[Any], proposal_id: int) -> None:
        """Accept; when everyone has, open the private thread."""
        current = await self.service.members(proposal_id)
        if current and not await self.bot.services.guilds.is_enabled(current[0].guild_id, FEATURE):
            await send_ephemeral(interaction, "Peer connection is turned off in that server now, so nothing happened.")
            return
        members = await self.service.accept(proposal_id, interaction.user.id)
        if members is None:
            await send_ephemeral(interaction, "This suggestion has ended, so there is nothing to accept.")
            return
        if not members:
            await send_ephemeral(interaction, "Thank you. I'll open a private thread once everyone has accepted.")
            return
        await interaction.response.defer(ephemeral=True)
        thread = await self.introduce(proposal_id, members[0].guild_id, [m.user_id for m in members])
        text = (
            f"Everyone accepted. Your private thread: {thread.mention}"
            if thread is not None
            else "Everyone accepted, but I couldn't open the thread; I've sent a note by DM."
        )
        await interaction.followup.send(text, ephemeral=True)

    async def answer_decline(self, interaction: discord.Interaction[Any], proposal_id: int) -> None:
        """Decline quietly; these people are not suggested to each other again."""
        ended = await self.service.decline(proposal_id, interaction.user.id)
        if ended is None:
            await send_ephemeral(interaction, "This suggestion has already ended.")
            return
        await send_ephemeral(
            interaction,
            "Okay. Nothing about you was shared, and I won't suggest this again. Your entry stays; "
            "/connect pause or /connect withdraw whenever you like.",
        )
        await self.tell_ended(ended)

    async def _gone(self, guild: discord.Guild, user_ids: list[int]) -> list[int]:
        gone = []
        for user_id in user_ids:
            try:
                await guild.fetch_member(user_id)
            except discord.NotFound:
                gone.append(user_id)
        return gone

    async def introduce(self, proposal_id: int, guild_id: int, user_ids: list[int]) -> discord.Thread | None:
        """Open a private thread with just these people and a suggested first step."""
        guild = self.bot.get_guild(guild_id)
        gone = await self._gone(guild, user_ids) if guild is not None else list(user_ids)
        if gone:
            ended = await self.service.drop(proposal_id, gone)
            if ended is not None:
                await self.tell_ended(ended)
            return None
        assert guild is not None
        channel_id = await self.service.channel_id(guild_id)
        channel = guild.get_channel(channel_id) if channel_id else None
        thread = None
        if isinstance(channel, discord.TextChannel) and not missing_permissions(channel, THREAD_PERMS):
            try:
                thread = await self._open_thread(channel, user_ids)
            except discord.HTTPException:
                thread = None
        if thread is None:
            await self.service.drop(proposal_id, ())
            for user_id in user_ids:
                await self._dm(
                    guild_id,
                    user_id,
                    "Everyone accepted, but I couldn't open a private thread (a moderator may need to check "
                    "/connect channel). Your entry stays and nothing was shared.",
                )
            return None
        await self.service.introduced(proposal_id, user_ids)
        return thread

    async def _open_thread(self, channel: discord.TextChannel, user_ids: list[int]) -> discord.Thread:
        date = self.bot.services.clock.now().strftime("%-d %b")
        thread = await channel.create_thread(
            name=f"Peer introduction · {date}", type=discord.ChannelType.private_thread, invitable=False
        )
        for user_id in user_ids:
            await thread.add_user(discord.Object(user_id))
        mentions = " ".join(f"<@{u}>" for u in user_ids)
        await thread.send(
            f"{mentions}: you each said yes to meeting. This thread is just for you; people who can manage "
            "threads here (usually moderators) can also open private threads, so keep anything sensitive to DMs."
            f"\n\n{self.service.options.first_step}",
            allowed_mentions=discord.AllowedMentions(users=[discord.Object(u) for u in user_ids]),
        )
        return thread

    # -- commands ----------------------------------------------------------------------------------

    @app_commands.command(name="join")
    @app_commands.describe(
        circle="Meet a small circle of 3 to 5 peers instead of one",
        workplace="Your workplace's name, so you're never matched with a colleague (kept only as a keyed hash)",
    )
    async def join(
        self,
        interaction: Interaction,
        circle: bool = False,
        workplace: app_commands.Range[str, 1, WORKPLACE_MAX] | None = None,
    ) -> None:
        """Ask to meet a peer from another workplace (shows what is kept first)."""
        assert interaction.guild_id is not None
        if await self.service.channel_id(interaction.guild_id) is None:
            raise UserFacingError("A moderator needs to choose a channel for introductions first (/connect channel).")
        days = (await self.bot.services.guilds.get(interaction.guild_id)).retention_days
        text = STATEMENT.format(what="small circle of peers" if circle else "peer", days=days)
        view = JoinView(interaction.user.id, self.service.options, circle, workplace)
        await send_ephemeral(interaction, text, view=view)

    async def finish_join(self, interaction: discord.Interaction[Any], choice: Any) -> None:
        """Store the entry from the join menus and look for a match at once."""
        assert interaction.guild_id is not None
        await self.service.join(interaction.guild_id, interaction.user.id, choice)
        if await self.try_match(interaction.guild_id, interaction.user.id):
            text = (
                "You're in. I've found a possible match and sent you a DM: nothing is shared unless everyone accepts."
            )
        else:
            text = (
                "You're in. No one else is waiting right now, so your entry stays and I'll DM you when I can "
                "suggest someone. /connect pause or /connect withdraw any time."
            )
        await interaction.response.edit_message(content=text, view=None)

    @app_commands.command(name="status")
    async def status(self, interaction: Interaction) -> None:
        """See your /connect entry here (only you can see it)."""
        assert interaction.guild_id is not None
        entry = await self.service.entry(interaction.guild_id, interaction.user.id)
        if entry is None:
            await send_ephemeral(interaction, "You have no /connect entry here. /connect join starts one.")
            return
        state = "paused" if entry.paused else "active"
        workplace = "a keyed hash of your workplace's name" if entry.workplace_tag else "no workplace"
        await send_ephemeral(
            interaction,
            f"Your entry is {state}. What others would see: {self.service.describe(entry)}\n"
            f"Also kept, never shown: {workplace}.",
        )

    @app_commands.command(name="pause")
    async def pause(self, interaction: Interaction) -> None:
        """Pause your entry: no suggestions until you resume."""
        assert interaction.guild_id is not None
        ended = await self.service.pause(interaction.guild_id, interaction.user.id)
        await send_ephemeral(interaction, "Paused. /connect resume when you'd like suggestions again.")
        for each in ended:
            await self.tell_ended(each)

    @app_commands.command(name="resume")
    async def resume(self, interaction: Interaction) -> None:
        """Resume a paused entry."""
        assert interaction.guild_id is not None
        await self.service.resume(interaction.guild_id, interaction.user.id)
        found = await self.try_match(interaction.guild_id, interaction.user.id)
        extra = " I've found a possible match and sent you a DM." if found else ""
        await send_ephemeral(interaction, "Your entry is active again." + extra)

    @app_commands.command(name="withdraw")
    async def withdraw(self, interaction: Interaction) -> None:
        """Delete your entry at once."""
        assert interaction.guild_id is not None
        ended = await self.service.withdraw(interaction.guild_id, interaction.user.id)
        await send_ephemeral(interaction, "Withdrawn: your entry is deleted.")
        for each in ended:
            await self.tell_ended(each)

    @app_commands.command(name="waiting")
    async def waiting(self, interaction: Interaction) -> None:
        """Moderators: how many people are waiting (a count, never who)."""
        assert interaction.guild_id is not None
        await require_moderator(interaction)
        active, paused = await self.service.count(interaction.guild_id)
        await send_ephemeral(interaction, f"{active} waiting, {paused} paused. Who they are is never shown.")

    @app_commands.command(name="channel")
    @app_commands.describe(channel="Where introductions open their private threads")
    async def channel(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        """Moderators: choose the channel where introductions open private threads."""
        assert interaction.guild_id is not None
        await require_moderator(interaction)
        missing = missing_permissions(channel, THREAD_PERMS)
        if missing:
            raise UserFacingError(f"I need these permissions in {channel.mention} first: {', '.join(missing)}.")
        await self.bot.services.guilds.set(interaction.guild_id, CHANNEL_SETTING, str(channel.id))
        await send_ephemeral(interaction, f"Introductions will open private threads in {channel.mention}.")

    # -- privacy -----------------------------------------------------------------------------------

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """The member's entries and pending suggestions."""
        return await self.service.export(user_id)

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Erase the member's entries and suggestions; the others are told only "no match this time"."""
        erased, ended = await self.service.forget(user_id)
        for each in ended:
            # /privacy forget erases in one transaction: the others hear only once the erasing is written.
            await self.bot.services.db.after_commit(functools.partial(self.tell_ended, each))
        return erased


async def setup(bot: PeerCircleBot) -> None:
    """Build the connect service and add the cog."""
    await bot.add_cog(Connect(bot, ConnectService.build(bot.services)))
