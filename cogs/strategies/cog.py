"""/strategy: browse, random, search, save, saved, unsave, cards, and opt-in reminders."""

from __future__ import annotations

import io
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.content.role_word import RoleWord
from bot.delivery.notices import NoticeSpec
from bot.errors import UserFacingError
from bot.interactions import feature, require_feature, services
from bot.privacy import DataStatement
from bot.scheduling.recurrence import describe
from bot.services import timezones
from cogs.strategies.jobs import register_jobs, unregister_jobs
from cogs.strategies.reminder_buttons import ReminderButton
from cogs.strategies.reminders import CADENCES, NOTICES, REMINDER_KIND, WEEKDAYS, ReminderService, build_recurrence
from cogs.strategies.render import card_embed, search_list
from cogs.strategies.service import FEATURE, StrategyService
from cogs.strategies.views import BrowseView

Interaction = discord.Interaction[PeerCircleBot]
CADENCE_CHOICES = [app_commands.Choice(name=c, value=c) for c in CADENCES]
WEEKDAY_CHOICES = [app_commands.Choice(name=d, value=i) for i, d in enumerate(WEEKDAYS)]


async def _role_word(interaction: Interaction) -> RoleWord:
    assert interaction.guild_id is not None
    return (await services(interaction).guilds.get(interaction.guild_id)).role_words


