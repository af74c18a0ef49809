"""Co-reflection circles: a facilitator's series of meetings, each posting the next prompt into a thread.

A circle is one row in `circles` (its set-up) and rows of the shared scheduler: the meetings
(MEETING_KIND, recurring, DST-correct in the circle's zone), a moved meeting (MOVED_KIND, once) and
each meeting's end (CLOSE_KIND, once, when the closing round is posted and the thread closed). The
scheduler claims each run before it happens, so a meeting is posted at most once.

Nothing about members is kept: who wants a mention is only Discord's role, and who made or changed
a circle is not stored (schedules have no owner). No Discord import.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import Clock, to_timestamp
from bot.content.role_word import fill_role
from bot.content.store import DEFAULT_CONTENT_DIR
from bot.db.connection import Database, IntegrityErrors
from bot.errors import UserFacingError
from bot.library.service import REFLECTION, ServerItemService
from bot.scheduling.recurrence import Recurrence, describe, next_occurrence
from bot.scheduling.repository import ScheduleRow
from bot.scheduling.scheduler import Scheduler
from bot.services.guild_settings import REFLECTION_CHANNELS, FeatureSwitch, GuildSettingsService, register_feature
from bot.services.help_tips import Tip, register_tip
from cogs.circles import plan as p
from cogs.circles.repository import Circle, CircleRepository, NewCircle

if TYPE_CHECKING:
    from bot.app import Services

# Off in a new server: it posts into channels and makes roles, so a moderator turns it on first.
FEATURE = register_feature(FeatureSwitch("circles", "Co-reflection circles", default=False))
register_tip(
    Tip("facilitator", 40, FEATURE.key, "circle create", "a series of co-reflection meetings, each in its own thread")
)
register_tip(Tip("member", 80, FEATURE.key, "circle list", "the co-reflection circles here and when they meet"))

MEETING_KIND = "circle-meeting"
MOVED_KIND = "circle-moved"
CLOSE_KIND = "circle-close"
KINDS = (MEETING_KIND, MOVED_KIND, CLOSE_KIND)
MAX_CIRCLES = 10
MAX_MOVED = 5
# A meeting posted late still gets at least this long before its thread closes.
MIN_OPEN = timedelta(minutes=15)
CONTENT_FILE = "circles.toml"
_KEY = re.compile(r"^[bs]:\S+$")


@dataclass(frozen=True)
class Texts:
    """The default opening agreement and closing round (content/circles.toml)."""

    agreement: str
    closing: str


def load_texts(path: Path = DEFAULT_CONTENT_DIR / CONTENT_FILE) -> Texts:
    """Read the default texts; both must be there and fit a meeting post."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    texts = Texts(str(data["agreement"]).strip(), str(data["closing"]).strip())
    if not texts.agreement or not texts.closing or max(map(len, (texts.agreement, texts.closing))) > p.MAX_TEXT_CHARS:
        raise ValueError(f"{path.name}: agreement and closing are needed, each at most {p.MAX_TEXT_CHARS} characters")
    return texts


@dataclass(frozen=True)
class Options:
    """/circle create as typed (None: not given)."""

    name: str
    channel_id: int
    cadence: str
    start: str
    time: str
    prompts: str
    zone: str | None = None
    meetings: int | None = None
    until: str | None = None
    minutes: int | None = None
    agreement: str | None = None
    closing: str | None = None


@dataclass(frozen=True)
class Draft:
    """A checked circle, not yet stored: the cog makes or checks its role in between."""

    guild_id: int
    name: str
    channel_id: int
    plan: p.Plan
    prompts: tuple[str, ...]
    minutes: int
    agreement: str | None
    closing: str | None


@dataclass(frozen=True)
class Meeting:
    """One meeting to post: the text, its thread's title, when it closes, whether it is the last."""

    circle: Circle
    due_at: datetime
    text: str
    title: str
    closes_at: datetime
    last: bool


