"""A server's own items beside the built-in ones it hides or rewords, and the rules for resources
and support options.

`ServerItemService` is the one place check-in prompts, co-reflection prompts, resources and support
options are stored: each feature keeps its own rules (limits, wording checks, the keys members see)
and calls it for the rest, including what "stop using this" means (a server's own item is deleted, a
built-in one is hidden). `ServerEntryService` holds the rules for resources and support options:
https links only, length limits, no duplicate names, each refusal saying what to change. No Discord
import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.changes import EVERYTHING
from bot.clock import Clock, to_timestamp
from bot.content.role_word import fill_role
from bot.content.store import ContentStore
from bot.errors import UserFacingError
from bot.library.repository import (
    DuplicateNameError,
    ExplainRepository,
    ItemFields,
    ServerItem,
    ServerItemRepository,
)
from bot.links import bidi_control, hidden_character
from bot.services.guild_settings import GuildSettingsService

# Told to every process when a server's own items change (what each builds from them is then rebuilt).
LIBRARY_TOPIC = "library"
CHECKIN = "checkin"
REFLECTION = "reflection"
RESOURCE = "resource"
SUPPORT = "support"
KIND_LABEL = {RESOURCE: "resource", SUPPORT: "support option"}
NAME_MAX = 80
URL_MAX = 300
DESCRIPTION_MAX = {RESOURCE: 300, SUPPORT: 500}
TOPIC_MAX = 30
MAX_ENTRIES = 40
EXPLAIN_SHORT_MAX = 1500
EXPLAIN_LONG_MAX = 3900
_TOPIC = re.compile(r"^[a-z0-9][a-z0-9 \-]*$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)+$")


@dataclass(frozen=True)
class ItemRef:
    """Which item of a kind: the server's own by number, or a built-in one by its content id."""

    number: int | None = None
    builtin_id: str | None = None

    @classmethod
    def own(cls, number: int) -> ItemRef:
        """The server's own item with this number."""
        return cls(number=number)

    @classmethod
    def builtin(cls, builtin_id: str) -> ItemRef:
        """The built-in item with this content id."""
        return cls(builtin_id=builtin_id)


class LibraryFullError(Exception):
    """The server already has as many items of its own of that kind as it may (the limit is the caller's)."""


