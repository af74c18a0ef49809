"""The good-moments log: /moment and its weekly look-back."""

from cogs.moments.cog import setup

__all__ = ["setup"]
