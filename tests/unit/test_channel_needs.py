"""Features declare the channels they post into; a second, different declaration is refused."""

from __future__ import annotations

import pytest

from bot.services.channel_needs import CHANNEL_NEEDS, ChannelNeed, register_channel_need


def test_same_declaration_twice_is_accepted_and_a_different_one_refused(monkeypatch):
    monkeypatch.setattr("bot.services.channel_needs.CHANNEL_NEEDS", dict(CHANNEL_NEEDS))
    need = ChannelNeed("demo", "demo-room", "the demo room", "/config demo-room", "demo_room")
    register_channel_need(need)
    # An extension loaded again declares the same need again.
    assert register_channel_need(ChannelNeed("demo", "demo-room", "the demo room", "/config demo-room", "demo_room"))
    with pytest.raises(ValueError, match="declared twice"):
        register_channel_need(ChannelNeed("other", "demo-room", "the demo room", "/config demo-room", "demo_room"))