class ServerItemService:
    """A server's own items of each kind, beside the built-in ones it hides or rewords."""

    def __init__(self, repo: ServerItemRepository, clock: Clock, guilds: GuildSettingsService) -> None:
        self.repo = repo
        self.clock = clock
        self.guilds = guilds
        self._versions: dict[tuple[int, str], int] = {}
        # Raised when another process's change may have been missed: every version changes at once.
        self._epoch = 0
        guilds.changes.on(LIBRARY_TOPIC, self._heard)

    def _now(self) -> int:
        return to_timestamp(self.clock.now())

    def version(self, guild_id: int, kind: str) -> int:
        """A number that changes whenever a server's items of a kind change, so callers can cache
        what they build from them (every change goes through this service)."""
        return self._versions.get((guild_id, kind), 0) + self._epoch

    def _heard(self, key: str) -> None:
        """A server's items changed (key "guild/kind"), here or in another process; "*": notices were lost."""
        if key == EVERYTHING:
            self._epoch += 1
            return
        guild, _, kind = key.partition("/")
        self._versions[(int(guild), kind)] = self._versions.get((int(guild), kind), 0) + 1

    async def _changed(self, guild_id: int, kind: str) -> None:
        await self.guilds.changes.changed(LIBRARY_TOPIC, f"{guild_id}/{kind}")

    # -- reading ---------------------------------------------------------------------------------

    async def items(self, guild_id: int, kind: str) -> list[ServerItem]:
        """The server's own items of a kind, hidden ones included, by name (items with one), then number."""
        return [r for r in await self.repo.rows(guild_id, kind) if r.number is not None]

    async def builtin_changes(self, guild_id: int, kind: str) -> dict[str, ServerItem]:
        """The server's changes to built-in items of a kind (wording, hidden), by content id."""
        return {r.builtin_id: r for r in await self.repo.rows(guild_id, kind) if r.builtin_id is not None}

    async def hidden_builtins(self, guild_id: int, kind: str) -> set[str]:
        """Content ids of the built-in items of a kind this server hides."""
        return {key for key, row in (await self.builtin_changes(guild_id, kind)).items() if row.hidden}

    async def get(self, guild_id: int, kind: str, number: int) -> ServerItem | None:
        """The server's own item by number; None when this server has no such item of that kind."""
        return await self.repo.own(guild_id, kind, number)

    async def by_name(self, guild_id: int, kind: str, name: str) -> ServerItem | None:
        """The server's own item by name, any case."""
        return await self.repo.by_name(guild_id, kind, name)

    async def count(self, guild_id: int, kind: str) -> int:
        """How many items of its own of a kind the server has (for per-server limits)."""
        return await self.repo.count_own(guild_id, kind)

    # -- changing --------------------------------------------------------------------------------

    async def add(
        self, guild_id: int, kind: str, fields: ItemFields, *, created_by: int | None = None, limit: int | None = None
    ) -> ServerItem:
        """Add one of the server's own items; DuplicateNameError when its name is taken, LibraryFullError
        when the server already has `limit` of its own of that kind."""
        await self.guilds.ensure_guild(guild_id)
        # Counted and added in one transaction: two adds at once would otherwise both pass the limit.
        async with self.repo.db.transaction():
            if limit is not None and await self.repo.count_own(guild_id, kind) >= limit:
                raise LibraryFullError(limit)
            number = await self.repo.add(guild_id, kind, fields, created_by, self._now())
        await self._changed(guild_id, kind)
        added = await self.repo.own(guild_id, kind, number)
        assert added is not None
        return added

    async def edit(self, guild_id: int, kind: str, number: int, fields: ItemFields) -> bool:
        """Replace what one of the server's own items says; DuplicateNameError when the name is taken."""
        changed = await self.repo.update(guild_id, kind, number, fields, self._now())
        await self._changed(guild_id, kind)
        return changed

    async def set_hidden(self, guild_id: int, kind: str, ref: ItemRef, hidden: bool) -> bool:
        """Hide an item (the server's own or a built-in one) or show it again; False if nothing changed."""
        now = self._now()
        if ref.builtin_id is not None:
            await self.guilds.ensure_guild(guild_id)
            if hidden:
                changed = await self.repo.hide_builtin(guild_id, kind, ref.builtin_id, now)
            else:
                changed = await self.repo.show_builtin(guild_id, kind, ref.builtin_id, now)
        else:
            assert ref.number is not None
            changed = await self.repo.set_hidden(guild_id, kind, ref.number, hidden, now)
        await self._changed(guild_id, kind)
        return changed

    async def remove(self, guild_id: int, kind: str, ref: ItemRef) -> bool:
        """Stop using an item: the server's own is deleted, a built-in one (which cannot be) is hidden."""
        if ref.builtin_id is not None:
            return await self.set_hidden(guild_id, kind, ref, True)
        assert ref.number is not None
        removed = await self.repo.delete(guild_id, kind, ref.number)
        await self._changed(guild_id, kind)
        return removed

    async def change_builtin(
        self, guild_id: int, kind: str, builtin_id: str, *, text: str | None, hidden: bool, by: int | None
    ) -> None:
        """Record the server's wording (None: the built-in one) and hidden flag for a built-in item."""
        await self.guilds.ensure_guild(guild_id)
        await self.repo.change_builtin(guild_id, kind, builtin_id, text=text, hidden=hidden, by=by, now_ts=self._now())
        await self._changed(guild_id, kind)

    # -- privacy ---------------------------------------------------------------------------------

    async def by_creator(self, user_id: int, kind: str) -> list[ServerItem]:
        """Items of a kind a member added or changed, in every server (privacy export)."""
        return await self.repo.by_creator(user_id, kind)

    async def clear_creator(self, user_id: int, kind: str) -> int:
        """Unlink a member from the items of a kind they added; the items stay with the server."""
        return await self.repo.clear_creator(user_id, kind)


