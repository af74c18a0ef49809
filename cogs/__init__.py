"""One feature per cog. Every cog implements the privacy contract in bot/services/privacy.py."""
