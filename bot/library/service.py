"""Resources and support options: built-in content plus what a server's moderators add.

Moderators add, edit, hide and remove entries. Every input is checked here with a message saying
what to change: https links only, length limits, no duplicate names. No Discord import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.clock import Clock, to_timestamp
from bot.content.store import ContentStore
from bot.errors import UserFacingError
from bot.library.repository import DuplicateNameError, ServerEntry, ServerEntryRepository
from bot.services.guild_settings import GuildSettingsService

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
class ResourceItem:
    """A resource as members see it, whether built in or added by the server."""

    key: str
    name: str
    url: str | None
    description: str
    topics: tuple[str, ...]
    contested: str | None = None
    last_checked: str | None = None
    server_added: bool = False


def clean_name(raw: str) -> str:
    """A name on one line within the limit."""
    name = " ".join(raw.split())
    if not name:
        raise UserFacingError("The name can't be empty.")
    if len(name) > NAME_MAX:
        raise UserFacingError(f"The name can be at most {NAME_MAX} characters (it has {len(name)}).")
    return name


def clean_url(raw: str) -> str:
    """An https link to a real-looking host; anything else is refused with the reason."""
    url = raw.strip()
    if len(url) > URL_MAX:
        raise UserFacingError(f"The link can be at most {URL_MAX} characters (it has {len(url)}).")
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


def _from_entry(entry: ServerEntry) -> ResourceItem:
    return ResourceItem(
        f"s{entry.id}",
        entry.name,
        entry.url,
        entry.description,
        (entry.topic,) if entry.topic else (),
        server_added=True,
    )


class ServerEntryService:
    """Moderators' resources and support options, merged with the built-in resources for members."""

    def __init__(
        self, repo: ServerEntryRepository, content: ContentStore, clock: Clock, guilds: GuildSettingsService
    ) -> None:
        self.repo = repo
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
                r.last_checked.isoformat(),
            )
            for r in content.resources
        ]

    def _now(self) -> int:
        return to_timestamp(self.clock.now())

    async def _existing(self, guild_id: int, kind: str, name: str) -> ServerEntry:
        entry = await self.repo.by_name(guild_id, kind, " ".join(name.split()))
        if entry is None:
            names = ", ".join(e.name for e in await self.repo.entries(guild_id, kind)) or "none yet"
            raise UserFacingError(
                f"This server has no {KIND_LABEL[kind]} called '{name[:NAME_MAX]}'. Its {KIND_LABEL[kind]}s: {names}."[
                    :1900
                ]
            )
        return entry

    async def add(
        self, guild_id: int, kind: str, name: str, url: str | None, description: str, topic: str | None = None
    ) -> ServerEntry:
        """Add a resource or support option; UserFacingError with the reason when refused."""
        clean = clean_name(name)
        link = clean_url(url) if url else None
        if kind == RESOURCE and link is None:
            raise UserFacingError("A resource needs an https link.")
        text = clean_text(description, DESCRIPTION_MAX[kind])
        if kind == RESOURCE and any(r.name.lower() == clean.lower() for r in self._builtin):
            raise UserFacingError(f"'{clean}' is already one of the built-in resources.")
        if await self.repo.count(guild_id, kind) >= MAX_ENTRIES:
            raise UserFacingError(f"A server can add up to {MAX_ENTRIES} {KIND_LABEL[kind]}s; remove one first.")
        await self.guilds.ensure_guild(guild_id)
        try:
            entry_id = await self.repo.add(guild_id, kind, clean, link, text, clean_topic(topic), self._now())
        except DuplicateNameError:
            raise UserFacingError(f"There is already a {KIND_LABEL[kind]} called '{clean}' here.") from None
        entry = await self.repo.by_name(guild_id, kind, clean)
        assert entry is not None and entry.id == entry_id
        return entry

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
    ) -> ServerEntry:
        """Change the given fields of an entry; the others stay as they are."""
        entry = await self._existing(guild_id, kind, name)
        clean = clean_name(new_name) if new_name else entry.name
        link = clean_url(url) if url else entry.url
        text = clean_text(description, DESCRIPTION_MAX[kind]) if description else entry.description
        chosen_topic = clean_topic(topic) if topic else entry.topic
        try:
            await self.repo.update(entry.id, clean, link, text, chosen_topic, self._now())
        except DuplicateNameError:
            raise UserFacingError(f"There is already a {KIND_LABEL[kind]} called '{clean}' here.") from None
        updated = await self.repo.by_name(guild_id, kind, clean)
        assert updated is not None
        return updated

    async def set_hidden(self, guild_id: int, kind: str, name: str, hidden: bool) -> str:
        """Hide or show a server entry (or, for resources, a built-in one); return its name."""
        builtin = next((r for r in self._builtin if r.name.lower() == " ".join(name.split()).lower()), None)
        if kind == RESOURCE and builtin is not None:
            await self.guilds.ensure_guild(guild_id)
            await self.repo.set_builtin_hidden(guild_id, builtin.key.removeprefix("c:"), hidden)
            return builtin.name
        entry = await self._existing(guild_id, kind, name)
        await self.repo.set_hidden(entry.id, hidden)
        return entry.name

    async def remove(self, guild_id: int, kind: str, name: str) -> str:
        """Delete a server entry; built-in resources can only be hidden."""
        if kind == RESOURCE and any(r.name.lower() == " ".join(name.split()).lower() for r in self._builtin):
            raise UserFacingError("Built-in resources can't be removed, but /resources-manage hide stops showing it.")
        entry = await self._existing(guild_id, kind, name)
        await self.repo.delete(entry.id)
        return entry.name

    async def names(self, guild_id: int, kind: str, *, builtin: bool) -> list[str]:
        """Names moderators can pick from in autocomplete."""
        names = [e.name for e in await self.repo.entries(guild_id, kind)]
        return names + ([r.name for r in self._builtin] if builtin and kind == RESOURCE else [])

    # -- what members see ------------------------------------------------------------------------

    async def resources(self, guild_id: int) -> list[ResourceItem]:
        """Every resource shown in this server: built-in ones not hidden, then the server's own."""
        hidden = await self.repo.hidden_builtins(guild_id)
        shown = [r for r in self._builtin if r.key.removeprefix("c:") not in hidden]
        return shown + [_from_entry(e) for e in await self.repo.entries(guild_id, RESOURCE) if not e.hidden]

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

    async def support_options(self, guild_id: int) -> list[ServerEntry]:
        """The support options moderators set up and did not hide."""
        return [e for e in await self.repo.entries(guild_id, SUPPORT) if not e.hidden]

    # -- the /explain texts ----------------------------------------------------------------------

    async def explain(self, guild_id: int) -> tuple[str, str, bool]:
        """The short and one-page texts for this server, and whether the server replaced any."""
        short, long = await self.repo.explain(guild_id)
        builtin = self.content.explain
        return short or builtin.short, long or builtin.long, short is not None or long is not None

    async def set_explain(self, guild_id: int, short: str | None, long: str | None) -> None:
        """Replace one or both texts with the server's own (None keeps the current one)."""
        current_short, current_long = await self.repo.explain(guild_id)
        new_short = clean_text(short, EXPLAIN_SHORT_MAX, "The short text") if short else current_short
        new_long = clean_text(long, EXPLAIN_LONG_MAX, "The one-page text") if long else current_long
        await self.guilds.ensure_guild(guild_id)
        await self.repo.set_explain(guild_id, new_short, new_long, self._now())

    async def reset_explain(self, guild_id: int) -> None:
        """Go back to the built-in texts."""
        await self.repo.set_explain(guild_id, None, None, self._now())
