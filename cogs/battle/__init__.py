"""The choose-your-battle walk-through: /battle."""

from cogs.battle.cog import setup

__all__ = ["setup"]
