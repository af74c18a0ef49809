"""How strategy cards look in Discord: the peer's side beside the organization's side, always."""

from __future__ import annotations

import discord

from bot.content.role_word import RoleWord
from cogs.strategies.service import Card

COLOUR = discord.Colour.teal()
_DESCRIPTION_MAX = 4096


def side_labels(role: RoleWord) -> tuple[str, str]:
    """The two headings of every card, in the server's word for the role."""
    return f"What {role.with_article} can do", "What the organization should do"


def _description(card: Card, role: RoleWord, *, full_answers: bool) -> str:
    peer_label, org_label = side_labels(role)
    peer_heading = "Shared work" if card.peer.who == "shared" else peer_label
    parts = [f"**{peer_heading}: {card.peer.title}**\n{card.peer.text}"]
    for answer in card.organizations:
        parts.append(f"**{org_label}: {answer.title}**\n{answer.text if full_answers else answer.short}")
    return "\n\n".join(parts)


def card_embed(card: Card, role: RoleWord, *, footer: str | None = None) -> discord.Embed:
    """A card as an embed: both sides in the description (organization texts shortened only if needed)."""
    description = _description(card, role, full_answers=True)
    if len(description) > _DESCRIPTION_MAX:
        description = _description(card, role, full_answers=False)
    embed = discord.Embed(title=card.group.name[:256], description=description[:_DESCRIPTION_MAX], colour=COLOUR)
    text = f"Drawn from: {card.sources}. Some peers find this helps; take what fits and leave the rest."
    embed.set_footer(text=(f"{footer} · {text}" if footer else text)[:2048])
    return embed


def short_card_text(card: Card, role: RoleWord) -> str:
    """A card in a few lines for a reminder DM (short texts only; well under 2000 characters)."""
    peer_label, org_label = side_labels(role)
    lines = [f"**{card.group.name}**", f"{peer_label}: **{card.peer.title}**: {card.peer.short}"]
    lines += [f"{org_label}: **{answer.title}**: {answer.short}" for answer in card.organizations]
    return "\n".join(lines)[:1900]


def search_list(cards: list[Card], role: RoleWord) -> str:
    """Search results as one short entry per card, both sides named."""
    peer_label, org_label = side_labels(role)
    lines = [
        f"**{i}. {c.peer.title}** ({c.group.name})\n{peer_label}: {c.peer.short}\n{org_label}: {c.organization.short}"
        for i, c in enumerate(cards, 1)
    ]
    return "\n\n".join(lines)[:4000]