@dataclass(frozen=True)
class ResourceItem:
    """A resource as members see it, whether built in or added by the server."""

    key: str
    name: str
    url: str | None
    description: str
    topics: tuple[str, ...]
    contested: str | None = None
    added: str | None = None  # when a built-in entry was written
    checked: str | None = None  # when `make check-links` last saw the link answer; None if never
    server_added: bool = False

    @property
    def origin(self) -> str:
        """Where the entry comes from, honestly: never "checked" unless a real check happened."""
        if self.server_added:
            return "added by this server"
        if self.checked:
            return f"link checked {self.checked}"
        return f"added {self.added}" if self.added else "built in"


def clean_name(raw: str) -> str:
    """A name on one line within the limit."""
    name = " ".join(raw.split())
    if not name:
        raise UserFacingError("The name can't be empty.")
    if len(name) > NAME_MAX:
        raise UserFacingError(f"The name can be at most {NAME_MAX} characters (it has {len(name)}).")
    problem = bidi_control(name)
    if problem:
        raise UserFacingError(
            f"The name has {problem}, which can change how the text after it shows. Type the name again without it."
        )
    return name


def clean_url(raw: str) -> str:
    """An https link to a real-looking host; anything else is refused with the reason."""
    # Only the spaces and line ends a paste brings are trimmed; any other control character at the
    # ends is refused like one in the middle.
    url = raw.strip(" \t\r\n")
    if len(url) > URL_MAX:
        raise UserFacingError(f"The link can be at most {URL_MAX} characters (it has {len(url)}).")
    problem = hidden_character(url)
    if problem:
        raise UserFacingError(
            f"The link has {problem}, which can make it show as a different address. Type the address again without it."
        )
    if any(ch.isspace() for ch in url) or "<" in url or ">" in url:
        raise UserFacingError("The link can't contain spaces or angle brackets.")
    parts = urlsplit(url)
    if parts.scheme.lower() == "http":
        raise UserFacingError("Only https links are accepted. Try the same address starting with https://.")
    if parts.scheme.lower() != "https":
        raise UserFacingError("That doesn't look like a web link. Use a full address starting with https://.")
    host = (parts.hostname or "").lower()
    if parts.username or parts.password or not _HOST.match(host):
        raise UserFacingError("That link has no valid web address after https://, for example https://example.org.")
    return url


def clean_text(raw: str, limit: int, what: str = "The description") -> str:
    """Free text within a limit, trimmed."""
    text = raw.strip()
    if not text:
        raise UserFacingError(f"{what} can't be empty.")
    if len(text) > limit:
        raise UserFacingError(f"{what} can be at most {limit} characters (it has {len(text)}). Please shorten it.")
    return text


def clean_topic(raw: str | None) -> str | None:
    """A short lowercase topic word, or None."""
    if raw is None or not raw.strip():
        return None
    topic = " ".join(raw.lower().split())
    if len(topic) > TOPIC_MAX or not _TOPIC.match(topic):
        raise UserFacingError(
            f"A topic is up to {TOPIC_MAX} lowercase letters, digits, spaces or hyphens, for example 'peer-run'."
        )
    return topic


def _from_entry(entry: ServerItem) -> ResourceItem:
    return ResourceItem(
        f"s{entry.number}",
        entry.name or "",
        entry.url,
        entry.text or "",
        (entry.topic,) if entry.topic else (),
        server_added=True,
    )


