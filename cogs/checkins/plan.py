"""Pure pieces of a check-in plan: reading a member's choices, the schedule rule, and the plain
statement of what is kept. No I/O, no Discord; bad input raises UserFacingError with an example.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.errors import UserFacingError
from bot.scheduling.recurrence import WEEKDAY_NAMES, Recurrence, describe, parse_time

CADENCES = ("daily", "weekdays", "days", "weekly")
CADENCE_LABELS = {"daily": "every day", "weekdays": "Monday to Friday", "days": "chosen days", "weekly": "weekly"}
PROMPT_SET_LABELS = {"daily": "short daily prompts", "weekly": "longer weekly reflections", "mix": "a mix of both"}
# Which content sets each choice draws from (sets are defined by the content store).
CONTENT_SETS = {"daily": ("checkin-daily",), "weekly": ("checkin-weekly",), "mix": ("checkin-daily", "checkin-weekly")}
KEEP_CHOICES = (0, 7, 30, 90, 365)
# Discord's text inputs hold up to 4000 characters; a check-in answer is a short reflection.
ANSWER_MAX = 2000
_DAY_WORDS = {name[:3].lower(): index for index, name in enumerate(WEEKDAY_NAMES)}
_DAYS_EXAMPLE = "for example: mon, wed, fri"


@dataclass(frozen=True)
class ChosenPrompt:
    """A prompt ready to show: id and text."""

    id: str
    text: str


@dataclass(frozen=True)
class Delivery:
    """A check-in to send now: to whom, which prompt, and the random token of that message."""

    guild_id: int
    user_id: int
    prompt: ChosenPrompt
    token: str


@dataclass(frozen=True)
class AnswerResult:
    """What happened to an answer: kept for N days (None: not kept), and whether it was a repeat."""

    kept_days: int | None
    duplicate: bool = False


@dataclass(frozen=True)
class HistoryEntry:
    """One kept answer, decrypted for its owner only."""

    id: int
    prompt: str
    text: str
    created_at: datetime
    expires_at: datetime


class PromptLike(Protocol):
    """What a check-in needs from a prompt (the content store's Prompt has these and more)."""

    @property
    def id(self) -> str:
        """The prompt's stable id."""
        ...

    @property
    def text(self) -> str:
        """The question shown to the member."""
        ...


class PromptSource(Protocol):
    """The slice of the content store check-ins use, so the real store drops in unchanged."""

    def prompts_in(self, set_name: str) -> Sequence[PromptLike]:
        """Prompts of one set, in file order."""
        ...

    def prompt(self, prompt_id: str) -> PromptLike | None:
        """One prompt by id, or None."""
        ...


@dataclass(frozen=True)
class Choices:
    """Everything a member chose in the walk-through, validated but not yet stored."""

    cadence: str
    days: tuple[int, ...]
    at_minute: int
    timezone: str
    prompt_set: str
    keep_days: int
    quiet: tuple[int, int] | None

    @property
    def at(self) -> tuple[int, int]:
        """The time of day as (hour, minute)."""
        return divmod(self.at_minute, 60)


def parse_days(text: str) -> tuple[int, ...]:
    """Read weekdays like "mon, wed fri" or "Tuesday" into sorted numbers (0 = Monday)."""
    words = [w for w in re.split(r"[\s,;/]+", text.strip().lower()) if w]
    if not words:
        raise UserFacingError(f"Please name at least one day, {_DAYS_EXAMPLE}.")
    days: set[int] = set()
    for word in words:
        index = _DAY_WORDS.get(word[:3])
        if index is None or not WEEKDAY_NAMES[index].lower().startswith(word):
            raise UserFacingError(f"I couldn't read '{word[:15]}' as a day; {_DAYS_EXAMPLE}.")
        days.add(index)
    return tuple(sorted(days))


def parse_minute(text: str, what: str) -> int:
    """A typed time of day as minutes after midnight, with the parser's example on failure."""
    try:
        hour, minute = parse_time(text)
    except ValueError as error:
        raise UserFacingError(f"{what}: {error}") from None
    return hour * 60 + minute


def parse_keep(value: int) -> int:
    """The number of days answers are kept (0 = not kept)."""
    if value not in KEEP_CHOICES:
        raise UserFacingError("Answers can be kept for 7, 30, 90 or 365 days, or not at all.")
    return value


def check_cadence(cadence: str, days: tuple[int, ...]) -> None:
    """Chosen days need days; everything else is complete on its own."""
    if cadence not in CADENCES:
        raise UserFacingError("Choose daily, weekdays, chosen days or weekly.")
    if cadence == "days" and not days:
        raise UserFacingError(f"For chosen days, name the days in the `days` option, {_DAYS_EXAMPLE}.")
    if cadence == "weekly" and len(days) > 1:
        raise UserFacingError(
            "Weekly means one day a week. Name one day, or choose the cadence 'chosen days' for several."
        )


def check_quiet(at_minute: int, quiet: tuple[int, int] | None) -> None:
    """Quiet hours can't cover the whole day, and the check-in time can't fall inside them."""
    if quiet is None:
        return
    start, end = quiet
    if start == end:
        raise UserFacingError(
            "Quiet hours can't cover the whole day, or nothing could ever reach you. "
            "Pick an end different from the start, for example 22:00 to 07:00."
        )
    inside = start <= at_minute < end if start < end else (at_minute >= start or at_minute < end)
    if inside:
        raise UserFacingError(
            "That check-in time falls inside your quiet hours, so it could never arrive. "
            "Choose a time outside them, or different quiet hours."
        )


def recurrence_for(choices: Choices, today: date) -> Recurrence:
    """The schedule rule for the member's choices (weekly: the first chosen day, else today's)."""
    at, tz = choices.at, choices.timezone
    if choices.cadence == "daily":
        return Recurrence.daily(at, tz)
    if choices.cadence == "weekdays":
        return Recurrence.on_weekdays((0, 1, 2, 3, 4), at, tz)
    if choices.cadence == "days":
        return Recurrence.on_weekdays(choices.days, at, tz)
    weekday = choices.days[0] if choices.days else today.weekday()
    anchor = today + timedelta(days=(weekday - today.weekday()) % 7)
    return Recurrence.weekly(anchor, at, tz)


def _minutes(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def statement(choices: Choices, today: date, server_retention_days: int) -> str:
    """The plain statement shown before confirming: what is kept, who sees it, for how long."""
    when = describe(recurrence_for(choices, today))
    quiet = "none" if choices.quiet is None else f"{_minutes(choices.quiet[0])} to {_minutes(choices.quiet[1])}"
    lines = [
        f"**When:** {when}",
        f"**Prompts:** {PROMPT_SET_LABELS[choices.prompt_set]}",
        f"**Quiet hours:** {quiet}",
        "",
        "**What I keep**",
        "- Your choices above, so I know when to write. They go when you /checkin stop, "
        "or after a year without using check-ins.",
    ]
    if choices.keep_days:
        days = kept_days(choices.keep_days, server_retention_days)
        lines.append(
            f"- Your answers, encrypted, for {days} days each, so you can read them back with /checkin history. "
            "You can delete any of them at any time."
        )
    else:
        lines.append("- Not your answers. When you answer, I read it back to you once and then discard it.")
    lines += [
        "- Nothing about whether you answered: no counts, no streaks, nothing about skipped days.",
        "",
        "**Who can see it:** only you. Not moderators, not the server owner. "
        "/privacy export gives you a copy and /privacy forget erases it.",
    ]
    return "\n".join(lines)


def kept_days(keep_days: int, server_retention_days: int) -> int:
    """The member's choice, capped at the server's retention period (the server's upper bound)."""
    return min(keep_days, server_retention_days)
