"""Redacting part of an anonymous post or reply: the bot edits its own message, keeping no copy.

Discord has no text-selection API, so the moderator pastes the exact words to hide into a form. The
words live only in this call: they are never stored, logged or put in an error message. The bot
reads its own message (not a member's), replaces every occurrence with REDACTED and edits it.
"""

from __future__ import annotations

import discord

from bot.errors import UserFacingError

REDACTED = "[removed by a moderator]"
WORDS_MAX = 1000


def clean_words(raw: str | None) -> str:
    """The words to hide, as pasted (only the ends trimmed: they must match the message exactly)."""
    words = (raw or "").strip()
    if not words:
        raise UserFacingError("Paste the exact words to hide; the box was empty, so nothing was changed.")
    if len(words) > WORDS_MAX:
        raise UserFacingError(
            f"That is {len(words)} characters; paste at most {WORDS_MAX}. To hide more, remove the whole message."
        )
    return words


def redact_text(text: str | None, words: str) -> tuple[str | None, int]:
    """The text with every occurrence of `words` replaced, and how many there were."""
    if not text or words not in text:
        return text, 0
    return text.replace(words, REDACTED), text.count(words)


def redact_embed(embed: discord.Embed, words: str) -> tuple[discord.Embed, int]:
    """A copy of the post's embed with the words hidden in its text (a spoilered text stays spoilered)."""
    description, found = redact_text(embed.description, words)
    copy = embed.copy()
    copy.description = description
    return copy, found


async def redact_message(message: discord.Message, words: str) -> int:
    """Hide the words in one of the bot's anonymous messages; return how many places changed.

    Refuses (changing nothing) when the words aren't in the message; the refusal never repeats them.
    """
    content, in_content = redact_text(message.content, words)
    embeds = [redact_embed(embed, words) for embed in message.embeds]
    found = in_content + sum(n for _, n in embeds)
    if not found:
        raise UserFacingError(
            "I couldn't find those exact words in that message, so nothing was changed. Paste them exactly as "
            "they appear (the same capitals and punctuation), or remove the whole message instead."
        )
    try:
        await message.edit(content=content, embeds=[e for e, _ in embeds])
    except discord.NotFound:
        raise UserFacingError("That message was already deleted, so there is nothing to hide.") from None
    except discord.HTTPException:
        raise UserFacingError(
            "Discord didn't let me edit that message, so it is unchanged and nothing was recorded. Please try again."
        ) from None
    return found


async def redact_thread_name(thread: discord.Thread | None, words: str) -> int:
    """Hide the words in a post's title (its thread name) too; 1 when it changed."""
    if thread is None:
        return 0
    name, found = redact_text(thread.name, words)
    if not found or name is None:
        return 0
    try:
        await thread.edit(name=name[:100])
    except discord.HTTPException:
        return 0  # the text itself is already hidden; the moderator is told the title may still show them
    return 1
