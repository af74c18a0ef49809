"""Repositories: all of the bot's SQL, one module per aggregate, returning dataclasses."""
