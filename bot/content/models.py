"""Immutable records for the bot's editable content: strategies, prompts, resources, explainer.

These are plain frozen dataclasses with no Discord types, so cogs, tests and tools can all use
them. They are re-exported from :mod:`bot.content.store`, which is the module to import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = [
    "PEER_SIDE",
    "PROMPT_SETS",
    "WHO_VALUES",
    "ExplainText",
    "Prompt",
    "Resource",
    "Strategy",
    "StrategyGroup",
]

# Who carries a strategy. [003] pairs "our work" (peer) with "others' work" (organization);
# "shared" is for items the seeds give to both.
WHO_VALUES: tuple[str, ...] = ("peer", "organization", "shared")
PEER_SIDE: frozenset[str] = frozenset({"peer", "shared"})

# Prompt sets the bot's features use: private daily and weekly check-ins, facilitator-posted
# co-reflection, the private five Ws walk-through, and the newcomer path.
PROMPT_SETS: tuple[str, ...] = ("checkin-daily", "checkin-weekly", "reflection", "disclosure", "onboarding")

# The disclosure walk-through needs exactly these prompts, in this order.
DISCLOSURE_STEPS: tuple[str, ...] = (
    "disclosure-who",
    "disclosure-what",
    "disclosure-when",
    "disclosure-where",
    "disclosure-why",
    "disclosure-closing",
)


@dataclass(frozen=True, slots=True)
class StrategyGroup:
    """A family of challenges peer workers meet at work, e.g. fear and misunderstanding."""

    id: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Strategy:
    """One way of meeting a challenge, either the peer's side, the organization's side, or both."""

    id: str
    group: str
    title: str
    short: str
    text: str
    who: str
    sources: tuple[str, ...]
    # Peer-side items name the organization items that answer the same problem (content pairing).
    answered_by: tuple[str, ...] = ()

    @property
    def is_peer_side(self) -> bool:
        """True when a peer or peer team can take this up ("our work")."""
        return self.who in PEER_SIDE

    @property
    def is_organization_side(self) -> bool:
        """True when this is coworkers', managers' or the agency's work ("others' work")."""
        return self.who in ("organization", "shared")


@dataclass(frozen=True, slots=True)
class Prompt:
    """A question a member may answer or skip; ``set`` says which feature uses it."""

    id: str
    set: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Resource:
    """A movement or training resource with an https link and an optional note on debate.

    ``added`` is when the entry was written; ``checked`` is set only by ``make check-links`` after
    the link really answered, so members are never told a link was checked when it was not.
    """

    id: str
    name: str
    url: str
    description: str
    tags: tuple[str, ...]
    contested: str | None
    added: date
    sources: tuple[str, ...]
    checked: date | None = None


@dataclass(frozen=True, slots=True)
class ExplainText:
    """The "what peer support is and is not" text, in a short and a one-page version."""

    short: str
    long: str
    sources: tuple[str, ...]