class CircleService:
    """Circles for every server: set-up, changes, and what each meeting posts."""

    @classmethod
    def build(cls, services: Services) -> CircleService:
        """The service over the bot's core services."""
        builtins = [(prompt.id, prompt.text) for prompt in services.content.prompts_in("reflection")]
        return cls(
            services.db,
            services.clock,
            services.scheduler,
            services.guilds,
            services.library,
            lambda: list(builtins),
            load_texts(),
        )

    def __init__(
        self,
        db: Database,
        clock: Clock,
        scheduler: Scheduler,
        guilds: GuildSettingsService,
        library: ServerItemService,
        builtins: Callable[[], list[tuple[str, str]]],
        texts: Texts,
    ) -> None:
        self.db = db
        self.clock = clock
        self.scheduler = scheduler
        self.guilds = guilds
        self.items = library
        self.repo = CircleRepository(db)
        self._builtins = builtins
        self.texts = texts

    # -- checks -------------------------------------------------------------------------------------

    async def check_channel(self, guild_id: int, channel_id: int) -> None:
        """Circles meet in the channels moderators allowed for co-reflection."""
        if channel_id not in await self.guilds.channels(guild_id, REFLECTION_CHANNELS):
            raise UserFacingError(
                f"<#{channel_id}> isn't allowed for co-reflection. A moderator can allow it with "
                "/config reflection-channel, or choose a channel that is allowed. Nothing was changed."
            )

    async def library_text(self, guild_id: int, key: str) -> str | None:
        """The wording of a prompt in the server's reflection library (b:… built-in, s:N its own)."""
        if key.startswith("s:") and key[2:].isdigit():
            own = await self.items.get(guild_id, REFLECTION, int(key[2:]))
            return own.text if own is not None else None
        wanted = key[2:]
        for builtin_id, text in self._builtins():
            if builtin_id == wanted:
                change = (await self.items.builtin_changes(guild_id, REFLECTION)).get(builtin_id)
                if change is not None and change.text:
                    return change.text
                return fill_role(text, (await self.guilds.get(guild_id)).role_words)
        return None

    async def resolve_prompts(self, guild_id: int, text: str, separator: str = p.SEPARATOR) -> tuple[str, ...]:
        """The prompts typed: library keys become their wording; anything else is the facilitator's own."""
        resolved = []
        for item in p.split_prompts(text, separator):
            if _KEY.match(item):
                found = await self.library_text(guild_id, item)
                if found is None:
                    raise UserFacingError(
                        f"There is no prompt {item[:24]} in the library. /reflect prompts list shows the keys."
                    )
                item = " ".join(found.split())
            resolved.append(item)
        return tuple(resolved)

    async def prepare(self, guild_id: int, options: Options) -> Draft:
        """Check everything /circle create was given, writing nothing."""
        name = p.check_name(options.name)
        await self.check_channel(guild_id, options.channel_id)
        if await self.repo.count(guild_id) >= MAX_CIRCLES:
            raise _full()
        if await self.repo.by_name(guild_id, name) is not None:
            raise _name_taken(name)
        config = await self.guilds.get(guild_id)
        plan = p.build_plan(
            options.cadence,
            options.start,
            options.time,
            options.zone,
            config.timezone,
            self.clock.now(),
            meetings=options.meetings,
            until=options.until,
        )
        minutes = options.minutes if options.minutes is not None else p.DEFAULT_MINUTES
        if not p.MIN_MINUTES <= minutes <= p.MAX_MINUTES:
            raise UserFacingError(f"`minutes` is from {p.MIN_MINUTES} to {p.MAX_MINUTES}.")
        prompts = await self.resolve_prompts(guild_id, options.prompts)
        agreement = p.check_text(options.agreement, "agreement")
        closing = p.check_text(options.closing, "closing round")
        return Draft(guild_id, name, options.channel_id, plan, prompts, minutes, agreement, closing)

    async def store(self, draft: Draft, role_id: int, role_made: bool) -> tuple[Circle, ScheduleRow]:
        """Store a prepared circle and its meeting schedule, in one transaction."""
        await self.guilds.ensure_guild(draft.guild_id)
        new = NewCircle(
            draft.guild_id,
            draft.name,
            draft.channel_id,
            role_id,
            role_made,
            draft.prompts,
            draft.plan.meetings,
            draft.plan.ends_on,
            draft.minutes,
            draft.agreement,
            draft.closing,
            to_timestamp(self.clock.now()),
        )
        try:
            async with self.db.transaction():
                # Checked again here: another circle may have been made since `prepare` (two facilitators at once).
                if await self.repo.count(draft.guild_id) >= MAX_CIRCLES:
                    raise _full()
                circle_id = await self.repo.add(new)
                row = await self.scheduler.add(
                    draft.guild_id, MEETING_KIND, draft.plan.rule, target={"circle": circle_id}
                )
                await self.repo.update(circle_id, {"schedule_id": row.id})
        except IntegrityErrors:
            # The name's unique index: a circle of that name was made since `prepare` looked.
            if await self.repo.by_name(draft.guild_id, draft.name) is None:
                raise
            raise _name_taken(draft.name) from None
        return await self.circle(circle_id), row

    # -- finding ------------------------------------------------------------------------------------

    async def circle(self, circle_id: int) -> Circle:
        """A circle by number; a refusal when it no longer exists."""
        found = await self.repo.get(circle_id)
        if found is None:
            raise UserFacingError("That circle no longer exists (it may have ended). /circle list shows the circles.")
        return found

    async def lookup(self, circle_id: int) -> Circle | None:
        """A circle by number, or None."""
        return await self.repo.get(circle_id)

    async def find(self, guild_id: int, ref: str) -> Circle:
        """A server's circle by the number autocomplete gives, or by name."""
        found = await self.repo.get(int(ref)) if ref.strip().isdigit() else await self.repo.by_name(guild_id, ref)
        if found is None or found.guild_id != guild_id:
            raise UserFacingError(f"There is no circle '{ref.strip()[:40]}' here. /circle list shows them.")
        return found

    async def circles(self, guild_id: int) -> list[Circle]:
        """The server's circles, oldest first."""
        return await self.repo.in_guild(guild_id)

    async def rule(self, circle: Circle) -> Recurrence:
        """When the circle meets."""
        row = await self._meeting_row(circle)
        return row.recurrence

    async def _meeting_row(self, circle: Circle) -> ScheduleRow:
        row = await self.scheduler.repository.get(circle.schedule_id or 0)
        if row is None:
            raise UserFacingError(f"{circle.name} has no meeting times any more. End it and set it up again.")
        return row

    async def _rows(self, circle: Circle, kind: str) -> list[ScheduleRow]:
        rows = await self.scheduler.repository.list_by_guild(circle.guild_id, kind)
        return [r for r in rows if r.target.get("circle") == circle.id]

    async def next_meetings(self, circle: Circle, limit: int = 3) -> list[datetime]:
        """The next meetings (moved ones included), soonest first; none while paused."""
        if circle.paused:
            return []
        rule = await self.rule(circle)
        regular = list(p.upcoming(rule, self.clock.now(), circle.skipped, circle.ends_on, limit))
        moved = [r.next_run_at for r in await self._rows(circle, MOVED_KIND) if r.next_run_at is not None]
        found = sorted([*regular, *moved])
        if circle.meetings is not None:
            found = found[: max(0, circle.meetings - circle.held)]
        return found[:limit]

    async def describe(self, circle: Circle) -> str:
        """One line for /circle list."""
        rule = await self.rule(circle)
        end = f"{circle.meetings} meetings" if circle.meetings else f"until {_day(circle.ends_on)}"
        if circle.problem:
            state = f"paused: {circle.problem}"
        elif circle.paused:
            state = "paused"
        else:
            nxt = await self.next_meetings(circle, 1)
            state = f"next: {_when(nxt[0], rule.tz)}" if nxt else "no meetings left"
        return (
            f"**{circle.name}** · {describe(rule)} · {end}, {circle.held} held · <#{circle.channel_id}> · "
            f"<@&{circle.role_id}> · {state}"
        )

    # -- changes ------------------------------------------------------------------------------------

    async def pause(self, circle: Circle) -> None:
        """No meetings until resumed (a moved meeting waits too)."""
        async with self.db.transaction():
            await self.repo.update(circle.id, {"paused": True})
            for row in [await self._meeting_row(circle), *await self._rows(circle, MOVED_KIND)]:
                await self.scheduler.pause(row.id)

    async def resume(self, circle: Circle) -> datetime | None:
        """Meet again from the next time; meetings missed while paused are not made up."""
        async with self.db.transaction():
            await self.repo.update(circle.id, {"paused": False, "problem": None})
            for row in [await self._meeting_row(circle), *await self._rows(circle, MOVED_KIND)]:
                await self.scheduler.resume(row.id)
        nxt = await self.next_meetings(await self.circle(circle.id), 1)
        return nxt[0] if nxt else None

    async def record_problem(self, circle_id: int, problem: str) -> Circle | None:
        """Pause a circle that cannot meet, keeping why for /circle list (never retried on its own)."""
        circle = await self.repo.get(circle_id)
        if circle is None:
            return None
        await self.pause(circle)
        await self.repo.update(circle_id, {"problem": problem})
        return circle

    async def skip(self, circle: Circle) -> tuple[datetime, datetime | None]:
        """Skip the next regular meeting; return it and the one after."""
        rule = await self.rule(circle)
        coming = list(p.upcoming(rule, self.clock.now(), circle.skipped, circle.ends_on, 2))
        if circle.paused or not coming:
            raise UserFacingError(
                f"{circle.name} has no coming meeting to skip" + (" (it is paused)." if circle.paused else ".")
            )
        day = p.local_day(coming[0], rule.tz).isoformat()
        # Only over the version read, as in `move`: a skip or move made meanwhile is never written over.
        if not await self.repo.update(
            circle.id, {"skipped": _recent([*circle.skipped, day], self.clock.now())}, expect_version=circle.version
        ):
            raise _changed_meanwhile(circle.name, "skipped")
        return coming[0], coming[1] if len(coming) > 1 else None

    async def move(
        self, circle: Circle, date_text: str, time_text: str, which: str | None
    ) -> tuple[datetime, datetime]:
        """Move one regular meeting (the next, or the one on `which`) to another date and time."""
        rule = await self.rule(circle)
        coming = list(p.upcoming(rule, self.clock.now(), circle.skipped, circle.ends_on, 60))
        if which is not None:
            day = p.parse_date(which, "meeting")
            coming = [m for m in coming if p.local_day(m, rule.tz) == day]
        if circle.paused or not coming:
            raise UserFacingError(
                f"{circle.name} has no coming meeting on {which.strip()[:20]}. /circle preview lists the next ones."
                if which
                else f"{circle.name} has no coming meeting to move."
            )
        to_day, at = p.parse_date(date_text, "date"), p.parse_clock(time_text)
        moved = Recurrence.once(to_day, at, rule.tz)
        when = next_occurrence(moved, self.clock.now())
        if when is None:
            raise UserFacingError(
                f"{to_day.isoformat()} at {at[0]:02d}:{at[1]:02d} ({rule.tz}) has passed. "
                "Choose a later `date` or `time`."
            )
        if circle.ends_on is not None and to_day > circle.ends_on:
            raise UserFacingError(f"{circle.name} ends on {circle.ends_on.isoformat()}; choose a `date` up to then.")
        old_day = p.local_day(coming[0], rule.tz).isoformat()
        async with self.db.transaction():
            if len(await self._rows(circle, MOVED_KIND)) >= MAX_MOVED:
                raise UserFacingError(
                    f"{circle.name} already has {MAX_MOVED} moved meetings waiting; let one happen first."
                )
            # Only over the version read: a move made meanwhile would otherwise be moved again, and its
            # skipped day written over.
            skipped = _recent([*circle.skipped, old_day], self.clock.now())
            if not await self.repo.update(circle.id, {"skipped": skipped}, expect_version=circle.version):
                raise _changed_meanwhile(circle.name, "moved")
            await self.scheduler.add(circle.guild_id, MOVED_KIND, moved, target={"circle": circle.id})
        return coming[0], when

    async def edit(
        self, circle_id: int, version: int, prompts: str, agreement: str | None, closing: str | None
    ) -> Circle:
        """Replace the coming prompts and the texts, unless someone changed the circle since `version`."""
        circle = await self.circle(circle_id)
        new_prompts = await self.resolve_prompts(circle.guild_id, prompts, "\n")
        agreement_text = p.check_text(agreement, "agreement")
        closing_text = p.check_text(closing, "closing round")
        if agreement_text == self.texts.agreement:
            agreement_text = None  # still the default: it follows the shipped wording
        changes = {"prompts": new_prompts, "next_prompt": 0, "agreement": agreement_text, "closing": closing_text}
        if not await self.repo.update(circle_id, changes, expect_version=version):
            raise UserFacingError(
                f"Someone changed {circle.name} while you were editing it, so I saved nothing. Your text is "
                "below; run /circle edit again to see the latest, and paste back what you need."
            )
        return await self.circle(circle_id)

    def coming_prompts(self, circle: Circle) -> tuple[str, ...]:
        """The prompts in the order the coming meetings post them."""
        start = circle.next_prompt % len(circle.prompts)
        return circle.prompts[start:] + circle.prompts[:start]

    async def end(self, circle: Circle) -> tuple[Circle, list[ScheduleRow]]:
        """End a circle now: delete it and its schedules; return the meeting ends still to run."""
        closes = await self._rows(circle, CLOSE_KIND)
        await self.finish(circle)
        return circle, closes

    async def finish(self, circle: Circle) -> None:
        """Delete the circle and every schedule of it."""
        async with self.db.transaction():
            for kind in KINDS:
                for row in await self._rows(circle, kind):
                    await self.scheduler.remove(row.id)
            await self.repo.delete(circle.id)

    # -- meetings -----------------------------------------------------------------------------------

    async def meeting(
        self, row: ScheduleRow, due_at: datetime, late: bool
    ) -> tuple[str, Meeting | None, Circle | None]:
        """What a due meeting does: ("gone"|"skipped"|"ended"|"meet", the meeting, the circle)."""
        circle = await self.repo.get(int(row.target.get("circle", 0)))
        if circle is None:
            await self.scheduler.remove(row.id)
            return "gone", None, None
        rule = await self.rule(circle)
        day = p.local_day(due_at, rule.tz)
        if row.kind == MEETING_KIND and day.isoformat() in circle.skipped:
            return ("ended" if await self._nothing_after(circle, rule, due_at) else "skipped"), None, circle
        if circle.ends_on is not None and day > circle.ends_on:
            return "ended", None, circle
        number = circle.held + (0 if circle.last_due == to_timestamp(due_at) else 1)
        last = (circle.meetings is not None and number >= circle.meetings) or await self._nothing_after(
            circle, rule, due_at
        )
        closes_at = _minute_up(max(due_at + timedelta(minutes=circle.minutes), self.clock.now() + MIN_OPEN))
        index = circle.next_prompt if circle.last_due != to_timestamp(due_at) else circle.next_prompt - 1
        text = p.render_meeting(
            name=circle.name,
            role_id=circle.role_id,
            agreement=circle.agreement or self.texts.agreement,
            prompt=circle.prompts[index % len(circle.prompts)],
            number=number,
            total=circle.meetings,
            closes_at=closes_at,
            late=late,
        )
        title = p.thread_title(circle.name, due_at, rule.tz)
        return "meet", Meeting(circle, due_at, text, title, closes_at, last), circle

    async def _nothing_after(self, circle: Circle, rule: Recurrence, due_at: datetime) -> bool:
        if circle.meetings is not None:
            return False
        after = max(due_at, self.clock.now())
        regular = list(p.upcoming(rule, after, circle.skipped, circle.ends_on, 1))
        moved = [r for r in await self._rows(circle, MOVED_KIND) if r.next_run_at is not None and r.next_run_at > after]
        return not regular and not moved

    async def held(self, meeting: Meeting, thread_id: int, moved_row: int | None) -> None:
        """Count a posted meeting (once, even if its post was retried) and queue its end."""
        circle = meeting.circle
        stamp = to_timestamp(meeting.due_at)
        when = meeting.closes_at.astimezone(UTC)
        rule = Recurrence.once(when.date(), (when.hour, when.minute), "UTC")
        target = {"circle": circle.id, "thread": thread_id, "last": meeting.last, "due": stamp}
        queued = any(r.target.get("due") == stamp for r in await self._rows(circle, CLOSE_KIND))
        async with self.db.transaction():
            if circle.last_due != stamp:
                await self.repo.update(
                    circle.id, {"held": circle.held + 1, "next_prompt": circle.next_prompt + 1, "last_due": stamp}
                )
            if not queued:
                await self.scheduler.add(circle.guild_id, CLOSE_KIND, rule, target=target)
            if moved_row is not None:
                await self.scheduler.remove(moved_row)

    async def closing(self, row: ScheduleRow) -> tuple[Circle | None, str | None, bool]:
        """For a meeting's end: the circle (if it still exists), its closing round, whether it was the last."""
        circle = await self.repo.get(int(row.target.get("circle", 0)))
        closing = None if circle is None else circle.closing
        return circle, closing, bool(row.target.get("last"))

    async def closed(self, row: ScheduleRow, circle: Circle | None, last: bool) -> bool:
        """The meeting's end has run: drop its row; finish the circle after its last meeting. True if it ended."""
        await self.scheduler.remove(row.id)
        if circle is not None and last:
            await self.finish(circle)
            return True
        return False

    async def preview(self, circle: Circle) -> Meeting | None:
        """The next meeting exactly as it will be posted; None when none is coming."""
        nxt = await self.next_meetings(circle, 1)
        if not nxt:
            return None
        # As a moved meeting: the next one may be a meeting moved within its own (skipped) day.
        fake = ScheduleRow(
            0,
            circle.guild_id,
            MOVED_KIND,
            None,
            {"circle": circle.id},
            await self.rule(circle),
            None,
            False,
            nxt[0],
            None,
        )
        _, meeting, _ = await self.meeting(fake, nxt[0], False)
        if meeting is None:
            return None
        closes = _minute_up(nxt[0] + timedelta(minutes=circle.minutes))
        text = meeting.text.replace(f"<t:{to_timestamp(meeting.closes_at)}:t>", f"<t:{to_timestamp(closes)}:t>")
        return replace(meeting, text=text, closes_at=closes)