class ServerEntryService:
    """Moderators' resources and support options, merged with the built-in resources for members."""

    def __init__(
        self,
        library: ServerItemService,
        explain_texts: ExplainRepository,
        content: ContentStore,
        clock: Clock,
        guilds: GuildSettingsService,
    ) -> None:
        self.library = library
        self.explain_texts = explain_texts
        self.content = content
        self.clock = clock
        self.guilds = guilds
        self._builtin = [
            ResourceItem(
                f"c:{r.id}",
                r.name,
                r.url,
                r.description,
                r.tags,
                r.contested,
                r.added.isoformat(),
                r.checked.isoformat() if r.checked else None,
            )
            for r in content.resources
        ]

    def _now(self) -> int:
        return to_timestamp(self.clock.now())

    async def _existing(self, guild_id: int, kind: str, name: str) -> ServerItem:
        entry = await self.library.by_name(guild_id, kind, " ".join(name.split()))
        if entry is None:
            names = ", ".join(e.name or "" for e in await self.library.items(guild_id, kind)) or "none yet"
            raise UserFacingError(
                f"This server has no {KIND_LABEL[kind]} called '{name[:NAME_MAX]}'. Its {KIND_LABEL[kind]}s: {names}."[
                    :1900
                ]
            )
        return entry

    def _builtin_named(self, kind: str, name: str) -> ResourceItem | None:
        wanted = " ".join(name.split()).lower()
        return next((r for r in self._builtin if r.name.lower() == wanted), None) if kind == RESOURCE else None

    async def add(
        self, guild_id: int, kind: str, name: str, url: str | None, description: str, topic: str | None = None
    ) -> ServerItem:
        """Add a resource or support option; UserFacingError with the reason when refused."""
        clean = clean_name(name)
        link = clean_url(url) if url else None
        if kind == RESOURCE and link is None:
            raise UserFacingError("A resource needs an https link.")
        text = clean_text(description, DESCRIPTION_MAX[kind])
        if self._builtin_named(kind, clean) is not None:
            raise UserFacingError(f"'{clean}' is already one of the built-in resources.")
        fields = ItemFields(text=text, name=clean, url=link, topic=clean_topic(topic))
        try:
            return await self.library.add(guild_id, kind, fields, limit=MAX_ENTRIES)
        except DuplicateNameError:
            raise UserFacingError(f"There is already a {KIND_LABEL[kind]} called '{clean}' here.") from None
        except LibraryFullError:
            raise UserFacingError(
                f"A server can add up to {MAX_ENTRIES} {KIND_LABEL[kind]}s; remove one first."
            ) from None

    async def edit(
        self,
        guild_id: int,
        kind: str,
        name: str,
        *,
        new_name: str | None = None,
        url: str | None = None,
        description: str | None = None,
        topic: str | None = None,
    ) -> ServerItem:
        """Change the given fields of an entry; the others stay as they are."""
        entry = await self._existing(guild_id, kind, name)
        assert entry.number is not None
        clean = clean_name(new_name) if new_name else entry.name
        fields = ItemFields(
            text=clean_text(description, DESCRIPTION_MAX[kind]) if description else entry.text,
            name=clean,
            url=clean_url(url) if url else entry.url,
            topic=clean_topic(topic) if topic else entry.topic,
        )
        try:
            await self.library.edit(guild_id, kind, entry.number, fields)
        except DuplicateNameError:
            raise UserFacingError(f"There is already a {KIND_LABEL[kind]} called '{clean}' here.") from None
        updated = await self.library.get(guild_id, kind, entry.number)
        assert updated is not None
        return updated

    async def set_hidden(self, guild_id: int, kind: str, name: str, hidden: bool) -> str:
        """Hide or show a server entry (or, for resources, a built-in one); return its name."""
        builtin = self._builtin_named(kind, name)
        if builtin is not None:
            await self.library.set_hidden(guild_id, kind, ItemRef.builtin(builtin.key.removeprefix("c:")), hidden)
            return builtin.name
        entry = await self._existing(guild_id, kind, name)
        assert entry.number is not None
        await self.library.set_hidden(guild_id, kind, ItemRef.own(entry.number), hidden)
        return entry.name or ""

    async def remove(self, guild_id: int, kind: str, name: str) -> str:
        """Delete a server entry; built-in resources can only be hidden."""
        if self._builtin_named(kind, name) is not None:
            raise UserFacingError("Built-in resources can't be removed, but /resources-manage hide stops showing it.")
        entry = await self._existing(guild_id, kind, name)
        assert entry.number is not None
        await self.library.remove(guild_id, kind, ItemRef.own(entry.number))
        return entry.name or ""

    async def names(self, guild_id: int, kind: str, *, builtin: bool) -> list[str]:
        """Names moderators can pick from in autocomplete."""
        names = [e.name or "" for e in await self.library.items(guild_id, kind)]
        return names + ([r.name for r in self._builtin] if builtin and kind == RESOURCE else [])

    # -- what members see ------------------------------------------------------------------------

    async def resources(self, guild_id: int) -> list[ResourceItem]:
        """Every resource shown in this server: built-in ones not hidden, then the server's own."""
        hidden = await self.library.hidden_builtins(guild_id, RESOURCE)
        shown = [r for r in self._builtin if r.key.removeprefix("c:") not in hidden]
        return shown + [_from_entry(e) for e in await self.library.items(guild_id, RESOURCE) if not e.hidden]

    async def topics(self, guild_id: int) -> list[str]:
        """The topics resources can be filtered by."""
        own = {t for r in await self.resources(guild_id) for t in r.topics}
        return list(self.content.tags) + sorted(own - set(self.content.tags))

    async def find(self, guild_id: int, topic: str | None) -> tuple[str, list[ResourceItem]]:
        """Resources for a topic or a name (all when None); unknown ones list what there is."""
        items = await self.resources(guild_id)
        if topic is None or not topic.strip():
            return "all", items
        wanted = " ".join(topic.lower().split())
        by_name = [r for r in items if r.name.lower() == wanted or r.key == wanted]
        if by_name:
            return by_name[0].name, by_name
        tagged = [r for r in items if wanted in r.topics]
        if tagged:
            return wanted, tagged
        topics = ", ".join(await self.topics(guild_id))
        raise UserFacingError(f"I don't know the topic '{topic[:40]}'. Topics: {topics}."[:1900])

    async def support_options(self, guild_id: int) -> list[ServerItem]:
        """The support options moderators set up and did not hide, by name."""
        return [e for e in await self.library.items(guild_id, SUPPORT) if not e.hidden]

    # -- the /explain texts ----------------------------------------------------------------------

    async def explain(self, guild_id: int) -> tuple[str, str, bool]:
        """The short and one-page texts for this server, and whether the server replaced any."""
        short, long = await self.explain_texts.explain(guild_id)
        builtin = self.content.explain
        role = (await self.guilds.get(guild_id)).role_words
        return (
            short or fill_role(builtin.short, role),
            long or fill_role(builtin.long, role),
            short is not None or long is not None,
        )

    async def set_explain(self, guild_id: int, short: str | None, long: str | None) -> None:
        """Replace one or both texts with the server's own (None keeps the current one)."""
        current_short, current_long = await self.explain_texts.explain(guild_id)
        new_short = clean_text(short, EXPLAIN_SHORT_MAX, "The short text") if short else current_short
        new_long = clean_text(long, EXPLAIN_LONG_MAX, "The one-page text") if long else current_long
        await self.guilds.ensure_guild(guild_id)
        await self.explain_texts.set_explain(guild_id, new_short, new_long, self._now())

    async def reset_explain(self, guild_id: int) -> None:
        """Go back to the built-in texts."""
        await self.explain_texts.set_explain(guild_id, None, None, self._now())
