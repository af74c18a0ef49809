"""SQL for anonymous venting: public post facts, linking material (keyed hashes), blocks, mod log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.changes import EVERYTHING, ChangeFeed
from bot.db import placeholders
from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare

CHUNK = 500  # bound on the values in one `IN (...)`, well below SQLite's parameter limit
DAY = 86400
BLOCKS_TOPIC = "vent_blocks"  # told to every process when a server's blocks change
BLOCKS_FRESH_FOR = 60  # seconds a server's blocks in force are served from memory
FINDER_STEP = 4  # a member's finders for one server and day, tried this many at a time
# A member's n-th finder for one server and day (the service computes it; the repository never sees who).
Finders = Callable[[int], str]
_FIND = (
    "A keyed hash (HMAC-SHA256 with the server secret) of the server, your id, the day and a count; "
    "never your id, and different for every message."
)
_LINKED = "A keyed hash (HMAC-SHA256 with the server secret) of the server, the thread and your id; never your id."

declare(
    TableDeclaration(
        table="vent_posts",
        feature="venting",
        purpose="Which messages and threads are anonymous posts, so their buttons keep working.",
        personal=False,
        who_can_see="Everyone in the channel sees the posts; this table says nothing about who wrote them.",
        retention="Until the post is removed by a moderator or deleted, or the bot leaves the server.",
    )
)
declare(
    TableDeclaration(
        table="vent_replies",
        feature="venting",
        purpose="The pseudonym shown on each anonymous reply, as everyone in the thread sees it.",
        personal=False,
        who_can_see="Everyone in the thread; nothing here says who wrote a reply.",
        retention="Until the reply or its post is removed by a moderator or deleted, or the bot leaves the server.",
    )
)
declare(
    TableDeclaration(
        table="vent_links",
        feature="venting",
        purpose="Lets the author of an anonymous post or reply delete it and keep one pseudonym per thread.",
        personal=True,
        who_can_see="Nobody: it is a keyed hash that only the bot can recompute when you act.",
        retention="The server's retention period, then deleted by the purge (the post can then only be removed by "
        "moderators); deleted at once when the post or reply is deleted or a moderator removes it, and by "
        "/privacy forget.",
        linked_by=_LINKED,
        expires_column="expires_at",
        retention_anchor="created_at",
        items="links to anonymous posts",
        columns={
            "message_id": "The anonymous post or reply.",
            "post_id": "The thread it belongs to.",
            "guild_id": "The server.",
            "member_tag": _LINKED,
            "is_post": "Whether it is the post itself or a reply.",
            "expires_at": "When the link is deleted.",
            "created_at": "When the post or reply was made (the retention period counts from it).",
            "finder": _FIND,
        },
    )
)
declare(
    TableDeclaration(
        table="vent_link_gaps",
        feature="venting",
        purpose="When one of your anonymous messages is deleted, its finder stays while other anonymous messages "
        "of that server and day are kept, so the bot can still count its way to your later ones that day "
        "(for /privacy export and forget).",
        personal=True,
        who_can_see="Nobody: it is a keyed hash that only the bot can recompute when you ask.",
        retention="Until the last anonymous message of that server and day is deleted or expires (so never longer "
        "than the server's retention period), and by /privacy forget.",
        linked_by=_FIND,
        expires_column="expires_at",
        items="places of deleted anonymous messages",
        columns={
            "finder": _FIND,
            "guild_id": "The server.",
            "day": "The day (UTC) the deleted message was posted.",
            "expires_at": "A backstop: the longest retention any server can choose, counted from that day.",
        },
    )
)
declare(
    TableDeclaration(
        table="vent_blocks",
        feature="venting",
        purpose="Pauses anonymous posting for the author of a post a moderator blocked, without naming them.",
        personal=True,
        who_can_see="Moderators see that a block exists and which post caused it, never who it applies to.",
        retention="Until the block ends or a moderator lifts it, then deleted at that moment; at most the server's "
        "retention period. /privacy forget does not end a block in force (erasing is not a way round a "
        "moderator's decision); its hash goes when the block ends or is lifted.",
        linked_by=_LINKED,
        expires_column="until_at",
        retention_anchor="created_at",
        items="blocks on anonymous posting",
        on_forget="kept",
        columns={
            "block_id": "A number moderators use to lift the block.",
            "guild_id": "The server.",
            "post_id": "The thread of the message that caused the block.",
            "message_id": "The message that caused the block.",
            "member_tag": _LINKED,
            "created_at": "When the block started.",
            "until_at": "When it ends ('until lifted' blocks end after the retention period).",
        },
    )
)
declare(
    TableDeclaration(
        table="vent_mod_actions",
        feature="venting",
        purpose="What moderators did to anonymous posts: who acted, what, on which post. Never the author.",
        personal=True,
        who_can_see="The server's moderators, through /vent-mod log.",
        retention="The server's retention period. A moderator's /privacy forget removes their id and keeps each "
        "action: the log then says 'a former moderator'.",
        user_columns=("moderator_id",),
        expires_column="expires_at",
        retention_anchor="created_at",
        on_forget="unlinked",
        items="moderation log entries",
        columns={
            "action_id": "A number.",
            "guild_id": "The server.",
            "moderator_id": "The moderator who acted (their Discord id); empty after their /privacy forget.",
            "action": "What they did (remove, block, lift).",
            "post_id": "The thread.",
            "message_id": "The message acted on.",
            "created_at": "When.",
            "expires_at": "When this record is deleted.",
        },
    )
)
declare(
    TableDeclaration(
        table="vent_pending_deletions",
        feature="venting",
        purpose="Anonymous posts and replies their author asked to delete with /privacy forget, each deleted at "
        "its own random moment so the deletions don't show they had one author.",
        personal=False,
        who_can_see="Nobody: only where each message is, never who wrote it (the links are deleted at once).",
        retention="Until the message is deleted, within about six hours (Discord refusing: a few retries an hour "
        "apart, then it is left up, linked to nobody).",
    )
)


@dataclass(frozen=True)
class VentPost:
    """An anonymous post as stored: where it is, never who wrote it."""

    post_id: int
    guild_id: int
    channel_id: int
    message_id: int
    is_forum: bool
    created_at: int
    closed_at: int | None
    removed_at: int | None


@dataclass(frozen=True)
class Link:
    """One still-linkable anonymous message: where it is and until when; never who wrote it."""

    guild_id: int
    post_id: int
    message_id: int
    is_post: bool
    expires_at: int


@dataclass(frozen=True)
class Block:
    """An active or past block from anonymous posting."""

    block_id: int
    guild_id: int
    post_id: int
    message_id: int
    member_tag: str
    created_at: int
    until_at: int | None


@dataclass(frozen=True)
class PendingDeletion:
    """An anonymous message waiting for its moment to be deleted; nothing says who wrote it."""

    message_id: int
    guild_id: int
    post_id: int
    is_post: bool
    due_at: int
    tries: int


@dataclass(frozen=True)
class ModAction:
    """One recorded moderator action."""

    moderator_id: int | None  # None: a former moderator who used /privacy forget
    action: str
    post_id: int
    message_id: int
    created_at: int


def _post(row: object) -> VentPost:
    r = dict(row)  # type: ignore[call-overload]
    r["is_forum"] = bool(r["is_forum"])
    return VentPost(**r)


class VentingRepository:
    """SQL for the venting tables."""

    def __init__(self, db: Database, changes: ChangeFeed | None = None) -> None:
        self.db = db
        # Each server's blocks in force, read at most once a minute (every post and reply checks them);
        # dropped at once when this repository adds, lifts or ends one, and when another process does.
        self._blocks: dict[int, tuple[int, list[Block]]] = {}
        self.changes = changes or ChangeFeed(db)
        self.changes.on(BLOCKS_TOPIC, self._forget_blocks)

    def _forget_blocks(self, key: str) -> None:
        if key == EVERYTHING:
            self._blocks.clear()
        else:
            self._blocks.pop(int(key), None)

    async def _blocks_changed(self, guild_id: int | None) -> None:
        """Drop the kept blocks (of one server, or all) here and in every other process."""
        await self.changes.changed(BLOCKS_TOPIC, EVERYTHING if guild_id is None else guild_id)

    async def add_post(self, post: VentPost, member_tag: str, link_expires_at: int, finders: Finders) -> None:
        """Record a new post and its link in one transaction: both are written or neither.

        `finders(n)` is the member's n-th finder for this server and day; the link takes the first
        that no link or gap holds (inside the transaction, so two posts at once never take the same).
        """
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO vent_posts (post_id, guild_id, channel_id, message_id, is_forum, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                (post.post_id, post.guild_id, post.channel_id, post.message_id, int(post.is_forum), post.created_at),
            )
            await tx.execute(
                "INSERT INTO vent_links (message_id, post_id, guild_id, member_tag, is_post, expires_at, created_at, "
                "finder) VALUES ($1, $2, $3, $4, 1, $5, $6, $7)",
                (
                    post.message_id,
                    post.post_id,
                    post.guild_id,
                    member_tag,
                    link_expires_at,
                    post.created_at,
                    await self._free_finder(finders),
                ),
            )

    async def add_reply(
        self,
        guild_id: int,
        post_id: int,
        message_id: int,
        pseudonym: str,
        is_op: bool,
        member_tag: str,
        now_ts: int,
        link_expires_at: int,
        finders: Finders,
    ) -> None:
        """Record an anonymous reply and its link together (the link's finder as in `add_post`)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO vent_replies (message_id, post_id, guild_id, pseudonym, is_op, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                (message_id, post_id, guild_id, pseudonym, int(is_op), now_ts),
            )
            await tx.execute(
                "INSERT INTO vent_links (message_id, post_id, guild_id, member_tag, is_post, expires_at, created_at, "
                "finder) VALUES ($1, $2, $3, $4, 0, $5, $6, $7)",
                (message_id, post_id, guild_id, member_tag, link_expires_at, now_ts, await self._free_finder(finders)),
            )

    async def _free_finder(self, finders: Finders) -> str:
        """The first of a member's finders for one server and day that no link or gap holds yet."""
        start = 0
        while True:
            candidates = [finders(n) for n in range(start, start + FINDER_STEP)]
            _, held = await self.holding(candidates)
            free = [finder for finder in candidates if finder not in held]
            if free:
                return free[0]
            start += FINDER_STEP

    async def link_days(self) -> list[tuple[int, int, int]]:
        """(guild, first day, last day) of the links in each server: the days a member's finders can be on."""
        rows = await self.db.fetchall(
            "SELECT guild_id, (SELECT min(created_at) FROM vent_links WHERE vent_links.guild_id = guilds.guild_id) "
            "AS first, (SELECT max(created_at) FROM vent_links WHERE vent_links.guild_id = guilds.guild_id) AS last "
            "FROM guilds"
        )
        return [
            (int(r["guild_id"]), int(r["first"]) // DAY, int(r["last"]) // DAY) for r in rows if r["first"] is not None
        ]

    async def holding(self, finders: list[str]) -> tuple[list[Link], dict[str, tuple[int, int] | None]]:
        """The links holding any of these finders, and every one of these finders held: a link's maps to
        None, a gap's to its (guild, day)."""
        links: list[Link] = []
        held: dict[str, tuple[int, int] | None] = {}
        for start in range(0, len(finders), CHUNK):
            chunk = finders[start : start + CHUNK]
            marks = placeholders(len(chunk))  # only placeholders; the values are bound (both lists reuse them)
            rows = await self.db.fetchall(
                "SELECT finder, guild_id, post_id, message_id, is_post, expires_at, NULL AS day FROM vent_links "  # noqa: S608
                f"WHERE finder IN ({marks}) UNION ALL SELECT finder, guild_id, NULL, NULL, NULL, NULL, day "
                f"FROM vent_link_gaps WHERE finder IN ({marks})",
                chunk,
            )
            for r in rows:
                if r["day"] is None:
                    held[str(r["finder"])] = None
                    links.append(
                        Link(r["guild_id"], r["post_id"], r["message_id"], bool(r["is_post"]), r["expires_at"])
                    )
                else:
                    held[str(r["finder"])] = (int(r["guild_id"]), int(r["day"]))
        return links, held

    async def delete_gaps(self, finders: list[str]) -> int:
        """Delete these gaps (a member's forget, once their links are gone)."""
        removed = 0
        for start in range(0, len(finders), CHUNK):
            chunk = finders[start : start + CHUNK]
            marks = placeholders(len(chunk))  # only placeholders; the values are bound
            removed += await self.db.execute(f"DELETE FROM vent_link_gaps WHERE finder IN ({marks})", chunk)  # noqa: S608
        return removed

    async def post(self, post_id: int) -> VentPost | None:
        """A post by its thread id."""
        row = await self.db.fetchone("SELECT * FROM vent_posts WHERE post_id = $1", (post_id,))
        return None if row is None else _post(row)

    async def post_for_message(self, message_id: int) -> tuple[VentPost, bool] | None:
        """The post a message belongs to, and whether the message is the post itself (else a reply)."""
        row = await self.db.fetchone("SELECT * FROM vent_posts WHERE message_id = $1", (message_id,))
        if row is not None:
            return _post(row), True
        row = await self.db.fetchone(
            "SELECT p.* FROM vent_replies r JOIN vent_posts p ON p.post_id = r.post_id WHERE r.message_id = $1",
            (message_id,),
        )
        return None if row is None else (_post(row), False)

    async def post_author_tag(self, post_id: int) -> str | None:
        """The post's link, or None once it has expired."""
        value = await self.db.fetchval(
            "SELECT member_tag FROM vent_links WHERE post_id = $1 AND is_post = 1", (post_id,)
        )
        return None if value is None else str(value)

    async def message_tag(self, message_id: int) -> str | None:
        """The link of one post or reply, or None once it has expired."""
        value = await self.db.fetchval("SELECT member_tag FROM vent_links WHERE message_id = $1", (message_id,))
        return None if value is None else str(value)

    async def pseudonym_of(self, post_id: int, member_tag: str) -> str | None:
        """The pseudonym a member already uses in a thread, while their link lasts."""
        value = await self.db.fetchval(
            "SELECT r.pseudonym FROM vent_links l JOIN vent_replies r ON r.message_id = l.message_id "
            "WHERE l.post_id = $1 AND l.member_tag = $2 LIMIT 1",
            (post_id, member_tag),
        )
        return None if value is None else str(value)

    async def pseudonyms_in(self, post_id: int) -> set[str]:
        """Every pseudonym already shown in a thread."""
        rows = await self.db.fetchall("SELECT DISTINCT pseudonym FROM vent_replies WHERE post_id = $1", (post_id,))
        return {row["pseudonym"] for row in rows}

    async def delete_post(self, post_id: int) -> int:
        """Forget a post, its replies and their links (the thread is gone)."""
        return await self.db.execute("DELETE FROM vent_posts WHERE post_id = $1", (post_id,))

    async def delete_reply(self, message_id: int) -> int:
        """Forget one reply and its link."""
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM vent_links WHERE message_id = $1", (message_id,))
            return await tx.execute("DELETE FROM vent_replies WHERE message_id = $1", (message_id,))

    async def mark_closed(self, post_id: int, now_ts: int) -> None:
        """Note that a post's thread was archived by the housekeeping job."""
        await self.db.execute("UPDATE vent_posts SET closed_at = $1 WHERE post_id = $2", (now_ts, post_id))

    async def posts_older_than(self, guild_id: int, before_ts: int) -> list[VentPost]:
        """Open posts created before a moment, for archiving or deleting old vent threads."""
        rows = await self.db.fetchall(
            "SELECT * FROM vent_posts WHERE guild_id = $1 AND created_at <= $2 "
            "AND closed_at IS NULL AND removed_at IS NULL",
            (guild_id, before_ts),
        )
        return [_post(row) for row in rows]

    async def guilds_with_posts(self) -> list[int]:
        """Servers that have any anonymous posts."""
        rows = await self.db.fetchall(
            "SELECT guild_id FROM guilds "
            "WHERE EXISTS (SELECT 1 FROM vent_posts WHERE vent_posts.guild_id = guilds.guild_id)"
        )
        return [int(row["guild_id"]) for row in rows]

    async def unfound_posts(self) -> list[tuple[int, int]]:
        """(guild_id, post_id) of threads with links made before finders (migration 0016), for export and forget.

        Those links can only be found by recomputing the per-thread tag; they all expire within the
        retention period, after which this reads nothing.
        """
        rows = await self.db.fetchall("SELECT DISTINCT guild_id, post_id FROM vent_links WHERE finder IS NULL")
        return [(int(row["guild_id"]), int(row["post_id"])) for row in rows]

    async def links_with_tags(self, member_tags: list[str]) -> list[tuple[str, int, int, bool, int]]:
        """(member_tag, post_id, message_id, is_post, expires_at) of finder-less links carrying any of these tags.

        Batched (`IN` with at most CHUNK tags per query) instead of one query per thread.
        """
        found: list[tuple[str, int, int, bool, int]] = []
        for start in range(0, len(member_tags), CHUNK):
            chunk = member_tags[start : start + CHUNK]
            marks = placeholders(len(chunk))  # only placeholders; the values are bound
            sql = f"SELECT member_tag, post_id, message_id, is_post, expires_at FROM vent_links WHERE finder IS NULL AND member_tag IN ({marks})"  # noqa: S608, E501
            rows = await self.db.fetchall(sql, chunk)
            found += [
                (
                    str(r["member_tag"]),
                    int(r["post_id"]),
                    int(r["message_id"]),
                    bool(r["is_post"]),
                    int(r["expires_at"]),
                )
                for r in rows
            ]
        return found

    async def delete_links(self, message_ids: list[int]) -> int:
        """Remove the linking material of these messages, all in one transaction."""
        removed = 0
        async with self.db.transaction() as tx:
            for start in range(0, len(message_ids), CHUNK):
                chunk = message_ids[start : start + CHUNK]
                marks = placeholders(len(chunk))  # only placeholders; the values are bound
                removed += await tx.execute(f"DELETE FROM vent_links WHERE message_id IN ({marks})", chunk)  # noqa: S608
        return removed

    async def add_block(
        self, guild_id: int, post_id: int, message_id: int, member_tag: str, now_ts: int, until_ts: int | None
    ) -> int:
        """Store a block; return its number."""
        try:
            return await self.db.insert(
                "INSERT INTO vent_blocks (guild_id, post_id, message_id, member_tag, created_at, until_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING block_id",
                (guild_id, post_id, message_id, member_tag, now_ts, until_ts),
            )
        finally:
            # After the write: a read in between would otherwise cache the state without it.
            await self._blocks_changed(guild_id)

    async def extend_block_of_message(self, guild_id: int, message_id: int, now_ts: int, until_ts: int) -> Block | None:
        """The block in force made from this message, its end pushed to `until_ts` if that is later; None if none.

        (Only the same message: blocks made from different messages stay apart, or joining them would tell a
        moderator that two anonymous messages share an author.)
        """
        row = await self.db.fetchone(
            "UPDATE vent_blocks SET until_at = CASE WHEN until_at IS NULL OR until_at >= $1 THEN until_at ELSE $1 END"
            " WHERE block_id = (SELECT block_id FROM vent_blocks WHERE guild_id = $2 AND message_id = $3"
            " AND (until_at IS NULL OR until_at > $4) ORDER BY block_id LIMIT 1) RETURNING *",
            (until_ts, guild_id, message_id, now_ts),
        )
        if row is None:
            return None
        await self._blocks_changed(guild_id)
        return Block(**dict(row))

    async def active_blocks(self, guild_id: int, now_ts: int) -> list[Block]:
        """Blocks in force in a server now (from memory when read less than BLOCKS_FRESH_FOR ago).

        Rows the purge deletes behind this repository's back (a lowered retention period) stop
        counting within that minute; every block ends by its own until_at anyway.
        """
        cached = self._blocks.get(guild_id)
        if cached is None or not cached[0] <= now_ts < cached[0] + BLOCKS_FRESH_FOR:
            rows = await self.db.fetchall(
                "SELECT * FROM vent_blocks WHERE guild_id = $1 AND (until_at IS NULL OR until_at > $2) "
                "ORDER BY block_id",
                (guild_id, now_ts),
            )
            cached = (now_ts, [Block(**dict(row)) for row in rows])
            self._blocks[guild_id] = cached
        return [b for b in cached[1] if b.until_at is None or b.until_at > now_ts]

    async def all_active_blocks(self, now_ts: int) -> list[Block]:
        """Blocks in force in every server (for a member's export)."""
        rows = await self.db.fetchall(
            # Two indexed reads, sorted here: an OR (or an ORDER BY in SQL) makes SQLite read every block.
            "SELECT * FROM vent_blocks WHERE until_at > $1 UNION ALL SELECT * FROM vent_blocks WHERE until_at IS NULL",
            (now_ts,),
        )
        return sorted((Block(**dict(row)) for row in rows), key=lambda b: b.block_id)

    async def delete_block(self, guild_id: int, block_id: int) -> Block | None:
        """Lift a block; return it, or None when there was no such block in this server."""
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT * FROM vent_blocks WHERE guild_id = $1 AND block_id = $2", (guild_id, block_id)
            )
            if row is None:
                return None
            await tx.execute("DELETE FROM vent_blocks WHERE block_id = $1", (block_id,))
        await self._blocks_changed(guild_id)
        return Block(**dict(row))

    async def guilds_with_open_ended_blocks(self) -> list[int]:
        """Servers holding blocks with no end (made before 'until lifted' ended with the retention period)."""
        rows = await self.db.fetchall("SELECT DISTINCT guild_id FROM vent_blocks WHERE until_at IS NULL")
        return [int(row["guild_id"]) for row in rows]

    async def end_open_ended_blocks(self, guild_id: int, retention_seconds: int) -> int:
        """Give a server's open-ended blocks an end: their start plus the retention period."""
        changed = await self.db.execute(
            "UPDATE vent_blocks SET until_at = created_at + $1 WHERE guild_id = $2 AND until_at IS NULL",
            (retention_seconds, guild_id),
        )
        await self._blocks_changed(guild_id)
        return changed

    async def log_action(
        self, guild_id: int, moderator_id: int, action: str, post_id: int, message_id: int, now_ts: int, expires: int
    ) -> None:
        """Record what a moderator did, on which post."""
        await self.db.execute(
            "INSERT INTO vent_mod_actions (guild_id, moderator_id, action, post_id, message_id, created_at, "
            "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            (guild_id, moderator_id, action, post_id, message_id, now_ts, expires),
        )

    async def recent_actions(self, guild_id: int, limit: int = 20) -> list[ModAction]:
        """The latest moderator actions in a server, newest first."""
        rows = await self.db.fetchall(
            "SELECT moderator_id, action, post_id, message_id, created_at FROM vent_mod_actions "
            "WHERE guild_id = $1 ORDER BY action_id DESC LIMIT $2",
            (guild_id, limit),
        )
        return [ModAction(**dict(row)) for row in rows]

    async def actions_by(self, moderator_id: int) -> list[ModAction]:
        """A moderator's own recorded actions, for their export."""
        rows = await self.db.fetchall(
            "SELECT moderator_id, action, post_id, message_id, created_at FROM vent_mod_actions "
            "WHERE moderator_id = $1 ORDER BY action_id",
            (moderator_id,),
        )
        return [ModAction(**dict(row)) for row in rows]

    async def forget_moderator(self, moderator_id: int) -> int:
        """Keep a moderator's recorded actions but drop who took them (their /privacy forget)."""
        return await self.db.execute(
            "UPDATE vent_mod_actions SET moderator_id = NULL WHERE moderator_id = $1", (moderator_id,)
        )

    # -- spread-out deletions and block ends ----------------------------------------------------
    async def schedule_deletions(self, pending: list[PendingDeletion]) -> int:
        """Queue these messages for deletion and drop their links, in one transaction; return how many."""
        async with self.db.transaction() as tx:
            for p in pending:
                await tx.execute(
                    # Every column is written, so updating them all keeps what REPLACE did (no triggers or
                    # cascades hang on this table).
                    "INSERT INTO vent_pending_deletions (message_id, guild_id, post_id, is_post, due_at, tries) "
                    "VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (message_id) DO UPDATE SET "
                    "guild_id = excluded.guild_id, post_id = excluded.post_id, is_post = excluded.is_post, "
                    "due_at = excluded.due_at, tries = excluded.tries",
                    (p.message_id, p.guild_id, p.post_id, int(p.is_post), p.due_at),
                )
                await tx.execute("DELETE FROM vent_links WHERE message_id = $1", (p.message_id,))
        return len(pending)

    async def next_pending(self) -> PendingDeletion | None:
        """The queued deletion due first."""
        row = await self.db.fetchone(
            "SELECT * FROM vent_pending_deletions WHERE due_at = (SELECT min(due_at) FROM vent_pending_deletions) "
            "ORDER BY message_id LIMIT 1"
        )
        if row is None:
            return None
        r = dict(row)
        r["is_post"] = bool(r["is_post"])
        return PendingDeletion(**r)

    async def drop_pending(self, message_id: int) -> None:
        """Forget a queued deletion (done, or given up)."""
        await self.db.execute("DELETE FROM vent_pending_deletions WHERE message_id = $1", (message_id,))

    async def retry_pending(self, message_id: int, due_at: int) -> None:
        """Try a queued deletion again later."""
        await self.db.execute(
            "UPDATE vent_pending_deletions SET due_at = $1, tries = tries + 1 WHERE message_id = $2",
            (due_at, message_id),
        )

    async def delete_ended_blocks(self, now_ts: int) -> int:
        """Delete blocks (and the hash each holds) whose end has come."""
        removed = await self.db.execute(
            "DELETE FROM vent_blocks WHERE until_at IS NOT NULL AND until_at <= $1", (now_ts,)
        )
        if removed:
            await self._blocks_changed(None)
        return removed

    async def next_block_end(self) -> int | None:
        """When the next block ends."""
        value = await self.db.fetchval("SELECT min(until_at) FROM vent_blocks")
        return None if value is None else int(value)


