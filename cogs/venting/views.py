"""Buttons and modals for anonymous venting.

The post buttons are DynamicItems: their custom_id holds only the action, and the post is found from
the message the button sits on, so they keep working after a restart and never carry an author.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.interactions import BaseModal, OwnerView, feature, report_error
from cogs.venting.author_notes import REASON_MAX, NoteTarget
from cogs.venting.redact import WORDS_MAX
from cogs.venting.service import REMINDER, TEXT_MAX, TITLE_MAX, WARNING_MAX, BlockLength, Removed

if TYPE_CHECKING:
    from cogs.venting.cog import Venting

# custom_ids stay far below Discord's 100 characters; "v1" lets a later layout coexist with old posts.
POST_BUTTON_TEMPLATE = r"vent:v1:(?P<action>reply|delete)"
BLOCK_CHOICES = (
    ("for a day", BlockLength.DAY),
    ("for a week", BlockLength.WEEK),
    ("for a month", BlockLength.MONTH),
    ("until a moderator lifts it", BlockLength.LIFTED),
)


def _venting(interaction: discord.Interaction[Any]) -> Venting:
    """The venting cog, which does the Discord side of what these buttons and modals start."""
    from cogs.venting.cog import Venting  # the cog imports this module; by now both are loaded

    return feature(interaction, Venting)


class PostButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=POST_BUTTON_TEMPLATE):
    """'Reply anonymously' or 'Delete' on an anonymous post."""

    def __init__(self, action: str) -> None:
        label, style = ("Reply anonymously", discord.ButtonStyle.primary)
        if action == "delete":
            label, style = ("Delete", discord.ButtonStyle.secondary)
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"vent:v1:{action}"))
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any
    ) -> PostButton:
        """Rebuild the button from its custom_id."""
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Open the reply modal, or delete the post when its author asks."""
        try:
            assert interaction.message is not None
            cog = _venting(interaction)
            if self.action == "reply":
                await cog.start_reply(interaction, interaction.message.id)
            else:
                await cog.author_delete(interaction, interaction.message.id)
        except Exception as error:
            await report_error(interaction, error)


def post_view() -> discord.ui.View:
    """The buttons under every anonymous post."""
    view = discord.ui.View(timeout=None)
    view.add_item(PostButton("reply"))
    view.add_item(PostButton("delete"))
    return view


class VentModal(BaseModal, title="Post anonymously"):
    """Title, text and content warning; the reminder is shown above the fields."""

    reminder: discord.ui.TextDisplay[Any] = discord.ui.TextDisplay(REMINDER)
    post_title: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Title (optional)", required=False, max_length=TITLE_MAX, custom_id="vent_title"
    )
    text: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="What's on your mind", style=discord.TextStyle.paragraph, max_length=TEXT_MAX, custom_id="vent_text"
    )
    warning: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Content warning (optional)",
        placeholder="If set, your text is hidden until a reader chooses to see it",
        required=False,
        max_length=WARNING_MAX,
        custom_id="vent_warning",
    )

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Post it, anonymously."""
        await _venting(interaction).submit_vent(interaction, self.post_title.value, self.text.value, self.warning.value)


class ReplyModal(BaseModal, title="Reply anonymously"):
    """The text of an anonymous reply."""

    reminder: discord.ui.TextDisplay[Any] = discord.ui.TextDisplay(REMINDER)
    text: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Your reply", style=discord.TextStyle.paragraph, max_length=TEXT_MAX, custom_id="vent_reply_text"
    )

    def __init__(self, post_id: int) -> None:
        super().__init__()
        self.post_id = post_id

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Post the reply under the member's pseudonym for this thread."""
        await _venting(interaction).submit_reply(interaction, self.post_id, self.text.value)


