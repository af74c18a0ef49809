"""Tips for /help are declared by each feature's package; the registry keeps one per audience and command."""

from __future__ import annotations

import pytest

from bot.services.help_tips import TIPS, Tip, register_tip, tips_for


def test_a_tip_is_declared_once_identically_and_listed_in_order():
    first = Tip("member", 5, "sign_up", "session post", "sign up for a session")
    later = Tip("member", 1, None, "session list", "sessions coming up")
    try:
        register_tip(first)
        assert register_tip(first) == first  # an extension loaded again declares it again
        with pytest.raises(ValueError, match="declared twice"):
            register_tip(Tip("member", 5, "sign_up", "session post", "other words"))
        register_tip(later)
        commands = [t.command for t in tips_for("member")]
        assert commands.index("session list") < commands.index("session post")
        with pytest.raises(ValueError, match="audience"):
            register_tip(Tip("supervisor", 1, None, "x", "y"))
    finally:
        TIPS.pop(("member", "session post"), None)
        TIPS.pop(("member", "session list"), None)
