"""How strategy cards look in Discord: the peer's side beside the organization's side, always."""

from __future__ import annotations

import discord

from cogs.strategies.service import Card

COLOUR = discord.Colour.teal()


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def side_labels(role_word: str) -> tuple[str, str]:
    """The two headings of every card, in the server's word for the role."""
    return f"What {_article(role_word)} {role_word} can do", "What the organization should do"


def card_embed(card: Card, role_word: str, *, footer: str | None = None) -> discord.Embed:
    """A card as an embed: both sides in the description (each text fits well within 4096)."""
    peer_label, org_label = side_labels(role_word)
    peer_heading = "Shared work" if card.peer.who == "shared" else peer_label
    description = (
        f"**{peer_heading}: {card.peer.title}**\n{card.peer.text}\n\n"
        f"**{org_label}: {card.organization.title}**\n{card.organization.text}"
    )
    embed = discord.Embed(title=card.group.name[:256], description=description[:4096], colour=COLOUR)
    sources = sorted(set(card.peer.sources) | set(card.organization.sources))
    text = f"Sources: {', '.join(sources)}. Some peers find this helps; take what fits and leave the rest."
    embed.set_footer(text=(f"{footer} · {text}" if footer else text)[:2048])
    return embed


def short_card_text(card: Card, role_word: str) -> str:
    """A card in a few lines for a reminder DM (short texts only; well under 2000 characters)."""
    peer_label, org_label = side_labels(role_word)
    return (
        f"**{card.group.name}**\n"
        f"{peer_label}: **{card.peer.title}**: {card.peer.short}\n"
        f"{org_label}: **{card.organization.title}**: {card.organization.short}"
    )[:1900]


def search_list(cards: list[Card], role_word: str) -> str:
    """Search results as one short entry per card, both sides named."""
    peer_label, org_label = side_labels(role_word)
    lines = [
        f"**{i}. {c.peer.title}** ({c.group.name})\n{peer_label}: {c.peer.short}\n{org_label}: {c.organization.short}"
        for i, c in enumerate(cards, 1)
    ]
    return "\n\n".join(lines)[:4000]
