"""Delivery of direct messages: the rate-limited queue and the DM sender every feature shares."""