class BlockSelect(discord.ui.Select[Any]):
    """How long to pause the author's anonymous posting."""

    def __init__(self) -> None:
        options = [discord.SelectOption(label=f"Block the author {text}", value=v.value) for text, v in BLOCK_CHOICES]
        super().__init__(placeholder="Block the author from anonymous posting…", options=options)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Block the author for the chosen time."""
        view = self.view
        assert isinstance(view, ModerateView)
        await _venting(interaction).moderator_block(
            interaction, view.message_id, BlockLength(self.values[0]), view.removed
        )
        view.done.append("block")


class ModerateView(OwnerView):
    """What a moderator can do with one anonymous message; nothing here can show the author."""

    def __init__(self, moderator_id: int, message_id: int, thread_id: int, target: NoteTarget | None = None) -> None:
        super().__init__(moderator_id, timeout=300)
        self.message_id = message_id
        self.thread_id = thread_id
        # After "Remove it": the message's thread and link, in memory only while this menu is open (its rows
        # are already deleted), so the moderator can still block the author.
        self.removed: Removed | None = None
        # The message's link as it was when the menu opened (memory only), so a reason can follow a removal.
        self.target = target
        # What was done from this menu, so "Tell the author why" says what the reason is about.
        self.done: list[str] = []
        self.add_item(BlockSelect())

    @discord.ui.button(label="Remove it", style=discord.ButtonStyle.danger)
    async def remove(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Remove the message (a post takes its thread with it)."""
        self.removed = await _venting(interaction).moderator_remove(interaction, self.message_id)
        self.done.append("remove")

    @discord.ui.button(label="Hide some words…", style=discord.ButtonStyle.secondary)
    async def redact(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Hide part of the message: a name, a detail about someone supported."""
        await interaction.response.send_modal(RedactModal(self))

    @discord.ui.button(label="Tell the author why…", style=discord.ButtonStyle.secondary)
    async def tell_why(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Leave the author a short reason for what was done here (they read it privately)."""
        if not self.done:
            await interaction.response.send_message(
                "First remove the message, hide some words or block its author; then you can tell them why.",
                ephemeral=True,
            )
            return
        await interaction.response.send_modal(ReasonModal(self))

    @discord.ui.button(label="Pause or slow this thread…", style=discord.ButtonStyle.secondary)
    async def thread_tools(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """The thread tools, for this message's thread."""
        await _venting(interaction).thread_tools(interaction, self.thread_id)

    @discord.ui.button(label="Responding with connection", style=discord.ButtonStyle.secondary)
    async def guide(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """This server's note on responding to someone in distress by connecting."""
        await _venting(interaction).show_guide(interaction)


REASON_LABEL = f"Reason for the author (optional, max {REASON_MAX})"
# The form takes more than a reason may hold, so a long paste is refused with its length and the limit
# (and the moderator's other words kept in the form) instead of being cut off silently.
REASON_INPUT_MAX = 1000
REASON_PLACEHOLDER = "They read it privately; you won't learn who they are. Kind and plain works best."


class RedactModal(BaseModal, title="Hide some words"):
    """The exact words to hide, and an optional reason for the author; the words are never stored."""

    words: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="The exact words to hide",
        style=discord.TextStyle.paragraph,
        placeholder="Paste them as they appear; every place they appear becomes [removed by a moderator]",
        max_length=WORDS_MAX,
        custom_id="redact_words",
    )
    reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label=REASON_LABEL,
        style=discord.TextStyle.paragraph,
        placeholder=REASON_PLACEHOLDER,
        required=False,
        max_length=REASON_INPUT_MAX,
        custom_id="redact_reason",
    )

    def __init__(self, menu: ModerateView) -> None:
        super().__init__()
        self.menu = menu

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Hide the words, then leave the reason if one was given."""
        await _venting(interaction).moderator_redact(
            interaction, self.menu.message_id, self.words.value, self.reason.value, self.menu.target
        )
        self.menu.done.append("redact")


class ReasonModal(BaseModal, title="Tell the author why"):
    """A short reason for what was done, which the author reads privately the next time they vent."""

    reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label=f"Reason for the author (up to {REASON_MAX} characters)",
        style=discord.TextStyle.paragraph,
        placeholder=REASON_PLACEHOLDER,
        max_length=REASON_INPUT_MAX,
        custom_id="note_reason",
    )

    def __init__(self, menu: ModerateView) -> None:
        super().__init__()
        self.menu = menu

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Keep the reason against the message's link."""
        await _venting(interaction).moderator_note(interaction, self.menu.target, self.menu.done[-1], self.reason.value)


class NotesFirstView(OwnerView):
    """Shown instead of a form when a moderator left the member a note: read it, then carry on."""

    def __init__(self, owner_id: int, message_id: int | None = None) -> None:
        super().__init__(owner_id, timeout=600)
        # None: carry on to /vent's form; else the post whose "Reply anonymously" was pressed.
        self.message_id = message_id
        self.carry_on.label = "Write a post" if message_id is None else "Write the reply"

    @discord.ui.button(label="Write a post", style=discord.ButtonStyle.primary)
    async def carry_on(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Open the form the member was on their way to."""
        try:
            cog = _venting(interaction)
            if self.message_id is None:
                await cog.open_vent_form(interaction)
            else:
                await cog.open_reply_form(interaction, self.message_id)
        except Exception as error:
            await report_error(interaction, error)