def _minute_up(when: datetime) -> datetime:
    if when.second or when.microsecond:
        return when.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return when


def _recent(days: list[str], now: datetime) -> list[str]:
    """Skipped dates from the last week on (older ones can never match a meeting again)."""
    floor = (now - timedelta(days=7)).date().isoformat()
    return sorted({d for d in days if d >= floor})


def _day(day: date | None) -> str:
    return "" if day is None else f"{day:%a} {day.day} {day:%b %Y}"


def _when(when: datetime, zone: str) -> str:
    local = when.astimezone(Recurrence.daily((0, 0), zone).zoneinfo)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({zone})"


def when_text(when: datetime, zone: str) -> str:
    """An instant in a zone, for replies: e.g. "Tue 3 Mar 2026, 18:00 (America/New_York)"."""
    return _when(when, zone)


def _changed_meanwhile(name: str, done: str) -> UserFacingError:
    return UserFacingError(
        f"{name} was changed at the same moment, so I {done} nothing. "
        "/circle preview shows its meetings now; try again if you still need to."
    )


def _full() -> UserFacingError:
    return UserFacingError(f"This server has {MAX_CIRCLES} circles, the most it can have. End one first.")


def _name_taken(name: str) -> UserFacingError:
    return UserFacingError(f"There is already a circle called {name}. Choose another `name`.")
