"""Shared text views: split long text into messages, preview a member's own text, show it in full.

Features that show a member their own kept words (check-in answers, good moments, disclosure notes)
and commands that list many lines use these, so every feature splits and previews text the same way.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.interactions import OwnerView, send_ephemeral

# A listing shows the start of each entry; the member opens the rest with a button.
PREVIEW = 300
DISCORD_MAX = 2000


def pieces(text: str, limit: int = DISCORD_MAX) -> list[str]:
    """Split text into messages of at most `limit` characters, at a line break or space when there is one."""
    parts = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        parts.append(text[:cut])
        text = text[cut:]
    return [*parts, text] if text else parts


def pack_lines(header: str, lines: list[str], limit: int = DISCORD_MAX) -> list[str]:
    """A header and lines packed into as few messages of at most `limit` characters as they fit in."""
    messages: list[str] = []
    chunk = header
    for line in lines:
        if chunk and len(chunk) + len(line) + 1 > limit:
            messages.append(chunk)
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line[:limit]
    messages.append(chunk)
    return messages


async def send_lines(
    interaction: discord.Interaction[Any], header: str, lines: list[str], limit: int = DISCORD_MAX
) -> None:
    """Send a header and lines privately, split into as many messages as Discord's length limit needs."""
    for message in pack_lines(header, lines, limit):
        await send_ephemeral(interaction, message)


def preview(text: str, limit: int = PREVIEW) -> str:
    """The start of a member's text, marked when it goes on (a Show in full button gives the rest)."""
    return text if len(text) <= limit else text[:limit].rstrip() + " …"


class ShowInFull(discord.ui.Button[Any]):
    """Send the member their own text in full, privately, in as many messages as it takes."""

    def __init__(self, label: str, text: str, row: int | None = None) -> None:
        super().__init__(label=label, style=discord.ButtonStyle.secondary, row=row)
        self.text = text

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Only the view's owner gets here (OwnerView checks); nothing is stored or logged."""
        for part in pieces(self.text):
            await send_ephemeral(interaction, part)


class FullTextView(OwnerView):
    """One Show in full button per entry of a listing (labels and texts), at most 25."""

    def __init__(self, owner_id: int, entries: list[tuple[str, str]]) -> None:
        super().__init__(owner_id, timeout=600)
        for n, (label, text) in enumerate(entries[:25]):
            self.add_item(ShowInFull(label, text, row=n // 5))


class StepsView(OwnerView):
    """A private walk-through, one step per page: Back and Next edit the same message.

    A subclass gives `page()` (the text for `self.step`; the page after the last step closes the
    walk-through) and a decorated `keep` button, which is enabled only on that closing page.
    """

    keep: discord.ui.Button[Any]

    def __init__(self, owner_id: int, steps: int, *, timeout: float = 1800) -> None:
        super().__init__(owner_id, timeout=timeout)
        self.steps, self.step = steps, 0
        self._sync()

    def page(self) -> str:
        """The text of the current page."""
        raise NotImplementedError

    def _sync(self) -> None:
        last = self.step >= self.steps
        self.back.disabled = self.step == 0
        self.next.disabled = last
        self.keep.disabled = not last

    async def _show(self, interaction: discord.Interaction[Any]) -> None:
        self._sync()
        await interaction.response.edit_message(content=self.page(), view=self)

    @discord.ui.button(label="Back", style=discord.ButtonStyle.secondary)
    async def back(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """The previous step."""
        self.step = max(0, self.step - 1)
        await self._show(interaction)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """The next step."""
        self.step = min(self.steps, self.step + 1)
        await self._show(interaction)