# -- notes for authors (issue 16) ------------------------------------------------------------------
declare(
    TableDeclaration(
        table="vent_author_notes",
        feature="venting",
        purpose="A moderator's short reason for the author of an anonymous message they removed, redacted or "
        "blocked, kept against that message's link so the author can read it and nobody learns who they are.",
        personal=True,
        who_can_see="Only the author, the next time they use venting; the moderator who wrote it never learns who "
        "that is.",
        retention="Until the author reads it, or until the message's link would have expired (the server's "
        "retention period), then deleted; /privacy forget deletes it at once.",
        linked_by=_LINKED,
        expires_column="expires_at",
        retention_anchor="created_at",
        items="notes from moderators",
        columns={
            "note_id": "A number.",
            "guild_id": "The server.",
            "post_id": "The thread of the message the moderator acted on.",
            "member_tag": _LINKED,
            "action": "What the moderator did (remove, redact, block).",
            "reason": "The moderator's words for the author.",
            "created_at": "When the moderator wrote it.",
            "expires_at": "When it is deleted unread (when the message's link would have expired).",
        },
    )
)


@dataclass(frozen=True)
class AuthorNote:
    """A moderator's reason for an anonymous message's author; found only by recomputing the author's hash."""

    note_id: int
    guild_id: int
    post_id: int
    member_tag: str
    action: str
    reason: str
    created_at: int
    expires_at: int


