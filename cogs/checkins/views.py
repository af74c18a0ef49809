"""The buttons and modal of a check-in, and the member's own confirm, stop and history views.

The four prompt buttons are DynamicItems: their custom id carries the server, a random token of
the prompt message and the prompt id, so they keep working after a restart with nothing held in
memory. Who pressed comes from the interaction, never from the id, so a button can only ever act on
the presser's own check-ins.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.interactions import BaseModal, OwnerView, feature, report_error, send_ephemeral
from bot.ui import ShowInFull, preview
from cogs.checkins.plan import ANSWER_MAX, Choices
from cogs.checkins.service import FEATURE, CheckinService

ACTIONS = {"a": "Answer", "n": "Not today", "p": "Pause for a week", "s": "Stop"}
STYLES = {
    "a": discord.ButtonStyle.primary,
    "n": discord.ButtonStyle.secondary,
    "p": discord.ButtonStyle.secondary,
    "s": discord.ButtonStyle.danger,
}
TEMPLATE = r"ci:(?P<action>[anps]):(?P<guild>[0-9]{1,20}):(?P<token>[0-9a-f]{8}):(?P<prompt>[A-Za-z0-9_.-]{1,60})"


def service_of(interaction: discord.Interaction[Any]) -> CheckinService:
    """The check-in service of the loaded feature."""
    return feature(interaction, CheckinService)


class PromptButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """One of Answer / Not today / Pause for a week / Stop under a check-in prompt."""

    def __init__(self, action: str, guild_id: int, token: str, prompt_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=ACTIONS[action],
                style=STYLES[action],
                custom_id=f"ci:{action}:{guild_id}:{token}:{prompt_id}",
            )
        )
        self.action, self.guild_id, self.token, self.prompt_id = action, guild_id, token, prompt_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PromptButton:
        """Rebuild the button from its custom id (after a restart, too)."""
        return cls(match["action"], int(match["guild"]), match["token"], match["prompt"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Route errors to the shared reporter; never log what anyone wrote."""
        try:
            await self._act(interaction)
        except Exception as error:
            await report_error(interaction, error)

    async def _act(self, interaction: discord.Interaction[Any]) -> None:
        service = service_of(interaction)
        if not await service.guilds.is_enabled(self.guild_id, FEATURE):
            await send_ephemeral(interaction, "Check-ins are turned off in that server, so nothing was done.")
            return
        user_id = interaction.user.id
        if self.action == "a":
            text = await service.prompt_text(self.guild_id, self.prompt_id) or "Your check-in"
            await interaction.response.send_modal(AnswerModal(self.guild_id, self.token, self.prompt_id, text))
            return
        if self.action == "n":
            await send_ephemeral(interaction, "Okay, not today. Nothing was recorded, and I won't follow up.")
            return
        plan = await service.plan(self.guild_id, user_id)
        if plan is None:
            # Stopped or forgotten: say so, and create nothing.
            await send_ephemeral(interaction, "You don't have check-ins in that server any more, so nothing changed.")
            return
        if self.action == "p":
            until = await service.pause(self.guild_id, user_id, 7)
            await send_ephemeral(
                interaction, f"Paused until {discord.utils.format_dt(until, 'D')}. /checkin resume starts them sooner."
            )
            return
        await ask_stop(interaction, service, self.guild_id)


def prompt_view(guild_id: int, token: str, prompt_id: str, *, with_plan: bool = True) -> discord.ui.View:
    """The view under a prompt: all four buttons, or Answer / Not today without a plan."""
    view = discord.ui.View(timeout=None)
    for action in ("a", "n", "p", "s") if with_plan else ("a", "n"):
        view.add_item(PromptButton(action, guild_id, token, prompt_id))
    return view


