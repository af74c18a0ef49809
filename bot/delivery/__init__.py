"""Delivery of direct messages: the rate-limited queue, the DM sender every feature shares, and the
one store of notices owed to members when a feature paused a DM they couldn't receive."""
