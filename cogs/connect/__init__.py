"""Peer connection across workplaces: /connect."""

from cogs.connect.cog import setup

__all__ = ["setup"]