class AnswerModal(BaseModal):
    """A private answer to one prompt."""

    def __init__(self, guild_id: int, token: str, prompt_id: str, prompt_text: str) -> None:
        super().__init__(title="Your check-in")
        self.guild_id, self.token, self.prompt_id = guild_id, token, prompt_id
        self.answer: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Your answer (only you will see it)",
            custom_id="checkin-answer",
            style=discord.TextStyle.paragraph,
            placeholder=prompt_text[:100],
            max_length=ANSWER_MAX,
        )
        self.add_item(self.answer)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Keep (encrypted) or discard, and say which."""
        service = service_of(interaction)
        result = await service.answer(self.guild_id, interaction.user.id, self.token, self.prompt_id, self.answer.value)
        if result.kept_days is None:
            text = (
                "Thank you for taking the moment. You chose not to keep answers, so I've let this one go: "
                "it isn't stored anywhere."
            )
        elif result.duplicate:
            text = "That answer is already kept; I didn't store it twice."
        else:
            text = (
                f"Kept, encrypted, for {result.kept_days} days. Only you can read it, with /checkin history, "
                "and you can delete it there."
            )
        await send_ephemeral(interaction, text)


class ConfirmView(OwnerView):
    """Start (or save) check-ins after reading the statement; nothing is stored before this."""

    def __init__(self, service: CheckinService, guild_id: int, owner_id: int, choices: Choices, label: str) -> None:
        super().__init__(owner_id, timeout=600)
        self.service, self.guild_id, self.choices = service, guild_id, choices
        self.confirm.label = label

    @discord.ui.button(label="Start", style=discord.ButtonStyle.primary)
    async def confirm(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Store the choices and schedule the check-in."""
        self.stop()
        await self.service.confirm(self.guild_id, interaction.user.id, self.choices)
        await interaction.response.edit_message(
            content="Done. Your check-ins are set. /checkin settings changes them, /checkin stop ends them.", view=None
        )

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Leave everything as it was."""
        self.stop()
        await interaction.response.edit_message(content="Cancelled. Nothing was stored or changed.", view=None)


PREFERENCES_STAY = (
    " Your time zone and quiet hours stay: they are your /preferences, which other direct messages you may "
    "ask for (the weekly look-back, strategy reminders) use too. They are deleted {until} unless you use "
    "them again, or now with the button below."
)


async def after_stop(service: CheckinService, guild_id: int, user_id: int) -> tuple[str, ErasePreferencesView | None]:
    """What is still kept after a stop beyond answers (time zone and quiet hours), and a button to erase it."""
    until = await service.preferences_kept_until(guild_id, user_id)
    if until is None:
        return "", None
    text = PREFERENCES_STAY.format(until=discord.utils.format_dt(until, "D"))
    return text, ErasePreferencesView(service, guild_id, user_id)


async def ask_stop(interaction: discord.Interaction[Any], service: CheckinService, guild_id: int) -> None:
    """Stop at once when no answers are kept; otherwise ask whether to delete them too."""
    user_id = interaction.user.id
    if not await service.has_answers(guild_id, user_id):
        await service.stop(guild_id, user_id, delete_answers=False)
        kept, view = await after_stop(service, guild_id, user_id)
        text = "Check-ins stopped; your check-in choices are deleted." + (kept or " Nothing more is kept.")
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        await send_ephemeral(interaction, text + " /checkin start any time, if you like.", **extra)
        return
    await send_ephemeral(
        interaction,
        "I'll stop your check-ins. Would you like to delete the answers you kept, too?",
        view=StopView(service, guild_id, user_id),
    )


class StopView(OwnerView):
    """Stop check-ins, keeping or deleting kept answers."""

    def __init__(self, service: CheckinService, guild_id: int, owner_id: int) -> None:
        super().__init__(owner_id, timeout=300)
        self.service, self.guild_id = service, guild_id

    async def _finish(self, interaction: discord.Interaction[Any], delete: bool) -> None:
        self.stop()
        _, deleted = await self.service.stop(self.guild_id, interaction.user.id, delete_answers=delete)
        tail = f" I deleted {deleted} kept answers." if delete else " Your kept answers stay until they expire."
        kept, view = await after_stop(self.service, self.guild_id, interaction.user.id)
        await interaction.response.edit_message(content="Check-ins stopped." + tail + kept, view=view)

    @discord.ui.button(label="Stop and delete my answers", style=discord.ButtonStyle.danger)
    async def delete(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Stop and delete kept answers."""
        await self._finish(interaction, True)

    @discord.ui.button(label="Stop, keep my answers", style=discord.ButtonStyle.secondary)
    async def keep(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Stop; kept answers expire as planned."""
        await self._finish(interaction, False)


class ErasePreferencesView(OwnerView):
    """Offered after a stop: erase the time zone and quiet hours that outlive check-ins."""

    def __init__(self, service: CheckinService, guild_id: int, owner_id: int) -> None:
        super().__init__(owner_id, timeout=600)
        self.service, self.guild_id = service, guild_id

    @discord.ui.button(label="Erase my time zone and quiet hours", style=discord.ButtonStyle.danger)
    async def erase(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Erase them in this server, at once."""
        self.stop()
        await self.service.erase_preferences(self.guild_id, interaction.user.id)
        await interaction.response.edit_message(
            content="Check-ins stopped, and your time zone and quiet hours here are erased.", view=None
        )


class HistoryView(OwnerView):
    """The member's kept answers, a page at a time, each deletable."""

    def __init__(self, service: CheckinService, guild_id: int, owner_id: int, page: int = 0) -> None:
        super().__init__(owner_id, timeout=600)
        self.service, self.guild_id, self.page = service, guild_id, page

    async def render(self) -> str:
        """Rebuild the buttons for the current page and return its text."""
        entries, pages = await self.service.history(self.guild_id, self.owner_id, self.page)
        self.page = min(self.page, pages - 1)
        self.clear_items()
        if not entries:
            return "You have no kept answers here."
        lines = [f"Your kept answers (page {self.page + 1} of {pages}, newest first). Only you can see this.\n"]
        for number, entry in enumerate(entries, start=1):
            lines.append(
                f"**{number}.** {discord.utils.format_dt(entry.created_at, 'f')}: *{entry.prompt[:150]}*\n"
                f"{preview(entry.text)}"
            )
            self.add_item(_DeleteButton(self, entry.id, number))
            # Every entry, not only long ones: the page itself is cut at Discord's 2,000 characters.
            self.add_item(ShowInFull(f"Show {number} in full", f"*{entry.prompt}*\n{entry.text}", row=1))
        if self.page > 0:
            self.add_item(_PageButton(self, -1, "Newer"))
        if self.page < pages - 1:
            self.add_item(_PageButton(self, 1, "Older"))
        return "\n".join(lines)[:2000]


class _DeleteButton(discord.ui.Button[HistoryView]):
    def __init__(self, history: HistoryView, answer_id: int, number: int) -> None:
        super().__init__(label=f"Delete {number}", style=discord.ButtonStyle.danger, row=0)
        self.history, self.answer_id = history, answer_id

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        deleted = await self.history.service.delete_answer(interaction.user.id, self.answer_id)
        text = await self.history.render()
        note = "Deleted." if deleted else "That one was already gone."
        await interaction.response.edit_message(content=f"{note}\n\n{text}", view=self.history)


class _PageButton(discord.ui.Button[HistoryView]):
    def __init__(self, history: HistoryView, step: int, label: str) -> None:
        super().__init__(label=label, style=discord.ButtonStyle.secondary, row=2)
        self.history, self.step = history, step

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        self.history.page += self.step
        await interaction.response.edit_message(content=await self.history.render(), view=self.history)
