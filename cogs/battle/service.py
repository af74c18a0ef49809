"""The choose-your-battle walk-through: its questions (content/battle.toml) and its switch.

Nothing is stored: the walk-through lives in one private message, and a member who wants to keep
their thoughts gets them as a DM to themselves, which the bot does not keep. No Discord import.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.content.store import DEFAULT_CONTENT_DIR
from bot.services.guild_settings import FeatureSwitch, register_feature
from bot.services.help_tips import Tip, register_tip

# Shares the check-ins switch: one setting turns every private reflection tool on or off.
FEATURE = register_feature(FeatureSwitch("checkins", "Check-ins", default=True))
# What /help suggests for this feature (bot.services.help_tips).
register_tip(
    Tip("member", 45, FEATURE.key, "battle", "a private walk-through for deciding whether to take something on")
)

CONTENT_FILE = "battle.toml"
NOTE_MAX = 600


@dataclass(frozen=True)
class Card:
    """The walk-through's steps (title, question) and its closing note."""

    steps: tuple[tuple[str, str], ...]
    closing: str


def load_card(path: Path = DEFAULT_CONTENT_DIR / CONTENT_FILE) -> Card:
    """Read the walk-through; 2 to 5 steps (one note field each fits in one Discord form)."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    steps = tuple((str(s["title"]), str(s["text"])) for s in data["steps"])
    if not 2 <= len(steps) <= 5 or any(len(title) > 45 for title, _ in steps):
        raise ValueError(f"{path.name}: 2 to 5 steps, each title at most 45 characters")
    return Card(steps, str(data["closing"]))


def notes_text(card: Card, answers: list[str]) -> str | None:
    """The member's notes as one DM to themselves, or None when every field was empty."""
    lines = [
        f"**{title}**: {answer.strip()}"
        for (title, _), answer in zip(card.steps, answers, strict=True)
        if answer.strip()
    ]
    if not lines:
        return None
    return "Your notes from the choose-your-battle walk-through (the bot keeps no copy):\n" + "\n".join(lines)
