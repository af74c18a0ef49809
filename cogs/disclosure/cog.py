"""/disclosure: a private walk-through of who, what, when, where and why before sharing part of
one's story at work. Nothing is stored unless the member asks to keep their notes (encrypted,
expiring). The prompts come from the content store (the `disclosure` set).
"""

from __future__ import annotations

from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.interactions import BaseModal, OwnerView, require_feature, send_ephemeral
from bot.privacy import DataStatement
from bot.ui import ShowInFull, StepsView, preview
from cogs.disclosure.service import DISCLOSURE_STEPS, FEATURE, NOTE_FIELD_MAX, NOTES_KEEP_DAYS, DisclosureNotes

Interaction = discord.Interaction[PeerCircleBot]

STEPS = DISCLOSURE_STEPS
STEP_IDS = tuple(f"disclosure-{step}" for step in STEPS)
CLOSING_ID = "disclosure-closing"
KEPT_SHOWN = 3


def step_texts(content: Any) -> list[str] | None:
    """The five step prompts and the closing text, or None when the content isn't loaded."""
    if content is None:
        return None
    found = [content.prompt(pid) for pid in (*STEP_IDS, CLOSING_ID)]
    if any(p is None for p in found):
        return None
    return [p.text for p in found]


class NotesModal(BaseModal):
    """Optional notes for each step, kept only on submit."""

    def __init__(self, notes: DisclosureNotes, guild_id: int) -> None:
        super().__init__(title="Notes to keep (only you will see them)")
        self.notes, self.guild_id = notes, guild_id
        self.fields: list[discord.ui.TextInput[Any]] = []
        for step in STEPS:
            field: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=step.capitalize(),
                custom_id=f"notes-{step}",
                style=discord.TextStyle.paragraph,
                required=False,
                max_length=NOTE_FIELD_MAX,
            )
            self.fields.append(field)
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Keep the notes, encrypted, or keep nothing when every field is empty."""
        if not await self.notes.guilds.is_enabled(self.guild_id, FEATURE):
            await send_ephemeral(interaction, "Check-ins are turned off in this server now, so nothing was kept.")
            return
        text = "\n".join(
            f"{step.capitalize()}: {f.value.strip()}"
            for step, f in zip(STEPS, self.fields, strict=True)
            if f.value.strip()
        )
        if not text:
            await send_ephemeral(interaction, "Every field was empty, so nothing was kept.")
            return
        expires = await self.notes.keep(self.guild_id, interaction.user.id, text)
        await send_ephemeral(
            interaction,
            f"Kept, encrypted, until {discord.utils.format_dt(expires, 'D')}. "
            "Run /disclosure again to read or delete them.",
        )


class WalkThrough(StepsView):
    """One step at a time; Back and Next edit the same private message."""

    def __init__(self, notes: DisclosureNotes, guild_id: int, owner_id: int, texts: list[str]) -> None:
        self.notes, self.guild_id, self.texts = notes, guild_id, texts
        super().__init__(owner_id, len(STEPS))

    def page(self) -> str:
        """The text of the current step (the last page is the closing reminder)."""
        if self.step < len(STEPS):
            return f"**{STEPS[self.step].capitalize()}** ({self.step + 1} of {len(STEPS)})\n{self.texts[self.step]}"
        return (
            f"{self.texts[-1]}\n\nNothing from this walk-through was stored. If you'd like, you can keep notes "
            f"(encrypted, deleted after {NOTES_KEEP_DAYS} days); leave out names and details of people you support."
        )

    @discord.ui.button(label="Keep notes", style=discord.ButtonStyle.secondary)
    async def keep(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        """Write notes to keep (optional)."""
        await interaction.response.send_modal(NotesModal(self.notes, self.guild_id))


class KeptNotesView(OwnerView):
    """Read kept notes in full, or delete them."""

    def __init__(self, notes: DisclosureNotes, guild_id: int, owner_id: int, texts: list[str]) -> None:
        super().__init__(owner_id, timeout=600)
        self.notes, self.guild_id = notes, guild_id
        for number, text in enumerate(texts, start=1):
            self.add_item(ShowInFull(f"Show {number} in full", text, row=1))

    @discord.ui.button(label="Delete my kept notes", style=discord.ButtonStyle.danger)
    async def delete(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        """Delete every kept note in this server."""
        self.stop()
        removed = await self.notes.delete_all(interaction.user.id, self.guild_id)
        await interaction.response.edit_message(content=f"Deleted {removed} kept notes.", view=None)


@app_commands.guild_only()
class Disclosure(commands.Cog):
    """The disclosure thinking tool."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement(
        feature="Disclosure notes",
        what="Nothing, unless you ask to keep notes at the end of /disclosure; then those notes, encrypted.",
        why="So you can come back to your own thinking.",
        who_can_see="Nobody but you.",
        how_long=f"{NOTES_KEEP_DAYS} days, or until you delete them.",
        tables=("disclosure_notes",),
    )

    def __init__(self, bot: PeerCircleBot, notes: DisclosureNotes) -> None:
        self.bot = bot
        self.notes = notes

    async def cog_load(self) -> None:
        """Make the notes store reachable by type."""
        self.bot.features.add(self.notes)

    async def cog_unload(self) -> None:
        """Undo cog_load."""
        self.bot.features.remove(DisclosureNotes)

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """The disclosure tool (and its kept notes) is part of the check-ins feature, like /moment."""
        return await require_feature(interaction, FEATURE)

    @app_commands.command(name="disclosure")
    async def disclosure(self, interaction: Interaction) -> None:
        """Think through sharing part of your story at work, privately: who, what, when, where, why."""
        assert interaction.guild_id is not None
        texts = step_texts(self.bot.services.content)
        if texts is None:
            await send_ephemeral(interaction, "The disclosure prompts aren't available yet. Please try again later.")
            return
        view = WalkThrough(self.notes, interaction.guild_id, interaction.user.id, texts)
        intro = "A private walk-through, only for you. Nothing is stored unless you ask at the end.\n\n"
        await send_ephemeral(interaction, intro + view.page(), view=view)
        kept = await self.notes.entries(interaction.user.id, interaction.guild_id)
        if kept:
            shown = kept[:KEPT_SHOWN]
            body = "\n\n".join(
                f"**{n}.** {discord.utils.format_dt(e.created_at, 'D')}\n{preview(e.text, 500)}"
                for n, e in enumerate(shown, start=1)
            )
            kept_view = KeptNotesView(self.notes, interaction.guild_id, interaction.user.id, [e.text for e in shown])
            await interaction.followup.send(f"Your kept notes:\n{body}"[:2000], view=kept_view, ephemeral=True)

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """The member's kept notes."""
        return await self.notes.export(user_id)

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Erase the member's kept notes."""
        return {"notes": await self.notes.delete_all(user_id)}


async def setup(bot: PeerCircleBot) -> None:
    """Build the notes store and add the cog."""
    await bot.add_cog(Disclosure(bot, DisclosureNotes.build(bot.services)))
