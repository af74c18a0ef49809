"""Reading the demo's preview snapshot (SimCord's JSON projection of what the page shows)."""

from __future__ import annotations

from typing import Any


def message_texts(snapshot: dict[str, Any]) -> str:
    """All the words the page shows in its messages: content, embed titles, descriptions and fields."""
    parts: list[str] = []
    for message in snapshot["messages"].values():
        parts.append(message.get("content") or "")
        for embed in message.get("embeds") or []:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            parts += [f"{f.get('name', '')} {f.get('value', '')}" for f in embed.get("fields") or []]
    return "\n".join(parts)


def authors(snapshot: dict[str, Any]) -> set[str]:
    """The names shown as the author of each message."""
    return {message["author"]["name"] for message in snapshot["messages"].values()}


def buttons(snapshot: dict[str, Any]) -> list[str]:
    """The labels of every button on the page's messages."""
    found: list[str] = []
    for message in snapshot["messages"].values():
        for row in message.get("components") or []:
            found += [c.get("label") or "" for c in row.get("components") or [] if c.get("type") == 2]
    return found
