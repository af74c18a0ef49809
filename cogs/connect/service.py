"""/connect: mutual-consent introductions between peers from different workplaces.

A member opts in with what they choose to share (kinds of setting, interests, when they are usually
free) and, optionally, their workplace's name, kept only as a keyed hash so colleagues are never
matched. The bot suggests a match to each side showing only what the others chose to share; nothing
happens until everyone accepts. A decline is silent (the others learn only that no match was made
this time) and the same people are never suggested to each other again. No Discord import.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, from_timestamp, to_timestamp
from bot.content.store import DEFAULT_CONTENT_DIR
from bot.delivery.notices import DmNotices
from bot.errors import UserFacingError
from bot.keys import Keys
from bot.services.guild_settings import (
    FeatureSwitch,
    GuildSettingsService,
    SettingSpec,
    parse_snowflake,
    register_feature,
    register_setting,
)
from bot.services.help_tips import Tip, register_tip
from bot.services.preferences import PreferencesService
from cogs.connect.repository import ConnectRepository, Entry, ProposalMember

if TYPE_CHECKING:
    from bot.app import Services

# Off until a moderator turns it on: introductions open private threads in a channel they choose.
FEATURE = register_feature(FeatureSwitch("connect", "Peer connection", default=False))
# What /help suggests for this feature (bot.services.help_tips).
register_tip(
    Tip(
        "member",
        65,
        FEATURE.key,
        "connect join",
        "meet a peer from another workplace; nothing is shared until both of you agree",
    )
)
CHANNEL_SETTING = "connect_channel"
register_setting(SettingSpec(CHANNEL_SETTING, "Channel for /connect introductions", None, parse_snowflake, "channel"))

NOTICE_KIND = "connect"
ANSWER_WITHIN = timedelta(days=3)
# A suggestion row outlives its answer time by a day, so the purge never ends one before it is told.
PROPOSAL_GRACE = timedelta(days=1)
CIRCLE_MIN, CIRCLE_MAX = 3, 5
WORKPLACE_MAX = 100
CONTENT_FILE = "connect.toml"


@dataclass(frozen=True)
class Options:
    """The server's lists members choose from (content/connect.toml) and the suggested first step."""

    settings: tuple[tuple[str, str], ...]
    interests: tuple[tuple[str, str], ...]
    availability: tuple[tuple[str, str], ...]
    first_step: str

    def label(self, group: str, item_id: str) -> str:
        """The label members see for an id (the id itself if the list no longer has it)."""
        return dict(getattr(self, group)).get(item_id, item_id)


def load_options(path: Path = DEFAULT_CONTENT_DIR / CONTENT_FILE) -> Options:
    """Read the lists; a missing id or label, or more than 25 in a list, is a content error."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)

    def pairs(group: str) -> tuple[tuple[str, str], ...]:
        items = tuple((str(i["id"]), str(i["label"])) for i in data.get(group, []))
        if not 0 < len(items) <= 25 or len({i for i, _ in items}) != len(items):
            raise ValueError(f"{path.name}: {group} needs 1 to 25 items with distinct ids")
        return items

    return Options(pairs("settings"), pairs("interests"), pairs("availability"), str(data["first_step"]))


@dataclass(frozen=True)
class Choice:
    """What a member chose to share when joining."""

    settings: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    availability: tuple[str, ...] = ()
    circle: bool = False
    workplace: str | None = None


@dataclass(frozen=True)
class Proposal:
    """A new suggestion: its number and the entries of the people in it."""

    id: int
    guild_id: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Ended:
    """A suggestion that ended without an introduction: who to tell "no match this time", who was paused."""

    guild_id: int
    still_waiting: tuple[int, ...]
    paused: tuple[int, ...] = ()


def normalise_workplace(name: str) -> str:
    """The same workplace however it is typed: case, spacing and punctuation don't matter."""
    kept = "".join(ch if ch.isalnum() else " " for ch in name.casefold())
    return " ".join(kept.split())


def score(a: Entry, b: Entry) -> int:
    """How much two entries have in common (shared setting kinds count most)."""
    return (
        3 * len(set(a.settings) & set(b.settings))
        + 2 * len(set(a.interests) & set(b.interests))
        + len(set(a.availability) & set(b.availability))
    )


