"""The server's upcoming events and members' own reminders: /events."""

from cogs.events.cog import setup

__all__ = ["setup"]
