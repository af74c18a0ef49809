"""The disclosure walk-through: /disclosure."""

from cogs.disclosure.cog import setup

__all__ = ["setup"]