class ConnectService:
    """Join, pause, withdraw, match, answer, expire, and the privacy contract."""

    @classmethod
    def build(cls, services: Services, options: Options | None = None) -> ConnectService:
        """The service over the bot's core services."""
        return cls(
            ConnectRepository(services.db),
            services.clock,
            services.keys,
            services.guilds,
            services.preferences,
            services.notices,
            options or load_options(),
        )

    def __init__(
        self,
        repo: ConnectRepository,
        clock: Clock,
        keys: Keys,
        guilds: GuildSettingsService,
        preferences: PreferencesService,
        notices: DmNotices,
        options: Options,
    ) -> None:
        self.repo = repo
        self.clock = clock
        self.keys = keys
        self.guilds = guilds
        self.preferences = preferences
        self.notices = notices
        self.options = options

    def _person(self, guild_id: int, user_id: int) -> str:
        return self.keys.tag("connect-person", guild_id, user_id)

    async def _expiry(self, guild_id: int) -> int:
        retention = (await self.guilds.get(guild_id)).retention_days
        return to_timestamp(self.clock.now() + timedelta(days=retention))

    async def channel_id(self, guild_id: int) -> int | None:
        """The channel where introductions open their private threads, if a moderator chose one."""
        value = (await self.guilds.get(guild_id)).get(CHANNEL_SETTING)
        return int(value) if value else None

    def _check(self, choice: Choice) -> str | None:
        for group, chosen in (
            ("settings", choice.settings),
            ("interests", choice.interests),
            ("availability", choice.availability),
        ):
            known = {i for i, _ in getattr(self.options, group)}
            if not set(chosen) <= known:
                raise UserFacingError("That list has changed since it was shown; please run /connect join again.")
        if choice.workplace is None or not choice.workplace.strip():
            return None
        if len(choice.workplace) > WORKPLACE_MAX:
            raise UserFacingError(f"The workplace name is longer than {WORKPLACE_MAX} characters; please shorten it.")
        return normalise_workplace(choice.workplace) or None

    async def join(self, guild_id: int, user_id: int, choice: Choice) -> Entry:
        """Store (or replace) the member's entry; their workplace only as a keyed hash."""
        if await self.channel_id(guild_id) is None:
            raise UserFacingError("A moderator needs to choose a channel for introductions first (/connect channel).")
        workplace = self._check(choice)
        await self.guilds.ensure_guild(guild_id)
        config = await self.guilds.get(guild_id)
        prefs = await self.preferences.effective(guild_id, user_id, config.timezone)
        current = await self.repo.entry(guild_id, user_id)
        entry = Entry(
            guild_id=guild_id,
            user_id=user_id,
            settings=tuple(choice.settings),
            interests=tuple(choice.interests),
            availability=tuple(choice.availability),
            timezone=prefs.timezone,
            circle=choice.circle,
            workplace_tag=self.keys.tag("connect-workplace", guild_id, workplace) if workplace else None,
            avoid_tags=current.avoid_tags if current else (),
            paused=False,
            created_at=to_timestamp(self.clock.now()),
            expires_at=await self._expiry(guild_id),
        )
        await self.repo.save_entry(entry)
        return entry

    async def entry(self, guild_id: int, user_id: int) -> Entry | None:
        """The member's entry here, if any."""
        return await self.repo.entry(guild_id, user_id)

    def _compatible(self, a: Entry, b: Entry) -> bool:
        if a.user_id == b.user_id or a.circle != b.circle:
            return False
        if a.workplace_tag is not None and a.workplace_tag == b.workplace_tag:
            return False  # colleagues are never matched
        return (
            self._person(b.guild_id, b.user_id) not in a.avoid_tags
            and self._person(a.guild_id, a.user_id) not in b.avoid_tags
        )

    async def match_for(self, guild_id: int, user_id: int) -> Proposal | None:
        """Suggest a match for the member if someone compatible is waiting; None means keep waiting.

        Who is waiting is read and the suggestion stored in one transaction: two members joining at once
        would otherwise each be suggested to the other, or one person put in two suggestions.
        """
        async with self.repo.db.transaction():
            return await self._match(guild_id, user_id)

    async def _match(self, guild_id: int, user_id: int) -> Proposal | None:
        waiting = await self.repo.waiting(guild_id)
        me = next((e for e in waiting if e.user_id == user_id), None)
        if me is None:
            return None
        others = sorted(
            (e for e in waiting if self._compatible(me, e)), key=lambda e: (-score(me, e), e.created_at, e.user_id)
        )
        chosen = [me]
        for candidate in others:
            if all(self._compatible(candidate, c) for c in chosen):
                chosen.append(candidate)
            if len(chosen) == (CIRCLE_MAX if me.circle else 2):
                break
        if len(chosen) < (CIRCLE_MIN if me.circle else 2):
            return None
        now = self.clock.now()
        answer_by = now + ANSWER_WITHIN
        proposal_id = await self.repo.add_proposal(
            guild_id,
            [e.user_id for e in chosen],
            to_timestamp(now),
            to_timestamp(answer_by),
            to_timestamp(answer_by + PROPOSAL_GRACE),
        )
        return Proposal(proposal_id, guild_id, tuple(chosen))

    def describe(self, entry: Entry) -> str:
        """What a member chose to share, as the others in a suggestion see it (no name, no workplace)."""
        parts = []
        if entry.settings:
            parts.append("Setting: " + ", ".join(self.options.label("settings", s) for s in entry.settings))
        if entry.interests:
            parts.append("Interested in: " + ", ".join(self.options.label("interests", s) for s in entry.interests))
        if entry.availability:
            free = ", ".join(self.options.label("availability", s) for s in entry.availability)
            parts.append(f"Usually free: {free} ({entry.timezone} time)")
        return "; ".join(parts) if parts else "They chose not to share any details."

    async def members(self, proposal_id: int) -> list[ProposalMember]:
        """The people in a suggestion; empty once it has ended."""
        return await self.repo.members(proposal_id)

    async def accept(self, proposal_id: int, user_id: int) -> list[ProposalMember] | None:
        """Record an acceptance; the members when everyone has accepted, [] while waiting, None if it ended.

        Only the acceptance that completed the suggestion gets the members (so one thread is opened); a
        second press of an accept already counted gets [].
        """
        found = await self.repo.accept(proposal_id, user_id)
        if found is None:
            return None
        made, members = found
        return members if made and all(m.accepted for m in members) else []

    async def decline(self, proposal_id: int, user_id: int) -> Ended | None:
        """End a suggestion silently; none of these people is suggested to each other again.

        None when it had already ended, also when another answer (a second press) ended it at the same
        moment: only the call that deleted it tells the others.
        """
        async with self.repo.db.transaction():
            members = await self.repo.members(proposal_id)
            if user_id not in {m.user_id for m in members} or not await self.repo.delete_proposal(proposal_id):
                return None
            guild_id = members[0].guild_id
            for member in members:
                entry = await self.repo.entry(guild_id, member.user_id)
                if entry is None:
                    continue
                others = {self._person(guild_id, m.user_id) for m in members if m.user_id != member.user_id}
                await self.repo.set_avoid_tags(guild_id, member.user_id, tuple(sorted(set(entry.avoid_tags) | others)))
        return Ended(guild_id, tuple(m.user_id for m in members if m.user_id != user_id))

    async def introduced(self, proposal_id: int, user_ids: Sequence[int]) -> None:
        """The private thread is open: the suggestion and the entries of the people introduced are done."""
        members = await self.repo.members(proposal_id)
        await self.repo.delete_proposal(proposal_id)
        for member in members:
            if member.user_id in user_ids:
                await self.repo.delete_entry(member.user_id, member.guild_id)

    async def drop(self, proposal_id: int, gone: Sequence[int]) -> Ended | None:
        """End a suggestion because some of its people left the server; their entries go too."""
        members = await self.repo.members(proposal_id)
        if not members:
            return None
        deleted = await self.repo.delete_proposal(proposal_id)
        for user_id in gone:
            await self.repo.delete_entry(user_id, members[0].guild_id)
        if not deleted:
            return None  # another call ended it meanwhile and told the others
        return Ended(members[0].guild_id, tuple(m.user_id for m in members if m.user_id not in gone))

    async def expire_overdue(self) -> list[Ended]:
        """End suggestions whose time to answer is over; those who didn't answer are paused."""
        ended = []
        for proposal_id in await self.repo.overdue(to_timestamp(self.clock.now())):
            members = await self.repo.members(proposal_id)
            # Ended some other way meanwhile (a decline, a withdraw): that call told the others.
            if not await self.repo.delete_proposal(proposal_id) or not members:
                continue
            silent = tuple(m.user_id for m in members if not m.accepted)
            for user_id in silent:
                await self._set_paused(members[0].guild_id, user_id, True)
            accepted = tuple(m.user_id for m in members if m.accepted)
            ended.append(Ended(members[0].guild_id, accepted, silent))
        return ended

    async def _set_paused(self, guild_id: int, user_id: int, paused: bool) -> Entry | None:
        # Only these columns: choices made or a decline written at the same moment are not written back over.
        if not await self.repo.set_paused(guild_id, user_id, paused, await self._expiry(guild_id)):
            return None
        return await self.repo.entry(guild_id, user_id)

    async def _end_proposals_of(self, guild_id: int, user_id: int) -> list[Ended]:
        ended = []
        for proposal_id in await self.repo.proposals_of(user_id, guild_id):
            members = await self.repo.members(proposal_id)
            if await self.repo.delete_proposal(proposal_id):  # else another call ended it and told the others
                ended.append(Ended(guild_id, tuple(m.user_id for m in members if m.user_id != user_id)))
        return ended

    async def pause(self, guild_id: int, user_id: int) -> list[Ended]:
        """Pause the member's entry (a pending suggestion with them ends quietly)."""
        if await self._set_paused(guild_id, user_id, True) is None:
            raise UserFacingError("You have no /connect entry here. /connect join starts one.")
        return await self._end_proposals_of(guild_id, user_id)

    async def resume(self, guild_id: int, user_id: int) -> None:
        """Make a paused entry active again."""
        if await self._set_paused(guild_id, user_id, False) is None:
            raise UserFacingError("You have no /connect entry here. /connect join starts one.")
        await self.notices.clear(guild_id, user_id, NOTICE_KIND)

    async def withdraw(self, guild_id: int, user_id: int) -> list[Ended]:
        """Delete the member's entry at once, and end any suggestion they are in."""
        ended = await self._end_proposals_of(guild_id, user_id)
        removed = await self.repo.delete_entry(user_id, guild_id)
        await self.notices.clear(guild_id, user_id, NOTICE_KIND)
        if not removed and not ended:
            raise UserFacingError("You have no /connect entry here, so there was nothing to delete.")
        return ended

    async def dm_closed(self, guild_id: int, user_id: int) -> tuple[bool, list[Ended]]:
        """A DM to the member was refused: pause their entry and end their suggestions."""
        paused = await self._set_paused(guild_id, user_id, True) is not None
        return paused, await self._end_proposals_of(guild_id, user_id)

    async def notice_told(self, guild_id: int, user_id: int) -> bool:
        """Whether the paused entry is still there to tell the member about."""
        return await self.repo.entry(guild_id, user_id) is not None

    async def count(self, guild_id: int) -> tuple[int, int]:
        """How many people are waiting and how many paused here: numbers only, never who."""
        return await self.repo.count_waiting(guild_id)

    async def export(self, user_id: int) -> dict[str, Any]:
        """The member's entries and pending suggestions everywhere."""
        entries = [
            {
                "guild_id": str(e.guild_id),
                "settings": [self.options.label("settings", s) for s in e.settings],
                "interests": [self.options.label("interests", s) for s in e.interests],
                "availability": [self.options.label("availability", s) for s in e.availability],
                "timezone": e.timezone,
                "small_circle": e.circle,
                "workplace_given": e.workplace_tag is not None,
                "people_not_suggested_again": len(e.avoid_tags),
                "paused": e.paused,
                "expires_at": from_timestamp(e.expires_at).isoformat(),
            }
            for e in await self.repo.entries_for_user(user_id)
        ]
        proposals: list[dict[str, Any]] = []
        for proposal_id in await self.repo.proposals_of(user_id):
            mine = [m for m in await self.repo.members(proposal_id) if m.user_id == user_id]
            proposals.extend(
                {
                    "guild_id": str(m.guild_id),
                    "accepted": m.accepted,
                    "answer_by": from_timestamp(m.answer_by).isoformat(),
                }
                for m in mine
            )
        notices = await self.notices.export(user_id, NOTICE_KIND)
        return {"connect entries": entries, "suggestions": proposals, "notices": notices}

    async def forget(self, user_id: int) -> tuple[dict[str, int], list[Ended]]:
        """Erase the member's entries and suggestions everywhere; the others in them are told no match."""
        ended = []
        for proposal_id in await self.repo.proposals_of(user_id):
            members = await self.repo.members(proposal_id)
            if await self.repo.delete_proposal(proposal_id) and members:  # else another call told the others
                ended.append(Ended(members[0].guild_id, tuple(m.user_id for m in members if m.user_id != user_id)))
        erased = {"connect entries": await self.repo.delete_entry(user_id), "suggestions": len(ended)}
        notices = await self.notices.forget(user_id, NOTICE_KIND)
        if notices:
            erased["notices"] = notices
        return {k: v for k, v in erased.items() if v or k == "connect entries"}, ended
