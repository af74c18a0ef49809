"""Co-reflection: the prompt library and the server's reflection schedules, with no Discord import.

Schedules are rows of the shared scheduler (kind KIND). Their `target` holds only ids and keys:
`{"channel": id, "prompt": key, "closing": key | None, "close_after": hours, "problem": text?}`. A
prompt key is "b:<id>" for a built-in prompt and "s:<number>" for the server's own. Text typed
straight into /reflect schedule becomes one of the server's prompts, so what is posted always
lives in the library, where facilitators can read, fix or hide it.

Nothing here records who answered a prompt: the bot posts and opens a thread, and that is all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.clock import Clock, to_timestamp
from bot.content.role_word import fill_role
from bot.db.connection import Database
from bot.errors import UserFacingError
from bot.library.repository import ItemFields, ServerItem
from bot.library.service import REFLECTION, ItemRef, LibraryFullError, ServerItemService
from bot.scheduling.recurrence import Recurrence, describe
from bot.scheduling.repository import ScheduleRow
from bot.scheduling.scheduler import Scheduler
from bot.services.channel_needs import ChannelNeed, register_channel_need
from bot.services.guild_settings import REFLECTION_CHANNELS, FeatureSwitch, GuildSettingsService, register_feature
from bot.services.help_tips import Tip, register_tip
from cogs.reflection.options import ScheduleOptions, build_recurrence, options_of

# Off in a new server: it posts into a channel, so a moderator sets it up first.
FEATURE = register_feature(FeatureSwitch("reflection", "Co-reflection", default=False))
# What /help suggests for this feature (bot.services.help_tips).
register_tip(
    Tip(
        "facilitator",
        10,
        FEATURE.key,
        "reflect prompts list",
        "the prompt library, with each prompt's key (b:… or s:3)",
    )
)
register_tip(
    Tip("facilitator", 20, FEATURE.key, "reflect schedule", "post a prompt into an allowed channel, once or repeating")
)
register_tip(Tip("facilitator", 30, FEATURE.key, "reflect list", "the schedules in this server"))
register_channel_need(
    ChannelNeed(
        FEATURE.key,
        "reflection",
        "a co-reflection channel",
        "/config reflection-channel",
        channel_set=REFLECTION_CHANNELS,
    )
)

KIND = "reflection"
CLOSE_KIND = "reflection-close"
MAX_SCHEDULES = 25
MAX_SERVER_PROMPTS = 200
MAX_PROMPT_CHARS = 1000
DEFAULT_CLOSE_AFTER = 24
MAX_CLOSE_AFTER = 168
THREAD_NAME_CHARS = 90
NO_CLOSING = ("none", "off", "remove", "no")
REMINDER = "-# Please leave out names and details of the people you support. Answering is up to you."


@dataclass(frozen=True)
class Prompt:
    """A prompt as the library offers it."""

    key: str
    text: str
    builtin: bool
    hidden: bool = False
    changed: bool = False

    @property
    def label(self) -> str:
        """The key and the start of the text, for lists and autocomplete (at most 100 characters)."""
        short = " ".join(self.text.split())
        line = f"{self.key} · {short}"
        return line if len(line) <= 100 else line[:99] + "…"


def render_post(text: str, *, late: bool = False, due_at: datetime | None = None) -> str:
    """Exactly what a reflection post says: the prompt, an optional late label, the reminder."""
    head = "**Co-reflection**"
    if late and due_at is not None:
        head += f" (posted late: it was due <t:{to_timestamp(due_at)}:f>, while the bot was offline)"
    return f"{head}\n{text}\n\n{REMINDER}"


def render_closing(text: str) -> str:
    """What is posted into the thread when the closing prompt comes due."""
    return f"**Closing reflection**\n{text}\n\n{REMINDER}"


def thread_name(text: str) -> str:
    """The thread (or forum post) title: the start of the prompt."""
    short = " ".join(text.split())
    return short if len(short) <= THREAD_NAME_CHARS else short[: THREAD_NAME_CHARS - 1] + "…"


def local_time(when: datetime, zone: str) -> str:
    """An instant in a zone, e.g. "Tue 6 Jan 2026, 19:00 (Europe/London)"."""
    local = when.astimezone(Recurrence.daily((0, 0), zone).zoneinfo)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({zone})"


def check_text(text: str, what: str = "prompt") -> str:
    """Trimmed prompt text within the length limit."""
    cleaned = text.strip()
    if not cleaned:
        raise UserFacingError(f"The {what} is empty. Write a question or choose one from the list.")
    if len(cleaned) > MAX_PROMPT_CHARS:
        raise UserFacingError(
            f"The {what} is {len(cleaned)} characters; the most is {MAX_PROMPT_CHARS}. Shorten it and try again."
        )
    return cleaned


class ReflectionService:
    """Prompt library and reflection schedules for every server."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        scheduler: Scheduler,
        guilds: GuildSettingsService,
        library: ServerItemService,
        builtins: Callable[[], list[tuple[str, str]]],
    ) -> None:
        self.db = db
        self.clock = clock
        self.scheduler = scheduler
        self.guilds = guilds
        self.items = library
        self._builtins = builtins

    # -- the prompt library -------------------------------------------------------------------------

    async def library(self, guild_id: int, *, include_hidden: bool = False) -> list[Prompt]:
        """Built-in prompts (with the server's changes), then the server's own, hidden ones on request."""
        changes = await self.items.builtin_changes(guild_id, REFLECTION)
        role = (await self.guilds.get(guild_id)).role_words
        found: list[Prompt] = []
        for builtin_id, text in self._builtins():
            change = changes.get(builtin_id)
            wording = change.text if change is not None and change.text else fill_role(text, role)
            hidden = change.hidden if change is not None else False
            changed = change is not None and bool(change.text)
            found.append(Prompt(f"b:{builtin_id}", wording, True, hidden, changed))
        found += [
            Prompt(f"s:{r.number}", r.text or "", False, r.hidden) for r in await self.items.items(guild_id, REFLECTION)
        ]
        return [p for p in found if include_hidden or not p.hidden]

    async def find_prompt(self, guild_id: int, key: str) -> Prompt | None:
        """A prompt by key, hidden or not; None when there is no such prompt."""
        return next((p for p in await self.library(guild_id, include_hidden=True) if p.key == key.strip()), None)

    async def _existing(self, guild_id: int, key: str) -> Prompt:
        prompt = await self.find_prompt(guild_id, key)
        if prompt is None:
            raise UserFacingError(f"There is no prompt {key.strip()[:20]}. /reflect prompts list shows them all.")
        return prompt

    async def add_prompt(self, guild_id: int, user_id: int | None, text: str) -> Prompt:
        """Add a prompt of the server's own."""
        cleaned = check_text(text)
        try:
            added = await self.items.add(
                guild_id, REFLECTION, ItemFields(text=cleaned), created_by=user_id, limit=MAX_SERVER_PROMPTS
            )
        except LibraryFullError:
            raise UserFacingError(
                f"This server has {MAX_SERVER_PROMPTS} prompts of its own, the most it can have. Hide or reuse one."
            ) from None
        return Prompt(f"s:{added.number}", cleaned, False)

    async def choose_prompt(self, guild_id: int, user_id: int | None, value: str, what: str = "prompt") -> Prompt:
        """A library key chosen in autocomplete, or new text, which is added to the server's prompts."""
        found = await self.find_prompt(guild_id, value)
        if found is not None:
            return found
        if value.strip()[:2] in ("b:", "s:") and len(value.strip()) < 24:
            raise UserFacingError(f"There is no {what} {value.strip()}. Choose one from the list, or write your own.")
        check_text(value, what)
        return await self.add_prompt(guild_id, user_id, value)

    async def edit_prompt(self, guild_id: int, key: str, text: str, user_id: int | None) -> Prompt:
        """Change a prompt's wording (for a built-in: this server's wording of it)."""
        prompt = await self._existing(guild_id, key)
        cleaned = check_text(text)
        await self._write(guild_id, prompt, text=cleaned, hidden=prompt.hidden, user_id=user_id)
        return Prompt(prompt.key, cleaned, prompt.builtin, prompt.hidden, prompt.builtin)

    async def set_hidden(self, guild_id: int, key: str, hidden: bool, user_id: int | None) -> Prompt:
        """Hide a prompt from the library and autocomplete (schedules using it keep posting it), or show it."""
        prompt = await self._existing(guild_id, key)
        text = prompt.text if prompt.changed or not prompt.builtin else None
        await self._write(guild_id, prompt, text=text, hidden=hidden, user_id=user_id)
        return Prompt(prompt.key, prompt.text, prompt.builtin, hidden, prompt.changed)

    async def _write(
        self, guild_id: int, prompt: Prompt, *, text: str | None, hidden: bool, user_id: int | None
    ) -> None:
        if prompt.builtin:
            await self.items.change_builtin(guild_id, REFLECTION, prompt.key[2:], text=text, hidden=hidden, by=user_id)
            return
        number = int(prompt.key[2:])
        async with self.db.transaction():
            if text is not None:
                await self.items.edit(guild_id, REFLECTION, number, ItemFields(text=text))
            await self.items.set_hidden(guild_id, REFLECTION, ItemRef.own(number), hidden)

    # -- schedules ----------------------------------------------------------------------------------

    async def check_channel(self, guild_id: int, channel_id: int) -> None:
        """Refuse a channel moderators have not allowed for reflection prompts."""
        if channel_id not in await self.guilds.channels(guild_id, REFLECTION_CHANNELS):
            raise UserFacingError(
                f"<#{channel_id}> isn't allowed for reflection prompts. A moderator can allow it with "
                "/config reflection-channel, or choose a channel that is allowed."
            )

    async def schedules(self, guild_id: int) -> list[ScheduleRow]:
        """The server's reflection schedules, oldest first."""
        return await self.scheduler.repository.list_by_guild(guild_id, KIND)

    async def schedule(self, guild_id: int, number: int) -> ScheduleRow:
        """One of the server's reflection schedules by number."""
        row = await self.scheduler.repository.get(number)
        if row is None or row.guild_id != guild_id or row.kind != KIND:
            raise UserFacingError(f"This server has no reflection schedule #{number}. /reflect list shows them.")
        return row

    async def _closing(self, guild_id: int, user_id: int, closing: str | None, hours: int | None) -> dict[str, Any]:
        if closing is None or closing.strip().lower() in NO_CLOSING:
            if hours is not None and closing is None:
                raise UserFacingError("`close_after` needs a `closing` prompt to post. Add one, or remove it.")
            return {"closing": None, "close_after": None}
        if hours is not None and not 1 <= hours <= MAX_CLOSE_AFTER:
            raise UserFacingError(f"`close_after` is in hours, from 1 to {MAX_CLOSE_AFTER}.")
        prompt = await self.choose_prompt(guild_id, user_id, closing, "closing prompt")
        return {"closing": prompt.key, "close_after": hours or DEFAULT_CLOSE_AFTER}

    async def create(
        self,
        guild_id: int,
        owner_id: int,
        channel_id: int,
        prompt: str,
        options: ScheduleOptions,
        closing: str | None = None,
        close_after: int | None = None,
    ) -> tuple[ScheduleRow, Prompt]:
        """Check everything, then store the schedule (and any new prompt text) in one transaction."""
        config = await self.guilds.get(guild_id)
        await self.check_channel(guild_id, channel_id)
        await self._check_room(guild_id)
        rec = build_recurrence(options, config.timezone, self.clock.now())
        for text in (prompt, closing):
            if text is not None and await self.find_prompt(guild_id, text) is None:
                check_text(text)  # refuse over-long text before anything is written
        await self.guilds.ensure_guild(guild_id)
        async with self.db.transaction():
            # Again inside the transaction: two schedules made at once would otherwise both find room.
            await self._check_room(guild_id)
            chosen = await self.choose_prompt(guild_id, owner_id, prompt)
            target = {
                "channel": channel_id,
                "prompt": chosen.key,
                **await self._closing(guild_id, owner_id, closing, close_after),
            }
            row = await self.scheduler.add(guild_id, KIND, rec, target=target, owner_id=owner_id)
        return row, chosen

    async def _check_room(self, guild_id: int) -> None:
        if await self.scheduler.repository.count(guild_id, KIND) >= MAX_SCHEDULES:
            raise UserFacingError(
                f"This server has {MAX_SCHEDULES} reflection schedules, the most it can have. Delete one first."
            )

    async def edit(
        self,
        guild_id: int,
        number: int,
        user_id: int,
        *,
        channel_id: int | None = None,
        prompt: str | None = None,
        options: ScheduleOptions | None = None,
        closing: str | None = None,
        close_after: int | None = None,
    ) -> ScheduleRow:
        """Change what was given and keep the rest; all of it is applied, or none."""
        row = await self.schedule(guild_id, number)
        config = await self.guilds.get(guild_id)
        if channel_id is not None:
            await self.check_channel(guild_id, channel_id)
        rec = None
        if options is not None and not options.empty:
            merged = options_of(row.recurrence).overlay(options)
            rec = build_recurrence(merged, config.timezone, self.clock.now(), check_date=options.date is not None)
        target = {k: v for k, v in row.target.items() if k != "problem" or channel_id is None}
        async with self.db.transaction():
            if channel_id is not None:
                target["channel"] = channel_id
            if prompt is not None:
                target["prompt"] = (await self.choose_prompt(guild_id, user_id, prompt)).key
            if closing is not None or close_after is not None:
                keep = closing if closing is not None else target.get("closing")
                target.update(await self._closing(guild_id, user_id, keep, close_after))
            updated = await self.scheduler.update(row.id, recurrence=rec, target=target)
        assert updated is not None
        return updated

    async def pause(self, guild_id: int, number: int) -> ScheduleRow:
        """Stop a schedule posting until resumed."""
        row = await self.schedule(guild_id, number)
        await self.scheduler.pause(row.id)
        return await self.schedule(guild_id, number)

    async def resume(self, guild_id: int, number: int) -> ScheduleRow:
        """Post again from the next occurrence, once its channel is allowed; clears a recorded problem."""
        row = await self.schedule(guild_id, number)
        await self.check_channel(guild_id, int(row.target["channel"]))
        target = {k: v for k, v in row.target.items() if k != "problem"}
        async with self.db.transaction():
            await self.scheduler.update(row.id, target=target)
            resumed = await self.scheduler.resume(row.id)
        assert resumed is not None
        if resumed.next_run_at is None:
            raise UserFacingError(
                f"Schedule #{number} was a one-off whose time has passed. Give it a new date with /reflect edit."
            )
        return resumed

    async def delete(self, guild_id: int, number: int) -> None:
        """Delete a schedule."""
        row = await self.schedule(guild_id, number)
        await self.scheduler.remove(row.id)

    async def record_problem(self, schedule_id: int, problem: str) -> None:
        """Pause a schedule that cannot post and keep the reason for /reflect list (never retried on its own)."""
        row = await self.scheduler.repository.get(schedule_id)
        if row is None:
            return
        async with self.db.transaction():
            await self.scheduler.update(schedule_id, target={**row.target, "problem": problem})
            await self.scheduler.pause(schedule_id)

    async def schedule_closing(self, row: ScheduleRow, thread_id: int) -> ScheduleRow | None:
        """Queue the closing prompt `close_after` hours from now into the thread just opened."""
        key, hours = row.target.get("closing"), row.target.get("close_after")
        if not key or not hours:
            return None
        when = self.clock.now().astimezone(UTC) + timedelta(hours=int(hours))
        # Whole minutes only; round up so the closing never comes before the promised hours.
        if when.second or when.microsecond:
            when = when.replace(second=0, microsecond=0) + timedelta(minutes=1)
        rec = Recurrence.once(when.date(), (when.hour, when.minute), "UTC")
        target = {"thread": thread_id, "prompt": key, "schedule": row.id}
        return await self.scheduler.add(row.guild_id, CLOSE_KIND, rec, target=target, owner_id=row.owner_id)

    def describe_schedule(self, row: ScheduleRow, server_zone: str) -> str:
        """One line for /reflect list: number, rule, channel, and next run in the server's time."""
        if row.target.get("problem"):
            state = f"paused: {row.target['problem']}"
        elif row.paused:
            state = "paused"
        elif row.next_run_at is None:
            state = "done (a one-off that has been posted)"
        else:
            state = f"next: {local_time(row.next_run_at, server_zone)}"
        closing = f", closing after {row.target['close_after']} h" if row.target.get("closing") else ""
        return f"**#{row.id}** · {describe(row.recurrence)} · <#{row.target['channel']}>{closing} · {state}"

    # -- privacy ------------------------------------------------------------------------------------

    async def export(self, user_id: int) -> dict[str, Any]:
        """The schedules a member made and the prompts they added or changed."""
        rows = await self.scheduler.owned_by(user_id, (KIND, CLOSE_KIND))
        schedules = [
            {
                "number": r.id,
                "server": str(r.guild_id),
                "kind": r.kind,
                "when": describe(r.recurrence),
                "target": {k: str(v) if isinstance(v, int) else v for k, v in r.target.items()},
            }
            for r in rows
        ]
        prompts = [_export_prompt(p) for p in await self.items.by_creator(user_id, REFLECTION)]
        return {"schedules": schedules, "prompts": prompts}

    async def forget(self, user_id: int) -> dict[str, int]:
        """Unlink a member from the schedules and prompts they made; those belong to the server and stay."""
        async with self.db.transaction():
            schedules = await self.scheduler.repository.clear_owner(user_id, kinds=(KIND, CLOSE_KIND))
            prompts = await self.items.clear_creator(user_id, REFLECTION)
        return {"schedules unlinked": schedules, "prompts unlinked": prompts}


def _export_prompt(row: ServerItem) -> dict[str, Any]:
    return {
        "server": str(row.guild_id),
        "key": f"b:{row.builtin_id}" if row.builtin_id else f"s:{row.number}",
        "text": row.text,
        "hidden": row.hidden,
        "created_at": row.created_at,
    }
