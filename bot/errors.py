"""Errors a member can act on. The command tree turns these into friendly ephemeral replies.

No discord import here, so services can raise them without depending on the Discord library.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """Raised by services with a message written for the member who acted."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
