"""IANA time zone names: validation with the closest matches suggested on a typo."""

from __future__ import annotations

import difflib
import functools
import zoneinfo

from bot.errors import UserFacingError


@functools.cache
def _zones() -> tuple[tuple[str, ...], dict[str, str]]:
    names = tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC"))
    return names, {name.lower(): name for name in names}


def suggest(text: str, limit: int = 3) -> list[str]:
    """Zone names close to what was typed, best first."""
    _, by_lower = _zones()
    query = text.strip().replace(" ", "_").lower()
    if not query:
        return []
    starts = [name for low, name in by_lower.items() if query in low]
    close = difflib.get_close_matches(query, list(by_lower), n=limit, cutoff=0.5)
    merged: list[str] = []
    for name in [by_lower[c] for c in close] + sorted(starts, key=len):
        if name not in merged:
            merged.append(name)
    return merged[:limit]


def validate_zone(text: str) -> str:
    """Return the canonical zone name, or raise a UserFacingError suggesting the closest ones."""
    _, by_lower = _zones()
    key = text.strip().replace(" ", "_").lower()
    if key in by_lower:
        return by_lower[key]
    hints = suggest(text)
    hint = f" Did you mean {', '.join(hints)}?" if hints else ""
    shown = text.strip()[:60]
    raise UserFacingError(
        f"I don't know the time zone '{shown}'. Use a region/city name like Europe/London or America/New_York.{hint}"
    )


def autocomplete(current: str, limit: int = 25) -> list[str]:
    """Zone names for an autocomplete box (Discord shows at most 25)."""
    names, _ = _zones()
    query = current.strip().replace(" ", "_").lower()
    if not query:
        return list(names[:limit])
    matches = [name for name in names if query in name.lower()]
    # Names where a part starts with what was typed ("lord" -> Lord_Howe) come before mid-word matches.
    matches.sort(key=lambda name: not any(part.lower().startswith(query) for part in name.split("/")))
    return matches[:limit]
