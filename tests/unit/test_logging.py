"""Log set-up: the token never reaches a handler, and voice notices that don't apply are dropped."""

from __future__ import annotations

import io
import logging

from bot.logging_setup import DropVoiceNotices, RedactFilter

TOKEN = "MTAxMjM0NTY3ODkwMTIzNDU2Nzg5.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def _capture(*filters: logging.Filter) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for f in filters:
        handler.addFilter(f)
    logger = logging.getLogger(f"test-{id(stream)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_token_is_redacted_from_messages_and_arguments():
    logger, stream = _capture(RedactFilter([TOKEN]))
    logger.info("header Authorization: Bot %s", TOKEN)
    logger.warning(f"inline {TOKEN} too")
    text = stream.getvalue()
    assert TOKEN not in text
    assert text.count("[redacted]") == 2


def test_voice_notices_are_dropped_and_others_kept():
    logger, stream = _capture(DropVoiceNotices())
    logger.warning("PyNaCl is not installed, voice will NOT be supported")
    logger.warning("something else worth seeing")
    assert stream.getvalue().strip() == "something else worth seeing"
