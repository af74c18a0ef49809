"""A circle's meeting plan: when it meets, how many times, which prompts, and the texts it posts.

Pure functions over dates and the clock's `now` (no I/O, no Discord); every refusal is a
UserFacingError naming the option to fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.clock import to_timestamp
from bot.errors import UserFacingError
from bot.scheduling.recurrence import LAST, Recurrence, next_occurrence, parse_time
from bot.services.timezones import validate_zone

CADENCES = ("weekly", "every-2-weeks", "monthly")
MAX_PROMPTS = 25
MAX_PROMPT_CHARS = 1000
MAX_TEXT_CHARS = 1500
MAX_MEETINGS = 52
MAX_NAME_CHARS = 60
DEFAULT_MINUTES = 90
MIN_MINUTES, MAX_MINUTES = 15, 720
SEPARATOR = "|"
REMINDER = "-# Please leave out names and details of the people you support. Answering is up to you."


@dataclass(frozen=True)
class Plan:
    """When a circle meets: the rule, and its end (a number of meetings or a last date)."""

    rule: Recurrence
    meetings: int | None
    ends_on: date | None


def parse_date(text: str, what: str) -> date:
    """An ISO date typed into `what`, or a refusal naming it."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserFacingError(
            f"I couldn't read '{text.strip()[:20]}' as a date in `{what}`. Write it as year-month-day, "
            "for example 2026-03-14."
        ) from None


def parse_clock(text: str) -> tuple[int, int]:
    """A time of day typed into `time`."""
    try:
        return parse_time(text)
    except ValueError as error:
        raise UserFacingError(f"The `time` '{text.strip()[:20]}' doesn't work: {error}") from None


def make_rule(cadence: str, start: date, at: tuple[int, int], zone: str) -> Recurrence:
    """The meeting rule: weekly or fortnightly from `start`, or monthly on the same weekday of the month."""
    if cadence == "weekly":
        return Recurrence.weekly(start, at, zone)
    if cadence == "every-2-weeks":
        return Recurrence.weekly(start, at, zone, every=2)
    if cadence == "monthly":
        nth = (start.day - 1) // 7 + 1
        return Recurrence.monthly_nth_weekday(LAST if nth > 4 else nth, start.weekday(), at, zone)
    raise UserFacingError(f"Choose `cadence`: {', '.join(CADENCES)}.")


def build_plan(
    cadence: str,
    start_text: str,
    time_text: str,
    zone_text: str | None,
    server_zone: str,
    now: datetime,
    *,
    meetings: int | None,
    until: str | None,
) -> Plan:
    """Check the schedule options of /circle create and turn them into a Plan."""
    zone = validate_zone(zone_text) if zone_text else server_zone
    at = parse_clock(time_text)
    start = parse_date(start_text, "start")
    if (meetings is None) == (until is None):
        raise UserFacingError("Give either `meetings` (how many) or `until` (the last date), one of the two.")
    if meetings is not None and not 1 <= meetings <= MAX_MEETINGS:
        raise UserFacingError(f"`meetings` is from 1 to {MAX_MEETINGS}.")
    rule = make_rule(cadence, start, at, zone)
    first = first_meeting(rule, start)
    if first is None or first <= now:
        raise UserFacingError(
            f"The first meeting ({start.isoformat()} at {at[0]:02d}:{at[1]:02d}, {zone}) has already passed. "
            "Choose a later `start` or `time`."
        )
    ends_on = None
    if until is not None:
        ends_on = parse_date(until, "until")
        first_day = local_day(first, zone)
        if ends_on < first_day:
            raise UserFacingError(
                f"`until` ({ends_on.isoformat()}) is before the first meeting ({first_day.isoformat()}). "
                "Choose a later `until` or an earlier `start`."
            )
    return Plan(rule, meetings, ends_on)


def first_meeting(rule: Recurrence, start: date) -> datetime | None:
    """The first meeting on or after the start date."""
    before = datetime.combine(start - timedelta(days=1), datetime.min.time(), rule.zoneinfo)
    return next_occurrence(rule, before)


