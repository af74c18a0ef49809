"""peer-circle: a self-hosted Discord bot for peer-worker mutual support communities."""

__version__ = "0.1.0"
