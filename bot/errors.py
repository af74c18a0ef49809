"""Errors a member can act on. The command tree turns these into friendly ephemeral replies.

No discord import here, so services can raise them without depending on the Discord library.
"""

from __future__ import annotations

import traceback
from pathlib import Path


class UserFacingError(Exception):
    """Raised by services with a message written for the member who acted."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def frame_trail(error: BaseException, depth: int = 6) -> str:
    """Where an exception came from, innermost first (file:line in function), without its message.

    Logs use this instead of the exception's text, which can quote what someone typed.
    """
    frames = traceback.extract_tb(error.__traceback__)[-depth:]
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(frames)) or "?"