def local_day(when: datetime, zone: str) -> date:
    """The date of an instant in a zone."""
    return when.astimezone(Recurrence.daily((0, 0), zone).zoneinfo).date()


def upcoming(
    rule: Recurrence, after: datetime, skipped: tuple[str, ...], ends_on: date | None, limit: int
) -> Iterator[datetime]:
    """The regular meetings after `after` that are not skipped, up to the end date, at most `limit`."""
    found = 0
    when: datetime | None = after
    while found < limit and when is not None:
        when = next_occurrence(rule, when)
        if when is None or (ends_on is not None and local_day(when, rule.tz) > ends_on):
            return
        if local_day(when, rule.tz).isoformat() not in skipped:
            found += 1
            yield when


def split_prompts(text: str, separator: str = SEPARATOR) -> tuple[str, ...]:
    """The prompts in a list typed with `separator` between them (| in a command, a new line in a form)."""
    prompts = tuple(" ".join(p.split()) for p in text.split(separator) if p.strip())
    if not prompts:
        raise UserFacingError(
            "A circle needs at least one prompt. Write them in `prompts`, separated by |, or use keys from "
            "/reflect prompts list such as b:… or s:3."
        )
    if len(prompts) > MAX_PROMPTS:
        raise UserFacingError(f"That is {len(prompts)} prompts; a circle can have at most {MAX_PROMPTS}.")
    for number, prompt in enumerate(prompts, start=1):
        if len(prompt) > MAX_PROMPT_CHARS:
            raise UserFacingError(
                f"Prompt {number} is {len(prompt)} characters; the most is {MAX_PROMPT_CHARS}. Shorten it."
            )
    return prompts


def check_text(text: str | None, what: str) -> str | None:
    """An optional text (agreement, closing round) within its limit; None when blank."""
    if text is None or not text.strip():
        return None
    cleaned = text.strip()
    if len(cleaned) > MAX_TEXT_CHARS:
        raise UserFacingError(f"The {what} is {len(cleaned)} characters; the most is {MAX_TEXT_CHARS}. Shorten it.")
    return cleaned


def check_name(text: str) -> str:
    """A circle's name: one line, not empty, short enough for a role and a thread title."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise UserFacingError("Give the circle a `name`, for example Tuesday circle.")
    if len(cleaned) > MAX_NAME_CHARS:
        raise UserFacingError(f"The `name` is {len(cleaned)} characters; the most is {MAX_NAME_CHARS}.")
    return cleaned


def thread_title(name: str, when: datetime, zone: str) -> str:
    """The meeting thread's name, e.g. "Tuesday circle · 14 Jan"."""
    day = local_day(when, zone)
    return f"{name} · {day.day} {day:%b}"[:100]


def render_meeting(
    *,
    name: str,
    role_id: int,
    agreement: str,
    prompt: str,
    number: int,
    total: int | None,
    closes_at: datetime,
    late: bool = False,
) -> str:
    """Exactly what a meeting post says: who it is for, the agreement at the top, the prompt."""
    count = f"meeting {number} of {total}" if total else f"meeting {number}"
    until = f"<t:{to_timestamp(closes_at)}:t>"
    head = f"<@&{role_id}> **{name}** is meeting now ({count}). The thread below is open until {until}."
    if late:
        head += " (Posted late: the bot was offline when it was due.)"
    return f"{head}\n\n**Our agreement**\n{agreement}\n\n**Prompt**\n{prompt}\n\n{REMINDER}"


def render_closing(closing: str) -> str:
    """The closing round, posted into the thread just before it is closed."""
    return f"**Closing round**\n{closing}\n\n-# The thread closes now. Thank you for being here."


def render_end(name: str, role_made: bool) -> str:
    """What the channel is told when a circle has ended."""
    role = (
        " Its role is removed, so nobody will be mentioned for it again."
        if role_made
        else " Its role stays as it was; the bot will not mention it for this circle again."
    )
    return f"**{name}** has ended: its meetings are over. Thank you to everyone who took part.{role}"
