"""Built-in co-reflection prompts: the one seam between /reflect and the shared content files.

`reflection_prompts()` returns `[(id, text), ...]`. Today it reads the `reflection` set of
`content/prompts.toml` when that file exists (and offers no built-ins otherwise); once the content
store lands it can be swapped for it here without touching the cog or the service.

Accepted shapes (TOML):

    [[reflection]]              # an array of tables ...
    id = "not-about-me"
    text = "When did you last notice that a coworker's reaction was not about you?"
    source = "[003]"

    [reflection]                # ... or a table holding `prompts = [...]` of the same tables
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PROMPTS_FILE = Path(__file__).resolve().parents[2] / "content" / "prompts.toml"
SET_NAME = "reflection"


def _entries(data: dict[str, Any]) -> list[Any]:
    found = data.get(SET_NAME, [])
    if isinstance(found, dict):
        found = found.get("prompts", [])
    return found if isinstance(found, list) else []


def load_prompts(path: Path) -> list[tuple[str, str]]:
    """Read `(id, text)` pairs from a prompts file; an unreadable file or entry is skipped, not fatal."""
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        log.error("could not read %s (%s); no built-in reflection prompts", path.name, type(error).__name__)
        return []
    prompts: list[tuple[str, str]] = []
    seen: set[str] = set()
    for entry in _entries(data):
        if not isinstance(entry, dict):
            continue
        prompt_id, text = str(entry.get("id", "")).strip(), str(entry.get("text", "")).strip()
        if prompt_id and text and prompt_id not in seen:
            seen.add(prompt_id)
            prompts.append((prompt_id, text))
    return prompts


_cache: dict[Path, tuple[float, list[tuple[str, str]]]] = {}


def reflection_prompts() -> list[tuple[str, str]]:
    """The built-in reflection prompts as `(id, text)`, in file order."""
    # Autocomplete asks on every keystroke: re-read only when the file changed.
    try:
        stamp = PROMPTS_FILE.stat().st_mtime
    except OSError:
        return []
    cached = _cache.get(PROMPTS_FILE)
    if cached is None or cached[0] != stamp:
        cached = (stamp, load_prompts(PROMPTS_FILE))
        _cache[PROMPTS_FILE] = cached
    return list(cached[1])
