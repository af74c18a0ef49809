"""The commands /help suggests, declared by each feature's own package, as it declares its switch.

/help reads this registry and shows a tip only while its feature is on and its command is loaded, so
a new feature adds its own line to /help without editing the help extension.
"""

from __future__ import annotations

from dataclasses import dataclass

AUDIENCES = ("member", "facilitator", "moderator")


@dataclass(frozen=True)
class Tip:
    """A command worth knowing: for whom, behind which switch (None: always), and where in the list.

    `order` places it among the others (lower first); the first member tip that is ready is the one
    /help offers as "the first thing to try".
    """

    audience: str
    order: int
    feature: str | None
    command: str
    text: str


TIPS: dict[tuple[str, str], Tip] = {}


def register_tip(tip: Tip) -> Tip:
    """Declare a tip (an extension loaded again declares it again, identically)."""
    if tip.audience not in AUDIENCES:
        raise ValueError(f"tip for /{tip.command}: audience must be one of {AUDIENCES}")
    existing = TIPS.get((tip.audience, tip.command))
    if existing is not None and existing != tip:
        raise ValueError(f"tip for /{tip.command} is declared twice, differently")
    TIPS[(tip.audience, tip.command)] = tip
    return tip


def tips_for(audience: str) -> tuple[Tip, ...]:
    """The declared tips for one audience, in their order."""
    return tuple(sorted((t for t in TIPS.values() if t.audience == audience), key=lambda t: (t.order, t.command)))
