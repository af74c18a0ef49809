"""Counts of stored things in words a member reads, never in the names the code uses for them.

Features name the parts of their export with keys such as ``anonymous_posts`` or
``blocks_on_you``; /privacy show and /privacy forget say "2 anonymous posts" or "1 block on your
anonymous posting" instead. A key without an entry here still reads as words (underscores become
spaces), and a meta-test checks every key a feature exports has an entry.
"""

from __future__ import annotations

__all__ = ["KNOWN_ITEMS", "count_in_words", "words_for"]

# key -> (one, many)
KNOWN_ITEMS: dict[str, tuple[str, str]] = {
    "anonymous_posts": ("anonymous post you can still delete", "anonymous posts you can still delete"),
    "anonymous_replies": ("anonymous reply you can still delete", "anonymous replies you can still delete"),
    "links to anonymous messages": ("link to an anonymous message", "links to anonymous messages"),
    "deleted_anonymous_message_places": (
        "day and server of a deleted anonymous message (kept only to find your others)",
        "days and servers of deleted anonymous messages (kept only to find your others)",
    ),
    "blocks_on_you": ("pause on your anonymous posting", "pauses on your anonymous posting"),
    "moderator_actions_you_took": ("moderation action you took", "moderation actions you took"),
    "notes_from_moderators": (
        "unread note from a moderator about your anonymous messages",
        "unread notes from moderators about your anonymous messages",
    ),
    "notes from moderators": (
        "unread note from a moderator about your anonymous messages",
        "unread notes from moderators about your anonymous messages",
    ),
    "moderator actions": ("moderation action you took", "moderation actions you took"),
    "preferences": ("set of preferences", "sets of preferences"),
    "saved strategies": ("saved strategy", "saved strategies"),
    "reminders": ("strategy reminder", "strategy reminders"),
    "notices": ("notice waiting for you", "notices waiting for you"),
    "notes": ("private note", "private notes"),
    "moments": ("saved moment", "saved moments"),
    "moment settings": ("setting for good moments", "settings for good moments"),
    "plans": ("check-in plan", "check-in plans"),
    "answers": ("check-in answer", "check-in answers"),
    "prompts": ("prompt you wrote", "prompts you wrote"),
    "prompts unlinked": ("prompt you wrote, no longer linked to you", "prompts you wrote, no longer linked to you"),
    "schedules": ("schedule you set up", "schedules you set up"),
    "schedules unlinked": (
        "schedule you set up, no longer linked to you",
        "schedules you set up, no longer linked to you",
    ),
    "volunteer listings": ("listing as a volunteer", "listings as a volunteer"),
    "event reminders": ("event reminder", "event reminders"),
    "messages waiting": ("direct message waiting to be sent", "direct messages waiting to be sent"),
    "direct message conversation": (
        "stored id of our direct-message conversation",
        "stored ids of our direct-message conversations",
    ),
    "look-back schedules": ("weekly look-back", "weekly look-backs"),
    "welcome sequences": ("welcome sequence", "welcome sequences"),
    "welcome timers": ("timer for your next welcome message", "timers for your next welcome messages"),
    "connect entries": ("peer connection entry", "peer connection entries"),
    "suggestions": ("peer connection suggestion", "peer connection suggestions"),
}


def words_for(key: str, count: int) -> str:
    """The plain words for ``count`` items stored under ``key``."""
    one, many = KNOWN_ITEMS.get(key, (key.replace("_", " "), key.replace("_", " ")))
    return one if count == 1 else many


def count_in_words(counts: dict[str, int]) -> str:
    """Counts as words, e.g. "2 saved strategies, 1 set of preferences"; zero counts are left out."""
    said = [f"{count} {words_for(key, count)}" for key, count in counts.items() if count]
    return ", ".join(said) or "nothing"
