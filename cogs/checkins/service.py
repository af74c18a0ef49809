"""Check-ins: a member's own opt-in plan, picking prompts, and what happens to an answer.

A check-in is something a member chose, not monitoring. This service therefore stores only the
member's choices and, when they turned keeping on, their answers (encrypted, expiring). It records
nothing about whether a prompt was answered or skipped. No Discord import; bad input raises
UserFacingError.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, from_timestamp, to_timestamp
from bot.content.role_word import RoleWord, fill_role
from bot.delivery.notices import DmNotices
from bot.errors import UserFacingError
from bot.keys import Keys
from bot.library.repository import ItemFields
from bot.library.service import CHECKIN, ItemRef, ServerItemService
from bot.scheduling.quiet_hours import in_quiet_hours
from bot.scheduling.recurrence import zone
from bot.scheduling.repository import ScheduleRow
from bot.scheduling.scheduler import Scheduler
from bot.services.guild_settings import FeatureSwitch, GuildSettingsService, register_feature
from bot.services.help_tips import Tip, register_tip
from bot.services.preferences import PreferencesService
from bot.services.timezones import validate_zone
from cogs.checkins.plan import (
    ANSWER_MAX,
    CONTENT_SETS,
    AnswerResult,
    Choices,
    ChosenPrompt,
    Delivery,
    HistoryEntry,
    PromptSource,
    check_cadence,
    check_quiet,
    kept_days,
    parse_days,
    parse_keep,
    parse_minute,
    recurrence_for,
)
from cogs.checkins.repository import CheckinRepository, Plan

if TYPE_CHECKING:
    from bot.app import Services

FEATURE = register_feature(FeatureSwitch("checkins", "Check-ins", default=True))
# What /help suggests for this feature (bot.services.help_tips).
register_tip(
    Tip(
        "member",
        20,
        FEATURE.key,
        "checkin start",
        "private check-ins by DM, at a time you choose; you see what is kept first",
    )
)

KIND = "checkin"
PLAN_TTL = timedelta(days=365)
PAUSE_MAX_DAYS = 90
HISTORY_PAGE = 5
SERVER_PROMPT_PREFIX = "server-"


def new_token() -> str:
    """A random id for one prompt message (ties a duplicate submit to the first one)."""
    return secrets.token_hex(4)


class CheckinService:
    """Plans, prompts and answers for check-ins."""

    @classmethod
    def build(cls, services: Services) -> CheckinService:
        """The service over the bot's core services (what the extension's setup and tests use)."""
        return cls(
            CheckinRepository(services.db),
            services.clock,
            services.keys,
            services.scheduler,
            services.preferences,
            services.guilds,
            services.library,
            services.content,
            notices=services.notices,
        )

    def __init__(
        self,
        repo: CheckinRepository,
        clock: Clock,
        keys: Keys,
        scheduler: Scheduler,
        preferences: PreferencesService,
        guilds: GuildSettingsService,
        library: ServerItemService,
        prompts: PromptSource | None,
        rng: random.Random | None = None,
        *,
        notices: DmNotices,
    ) -> None:
        self.repo = repo
        self.clock = clock
        self.keys = keys
        self.scheduler = scheduler
        self.preferences = preferences
        self.guilds = guilds
        self.library = library
        self.prompts = prompts
        self.rng = rng or random.Random()
        self.notices = notices
        # Each server's prompt pool, cached because every scheduled DM needs it (10,000 at 09:00),
        # with the library's version of the server's prompts it was built from: any change to them
        # moves the version on, and the pool is built again.
        self._pools: dict[tuple[int, str], tuple[tuple[int, RoleWord], list[ChosenPrompt]]] = {}

    # -- the walk-through ----------------------------------------------------------------------------

    async def choose(
        self,
        guild_id: int,
        user_id: int,
        *,
        cadence: str | None = None,
        time: str | None = None,
        days: str | None = None,
        timezone: str | None = None,
        prompt_set: str | None = None,
        keep_days: int | None = None,
        quiet_start: str | None = None,
        quiet_end: str | None = None,
    ) -> Choices:
        """Validate a member's choices over their current plan (or defaults); nothing is stored."""
        current = await self.repo.get_plan(guild_id, user_id)
        config = await self.guilds.get(guild_id)
        prefs = await self.preferences.effective(guild_id, user_id, config.timezone)
        day_tuple = parse_days(days) if days else (_days(current.days) if current else ())
        chosen_cadence = cadence or (current.cadence if current else "daily")
        if cadence and cadence not in ("days", "weekly") and not days:
            day_tuple = ()
        check_cadence(chosen_cadence, day_tuple)
        if time is not None:
            at_minute = parse_minute(time, "Time")
        elif current is not None:
            at_minute = current.at_minute
        else:
            raise UserFacingError("Please choose a time of day for your check-in, for example 19:00 or 7pm.")
        tz = validate_zone(timezone) if timezone else (current.timezone if current else prefs.timezone)
        if (quiet_start is None) != (quiet_end is None):
            raise UserFacingError("Give both a start and an end for quiet hours, for example 22:00 and 07:00.")
        quiet: tuple[int, int] | None = None
        if quiet_start is not None and quiet_end is not None:
            quiet = (parse_minute(quiet_start, "Quiet hours start"), parse_minute(quiet_end, "Quiet hours end"))
        elif prefs.quiet_start is not None and prefs.quiet_end is not None:
            quiet = (prefs.quiet_start, prefs.quiet_end)
        check_quiet(at_minute, quiet)
        keep = parse_keep(keep_days) if keep_days is not None else (current.keep_days if current else 0)
        return Choices(
            cadence=chosen_cadence,
            days=day_tuple,
            at_minute=at_minute,
            timezone=tz,
            prompt_set=prompt_set or (current.prompt_set if current else "daily"),
            keep_days=keep,
            quiet=quiet,
        )

    async def retention_days(self, guild_id: int) -> int:
        """The server's retention period, the upper bound on how long anything is kept."""
        return (await self.guilds.get(guild_id)).retention_days

    async def confirm(self, guild_id: int, user_id: int, choices: Choices) -> Plan:
        """Store the member's choices and (re)create their schedule, all or nothing.

        Quiet hours, the schedule, its expiry and the plan are written in one transaction (the
        scheduler and the preferences service use the same Database, so their writes join it): a
        failure part-way leaves everything as it was, never quiet hours without a plan or a schedule
        firing for a plan that was not saved.
        """
        now = self.clock.now()
        await self.guilds.ensure_guild(guild_id)
        rule = recurrence_for(choices, now.astimezone(zone(choices.timezone)).date())
        expires = now + PLAN_TTL
        async with self.repo.db.transaction():
            if choices.quiet is not None:
                await self.preferences.set_quiet_hours(guild_id, user_id, *choices.quiet)
            current = await self.repo.get_plan(guild_id, user_id)
            row: ScheduleRow | None = None
            if current is not None and current.schedule_id is not None:
                row = await self.scheduler.update(current.schedule_id, recurrence=rule)
                if row is not None and row.paused:
                    row = await self.scheduler.resume(row.id)
            if row is None:
                row = await self.scheduler.add(guild_id, KIND, rule, owner_id=user_id)
            await self.scheduler.repository.set_expiry(row.id, expires)
            plan = self._plan_from(guild_id, user_id, row.id, choices, current, now, expires)
            await self.repo.save_plan(plan)
            # New choices start the check-ins again: a notice about the old pause has nothing left to say.
            await self.notices.clear(guild_id, user_id, KIND)
        return plan

    @staticmethod
    def _plan_from(
        guild_id: int,
        user_id: int,
        schedule_id: int,
        choices: Choices,
        current: Plan | None,
        now: datetime,
        expires: datetime,
    ) -> Plan:
        return Plan(
            guild_id=guild_id,
            user_id=user_id,
            schedule_id=schedule_id,
            cadence=choices.cadence,
            days=",".join(str(d) for d in choices.days),
            at_minute=choices.at_minute,
            timezone=choices.timezone,
            prompt_set=choices.prompt_set,
            keep_days=choices.keep_days,
            paused_until=None,
            created_at=current.created_at if current else to_timestamp(now),
            expires_at=to_timestamp(expires),
        )

    async def plan(self, guild_id: int, user_id: int) -> Plan | None:
        """The member's plan in a server."""
        return await self.repo.get_plan(guild_id, user_id)

    async def choices_of(self, plan: Plan) -> Choices:
        """A stored plan as choices (for showing settings)."""
        prefs = await self.preferences.effective(plan.guild_id, plan.user_id, plan.timezone)
        quiet = None if prefs.quiet_start is None or prefs.quiet_end is None else (prefs.quiet_start, prefs.quiet_end)
        return Choices(
            plan.cadence, _days(plan.days), plan.at_minute, plan.timezone, plan.prompt_set, plan.keep_days, quiet
        )

    async def touch(self, plan: Plan) -> None:
        """The member used check-ins: push back the plan's expiry (unused plans go after a year).

        Only the expiry of a plan still there: a stop made meanwhile is not undone, nor new choices overwritten.
        """
        expires = self.clock.now() + PLAN_TTL
        if not await self.repo.renew(plan.guild_id, plan.user_id, to_timestamp(expires)):
            return
        if plan.schedule_id is not None:
            await self.scheduler.repository.set_expiry(plan.schedule_id, expires)

    # -- pause, resume, stop ---------------------------------------------------------------------------

    async def pause(self, guild_id: int, user_id: int, days: int) -> datetime:
        """Pause for `days` days (the schedule keeps its rule and simply skips until then)."""
        if not 1 <= days <= PAUSE_MAX_DAYS:
            raise UserFacingError(f"A pause can be 1 to {PAUSE_MAX_DAYS} days; /checkin stop ends check-ins.")
        plan = await self._require_plan(guild_id, user_id)
        until = self.clock.now() + timedelta(days=days)
        if not await self.repo.set_paused_until(guild_id, user_id, to_timestamp(until)):
            raise _no_plan()  # stopped meanwhile
        await self.touch(plan)
        return until

    async def resume(self, guild_id: int, user_id: int) -> Plan:
        """End a pause, including one made because DMs were closed."""
        plan = await self._require_plan(guild_id, user_id)
        if plan.schedule_id is not None:
            await self.scheduler.resume(plan.schedule_id)
        plan = replace(plan, paused_until=None)
        if not await self.repo.set_paused_until(guild_id, user_id, None):
            raise _no_plan()  # stopped meanwhile
        await self.notices.clear(guild_id, user_id, KIND)
        await self.touch(plan)
        return plan

    async def stop(self, guild_id: int, user_id: int, *, delete_answers: bool) -> tuple[bool, int]:
        """End the schedule and forget the plan; optionally delete kept answers. Returns (had plan, deleted)."""
        plan = await self.repo.get_plan(guild_id, user_id)
        if plan is not None and plan.schedule_id is not None:
            await self.scheduler.remove(plan.schedule_id)
        await self.repo.delete_plan(guild_id, user_id)
        await self.notices.clear(guild_id, user_id, KIND)
        deleted = await self.repo.delete_answers(user_id, guild_id) if delete_answers else 0
        return plan is not None, deleted

    async def preferences_kept_until(self, guild_id: int, user_id: int) -> datetime | None:
        """When the member's time zone and quiet hours here expire, if stored (they outlive a stop)."""
        return await self.preferences.kept_until(guild_id, user_id)

    async def erase_preferences(self, guild_id: int, user_id: int) -> int:
        """Erase the member's time zone and quiet hours in a server (offered when they stop)."""
        return await self.preferences.clear(user_id, guild_id)

    async def has_answers(self, guild_id: int, user_id: int) -> bool:
        """Whether the member keeps any answers in a server (so stopping should ask about them)."""
        return await self.repo.count_answers(guild_id, user_id) > 0

    async def _require_plan(self, guild_id: int, user_id: int) -> Plan:
        plan = await self.repo.get_plan(guild_id, user_id)
        if plan is None:
            raise _no_plan()
        return plan

    # -- prompts -------------------------------------------------------------------------------------

    async def pool(self, guild_id: int, prompt_set: str) -> list[ChosenPrompt]:
        """Prompts a server uses for a choice: content prompts not hidden, plus the server's own."""
        # The built-in texts name the role in the server's word, so a new word means a new pool.
        role = (await self.guilds.get(guild_id)).role_words
        version = (self.library.version(guild_id, CHECKIN), role)
        cached = self._pools.get((guild_id, prompt_set))
        if cached is not None and cached[0] == version:
            return cached[1]
        hidden = await self.library.hidden_builtins(guild_id, CHECKIN)
        found: list[ChosenPrompt] = []
        if self.prompts is not None:
            for set_name in CONTENT_SETS[prompt_set]:
                found += [
                    ChosenPrompt(p.id, fill_role(p.text, role))
                    for p in self.prompts.prompts_in(set_name)
                    if p.id not in hidden
                ]
        wanted = ("daily", "weekly") if prompt_set == "mix" else (prompt_set,)
        for own in await self.library.items(guild_id, CHECKIN):
            if own.variant in wanted:
                found.append(ChosenPrompt(f"{SERVER_PROMPT_PREFIX}{own.number}", own.text or ""))
        self._pools[(guild_id, prompt_set)] = (version, found)
        return found

    async def pick(self, guild_id: int, prompt_set: str) -> ChosenPrompt | None:
        """One prompt at random from the server's pool, or None when the pool is empty."""
        pool = await self.pool(guild_id, prompt_set)
        return self.rng.choice(pool) if pool else None

    async def prompt_text(self, guild_id: int, prompt_id: str) -> str | None:
        """The text of a prompt by id (content or the server's own)."""
        if prompt_id.startswith(SERVER_PROMPT_PREFIX):
            number = _number(prompt_id)
            own = None if number is None else await self.library.get(guild_id, CHECKIN, number)
            return None if own is None else own.text
        found = self.prompts.prompt(prompt_id) if self.prompts is not None else None
        if found is None:
            return None
        return fill_role(found.text, (await self.guilds.get(guild_id)).role_words)

    async def add_prompt(self, guild_id: int, prompt_set: str, text: str) -> str:
        """Add a prompt of the server's own to a set (daily or weekly); return its id."""
        own = await self.library.add(guild_id, CHECKIN, ItemFields(text=text.strip(), variant=prompt_set))
        return f"{SERVER_PROMPT_PREFIX}{own.number}"

    async def hide_prompt(self, guild_id: int, prompt_id: str) -> bool:
        """Stop using a prompt in a server (the server's own is deleted, a built-in one hidden).

        False when the server uses no prompt with that id.
        """
        known = {p.id for s in ("daily", "weekly") for p in await self.pool(guild_id, s)}
        if prompt_id not in known:
            return False
        number = _number(prompt_id)
        ref = ItemRef.own(number) if number is not None else ItemRef.builtin(prompt_id)
        await self.library.remove(guild_id, CHECKIN, ref)
        return True

    # -- firing ---------------------------------------------------------------------------------------

    async def delivery_for(self, row: ScheduleRow) -> Delivery | None:
        """What to send for a firing, or None when nothing should go out (stopped, paused, quiet)."""
        if row.owner_id is None:
            return None
        # Plan and quiet hours, read for the whole scheduler pass at once (see plan_for_firing).
        claimed = to_timestamp(row.last_run_at) if row.last_run_at is not None else None
        at_minute = row.recurrence.hour * 60 + row.recurrence.minute
        found = await self.repo.plan_for_firing(row.guild_id, row.owner_id, claimed, at_minute)
        if found is None or found[0].schedule_id != row.id:
            # Orphan schedule (the plan was stopped or forgotten): make sure it never fires again.
            await self.scheduler.remove(row.id)
            return None
        plan, quiet_start, quiet_end = found
        now = self.clock.now()
        if plan.paused_until is not None and from_timestamp(plan.paused_until) > now:
            return None
        if (
            quiet_start is not None
            and quiet_end is not None
            and in_quiet_hours(now, plan.timezone, quiet_start, quiet_end)
        ):
            return None
        prompt = await self.pick(plan.guild_id, plan.prompt_set)
        if prompt is None:
            return None
        return Delivery(plan.guild_id, plan.user_id, prompt, new_token())

    async def pause_for_closed_dms(self, guild_id: int, user_id: int) -> bool:
        """Discord refused the DM: pause the schedule (no retries); True when there was a plan to pause.

        The member is told once, at their next command here (bot.delivery.notices).
        """
        plan = await self.repo.get_plan(guild_id, user_id)
        if plan is None:
            return False
        if plan.schedule_id is not None:
            await self.scheduler.pause(plan.schedule_id)
        return True

    async def notice_told(self, guild_id: int, user_id: int) -> bool:
        """The member is being told DMs were closed: make it a long pause; False when the plan is gone.

        A long pause rather than none, so nothing retries; /checkin resume ends it.
        """
        until = self.clock.now() + timedelta(days=PAUSE_MAX_DAYS)
        return await self.repo.set_paused_until(guild_id, user_id, to_timestamp(until))

    # -- answers ----------------------------------------------------------------------------------------

    async def answer(self, guild_id: int, user_id: int, token: str, prompt_id: str, text: str) -> AnswerResult:
        """Handle an answer: kept (encrypted) for N days when keeping is on, else discarded.

        A second submit for the same prompt message (same token) is not stored again. The text is
        never logged.
        """
        if len(text) > ANSWER_MAX:
            raise UserFacingError(f"That answer is longer than {ANSWER_MAX} characters; please shorten it.")
        if not text.strip():
            raise UserFacingError("That answer was empty, so there was nothing to keep.")
        plan = await self.repo.get_plan(guild_id, user_id)
        if plan is None or plan.keep_days == 0:
            return AnswerResult(None)
        days = kept_days(plan.keep_days, await self.retention_days(guild_id))
        now = self.clock.now()
        stored = await self.repo.add_answer(
            guild_id,
            user_id,
            token,
            prompt_id[:64],
            self.keys.encrypt(text),
            to_timestamp(now),
            to_timestamp(now + timedelta(days=days)),
        )
        if not stored:
            # Not a repeat when check-ins were stopped (or keeping turned off) while it was sent: nothing kept.
            current = await self.repo.get_plan(guild_id, user_id)
            if current is None or current.keep_days == 0:
                return AnswerResult(None)
        await self.touch(plan)
        return AnswerResult(days, duplicate=not stored)

    async def history(self, guild_id: int, user_id: int, page: int) -> tuple[list[HistoryEntry], int]:
        """A page (0-based) of the member's kept answers, newest first, and how many pages there are."""
        total = await self.repo.count_answers(guild_id, user_id)
        pages = max(1, -(-total // HISTORY_PAGE))
        page = min(max(page, 0), pages - 1)
        stored = await self.repo.answers(guild_id, user_id, HISTORY_PAGE, page * HISTORY_PAGE)
        entries = []
        for a in stored:
            text = self.keys.decrypt(a.body)
            prompt = await self.prompt_text(guild_id, a.prompt_id) or "(a prompt no longer in use)"
            entries.append(
                HistoryEntry(
                    a.id,
                    prompt,
                    text if text is not None else "(can't be read: the bot's key changed)",
                    from_timestamp(a.created_at),
                    from_timestamp(a.expires_at),
                )
            )
        return entries, pages

    async def delete_answer(self, user_id: int, answer_id: int) -> bool:
        """Delete one of the member's own kept answers."""
        return await self.repo.delete_answer(answer_id, user_id)

    # -- privacy contract -------------------------------------------------------------------------------

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything check-ins keep about the member, decrypted for them."""
        plans = [
            {
                "guild_id": str(p.guild_id),
                "cadence": p.cadence,
                "days": p.days,
                "time": f"{p.at_minute // 60:02d}:{p.at_minute % 60:02d}",
                "timezone": p.timezone,
                "prompts": p.prompt_set,
                "keep_answers_days": p.keep_days,
                "paused_until": p.paused_until,
                "expires_at": p.expires_at,
            }
            for p in await self.repo.plans_for_user(user_id)
        ]
        answers = [
            {
                "guild_id": str(a.guild_id),
                "prompt_id": a.prompt_id,
                "answer": self.keys.decrypt(a.body),
                "created_at": a.created_at,
                "expires_at": a.expires_at,
            }
            for a in await self.repo.all_answers(user_id)
        ]
        return {"plans": plans, "answers": answers, "notices": await self.notices.export(user_id, KIND)}

    async def forget(self, user_id: int) -> dict[str, int]:
        """Erase the member's plans, schedules and answers everywhere."""
        schedules = 0
        for plan in await self.repo.plans_for_user(user_id):
            if plan.schedule_id is not None and await self.scheduler.remove(plan.schedule_id):
                schedules += 1
        # Any schedule of this kind still owned by them (e.g. a plan row lost to expiry) goes too.
        schedules += await self.scheduler.remove_owned(user_id, (KIND,))
        erased = {
            "plans": await self.repo.delete_plans_for_user(user_id),
            "schedules": schedules,
            "answers": await self.repo.delete_answers(user_id),
        }
        # Named only when there was one: the forget reply lists every count it gets.
        notices = await self.notices.forget(user_id, KIND)
        if notices:
            erased["notices"] = notices
        return erased


def _no_plan() -> UserFacingError:
    return UserFacingError("You don't have check-ins here. /checkin start sets them up, if you'd like.")


def _number(prompt_id: str) -> int | None:
    """The number of a server prompt id ("server-3" is 3); None for a content prompt id."""
    if not prompt_id.startswith(SERVER_PROMPT_PREFIX):
        return None
    digits = prompt_id.removeprefix(SERVER_PROMPT_PREFIX)
    return int(digits) if digits.isascii() and digits.isdigit() else None


def _days(text: str) -> tuple[int, ...]:
    return tuple(int(d) for d in text.split(",") if d)
