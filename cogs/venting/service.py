"""Anonymous venting: validation, blocks, flood limits, pseudonyms and the privacy contract.

No Discord import: the cog posts to Discord and hands this service ids. The member's id is used
only to compute keyed hashes on the spot (`Keys.tag`) and is never stored, logged or returned.

Tags, each HMAC-SHA256 with the server secret:
- "vent-member"    (guild, thread, member): the link between a member and their messages in ONE
                   thread. Per thread, so even the database cannot tell that two threads share an author.
- "vent-pseudonym" (guild, thread, member, random salt, attempt): source of the displayed "Anon 7F3A";
                   never stored. A fresh salt each time a member starts in a thread, so a name after
                   forget has nothing to do with the old one.
- "vent-rate"      (guild, member): the flood-limit bucket, kept in memory only.
- "vent-find"      (guild, member, UTC day, n): stored beside each link, different for every message, so
                   it links nothing either; the member's own export and forget recompute them per server
                   and day (n = 0, 1, ... until one is unused) instead of one tag per thread in every server.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, to_timestamp
from bot.errors import UserFacingError
from bot.keys import Keys
from bot.services.channel_needs import ChannelNeed, register_channel_need
from bot.services.guild_settings import (
    FeatureSwitch,
    GuildSettingsService,
    SettingSpec,
    register_feature,
    register_setting,
)
from bot.services.help_tips import Tip, register_tip
from cogs.venting.limits import FloodLimiter, discord_time
from cogs.venting.repository import (
    DAY,
    FINDER_STEP,
    Block,
    Link,
    ModAction,
    PendingDeletion,
    VentingRepository,
    VentPost,
)

if TYPE_CHECKING:
    from bot.app import Services


# Off in a new server: it posts into a channel, so a moderator sets it up first.
FEATURE = register_feature(FeatureSwitch("venting", "Anonymous venting", default=False))
# What /help suggests for this feature (bot.services.help_tips).
register_tip(Tip("member", 70, FEATURE.key, "vent", "post without your name; others can reply, also without theirs"))
register_tip(
    Tip(
        "moderator",
        30,
        FEATURE.key,
        "vent-mod blocks",
        "anonymous posting paused after a removed post (nobody learns who wrote it)",
    )
)
register_channel_need(ChannelNeed(FEATURE.key, "vent", "the vent channel", "/config vent-channel", "vent_channel"))

TEXT_MAX = 4000  # Discord's limit for a modal text input
TITLE_MAX = 100  # Discord's limit for a thread name
WARNING_MAX = 100
DEFAULT_THREAD_NAME = "Anonymous post"
REMINDER = "Please leave out names and details of the people you support."
PSEUDONYM_ATTEMPTS = 64
# "Erase everything and delete my anonymous posts" spreads the deletions over this window.
DELETION_WINDOW = timedelta(hours=6)
DELETION_RETRY = timedelta(hours=1)
DELETION_TRIES = 3
_random = secrets.SystemRandom()
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # a stored UTC day number counts days from here


def _looks_continued(name: str, other: str) -> bool:
    """Whether two pseudonyms share three characters in a row (equal, or one shifted from the other)."""
    return name == other or any(name[i : i + 3] in other for i in range(len(name) - 2))


def spread_times(now_ts: int, count: int, window: timedelta = DELETION_WINDOW) -> list[int]:
    """`count` random moments within the window from now, each in its own clock minute, at least a minute apart.

    Every other minute is a slot (one moment at a random second in it), so no two moments are closer than
    61 seconds; with more messages than slots the window grows.
    """
    start = now_ts - now_ts % 60
    slots = max(int(window.total_seconds()) // 120, count + 1)
    return [start + 120 * slot + _random.randrange(60) for slot in _random.sample(range(1, slots), count)]


def _bounded_int(label: str, low: int, high: int) -> Any:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise UserFacingError(f"{label} must be a whole number (got '{raw[:20]}').") from None
        if not low <= value <= high:
            raise UserFacingError(f"{label} must be between {low} and {high} (got {value}).")
        return value

    return parse


def _archive_action(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("archive", "delete"):
        raise UserFacingError("Old vent threads can be archived or deleted.")
    return value


for _spec in (
    SettingSpec("vent_posts_per_hour", "Anonymous posts per member per hour", 3, _bounded_int("Posts per hour", 1, 30)),
    SettingSpec(
        "vent_reply_cooldown", "Seconds between anonymous replies", 30, _bounded_int("Reply cooldown", 0, 3600)
    ),
    SettingSpec("vent_close_days", "Close vent threads after (days, 0 = never)", 0, _bounded_int("Days", 0, 365)),
    SettingSpec("vent_close_action", "What closing does (archive or delete)", "archive", _archive_action),
):
    register_setting(_spec)


class BlockLength(StrEnum):
    """How long a moderator pauses someone's anonymous posting."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    LIFTED = "lifted"

    @property
    def delta(self) -> timedelta | None:
        """The length, or None for 'until lifted'."""
        return {"day": timedelta(days=1), "week": timedelta(weeks=1), "month": timedelta(days=30)}.get(self.value)


