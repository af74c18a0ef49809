"""The privacy registry and contract: what every table holds about a person, and how each feature
shows, exports and erases it.

Every table is declared here by the module that owns it. A declaration says whether the table can
hold data about a person, which columns identify the member, what it is for, who can see it and how
long it is kept. The meta-tests compare this registry with the real schema, `docs/PRIVACY.md` is
generated from it, and the purge job uses each table's expiry column.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable


@dataclass(frozen=True)
class TableDeclaration:
    """One table and what it holds."""

    table: str
    feature: str
    purpose: str
    personal: bool
    who_can_see: str = "Nobody but the member."
    retention: str = ""
    # Columns whose value is a member's Discord id (what /privacy forget must clear).
    user_columns: tuple[str, ...] = ()
    # Column holding the UTC timestamp after which a row is deleted by the purge job.
    expires_column: str | None = None
    # What each column holds, for docs/PRIVACY.md; personal tables describe every column.
    columns: dict[str, str] = field(default_factory=dict)
    # How rows are tied to a member when no column holds their id (e.g. keyed hashes).
    linked_by: str | None = None
    # For tables kept at most the server's retention period: the column (a UTC timestamp) the period
    # counts from. A row older than the server's current period is deleted, at once when a moderator
    # lowers it and by every maintenance pass, whatever its expires_column says.
    retention_anchor: str | None = None
    # What a row is, in plain words and in the plural ("good moments"), for counts shown to people.
    items: str = ""
    # What /privacy forget does to the member's rows: "erased" (deleted), "unlinked" (the row belongs
    # to the server and stays, with the member's id removed), or "kept" (it stays until it ends, e.g. a
    # moderator's block, which erasing must not undo). A test checks the code does what this says.
    on_forget: str = "erased"


REGISTRY: dict[str, TableDeclaration] = {}
FORGET_ACTIONS = {
    "erased": "Erased",
    "unlinked": "Your id is removed; the row stays with the server",
    "kept": "Kept until it ends (see how long it is kept)",
}


def load_declarations(modules: Iterable[str] = ()) -> dict[str, TableDeclaration]:
    """The registry, after importing `modules` (extension names) so their tables are declared.

    Each feature declares its tables beside the SQL that owns them, and importing a feature's
    extension imports that code. The bot loads every extension before its first purge; tools that
    run without a bot (the privacy document, the meta-tests) pass the extension list here.
    """
    for name in modules:
        importlib.import_module(name)
    return REGISTRY


def declare(declaration: TableDeclaration) -> TableDeclaration:
    """Add a table to the registry (once)."""
    existing = REGISTRY.get(declaration.table)
    if existing is not None and existing != declaration:
        raise ValueError(f"table {declaration.table} is declared twice, differently")
    if declaration.personal and declaration.expires_column is None:
        raise ValueError(f"table {declaration.table} holds personal data but declares no expiry column")
    if declaration.personal and not (declaration.user_columns or declaration.linked_by):
        raise ValueError(f"table {declaration.table} holds personal data but says nothing links it to a member")
    if declaration.on_forget not in FORGET_ACTIONS:
        raise ValueError(f"table {declaration.table}: on_forget must be one of {sorted(FORGET_ACTIONS)}")
    if declaration.retention_anchor is not None and not declaration.items:
        raise ValueError(f"table {declaration.table} follows the server's retention but names no items for counts")
    REGISTRY[declaration.table] = declaration
    return declaration


def follows_server_retention(declarations: Iterable[TableDeclaration]) -> list[TableDeclaration]:
    """The tables whose rows are kept at most the server's retention period, in table order."""
    return sorted((d for d in declarations if d.retention_anchor), key=lambda d: d.table)


@dataclass(frozen=True)
class DataStatement:
    """A feature's plain statement of what it keeps about a person."""

    feature: str
    what: str
    why: str
    who_can_see: str
    how_long: str
    stores_personal_data: bool = True
    # The declared tables this statement speaks for: the meta-tests check the statement against
    # their declarations (retention, export, erasure), so the words and the code cannot drift apart.
    tables: tuple[str, ...] = ()

    @classmethod
    def nothing(cls, feature: str, what: str) -> DataStatement:
        """The statement of a feature that keeps nothing about anyone; `what` says so in its words."""
        return cls(feature, what, why="", who_can_see="", how_long="", stores_personal_data=False)

    def render(self) -> str:
        """The statement as a few short lines for Discord or Markdown."""
        if not self.stores_personal_data:
            return f"**{self.feature}**: {self.what}"
        return (
            f"**{self.feature}**\n- What: {self.what}\n- Why: {self.why}\n"
            f"- Who can see it: {self.who_can_see}\n- How long: {self.how_long}"
        )


@runtime_checkable
class PrivacyParticipant(Protocol):
    """What every cog implements, so /privacy can fan out to all of them."""

    DATA_STATEMENT: ClassVar[DataStatement]

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """Everything this feature stores about the member, JSON-serialisable."""
        ...

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Erase everything this feature stores about the member; return counts by kind."""
        ...


@runtime_checkable
class PostsEraser(Protocol):
    """A feature that posted things for the member and can delete them too (e.g. anonymous posts)."""

    async def delete_user_posts(self, user_id: int) -> tuple[int, int]:
        """Delete the member's posts; return (deleted, failed), failed being posts Discord refused to delete."""
        ...


@dataclass(frozen=True)
class Participants:
    """The loaded cogs sorted by the privacy contract, worked out once per set of cogs."""

    cogs: tuple[object, ...]
    participants: tuple[PrivacyParticipant, ...]
    posters: tuple[PostsEraser, ...]


_known: Participants | None = None


def participants_among(cogs: Iterable[object]) -> Participants:
    """Which cogs take part in /privacy and which can delete posts, computed once while the cogs stay the same.

    A runtime-checkable Protocol's isinstance inspects every member on every call; /privacy show,
    export and forget each asked it for every cog, several times. The answer only changes when an
    extension is loaded or unloaded, so it is kept until the cogs differ (compared by identity).
    """
    global _known
    current = tuple(cogs)
    known = _known
    if (
        known is None
        or len(known.cogs) != len(current)
        or any(a is not b for a, b in zip(known.cogs, current, strict=True))
    ):
        known = Participants(
            current,
            tuple(c for c in current if isinstance(c, PrivacyParticipant)),
            tuple(c for c in current if isinstance(c, PostsEraser)),
        )
        _known = known
    return known


def count_items(export: dict[str, Any]) -> dict[str, int]:
    """Counts for /privacy show, derived from an export (lists count their items, anything else 1)."""
    counts: dict[str, int] = {}
    for key, value in export.items():
        if isinstance(value, list):
            if value:
                counts[key] = len(value)
        elif value not in (None, {}, ""):
            counts[key] = 1
    return counts


class StoresNothing:
    """The privacy contract for a cog that keeps nothing about anyone (its DATA_STATEMENT says so)."""

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """Nothing is kept, so there is nothing to export."""
        return {}

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Nothing is kept, so there is nothing to erase."""
        return {}
