"""Support on request: /support, /support-volunteer and moderators' support options."""

from cogs.support.cog import setup

__all__ = ["setup"]