class NotesRepository:
    """SQL for moderators' notes to anonymous authors, and the link they are kept against."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def link_of(self, message_id: int) -> tuple[int, str, int] | None:
        """(post_id, member_tag, expires_at) of a message's link, or None once it expired or was removed."""
        row = await self.db.fetchone(
            "SELECT post_id, member_tag, expires_at FROM vent_links WHERE message_id = $1", (message_id,)
        )
        return None if row is None else (int(row["post_id"]), str(row["member_tag"]), int(row["expires_at"]))

    async def add(
        self, guild_id: int, post_id: int, member_tag: str, action: str, reason: str, now_ts: int, expires: int
    ) -> None:
        """Keep a note against a link, until it is read or the link's end."""
        await self.db.execute(
            "INSERT INTO vent_author_notes (guild_id, post_id, member_tag, action, reason, created_at, expires_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            (guild_id, post_id, member_tag, action, reason, now_ts, expires),
        )

    async def unexpired(self, now_ts: int, guild_id: int | None = None) -> list[AuthorNote]:
        """Notes not yet past their end, in one server or everywhere, oldest first."""
        if guild_id is None:
            rows = await self.db.fetchall(
                "SELECT * FROM vent_author_notes WHERE expires_at > $1 ORDER BY note_id", (now_ts,)
            )
        else:
            rows = await self.db.fetchall(
                "SELECT * FROM vent_author_notes WHERE guild_id = $1 AND expires_at > $2 ORDER BY note_id",
                (guild_id, now_ts),
            )
        return [AuthorNote(**dict(row)) for row in rows]

    async def delete(self, note_ids: list[int]) -> int:
        """Delete these notes (read, or erased by the author), in one transaction."""
        removed = 0
        async with self.db.transaction() as tx:
            for note_id in note_ids:
                removed += await tx.execute("DELETE FROM vent_author_notes WHERE note_id = $1", (note_id,))
        return removed

    async def delete_expired(self, now_ts: int) -> int:
        """Delete notes whose link would have expired (the purge does this too; this is for reads)."""
        return await self.db.execute("DELETE FROM vent_author_notes WHERE expires_at <= $1", (now_ts,))
