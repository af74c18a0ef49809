"""Links people can trust: no hidden characters, and the real host shown beside the name.

A link whose text holds a control character, an invisible formatting character (a right-to-left
override, a zero-width space, ...) or a character Unicode has not assigned can display as something
it is not, so it is refused wherever links come in: from moderators and from content files. When a
link is shown under a name, its host is shown beside it, so the name cannot stand in for the address.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

# Cc control, Cf format (bidi overrides, zero-width), Cn unassigned; Co and Cs are refused as well.
_REFUSED_CATEGORIES = {"Cc": "a control character", "Cf": "an invisible formatting character"}
_OTHER = "a character that is not a letter, digit or sign"
# Bidirectional controls reorder the text that follows them, up to the end of the line.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _describe(character: str) -> str:
    code = f"U+{ord(character):04X}"
    category = unicodedata.category(character)
    if category == "Cn":
        return f"a character Unicode has not assigned ({code})"
    kind = _REFUSED_CATEGORIES.get(category, _OTHER)
    name = unicodedata.name(character, "")
    return f"{kind} ({code}{' ' + name.lower() if name else ''})"


def hidden_character(text: str) -> str | None:
    """Describe the first control, format, unassigned, private-use or surrogate character, or None.

    The description names the character and its position (counting from 1), for example
    "an invisible formatting character (U+202E right-to-left override) at character 21".
    """
    for position, character in enumerate(text, start=1):
        if unicodedata.category(character).startswith("C"):
            return f"{_describe(character)} at character {position}"
    return None


def bidi_control(text: str) -> str | None:
    """Describe the first control or bidirectional control in a name shown beside a link, or None.

    Names may hold other format characters (the zero-width joiner inside emoji, the zero-width
    non-joiner some scripts need); these two kinds are refused because they can move or hide the host.
    """
    for position, character in enumerate(text, start=1):
        if character in _BIDI_CONTROLS or unicodedata.category(character) == "Cc":
            return f"{_describe(character)} at character {position}"
    return None


def link_host(url: str) -> str:
    """The host a link really goes to, lowercased (empty if it has none)."""
    return (urlsplit(url).hostname or "").lower()
