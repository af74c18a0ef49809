"""Logging set up once, with a filter that removes the token from anything that reaches a handler."""

from __future__ import annotations

import logging
import sys


class RedactFilter(logging.Filter):
    """Replace given secret strings in formatted log messages."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drop it."""
        if not self._secrets:
            return True
        message = record.getMessage()
        if any(s in message for s in self._secrets):
            for secret in self._secrets:
                message = message.replace(secret, "[redacted]")
            record.msg, record.args = message, None
        return True


class DropVoiceNotices(logging.Filter):
    """discord.py warns that voice libraries are missing; this bot never uses voice, so that is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record except the voice-support notices."""
        return "voice will NOT be supported" not in record.getMessage()


def setup_logging(level: int, secrets: list[str] | None = None) -> None:
    """Send logs to stderr at `level`, redacting the given secrets."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter(secrets or []))
    handler.addFilter(DropVoiceNotices())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's gateway chatter at DEBUG includes payloads: keep it at INFO at most.
    logging.getLogger("discord").setLevel(max(level, logging.INFO))