def group_choices(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Challenge groups whose name or id contains what the member typed."""
    needle = current.lower()
    return [
        app_commands.Choice(name=g.name[:100], value=g.id)
        for g in services(interaction).content.groups
        if needle in g.name.lower() or needle in g.id
    ][:25]


async def _notice(interaction: Interaction) -> str:
    """A pending note about the member's paused reminder, told once, prefixed to the next reply."""
    assert interaction.guild_id is not None
    text = await feature(interaction, ReminderService).take_notice(interaction.guild_id, interaction.user.id)
    return f"{text}\n\n" if text else ""


@app_commands.guild_only()
class StrategyCog(
    commands.GroupCog, group_name="strategy", group_description="Ways peers and organizations meet challenges"
):
    """Strategy cards, a member's own favourites and reminders."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement(
        feature="Strategies",
        what="Strategies you saved, and your reminder's schedule (how often, what time, which group), only if you "
        "use /strategy save or /strategy remind. Reading, searching and exporting cards is not recorded.",
        why="So /strategy saved and your reminders can show the strategies you chose.",
        who_can_see="Nobody but you.",
        how_long="The server's retention period after you last saved or set them, or until you unsave, stop, "
        "or use /privacy forget.",
        tables=("strategy_favourites", "schedules", "dm_notices"),
    )

    remind = app_commands.Group(name="remind", description="Opt-in reminders of strategies by direct message")

    def __init__(self, bot: PeerCircleBot, strategies: StrategyService, reminders: ReminderService) -> None:
        self.bot = bot
        self.strategies = strategies
        self.reminders = reminders

    async def cog_load(self) -> None:
        """Make both services reachable; register the reminder and strategy-of-the-week kinds and notices."""
        self.bot.features.add(self.strategies)
        self.bot.features.add(self.reminders)
        register_jobs(self.bot, self.strategies, self.reminders)
        self.bot.add_dynamic_items(ReminderButton)
        # Told with the member's next /strategy reply (see _notice), not after just any command.
        self.bot.services.notices.register(
            NoticeSpec(REMINDER_KIND, FEATURE, NOTICES, on_told=self.reminders.notice_told, in_own_reply=True)
        )

    async def cog_unload(self) -> None:
        """Undo cog_load."""
        self.bot.services.notices.unregister(REMINDER_KIND)
        self.bot.remove_dynamic_items(ReminderButton)
        unregister_jobs(self.bot)
        self.bot.features.remove(StrategyService)
        self.bot.features.remove(ReminderService)

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Refuse every /strategy command while Strategies is off in this server."""
        return await require_feature(interaction, FEATURE)

    # -- reading cards ---------------------------------------------------------------------------

    @app_commands.command(name="browse")
    async def browse(self, interaction: Interaction) -> None:
        """Pick a challenge, then page through what a peer can do beside what the organization should do."""
        groups = [(g.id, g.name, g.description) for g in services(interaction).content.groups]
        view = BrowseView(interaction.user.id, groups, await _role_word(interaction))
        await interaction.response.send_message(
            await _notice(interaction) + "Choose a challenge to see its strategy cards.", view=view, ephemeral=True
        )

    @app_commands.command(name="random")
    @app_commands.describe(group="Only from this challenge (optional)")
    async def random(self, interaction: Interaction, group: str | None = None) -> None:
        """Show one strategy card, picked at random."""
        card = self.strategies.random_card(group)
        embed = card_embed(card, await _role_word(interaction))
        await interaction.response.send_message(await _notice(interaction) or None, embed=embed, ephemeral=True)

    @app_commands.command(name="search")
    @app_commands.describe(words="A few words, for example: documentation, disclosure, only peer")
    async def search(self, interaction: Interaction, words: app_commands.Range[str, 1, 100]) -> None:
        """Find strategies by a few words."""
        cards = self.strategies.search(words)
        notice = await _notice(interaction)
        if not cards:
            await interaction.response.send_message(
                f"{notice}No strategies matched '{words[:60]}'. Try other words, or /strategy browse to look "
                "through every challenge.",
                ephemeral=True,
            )
            return
        if len(cards) == 1:
            embed = card_embed(cards[0], await _role_word(interaction))
        else:
            embed = discord.Embed(
                title=f"Strategies for '{words[:60]}'", description=search_list(cards, await _role_word(interaction))
            )
        await interaction.response.send_message(notice or None, embed=embed, ephemeral=True)

    @app_commands.command(name="cards")
    @app_commands.describe(group="One challenge, or leave empty for all")
    async def cards(self, interaction: Interaction, group: str | None = None) -> None:
        """Get the organization's side as a Markdown file to bring to a supervisor or committee."""
        text = self.strategies.organization_markdown(group, await _role_word(interaction))
        name = f"organization-side-{group or 'all'}.md"
        await interaction.response.send_message(
            "Here is the organization's side, ready to share. Only you can see this message.",
            file=discord.File(io.BytesIO(text.encode("utf-8")), filename=name),
            ephemeral=True,
        )

    @random.autocomplete("group")
    @cards.autocomplete("group")
    async def _group_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return group_choices(interaction, current)

    # -- favourites ------------------------------------------------------------------------------

    @app_commands.command(name="save")
    @app_commands.describe(strategy="Start typing a title")
    async def save(self, interaction: Interaction, strategy: str) -> None:
        """Save a strategy to your own list (only you can see it)."""
        assert interaction.guild_id is not None
        added, days = await self.strategies.save(interaction.guild_id, interaction.user.id, strategy)
        found = services(interaction).content.strategy(strategy)
        title = found.title if found else strategy
        text = f"Saved '{title}'." if added else f"'{title}' was already saved."
        await interaction.response.send_message(
            f"{text} Your saved strategies are kept {days} days after you last save one; /strategy unsave or "
            "/privacy forget removes them.",
            ephemeral=True,
        )

    @save.autocomplete("strategy")
    async def _strategy_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        content = services(interaction).content
        found = content.search(current, 25) if current.strip() else list(content.strategies[:25])
        return [app_commands.Choice(name=s.title[:100], value=s.id) for s in found][:25]

    @app_commands.command(name="unsave")
    @app_commands.describe(strategy="One of your saved strategies")
    async def unsave(self, interaction: Interaction, strategy: str) -> None:
        """Remove a strategy from your saved list."""
        assert interaction.guild_id is not None
        removed = await self.strategies.unsave(interaction.guild_id, interaction.user.id, strategy)
        await interaction.response.send_message(
            "Removed." if removed else "That strategy wasn't saved.", ephemeral=True
        )

    @unsave.autocomplete("strategy")
    async def _saved_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        found, _ = await self.strategies.saved(interaction.guild_id, interaction.user.id)
        return [
            app_commands.Choice(name=s.title[:100], value=s.id) for s in found if current.lower() in s.title.lower()
        ][:25]

    @app_commands.command(name="saved")
    async def saved(self, interaction: Interaction) -> None:
        """See the strategies you saved."""
        assert interaction.guild_id is not None
        svc = self.strategies
        found, vanished = await svc.saved(interaction.guild_id, interaction.user.id)
        note = await _notice(interaction)
        if vanished:
            were = "strategy was" if vanished == 1 else "strategies were"
            note += f"{vanished} saved {were} removed from the shared content, so I took them off your list.\n"
        if not found:
            await interaction.response.send_message(
                note + "You haven't saved any strategies. /strategy save adds one.", ephemeral=True
            )
            return
        lines = [f"**{s.title}**: {s.short}" for s in found]
        embed = discord.Embed(title="Your saved strategies", description="\n".join(lines)[:4096])
        await interaction.response.send_message(note or None, embed=embed, ephemeral=True)

    # -- reminders ---------------------------------------------------------------------------------

    @remind.command(name="start")
    @app_commands.describe(
        cadence="How often",
        time="Local time, for example 09:00 or 7pm",
        group="Draw from this challenge (leave empty to use your saved strategies)",
        weekday="For weekly reminders: which day",
        timezone="Your time zone (leave empty to use your /preferences or the server's)",
    )
    @app_commands.choices(cadence=CADENCE_CHOICES)
    @app_commands.choices(weekday=WEEKDAY_CHOICES)
    async def remind_start(
        self,
        interaction: Interaction,
        cadence: app_commands.Choice[str],
        time: app_commands.Range[str, 1, 20],
        group: str | None = None,
        weekday: app_commands.Choice[int] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        """Get a strategy by direct message at your own time (replaces any reminder you had here)."""
        assert interaction.guild_id is not None
        svc = services(interaction)
        if group is not None:
            group = self.strategies.group(group).id
        elif not (await self.strategies.saved(interaction.guild_id, interaction.user.id))[0]:
            raise UserFacingError(
                "Reminders without a group draw from your saved strategies, and you have none yet. "
                "Save one with /strategy save, or choose a group."
            )
        config = await svc.guilds.get(interaction.guild_id)
        prefs = await svc.preferences.effective(interaction.guild_id, interaction.user.id, config.timezone)
        rule = build_recurrence(cadence.value, time, timezone or prefs.timezone, weekday.value if weekday else None)
        row, days, quiet = await self.reminders.start(interaction.guild_id, interaction.user.id, rule, group)
        source = f"the challenge '{self.strategies.group(group).name}'" if group else "your saved strategies"
        text = (
            f"Reminder set: {describe(row.recurrence)}, from {source}. I'll send it by direct message. "
            f"It is kept {days} days (the server's retention period); set it again to keep it longer. "
            "/strategy remind pause, resume or stop change it at any time."
        )
        if quiet:
            text += "\nThat time falls in your quiet hours, so reminders at that time will be skipped."
        await interaction.response.send_message(text, ephemeral=True)

    @remind_start.autocomplete("group")
    async def _remind_group_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return group_choices(interaction, current)

    @remind_start.autocomplete("timezone")
    async def _zone_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezones.autocomplete(current)]

    @remind.command(name="pause")
    async def remind_pause(self, interaction: Interaction) -> None:
        """Pause your strategy reminder."""
        assert interaction.guild_id is not None
        await self.reminders.pause(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message("Paused. /strategy remind resume starts it again.", ephemeral=True)

    @remind.command(name="resume")
    async def remind_resume(self, interaction: Interaction) -> None:
        """Start your paused strategy reminder again."""
        assert interaction.guild_id is not None
        row = await self.reminders.resume(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message(f"Resumed: {describe(row.recurrence)}.", ephemeral=True)

    @remind.command(name="stop")
    async def remind_stop(self, interaction: Interaction) -> None:
        """Stop and delete your strategy reminder."""
        assert interaction.guild_id is not None
        await self.reminders.stop(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message("Stopped and deleted.", ephemeral=True)

    # -- privacy contract --------------------------------------------------------------------------

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """The member's favourites and reminders in every server."""
        return {
            "saved strategies": await self.strategies.export(user_id),
            "reminders": await self.reminders.export(user_id),
            "notices": await self.reminders.export_notices(user_id),
        }

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Erase the member's favourites and reminders everywhere."""
        erased = {
            "saved strategies": await self.strategies.forget(user_id),
            "reminders": await self.reminders.forget(user_id),
        }
        # Named only when there was one: the forget reply lists every count it gets.
        notices = await self.reminders.forget_notices(user_id)
        if notices:
            erased["notices"] = notices
        return erased
