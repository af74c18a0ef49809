"""Per-server configuration: /config."""

from cogs.admin.cog import setup

__all__ = ["setup"]
