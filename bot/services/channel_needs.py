"""The channels features post into, declared by each feature's own package, as it declares its switch.

/config show, /config setup and /help read this registry (through `bot.setup_check`) to find a
feature that is on without its channel, without any of them knowing the feature.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelNeed:
    """A channel a feature (or the core, with `feature=None`) posts into, and how a moderator sets it.

    `setting` names a one-channel setting (e.g. vent_channel); `channel_set` a set of channels
    (e.g. reflection). `purpose` is the permission set the bot needs there (vent, reflection,
    notice); `what` reads in a sentence ("a vent channel"); `command` is the /config command that
    sets it.
    """

    feature: str | None
    purpose: str
    what: str
    command: str
    setting: str | None = None
    channel_set: str | None = None


# The core's own channel: never required, but checked when chosen.
CHANNEL_NEEDS: dict[str, ChannelNeed] = {
    "notice": ChannelNeed(None, "notice", "the channel for bot notices", "/config notice-channel", "notice_channel")
}


def register_channel_need(need: ChannelNeed) -> ChannelNeed:
    """Declare a channel a feature posts into (an extension loaded again declares it again, identically)."""
    existing = CHANNEL_NEEDS.get(need.purpose)
    if existing is not None and existing != need:
        raise ValueError(f"channel need {need.purpose} is declared twice, differently")
    CHANNEL_NEEDS[need.purpose] = need
    return need
