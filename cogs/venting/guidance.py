"""The note the moderation menu links to, on responding to someone in distress by connecting.

No Discord import. The built-in text is content/guidance.toml; a server can put its own words in its
place the way it rewords other built-in items (a server item of kind "guidance", beside the built-in
id), and go back to the built-in text. Nothing here is automatic: the note is shown when asked for.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from bot.content.store import DEFAULT_CONTENT_DIR
from bot.errors import UserFacingError
from bot.library.service import ServerItemService

CONTENT_FILE = "guidance.toml"
ITEM_KIND = "guidance"
BUILTIN_ID = "connection-first"
TEXT_MAX = 1800  # leaves room in one Discord message for a line saying whose words these are


def load_builtin(path: Path = DEFAULT_CONTENT_DIR / CONTENT_FILE) -> str:
    """The built-in note; an empty or too-long one is a content error."""
    with path.open("rb") as handle:
        text = str(tomllib.load(handle).get("text", "")).strip()
    if not 0 < len(text) <= TEXT_MAX:
        raise ValueError(f"{path.name}: text must have 1 to {TEXT_MAX} characters")
    return text


class Guidance:
    """This server's note: its own words, or the built-in ones."""

    def __init__(self, library: ServerItemService, builtin: str | None = None) -> None:
        self.library = library
        self.builtin = builtin if builtin is not None else load_builtin()

    async def text(self, guild_id: int) -> tuple[str, bool]:
        """The note as this server has it, and whether the server wrote its own."""
        change = (await self.library.builtin_changes(guild_id, ITEM_KIND)).get(BUILTIN_ID)
        if change is not None and change.text:
            return change.text, True
        return self.builtin, False

    async def set_text(self, guild_id: int, raw: str | None) -> bool:
        """Use the server's own words (None or empty: back to the built-in note); True when it is the server's."""
        text = (raw or "").strip() or None
        if text is not None and len(text) > TEXT_MAX:
            raise UserFacingError(
                f"The note can be at most {TEXT_MAX} characters (it has {len(text)}). Nothing was changed."
            )
        await self.library.change_builtin(guild_id, ITEM_KIND, BUILTIN_ID, text=text, hidden=False, by=None)
        return text is not None