@dataclass(frozen=True)
class VentDraft:
    """A member's vent after validation."""

    title: str
    text: str
    warning: str | None


@dataclass(frozen=True)
class Removed:
    """What a moderator's menu remembers (in memory only) after removing a message: its thread and link."""

    post_id: int
    member_tag: str | None


@dataclass(frozen=True)
class ReplyIdentity:
    """How an anonymous reply is shown."""

    pseudonym: str
    is_op: bool

    @property
    def label(self) -> str:
        """The line shown above the reply."""
        return f"{self.pseudonym} · original poster" if self.is_op else self.pseudonym


def validate_draft(title: str | None, text: str | None, warning: str | None) -> VentDraft:
    """Check a vent's fields; raise with a plain message for the member when something is wrong."""
    body = (text or "").strip()
    if not body:
        raise UserFacingError("Your post was empty, so nothing was posted. Please write something and try again.")
    if len(body) > TEXT_MAX:
        raise UserFacingError(f"Your post is {len(body)} characters; the most I can post is {TEXT_MAX}.")
    name = " ".join((title or "").split())
    if len(name) > TITLE_MAX:
        raise UserFacingError(f"The title can be at most {TITLE_MAX} characters (it has {len(name)}).")
    cw = " ".join((warning or "").split()) or None
    if cw is not None and len(cw) > WARNING_MAX:
        raise UserFacingError(f"The content warning can be at most {WARNING_MAX} characters (it has {len(cw)}).")
    return VentDraft(name or DEFAULT_THREAD_NAME, body, cw)


def validate_reply(text: str | None) -> str:
    """Check a reply's text."""
    body = (text or "").strip()
    if not body:
        raise UserFacingError("Your reply was empty, so nothing was posted.")
    if len(body) > TEXT_MAX:
        raise UserFacingError(f"Your reply is {len(body)} characters; the most I can post is {TEXT_MAX}.")
    return body


