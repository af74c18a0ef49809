"""The welcome sequence: six short DMs over about two weeks for a newcomer who asks for them.

The messages draw on the content store (the onboarding prompts, three starter strategy cards, the
role explainer) and point to /support and to circles. Moderators can reword or leave out any of them
per server (server items of kind "welcome", beside the built-in wording). While it runs, the next
message lives in one schedule of the member's; when it ends (last message or Stop, not recorded
which) only the fact that it ended is kept, until the server's retention period. No Discord import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, from_timestamp, to_timestamp
from bot.content.store import ContentStore
from bot.delivery.notices import DmNotices
from bot.errors import UserFacingError
from bot.library.service import ServerEntryService, ServerItemService
from bot.scheduling.quiet_hours import in_quiet_hours
from bot.scheduling.recurrence import Recurrence, zone
from bot.scheduling.repository import ScheduleRow
from bot.scheduling.scheduler import Scheduler
from bot.services.guild_settings import FeatureSwitch, GuildSettingsService, register_feature
from bot.services.help_tips import Tip, register_tip
from bot.services.preferences import PreferencesService
from cogs.welcome.repository import Run, WelcomeRepository

if TYPE_CHECKING:
    from bot.app import Services

FEATURE = register_feature(FeatureSwitch("welcome", "Welcome messages", default=True))
# What /help suggests for this feature (bot.services.help_tips).
register_tip(
    Tip(
        "member",
        25,
        FEATURE.key,
        "welcome start",
        "a short series of DMs over two weeks for someone new to the role; stop any time",
    )
)
STEP_KIND = "welcome-step"
ITEM_KIND = "welcome"
SEND_AT = (10, 0)  # local time of each later message
RUN_TTL = timedelta(days=30)  # a running sequence's row, renewed at every message
TEXT_MAX = 1500
STARTER_CARDS = ("not-about-me", "choose-battles", "support-outside-setting")


@dataclass(frozen=True)
class Step:
    """One message of the sequence: its id (what moderators name), the day it goes out, and a label."""

    id: str
    day: int
    label: str


STEPS: tuple[Step, ...] = (
    Step("welcome-start", 0, "1. Welcome, and what drew you to peer work"),
    Step("welcome-setting", 2, "2. Your setting"),
    Step("welcome-strategies", 4, "3. Three starter strategy cards"),
    Step("welcome-explainer", 7, "4. Explaining the role, and what to share"),
    Step("welcome-support", 10, "5. What /support offers"),
    Step("welcome-circle", 13, "6. Finding a circle"),
)


def _prompt(content: ContentStore, prompt_id: str) -> str:
    prompt = content.prompt(prompt_id)
    return f"\n\nSomething to sit with (no need to answer anywhere): {prompt.text}" if prompt else ""


class WelcomeService:
    """Start, send, stop, moderators' wording, and the privacy contract."""

    @classmethod
    def build(cls, services: Services) -> WelcomeService:
        """The service over the bot's core services."""
        return cls(
            WelcomeRepository(services.db),
            services.clock,
            services.content,
            services.scheduler,
            services.preferences,
            services.guilds,
            services.library,
            services.entries,
            services.notices,
        )

    def __init__(
        self,
        repo: WelcomeRepository,
        clock: Clock,
        content: ContentStore,
        scheduler: Scheduler,
        preferences: PreferencesService,
        guilds: GuildSettingsService,
        library: ServerItemService,
        entries: ServerEntryService,
        notices: DmNotices,
    ) -> None:
        self.repo = repo
        self.clock = clock
        self.content = content
        self.scheduler = scheduler
        self.preferences = preferences
        self.guilds = guilds
        self.library = library
        self.entries = entries
        self.notices = notices

    # -- wording -----------------------------------------------------------------------------------

    async def builtin_text(self, guild_id: int, step: Step) -> str:
        """The built-in wording of a step (drawn from the content store)."""
        c = self.content
        if step.id == "welcome-start":
            return (
                "Welcome. Over about two weeks I'll send you six short messages like this one: a few questions to "
                "think about, some strategies other peers use, and where to find people here. Every message has a "
                "Stop button." + _prompt(c, "onboarding-what-drew-you")
            )
        if step.id == "welcome-setting":
            return "Every workplace has its own culture." + _prompt(c, "onboarding-setting")
        if step.id == "welcome-strategies":
            cards = [s for s in (c.strategy(i) for i in STARTER_CARDS) if s is not None]
            lines = "\n".join(f"- **{s.title}**: {s.short}" for s in cards)
            return (
                f"Three strategy cards some peers keep close:\n{lines}\n/strategy shows the rest, each with what "
                "organizations can do too." + _prompt(c, "onboarding-three-strategies")
            )
        if step.id == "welcome-explainer":
            short, _, _ = await self.entries.explain(guild_id)
            return (
                f"Explaining the role over and over is tiring. Here is a short version you can share:\n> {short}\n"
                "/explain gives you this and a longer one." + _prompt(c, "onboarding-what-to-share")
            )
        if step.id == "welcome-support":
            return (
                "/support shows the people and peer-run lines this community chose to list, whenever you ask. "
                "The bot never contacts anyone on its own." + _prompt(c, "onboarding-outside-contact")
            )
        return (
            "Facilitators here post co-reflection prompts in channels, and some run circles that meet on a set "
            "day: /circle list shows them and when they next meet. You can answer, or just read. If this server "
            "has /connect on, it can introduce you to a peer from another workplace, only if you both say yes. "
            "This is the last welcome message."
        )

    async def text_for(self, guild_id: int, step: Step) -> str | None:
        """The step as this server has it: its own wording, the built-in one, or None when left out."""
        change = (await self.library.builtin_changes(guild_id, ITEM_KIND)).get(step.id)
        if change is not None and change.hidden:
            return None
        if change is not None and change.text:
            return change.text
        return await self.builtin_text(guild_id, step)

    async def set_wording(self, guild_id: int, step_id: str, text: str | None, leave_out: bool) -> None:
        """Moderators: reword a step (None: the built-in wording) or leave it out in this server."""
        if step_id not in {s.id for s in STEPS}:
            raise UserFacingError("Choose one of the listed welcome messages.")
        if text is not None and not text.strip():
            text = None
        if text is not None and len(text) > TEXT_MAX:
            raise UserFacingError(f"That message is longer than {TEXT_MAX} characters; please shorten it.")
        await self.library.change_builtin(guild_id, ITEM_KIND, step_id, text=text, hidden=leave_out, by=None)

    # -- running -----------------------------------------------------------------------------------

    async def running(self, guild_id: int, user_id: int) -> bool:
        """Whether the member's sequence is running here."""
        run = await self.repo.get(guild_id, user_id)
        return run is not None and not run.ended

    async def start(self, guild_id: int, user_id: int) -> None:
        """Start the sequence; the first message is sent at once by the caller, the rest are scheduled."""
        await self.guilds.ensure_guild(guild_id)
        # Checked and started in one transaction: a double press would otherwise find nothing running twice,
        # send the first message twice and schedule the rest twice.
        async with self.repo.db.transaction():
            if await self.running(guild_id, user_id):
                raise UserFacingError("Your welcome messages are already on their way. Each one has a Stop button.")
            now = self.clock.now()
            await self.scheduler.remove_owned(user_id, (STEP_KIND,), guild_id)
            await self.repo.save(Run(guild_id, user_id, False, to_timestamp(now), to_timestamp(now + RUN_TTL)))
            await self._schedule(guild_id, user_id, 1, STEPS[1].day - STEPS[0].day)

    async def _schedule(
        self, guild_id: int, user_id: int, index: int, days_ahead: int, row_id: int | None = None
    ) -> None:
        config = await self.guilds.get(guild_id)
        prefs = await self.preferences.effective(guild_id, user_id, config.timezone)
        on = self.clock.now().astimezone(zone(prefs.timezone)).date() + timedelta(days=days_ahead)
        rule = Recurrence.once(on, SEND_AT, prefs.timezone)
        if row_id is None:
            row = await self.scheduler.add(guild_id, STEP_KIND, rule, target={"step": index}, owner_id=user_id)
            row_id = row.id
        else:
            await self.scheduler.update(row_id, recurrence=rule, target={"step": index})
        await self.scheduler.repository.set_expiry(row_id, self.clock.now() + RUN_TTL)

    async def next_message(self, row: ScheduleRow) -> tuple[str, bool] | None:
        """The text to send for a due schedule and whether it is the last; None when nothing goes out now."""
        user_id, guild_id = row.owner_id, row.guild_id
        if user_id is None or not await self.running(guild_id, user_id):
            await self.scheduler.remove(row.id)
            return None
        config = await self.guilds.get(guild_id)
        prefs = await self.preferences.effective(guild_id, user_id, config.timezone)
        if (
            prefs.quiet_start is not None
            and prefs.quiet_end is not None
            and in_quiet_hours(self.clock.now(), prefs.timezone, prefs.quiet_start, prefs.quiet_end)
        ):
            await self._schedule(guild_id, user_id, int(row.target["step"]), 1, row.id)  # try again tomorrow
            return None
        index = int(row.target["step"])
        text = None
        while text is None and index < len(STEPS):
            text = await self.text_for(guild_id, STEPS[index])
            index += 1
        if index >= len(STEPS):
            await self.scheduler.remove(row.id)
            await self.end(guild_id, user_id)
        else:
            await self._schedule(guild_id, user_id, index, STEPS[index].day - STEPS[index - 1].day, row.id)
        return None if text is None else (text, index >= len(STEPS))

    async def end(self, guild_id: int, user_id: int) -> bool:
        """End the sequence (last message or Stop): keep only that it ended, until retention."""
        await self.scheduler.remove_owned(user_id, (STEP_KIND,), guild_id)
        if await self.repo.get(guild_id, user_id) is None:
            return False
        retention = (await self.guilds.get(guild_id)).retention_days
        now = self.clock.now()
        await self.repo.save(
            Run(guild_id, user_id, True, to_timestamp(now), to_timestamp(now + timedelta(days=retention)))
        )
        return True

    async def stop_for_closed_dms(self, guild_id: int, user_id: int) -> bool:
        """Discord refused a welcome DM: end the sequence; True when one was running (the member is told once)."""
        if not await self.running(guild_id, user_id):
            return False
        return await self.end(guild_id, user_id)

    async def export(self, user_id: int) -> dict[str, Any]:
        """The member's welcome sequences and their next-message schedules."""
        runs = [
            {
                "guild_id": str(r.guild_id),
                "state": "ended" if r.ended else "running",
                "since": from_timestamp(r.since).isoformat(),
                "expires_at": from_timestamp(r.expires_at).isoformat(),
            }
            for r in await self.repo.for_user(user_id)
        ]
        schedules = [
            {"guild_id": str(s.guild_id), "next": s.next_run_at.isoformat() if s.next_run_at else None}
            for s in await self.scheduler.owned_by(user_id, (STEP_KIND,))
        ]
        notices = await self.notices.export(user_id, STEP_KIND)
        return {"welcome sequences": runs, "welcome timers": schedules, "notices": notices}

    async def forget(self, user_id: int) -> dict[str, int]:
        """Erase the member's welcome sequences and schedules everywhere."""
        erased = {
            "welcome sequences": await self.repo.delete(user_id),
            "welcome timers": await self.scheduler.remove_owned(user_id, (STEP_KIND,)),
        }
        notices = await self.notices.forget(user_id, STEP_KIND)
        if notices:
            erased["notices"] = notices
        return erased
