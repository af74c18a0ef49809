"""The welcome sequence for newcomers: /welcome."""

from cogs.welcome.cog import setup

__all__ = ["setup"]