class VentingService:
    """Everything venting decides; the cog only talks to Discord."""

    @classmethod
    def build(cls, services: Services) -> VentingService:
        """The service over the bot's core services (what the extension's setup and tests use)."""
        return cls(VentingRepository(services.db, services.changes), services.guilds, services.keys, services.clock)

    def __init__(self, repo: VentingRepository, guilds: GuildSettingsService, keys: Keys, clock: Clock) -> None:
        self.repo = repo
        self.guilds = guilds
        self.keys = keys
        self.clock = clock
        self.limiter = FloodLimiter()

    # -- tags ------------------------------------------------------------------------------------
    def _member_tag(self, guild_id: int, post_id: int, user_id: int) -> str:
        return self.keys.tag("vent-member", guild_id, post_id, user_id)

    def _finders(self, guild_id: int, user_id: int, day: int) -> Callable[[int], str]:
        """The member's n-th finder for one server and UTC day."""
        return lambda n: self.keys.tag("vent-find", guild_id, user_id, day, n)

    def _bucket(self, guild_id: int, user_id: int) -> str:
        return self.keys.tag("vent-rate", guild_id, user_id)

    def _now(self) -> int:
        return to_timestamp(self.clock.now())

    # -- checks ----------------------------------------------------------------------------------
    async def _check_blocks(self, guild_id: int, user_id: int, now_ts: int) -> None:
        matches = [
            b
            for b in await self.repo.active_blocks(guild_id, now_ts)
            if self._member_tag(guild_id, b.post_id, user_id) == b.member_tag
        ]
        if not matches:
            return
        until = None if any(b.until_at is None for b in matches) else max(b.until_at or 0 for b in matches)
        when = "until a moderator lifts it" if until is None else f"until {discord_time(until)}"
        raise UserFacingError(
            f"Anonymous posting is paused for you in this server {when}, after a moderator acted on one of your "
            "anonymous messages. If you'd like to talk about it, you can ask the moderators; "
            "they can't see which messages are yours unless you tell them."
        )

    async def _post_limit(self, guild_id: int, user_id: int) -> tuple[str, int, int]:
        """Refuse a blocked member; else the member's bucket, now and the server's hourly limit."""
        now_ts = self._now()
        await self._check_blocks(guild_id, user_id, now_ts)
        per_hour = int((await self.guilds.get(guild_id)).get("vent_posts_per_hour"))
        return self._bucket(guild_id, user_id), now_ts, per_hour

    async def check_can_post(self, guild_id: int, user_id: int) -> None:
        """Refuse a post when blocked or over the hourly limit (before the form opens)."""
        self.limiter.check_post(*await self._post_limit(guild_id, user_id))

    async def reserve_post(self, guild_id: int, user_id: int) -> int:
        """Check as `check_can_post` does and take a slot at once; return it, for `release_post` on failure."""
        bucket, now_ts, per_hour = await self._post_limit(guild_id, user_id)
        self.limiter.reserve_post(bucket, now_ts, per_hour)
        return now_ts

    def release_post(self, guild_id: int, user_id: int, reservation: int) -> None:
        """Free a reserved slot after a post failed to go up."""
        self.limiter.release_post(self._bucket(guild_id, user_id), reservation)

    async def check_can_reply(self, guild_id: int, user_id: int, *, reserve: bool = False) -> Callable[[], None]:
        """Refuse a reply when the member is blocked or inside the reply cooldown.

        With `reserve`, the cooldown starts now (so two replies sent together can't both pass); call the
        returned function to give the slot back if the reply never goes up.
        """
        now_ts = self._now()
        await self._check_blocks(guild_id, user_id, now_ts)
        cooldown = int((await self.guilds.get(guild_id)).get("vent_reply_cooldown"))
        bucket = self._bucket(guild_id, user_id)
        if not reserve:
            self.limiter.check_reply(bucket, now_ts, cooldown)
            return lambda: None
        previous = self.limiter.reserve_reply(bucket, now_ts, cooldown)
        return lambda: self.limiter.release_reply(bucket, previous)

    async def open_post(self, post_id: int) -> VentPost:
        """The post behind a button, refusing posts that were removed or closed."""
        post = await self.repo.post(post_id)
        if post is None or post.removed_at is not None:
            raise UserFacingError("This anonymous post was removed, so there is nothing to do here.")
        return post

    async def post_id_for_message(self, message_id: int) -> int:
        """The post (thread) id an anonymous post or reply message belongs to, refusing ones that are gone."""
        found = await self.repo.post_for_message(message_id)
        if found is None:
            raise UserFacingError("This anonymous post was removed, so there is nothing to do here.")
        return found[0].post_id

    async def find_post(self, post_id: int) -> VentPost | None:
        """A post by its thread id, removed or not (None once it is forgotten)."""
        return await self.repo.post(post_id)

    # -- recording -------------------------------------------------------------------------------
    async def record_post(
        self, guild_id: int, user_id: int, channel_id: int, post_id: int, message_id: int, is_forum: bool
    ) -> None:
        """Store a post that is now up, with its expiring link (its flood-limit slot was reserved before posting)."""
        now_ts = self._now()
        config = await self.guilds.get(guild_id)
        await self.guilds.ensure_guild(guild_id)
        expires = to_timestamp(self.clock.now() + timedelta(days=config.retention_days))
        post = VentPost(post_id, guild_id, channel_id, message_id, is_forum, now_ts, None, None)
        finders = self._finders(guild_id, user_id, now_ts // DAY)
        await self.repo.add_post(post, self._member_tag(guild_id, post_id, user_id), expires, finders)

    async def reply_identity(self, guild_id: int, post_id: int, user_id: int) -> ReplyIdentity:
        """The member's pseudonym in this thread (stable while linkable) and whether they are the original poster."""
        tag = self._member_tag(guild_id, post_id, user_id)
        is_op = tag == await self.repo.post_author_tag(post_id)
        existing = await self.repo.pseudonym_of(post_id, tag)
        if existing is not None:
            return ReplyIdentity(existing, is_op)
        return ReplyIdentity(
            self._new_pseudonym(guild_id, post_id, user_id, await self.repo.pseudonyms_in(post_id)), is_op
        )

    def _new_pseudonym(self, guild_id: int, post_id: int, user_id: int, taken: set[str]) -> str:
        """A fresh name for a member starting (or, after forget, restarting) in a thread.

        Each candidate is its own keyed hash over a fresh random salt and the attempt number, never a
        slice of a shared hash: a name after forget is unrelated to the old one, and a name that shares
        three characters in a row with one already in the thread is passed over so none looks continued.
        """
        salt = secrets.token_hex(8)
        for attempt in range(PSEUDONYM_ATTEMPTS):
            name = self.keys.tag("vent-pseudonym", guild_id, post_id, user_id, salt, attempt)[:4].upper()
            if not any(_looks_continued(name, other.removeprefix("Anon ")) for other in taken):
                return f"Anon {name}"
        # pragma: no cover - only when a thread is crowded with names; eight characters are then free.
        return f"Anon {self.keys.tag('vent-pseudonym', guild_id, post_id, user_id, salt, 'long')[:8].upper()}"

    async def record_reply(
        self, guild_id: int, post_id: int, user_id: int, message_id: int, who: ReplyIdentity
    ) -> None:
        """Store a reply that is now up (its cooldown was reserved by check_can_reply)."""
        now_ts = self._now()
        config = await self.guilds.get(guild_id)
        expires = to_timestamp(self.clock.now() + timedelta(days=config.retention_days))
        tag = self._member_tag(guild_id, post_id, user_id)
        finders = self._finders(guild_id, user_id, now_ts // DAY)
        await self.repo.add_reply(
            guild_id, post_id, message_id, who.pseudonym, who.is_op, tag, now_ts, expires, finders
        )

    # -- author actions --------------------------------------------------------------------------
    async def check_author_delete(self, post_id: int, user_id: int) -> VentPost:
        """Allow deleting only to the post's author; everyone else hears the same neutral message."""
        post = await self.open_post(post_id)
        stored = await self.repo.post_author_tag(post_id)
        if stored is None:
            raise UserFacingError(
                "This post can no longer be linked to anyone (that link expires after the server's retention "
                "period), so it can't be deleted with this button. Moderators can still remove it."
            )
        if stored != self._member_tag(post.guild_id, post_id, user_id):
            raise UserFacingError("Only the person who posted this can delete it.")
        return post

    async def forget_post(self, post_id: int) -> None:
        """Drop a post deleted by its author: rows, replies and links together."""
        await self.repo.delete_post(post_id)

    async def forget_reply(self, message_id: int) -> None:
        """Drop a reply that is gone from Discord: its row and its link together, or neither."""
        await self.repo.delete_reply(message_id)

    # -- moderation ------------------------------------------------------------------------------
    async def message_for_moderation(self, message_id: int) -> tuple[VentPost, bool]:
        """The post an anonymous message belongs to (and whether it is the post itself)."""
        found = await self.repo.post_for_message(message_id)
        if found is None:
            raise UserFacingError("That message isn't an anonymous post or reply from me.")
        return found

    async def _log(self, guild_id: int, moderator_id: int, action: str, post_id: int, message_id: int) -> None:
        config = await self.guilds.get(guild_id)
        now = self.clock.now()
        expires = to_timestamp(now + timedelta(days=config.retention_days))
        await self.repo.log_action(guild_id, moderator_id, action, post_id, message_id, to_timestamp(now), expires)

    # Each moderator action and its log entry are one transaction: both are written or neither.
    async def record_removal(self, guild_id: int, moderator_id: int, message_id: int) -> Removed:
        """Note a moderator's removal and delete at once the rows that only served the message.

        A post takes its replies and every link in its thread with it; a reply its own row and link. The
        returned link lives only in the moderator's open menu, so they can still block the author.
        """
        post, is_post = await self.message_for_moderation(message_id)
        removed = Removed(post.post_id, await self.repo.message_tag(message_id))
        async with self.repo.db.transaction():
            if is_post:
                await self.repo.delete_post(post.post_id)
            else:
                await self.repo.delete_reply(message_id)
            await self._log(guild_id, moderator_id, "remove", post.post_id, message_id)
        return removed

    async def block_author(
        self, guild_id: int, moderator_id: int, message_id: int, length: BlockLength, removed: Removed | None = None
    ) -> tuple[int, int | None]:
        """Block a message's author without learning who; return its number and end ('lifted': retention).

        `removed` is what the moderator's menu kept when they removed the message first.
        """
        if removed is not None and await self.repo.post_for_message(message_id) is None:
            post_id, tag = removed.post_id, removed.member_tag
        else:
            post_id = (await self.message_for_moderation(message_id))[0].post_id
            tag = await self.repo.message_tag(message_id)
        if tag is None:
            raise UserFacingError(
                "This message can no longer be linked to its author: that link expired after the server's "
                "retention period. You can still remove the message."
            )
        now = self.clock.now()
        # No block outlasts the server's retention: the keyed hash it holds is linking material.
        retention = timedelta(days=(await self.guilds.get(guild_id)).retention_days)
        until = to_timestamp(now + min(length.delta or retention, retention))
        async with self.repo.db.transaction():
            # Blocking a message again (a double press, two moderators at once) keeps one block, lasting as
            # long as the longer choice: two would leave the author blocked after one is lifted.
            held = await self.repo.extend_block_of_message(guild_id, message_id, to_timestamp(now), until)
            if held is not None:
                block_id, until = held.block_id, held.until_at if held.until_at is not None else until
            else:
                block_id = await self.repo.add_block(guild_id, post_id, message_id, tag, to_timestamp(now), until)
            await self._log(guild_id, moderator_id, f"block ({length.value})", post_id, message_id)
        return block_id, until

    async def blocks(self, guild_id: int) -> list[Block]:
        """Blocks in force in a server, described by the post that caused them."""
        return await self.repo.active_blocks(guild_id, self._now())

    async def lift_block(self, guild_id: int, moderator_id: int, block_id: int) -> Block:
        """Lift a block by its number."""
        async with self.repo.db.transaction():
            block = await self.repo.delete_block(guild_id, block_id)
            if block is None:
                raise UserFacingError(f"There is no block number {block_id} here. /vent-mod blocks lists them.")
            await self._log(guild_id, moderator_id, "lift block", block.post_id, block.message_id)
        return block

    async def actions(self, guild_id: int) -> list[ModAction]:
        """Recent moderator actions."""
        return await self.repo.recent_actions(guild_id)

    # -- housekeeping ----------------------------------------------------------------------------
    async def posts_to_close(self) -> list[tuple[VentPost, str]]:
        """Posts older than their server's 'close after' setting, with the action to take."""
        due: list[tuple[VentPost, str]] = []
        self.limiter.prune(self._now())
        for guild_id in await self.repo.guilds_with_open_ended_blocks():
            # Blocks made before 'until lifted' had an end: give them one, so the purge deletes them too.
            await self.repo.end_open_ended_blocks(guild_id, (await self.guilds.get(guild_id)).retention_days * 86400)
        for guild_id in await self.repo.guilds_with_posts():
            config = await self.guilds.get(guild_id)
            days = int(config.get("vent_close_days"))
            if days <= 0:
                continue
            before = to_timestamp(self.clock.now() - timedelta(days=days))
            due += [
                (post, str(config.get("vent_close_action")))
                for post in await self.repo.posts_older_than(guild_id, before)
            ]
        return due

    async def mark_closed(self, post_id: int, deleted: bool) -> None:
        """Record that housekeeping archived (or deleted) a post's thread."""
        if deleted:
            await self.repo.delete_post(post_id)
        else:
            await self.repo.mark_closed(post_id, self._now())

    # -- privacy contract ------------------------------------------------------------------------
    async def _my_links(self, user_id: int) -> tuple[list[Link], dict[str, tuple[int, int] | None]]:
        """Every message still linkable to this member, and every finder of theirs in use (None for a
        link's, a gap's (guild, day) for a gap's).

        Only the member who asks can recompute their finders: one per server and day that has links,
        then, for each day where that one is held, the next few, until one is not (a gap keeps the
        count going past a deleted message). Links older than finders are found by their per-thread tag.
        """
        links: list[Link] = []
        held: dict[str, tuple[int, int] | None] = {}
        days = [(g, d) for g, first, last in await self.repo.link_days() for d in range(first, last + 1)]
        start, step = 0, 1  # most days hold nothing of theirs: ask for one finder each, then a few at a time
        while days:
            wanted = {(g, d): [self._finders(g, user_id, d)(n) for n in range(start, start + step)] for g, d in days}
            found, finders = await self.repo.holding([f for batch in wanted.values() for f in batch])
            links += found
            held |= finders
            days = [day for day, batch in wanted.items() if all(f in finders for f in batch)]
            start, step = start + step, FINDER_STEP
        return links + await self._unfound_links(user_id), held

    async def _unfound_links(self, user_id: int) -> list[Link]:
        """Links made before finders existed, found by recomputing the member's tag for each such thread."""
        wanted = {self._member_tag(g, p, user_id): (g, p) for g, p in await self.repo.unfound_posts()}
        return [
            Link(guild_id, post_id, message_id, is_post, expires)
            for tag, post_id, message_id, is_post, expires in await self.repo.links_with_tags(list(wanted))
            for guild_id, wanted_post in [wanted[tag]]
            if wanted_post == post_id
        ]

    async def export(self, user_id: int) -> dict[str, Any]:
        """The member's still-linkable anonymous posts and replies, blocks on them, and moderator actions."""
        links, held = await self._my_links(user_id)
        now_ts = self._now()
        blocks = [
            b
            for b in await self.repo.all_active_blocks(now_ts)
            if self._member_tag(b.guild_id, b.post_id, user_id) == b.member_tag
        ]
        return {
            "anonymous_posts": [
                {
                    "guild_id": str(k.guild_id),
                    "thread_id": str(k.post_id),
                    "message_id": str(k.message_id),
                    "linkable_until": k.expires_at,
                }
                for k in links
                if k.is_post
            ],
            "anonymous_replies": [
                {
                    "guild_id": str(k.guild_id),
                    "thread_id": str(k.post_id),
                    "message_id": str(k.message_id),
                    "linkable_until": k.expires_at,
                }
                for k in links
                if not k.is_post
            ],
            "deleted_anonymous_message_places": [
                {"guild_id": str(gap[0]), "day": date.fromordinal(EPOCH_ORDINAL + gap[1]).isoformat()}
                for gap in sorted(g for g in held.values() if g is not None)
            ],
            "blocks_on_you": [{"guild_id": str(b.guild_id), "until": b.until_at} for b in blocks],
            "moderator_actions_you_took": [
                {"action": a.action, "thread_id": str(a.post_id), "message_id": str(a.message_id), "at": a.created_at}
                for a in await self.repo.actions_by(user_id)
            ],
        }

    async def schedule_my_deletions(self, user_id: int) -> int:
        """Queue the member's linkable posts and replies for deletion at random moments; drop their links now.

        The queue holds where each message is and when it goes, nothing about who wrote it, so once this
        returns nothing connects the messages to the member or to each other beyond sharing the window.
        """
        async with self.repo.db.transaction():
            links, finders = await self._my_links(user_id)
            times = spread_times(self._now(), len(links))
            pending = [
                PendingDeletion(k.message_id, k.guild_id, k.post_id, k.is_post, due_at, 0)
                for k, due_at in zip(links, times, strict=True)
            ]
            queued = await self.repo.schedule_deletions(pending)
            # The links just deleted left gaps; the member's gaps go too, so nothing of theirs stays.
            await self.repo.delete_gaps(list(finders))
        return queued

    async def due_deletion(self) -> PendingDeletion | None:
        """The queued deletion whose moment has come, if any."""
        pending = await self.repo.next_pending()
        return pending if pending is not None and pending.due_at <= self._now() else None

    async def deletion_done(self, pending: PendingDeletion) -> None:
        """The message is gone from Discord (or already was): drop its rows and its place in the queue."""
        if pending.is_post:
            await self.repo.delete_post(pending.post_id)
        else:
            await self.repo.delete_reply(pending.message_id)
        await self.repo.drop_pending(pending.message_id)

    async def deletion_refused(self, pending: PendingDeletion) -> bool:
        """Discord refused: try again later, a few times; return False once given up (the message stays)."""
        if pending.tries + 1 >= DELETION_TRIES:
            await self.repo.drop_pending(pending.message_id)
            return False
        retry = self.clock.now() + DELETION_RETRY + timedelta(seconds=_random.randrange(600))
        await self.repo.retry_pending(pending.message_id, to_timestamp(retry))
        return True

    async def end_finished_blocks(self) -> int:
        """Delete blocks whose end has come, with the hash each holds."""
        return await self.repo.delete_ended_blocks(self._now())

    async def seconds_to_next(self) -> float | None:
        """How long until the next queued deletion or block end; None when there is neither."""
        pending = await self.repo.next_pending()
        moments = [m for m in (pending.due_at if pending else None, await self.repo.next_block_end()) if m is not None]
        return None if not moments else max(0.0, float(min(moments) - self._now()))

    async def forget(self, user_id: int) -> dict[str, int]:
        """Remove every link to the member; keep their moderator actions without their id.

        Blocks on the member stay until they end or are lifted: erasing is not a way round a moderator's
        decision, and a block's hash goes the moment it ends.
        """
        async with self.repo.db.transaction():
            links, finders = await self._my_links(user_id)
            removed = await self.repo.delete_links([k.message_id for k in links])
            await self.repo.delete_gaps(list(finders))  # theirs, and those the deletion just left
            actions = await self.repo.forget_moderator(user_id)
        return {
            "links to anonymous messages": removed,
            "moderator actions, now shown as 'a former moderator'": actions,
        }
