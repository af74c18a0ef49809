"""The toolkit's pure rules: what redaction replaces, how long a reason may be, what a pause says."""

from __future__ import annotations

import discord
import pytest

from bot.errors import UserFacingError
from cogs.venting.author_notes import REASON_MAX, clean_reason
from cogs.venting.redact import REDACTED, clean_words, redact_embed, redact_text
from cogs.venting.thread_pauses import PauseLength, ThreadState


def test_redact_replaces_every_exact_occurrence_and_counts_them():
    assert redact_text("Sam said hi. Sam left.", "Sam") == (f"{REDACTED} said hi. {REDACTED} left.", 2)
    assert redact_text("Sam said hi.", "sam") == ("Sam said hi.", 0)  # exact words only
    assert redact_text(None, "Sam") == (None, 0)


def test_a_spoilered_text_stays_spoilered():
    embed, found = redact_embed(discord.Embed(description="||Sam was there||"), "Sam")
    assert found == 1 and embed.description == f"||{REDACTED} was there||"


def test_words_and_reasons_are_checked_before_anything_changes():
    with pytest.raises(UserFacingError, match="empty"):
        clean_words("   ")
    assert clean_words("  Sam  ") == "Sam"
    assert clean_reason("  ") is None
    assert clean_reason(" please   keep names out ") == "please keep names out"
    with pytest.raises(UserFacingError, match=f"at most {REASON_MAX}"):
        clean_reason("x" * (REASON_MAX + 1))


def test_pause_lengths_and_saved_state():
    assert PauseLength.HOUR.delta is not None and PauseLength.HOUR.delta.total_seconds() == 3600
    assert PauseLength.OPEN.delta is None and "changes it back" in PauseLength.OPEN.words
    state = ThreadState(locked=False, slowmode=30)
    assert ThreadState.from_target(state.target(5)) == state
